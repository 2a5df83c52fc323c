"""Mains presence, the power-failure notifier and the battery cut-off (A-50, A-52; R116-R121).

Mains presence comes from the mains-sense input (VBUS_SENSE on the Pico: high while the
5 V adapter feeds VBUS) and is debounced: a change counts once the input has read the other
level for 3 s without interruption (DECISIONS §4), so shorter dips do nothing. At boot mains
is assumed present; a 707 that boots on its battery notices the loss 3 s later.

A 707 (a battery, model ``707`` or ``707L``), on a loss with at least one alert number:
``Power failure! <time of the loss>`` to every alert number, and, once it is queued, the
"restore owed" flag stored (``BootFlags``, record kind 5; a failure over the alert budget of
6 ``power`` events an hour owes nothing, which also bounds the flash writes of a flapping
supply to 6 records an hour). When mains returns before the device died: ``Power
restored! <time of the return>`` if owed (flag cleared), and POWERSTATE applied again (A-50:
REMEMBER switches to the state the socket would settle in, as after a reboot; running
timers are cancelled, as a power cut cancels them). A boot with the flag set (the battery
ran out or was cut) sends ``Power restored!`` and clears it. A loss noticed after a reset
on the battery with the flag already set is not reported twice.

A 706 cannot see a loss: every power-on boot (not a watchdog or software reset) sends
``Power restored!`` when there are alert numbers (A-52).

Boot messages wait up to 60 s for the wall clock, then carry the time of the boot (or
``--/--/--,--:--:--``). The texts go through ``AlertSender`` (kind ``power``, at most 6
events an hour), never silenced by SMSCONFIRM or ERROR.

Battery cut-off (A-52 step 3): only on boards whose config declares ``power_latch``. After a
loss the latch is released once nothing is left to send (``sms.busy`` false) or 6 minutes
after the loss at the latest; the return of mains cancels it and holds the latch again.
Not measured, so not done: skipping the notifier below the battery's safe discharge level.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.wallclock import fmt, from_seconds, read_wall, to_seconds

DEBOUNCE_MS = const(3000)
CUT_AFTER_MS = const(6 * 60_000)
CLOCK_WAIT_MS = const(60_000)
RECHECK_MS = const(1000)  # while waiting for the clock or for the outbox to drain
UNKNOWN_TIME = "--/--/--,--:--:--"
FAILURE_TEXT = "Power failure! "
RESTORED_TEXT = "Power restored! "


class PowerMonitor:
    """Debounced mains presence (``present``, ``on_battery``) and the notifier above.

    ``mains``: an input with ``value`` (True: mains present) or None; ``latch``: an output
    with ``value`` (True holds the battery on) or None; ``status.wall_time(now)``;
    ``flags``: ``BootFlags``; ``sms.busy``: messages still to send.
    """

    def __init__(
        self, mains, latch, model, settings, socket, alerts, status, flags, sms, log, now, power_on_boot
    ):
        self._mains = mains
        self._latch = latch
        self.battery = str(model).startswith("707")
        self._settings = settings
        self._socket = socket
        self._alerts = alerts
        self._status = status
        self._flags = flags
        self._sms = sms
        self._log = log
        self.present = True
        self._edge_at: int | None = None  # when the input first read the other level
        self._cut_at: int | None = None  # battery cut deadline (latch boards, on battery)
        self._boot_at = now
        # a 707 owes "Power restored!" after a reported failure, a 706 at every power-on
        self._boot_restore = flags.restore_owed if self.battery else bool(power_on_boot)
        if latch is not None:
            latch.value = True

    @property
    def on_battery(self) -> bool:
        """A 707 running from its battery (mains absent for 3 s)."""
        return self.battery and not self.present

    # --- loop
    def poll(self, now: int) -> None:
        if self.battery and self._mains is not None:
            self._debounce(now)
        if self._boot_restore and self.present and self._edge_at is None:
            if read_wall(self._status, now) is not None or ticks_diff(now, self._boot_at) >= CLOCK_WAIT_MS:
                self._boot_restore = False
                self._restored(now, self._boot_at)
        if self._cut_at is not None:
            self._cut_check(now)

    def next_deadline(self, now: int) -> int | None:
        waits = []
        if self._edge_at is not None:
            waits.append(max(0, DEBOUNCE_MS - ticks_diff(now, self._edge_at)))
        if self._boot_restore:
            waits.append(min(RECHECK_MS, max(0, CLOCK_WAIT_MS - ticks_diff(now, self._boot_at))))
        if self._cut_at is not None:
            waits.append(min(RECHECK_MS, max(0, ticks_diff(self._cut_at, now))))
        best = None
        for w in waits:
            if best is None or w < best:
                best = w
        return best

    def _debounce(self, now: int) -> None:
        try:
            raw = bool(self._mains.value)
        except Exception:
            return  # an unreadable input changes nothing
        if raw == self.present:
            self._edge_at = None
            return
        if self._edge_at is None:
            self._edge_at = now
            return
        if ticks_diff(now, self._edge_at) < DEBOUNCE_MS:
            return
        at, self._edge_at = self._edge_at, None
        self.present = raw
        if raw:
            self._back(now, at)
        else:
            self._lost(now, at)

    # --- events
    def _lost(self, now: int, at: int) -> None:
        self._line("mains lost: running on the battery")
        self._boot_restore = False  # owed until mains is back
        if self._latch is not None:
            self._cut_at = ticks_add(at, CUT_AFTER_MS)
        if self._flags.restore_owed:
            self._line("the failure was reported before the reset: not again")
            return
        if not self._settings.alertnumbers:
            self._line("no alert numbers: no Power failure! message")
            return
        if not self._alerts.send("power", FAILURE_TEXT + self._stamp(now, at), now):
            return  # over the hourly budget (or not queued): nothing owed, nothing stored
        self._flags.restore_owed = True
        if not self._flags.save():
            self._line("the failure flag could NOT be stored")

    def _back(self, now: int, at: int) -> None:
        self._line("mains back")
        if self._cut_at is not None:
            self._cut_at = None
            self._line("battery cut-off cancelled")
        if self._latch is not None:
            self._latch.value = True
        if self._flags.restore_owed:
            self._restored(now, at)
        self._reapply(now)

    def _restored(self, now: int, at: int) -> None:
        self._alerts.send("power", RESTORED_TEXT + self._stamp(now, at), now)
        if self._flags.restore_owed:
            self._flags.restore_owed = False
            if not self._flags.save():
                self._line("the failure flag could NOT be cleared")

    def _reapply(self, now: int) -> None:
        policy = self._settings.powerstate
        if policy == "ON":
            on = True
        elif policy == "OFF":
            on = False
        else:
            on = bool(self._socket.settled)
        self._socket.switch(on, now)
        self._line("POWERSTATE=%s applied again: socket %s" % (policy, "ON" if on else "OFF"))

    def _cut_check(self, now: int) -> None:
        if self.present:
            self._cut_at = None
            return
        late = ticks_diff(now, self._cut_at) >= 0  # type: ignore[arg-type]
        if self._sms.busy and not late:
            return
        self._cut_at = None
        why = "6 minutes on the battery" if late else "nothing left to send"
        self._line("cutting the battery off (%s)" % why)
        try:
            self._latch.value = False
        except Exception as e:
            self._line("battery cut-off failed: %s" % e)

    # --- time stamps
    def _stamp(self, now: int, at: int) -> str:
        """The wall time at tick ``at`` (a few seconds before ``now``), as the texts write it."""
        wall = read_wall(self._status, now)
        if wall is None:
            return UNKNOWN_TIME
        secs = to_seconds(wall) - (max(0, ticks_diff(now, at)) + 500) // 1000
        return fmt(from_seconds(secs, wall[6])) if secs >= 0 else UNKNOWN_TIME

    def _line(self, text: str) -> None:
        if self._log is not None:
            self._log.line("POWER", text)
