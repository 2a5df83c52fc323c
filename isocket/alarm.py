"""The alarm function and its notifier: arming, the logical input, sessions, alerts (A-44..A-47).

Input (A-44): SENSORTYPE=NO is active while the contact is closed, NC while it is open
(a cut wire reads as active). ``active`` is that logical state, armed or not.

Sessions (A-45), for ALERT=SMS, CALL and OFF: while armed and detection is open, an
idle->active change, an input still active when detection reopens, or arming while it is
active starts a session: a log entry (A-47), the micro relay closed for MICRORELAYTIME
(A-65), then the notification cycle:

- SMS: ``ALARM! Sensor activated <time>`` to every alert number; complete at once;
- CALL: each alert number is dialled once, in list order, ringing 20 s. Answered: the
  microphone is live, the micro relay released, complete. Rejected: complete, no SMS.
  No answer or failure: the next number, 2 s later (so an ALARMOFF held back by the call
  is read first, A-51). A number whose call cannot be placed within 20 s (modem busy or
  not ready) counts as not reached. Nobody reached: the SMS text to every alert number,
  complete;
- OFF: the log entry and the micro relay only.

Detection is closed from the session start until 60 s after the cycle completes. ALARMOFF
(or ``disarm``) cancels the pending calls and the SMS fallback, releases the micro relay
and reopens detection. The button (A-46) disarms without cancelling a running cycle.

ALERT=SMSCHANGE reports each change of the logical state while armed, at most one SMS per
60 s: at the end of the 60 s the current state is reported if it differs from the last
one reported. Each idle->active change is logged and closes the micro relay.

Alert SMS go through ``AlertSender`` (6 events of a kind per hour); at most 6 call
cycles an hour are started, later sessions only log and close the relay. Times are the wall
clock's; without one they are written ``--/--/--,--:--:--``. Queued SMS are left to the
SMS service: "sent" here means queued.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.alarm_log import AlarmLog
from isocket.alerts import HOUR_MS, MAX_PER_HOUR, dial_string
from isocket.commands import INCORRECT_VALUE, Refusal, ascii_upper
from isocket.security_commands import enum_reply, ok
from isocket.settings import ENUMS
from isocket.wallclock import fmt, read_wall

_HOLD_OFF_MS = const(60_000)
_CHANGE_GAP_MS = const(60_000)
_RING_MS = const(20_000)  # each alert number rings this long (R99)
_PLACE_WINDOW_MS = const(20_000)  # a call not placed within this counts as not reached
_PLACE_RETRY_MS = const(1000)
_CALL_GRACE_MS = const(40_000)  # safety net: no outcome this long after the ring time: hang up
_CALL_POLL_MS = const(250)
_CALL_GAP_MS = const(2000)  # between two calls: an SMS held back by the call (ALARMOFF) is read
UNKNOWN_TIME = "--/--/--,--:--:--"
ALARM_TEXT = "ALARM! Sensor activated "

OPEN, CYCLE, HOLD = "open", "cycle", "hold-off"


class Alarm:
    """The alarm feature. ``active``: the input is logically active; ``busy``: a cycle runs.

    ``sensor``: ``hw.sensor.Sensor`` or None; ``micro_relay``: ``MicroRelay`` or None;
    ``alerts``: ``AlertSender``; ``calls``: the calls module or None (CALL then texts);
    ``status.wall_time(now)``; ``persist(settings) -> bool`` stores the settings;
    ``store``: the RecordStore holding the log.
    """

    def __init__(self, sensor, settings, micro_relay, alerts, calls, status, persist, store, log, now):
        self._sensor = sensor
        self._settings = settings
        self._micro = micro_relay
        self._alerts = alerts
        self._calls = calls
        self._status = status
        self._persist = persist
        self._log = log
        self.alarm_log = AlarmLog(store, log)
        self.active = False
        self.phase = OPEN
        self._hold_until: int | None = None
        self._was_armed = bool(settings.alarm_armed)
        self._text = ""
        # ALERT=CALL
        self._numbers: list = []  # still to try, in list order
        self._calling: str | None = None  # the number our call is ringing
        self._call_deadline: int | None = None
        self._place_until: int | None = None
        self._retry_at: int | None = None
        self._cycles: list = []  # ticks of the call cycles of the last hour (the alert budget)
        # ALERT=SMSCHANGE
        self._in_change_mode = settings.alert == "SMSCHANGE"
        self._reported = False  # the last state reported
        self._gap_until: int | None = None
        self._final: bool | None = None  # a state still owed after a button disarm

    # --- what others read
    @property
    def armed(self) -> bool:
        return bool(self._settings.alarm_armed)

    @property
    def busy(self) -> bool:
        """A notification cycle is running."""
        return self.phase == CYCLE

    @property
    def alerting(self) -> bool:
        """POWER LED 4 Hz (A-56): armed and the input active, or a cycle running."""
        return (self.armed and self.active) or self.busy

    # --- arming
    def disarm(self, now: int) -> None:
        """ALARMOFF (SMS or scheduler): disarm, cancel what is pending, release the relay.

        The caller stores the settings."""
        self._settings.alarm_armed = False
        self._disarmed(now)

    def button_press(self, now: int) -> bool:
        """A short press (A-46): True when it disarmed the alarm (the socket is not toggled).

        A running cycle continues; the disarmed state is stored at once."""
        if not self.armed:
            return False
        self._settings.alarm_armed = False
        self._was_armed = False
        if self._micro is not None:
            self._micro.alarm_release(now)
        if self.phase == HOLD:
            self.phase = OPEN
            self._hold_until = None
        if self._in_change_mode and self._gap_until is not None and self.active != self._reported:
            self._final = self.active  # a change already seen is still reported
        if not self._persist(self._settings):
            self._line("disarmed by the button, but the setting could NOT be stored")
        self._line("disarmed by the button" + (" (the running cycle continues)" if self.busy else ""))
        return True

    def _disarmed(self, now: int) -> None:
        self._was_armed = False
        if self.busy:
            self._line("cycle cancelled")
        self._stop_calling()
        self._numbers = []
        self.phase = OPEN
        self._hold_until = None
        self._final = None
        if self._micro is not None:
            self._micro.alarm_release(now)

    def _armed(self, now: int) -> None:
        self._was_armed = True
        if self.phase == HOLD:
            self.phase = OPEN
            self._hold_until = None
        if self._in_change_mode:
            self._reported = False
            self._final = None
            if self.active:
                self._rise(now)  # arming while active: at once, no exit delay

    # --- loop
    def poll(self, now: int) -> None:
        armed = self.armed
        if armed != self._was_armed:
            if armed:
                self._armed(now)
            else:
                self._disarmed(now)
        change_mode = self._settings.alert == "SMSCHANGE"
        if change_mode != self._in_change_mode:
            self._in_change_mode = change_mode
            self._reported = self.active  # nothing to report about the state as it is
            self._final = None
        sensor = self._sensor
        if sensor is not None:
            while sensor.next_event(now) is not None:
                self._update(now)
        self._update(now)  # SENSORTYPE may have changed
        while self._cycles and ticks_diff(now, self._cycles[0]) >= HOUR_MS:
            self._cycles.pop(0)  # forgotten before ticks_diff could wrap round
        if self.phase == CYCLE:
            self._run_calls(now)
        if self.phase == HOLD and ticks_diff(now, self._hold_until) >= 0:  # type: ignore[arg-type]
            self.phase = OPEN
            self._hold_until = None
        if self.phase == OPEN and self.active and self.armed and not self._in_change_mode:
            self._start(now)
        self._change_check(now)
        self.alarm_log.poll(now)

    def next_deadline(self, now: int) -> int | None:
        waits = [self.alarm_log.next_deadline(now)]
        if self._sensor is not None:
            waits.append(self._sensor.next_deadline(now))
        if self.phase == HOLD:
            waits.append(_left(self._hold_until, now))
        elif self.phase == CYCLE:
            if self._calling is not None:
                waits.append(min(_CALL_POLL_MS, _left(self._call_deadline, now)))
            else:
                waits.append(0 if self._retry_at is None else _left(self._retry_at, now))
        if self._gap_until is not None:
            waits.append(_left(self._gap_until, now))
        if self._cycles:
            waits.append(max(0, HOUR_MS - ticks_diff(now, self._cycles[0])))
        best = None
        for w in waits:
            if w is not None and (best is None or w < best):
                best = w
        return best

    def _update(self, now: int) -> None:
        s = self._sensor
        if s is None or not s.ready:
            active = False
        else:
            active = s.closed if self._settings.sensortype == "NO" else not s.closed
        if active == self.active:
            return
        self.active = active
        self._line("input %s" % ("active" if active else "idle"))
        if not self.armed:
            return
        if self._in_change_mode:
            if active:
                self._rise(now)
            self._change_check(now)
        elif active and self.phase == OPEN:
            self._start(now)

    # --- sessions
    def _stamp(self, now: int) -> str:
        wall = read_wall(self._status, now)
        return fmt(wall) if wall is not None else UNKNOWN_TIME

    def _rise(self, now: int) -> None:
        # the start actions every mode shares: log entry, micro relay (A-45 step 2)
        self.alarm_log.add(read_wall(self._status, now), now)
        if self._micro is not None:
            self._micro.alarm_on(self._settings.microrelay_time, now)

    def _start(self, now: int) -> None:
        mode = self._settings.alert
        self._line("session started (ALERT=%s)" % mode)
        self._rise(now)
        self._text = ALARM_TEXT + self._stamp(now)
        numbers = self._settings.alertnumbers
        if mode == "CALL" and self._calls is not None and numbers:
            if len(self._cycles) >= MAX_PER_HOUR:  # the alert budget counts call cycles too
                self._line("%d call cycles this hour already: not calling" % MAX_PER_HOUR)
                self._complete(now)
                return
            self._cycles.append(now)
            self.phase = CYCLE
            self._numbers = list(numbers)
            self._calling = None
            self._retry_at = None
            self._place_until = ticks_add(now, _PLACE_WINDOW_MS)
            self._run_calls(now)
            return
        if mode in ("SMS", "CALL"):
            self._alerts.send("alarm", self._text, now)
        self._complete(now)

    def _complete(self, now: int) -> None:
        if self.armed:
            self.phase = HOLD
            self._hold_until = ticks_add(now, _HOLD_OFF_MS)
        else:  # disarmed by the button meanwhile: nothing to hold off
            self.phase = OPEN
            self._hold_until = None

    # --- ALERT=CALL
    def _stop_calling(self) -> None:
        if self._calling is not None:
            self._calling = None
            try:
                self._calls.hangup()
            except Exception as e:
                self._line("hang-up failed: %s" % e)

    def _run_calls(self, now: int) -> None:
        calls = self._calls
        if self._calling is not None:
            outcome = calls.outcome
            if outcome is None:
                if ticks_diff(now, self._call_deadline) >= 0:  # type: ignore[arg-type]
                    self._line("no outcome from the call to %s: hung up" % self._calling)
                    self._stop_calling()
                    self._next_number(now)
                return
            number, self._calling = self._calling, None
            self._line("call to %s: %s" % (number, outcome))
            if outcome == "answered":  # the calls module makes the microphone live
                if self._micro is not None:
                    self._micro.alarm_release(now)
                self._complete(now)
                return
            if outcome == "rejected":
                self._complete(now)
                return
            self._next_number(now)
        if not self._numbers:
            self._line("nobody reached: SMS to the alert numbers")
            self._alerts.send("alarm", self._text, now)
            self._complete(now)
            return
        if self._retry_at is not None and ticks_diff(now, self._retry_at) < 0:
            return
        number = self._numbers[0]
        placed = False
        try:
            placed = bool(calls.dial(dial_string(number), _RING_MS))
        except Exception as e:
            self._line("dial failed: %s" % e)
        if placed:
            self._numbers.pop(0)
            self._calling = number
            self._call_deadline = ticks_add(now, _RING_MS + _CALL_GRACE_MS)
            self._retry_at = None
            self._line("calling %s" % number)
        elif ticks_diff(now, self._place_until) >= 0:  # type: ignore[arg-type]
            self._line("could not call %s" % number)
            self._numbers.pop(0)
            self._next_number(now)
        else:
            self._retry_at = ticks_add(now, _PLACE_RETRY_MS)

    def _next_number(self, now: int) -> None:
        self._retry_at = ticks_add(now, _CALL_GAP_MS)
        self._place_until = ticks_add(now, _CALL_GAP_MS + _PLACE_WINDOW_MS)

    # --- ALERT=SMSCHANGE
    def _change_check(self, now: int) -> None:
        if self._gap_until is not None:
            if ticks_diff(now, self._gap_until) < 0:
                return
            self._gap_until = None  # forgotten before ticks_diff could wrap round
        if self.armed and self._in_change_mode:
            state = self.active
        elif self._final is not None:
            state, self._final = self._final, None
        else:
            return
        if state == self._reported:
            return
        self._reported = state
        self._gap_until = ticks_add(now, _CHANGE_GAP_MS)
        word = "Activity detected " if state else "No activity "
        self._alerts.send("sensor-state", "Sensor state: " + word + self._stamp(now), now)

    # --- commands
    def do_alarm(self, cmd, value, now):
        if cmd.arg == "ON":
            self._settings.alarm_armed = True  # the session (if active) starts in poll
            return "ALARMON - OK\nALARM function: Enabled"
        self.disarm(now)
        return "ALARMOFF - OK\nALARM function: Disabled"

    def do_alarm_query(self, cmd, value, now):
        s = self._sensor
        return "ALARM function: %s\nSensor(s): %s\nALARM status: %s\nMicro relay: %s" % (
            "Enabled" if self.armed else "Disabled",
            "Closed" if s is not None and s.closed else "Open",
            "Activity detected" if self.active else "No activity",
            "Enabled" if self._settings.microrelay_time > 0 else "Disabled",
        )

    def do_sensortype(self, cmd, value, now):
        return self._set_enum("sensortype", "SENSORTYPE=", value)

    def do_sensortype_query(self, cmd, value, now):
        return enum_reply("SENSORTYPE", ENUMS["sensortype"], self._settings.sensortype)

    def do_alert_mode(self, cmd, value, now):
        return self._set_enum("alert", "ALERT=", value)

    def do_alert_mode_query(self, cmd, value, now):
        return enum_reply("ALERT", ENUMS["alert"], self._settings.alert)

    def do_alarm_log(self, cmd, value, now):
        return self.alarm_log.text()

    def _set_enum(self, attr: str, key: str, value) -> str:
        v = ascii_upper(value or "")
        if v not in ENUMS[attr]:
            raise Refusal(INCORRECT_VALUE)
        setattr(self._settings, attr, v)
        return ok(key + v)

    def _line(self, text: str) -> None:
        if self._log is not None:
            self._log.line("ALARM", text)


def _left(at, now: int) -> int:
    return max(0, ticks_diff(at, now))
