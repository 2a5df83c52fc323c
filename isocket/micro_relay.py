"""The micro relay: ONM/OFFM, ONALL/OFFALL, RESTARTM, MICRORELAYTIME and alarm activations.

Two layers drive the relay (A-65). The *manual* state is what ONM/OFFM/ONALL/OFFALL set
and RESTARTM inverts for RESTARTTIME seconds (A-28, as RESTART does for the socket). An
*alarm activation* closes the relay over it for MICRORELAYTIME seconds; when it ends
(or is released: an answered alarm call, ALARMOFF, the button) the relay shows the manual
state again, which is the pre-alarm state. A manual command cancels an activation and
takes effect at once. The relay is OFF at every boot (A-50): nothing is stored.
"""

from adafruit_ticks import ticks_add, ticks_diff

from isocket.command_processor import parse_int
from isocket.security_commands import ok
from isocket.settings import MICRORELAY_RANGE


class MicroRelay:
    """The micro relay feature; ``on`` is the relay as driven now (STATUS, ``status.micro_relay``)."""

    def __init__(self, output, settings, socket, now, log=None):
        self._out = output  # an Output, or None when the board has no micro relay pin
        self._settings = settings
        self._socket = socket
        self._log = log
        self._manual = False
        self._restart_at: int | None = None
        self._restore = False  # manual state a running RESTARTM returns to
        self._alarm_until: int | None = None
        self.on = False
        self._drive("boot")

    # --- the relay
    def _drive(self, why: str) -> None:
        on = self._manual or self._alarm_until is not None
        changed = on != self.on
        self.on = on
        if self._out is not None:
            self._out.value = on
        if changed and self._log is not None:
            self._log.line("RELAY", "micro relay %s (%s)" % ("ON" if on else "OFF", why))

    def _set_manual(self, on: bool, now: int) -> None:
        self._restart_at = None
        self._alarm_until = None  # a manual command cancels an alarm activation
        self._manual = bool(on)
        self._drive("command")

    def restart(self, seconds: int, now: int) -> None:
        """RESTARTM: the opposite of the manual state for ``seconds``, then back (A-28)."""
        self._alarm_until = None
        if self._restart_at is None:
            self._restore = self._manual
            self._manual = not self._manual
        self._restart_at = ticks_add(now, max(1, seconds) * 1000)
        self._drive("restart")

    # --- the alarm's side
    def alarm_on(self, seconds: int, now: int) -> None:
        """Close the relay for ``seconds`` (MICRORELAYTIME); 0 leaves it alone (A-65)."""
        if seconds <= 0:
            return
        self._alarm_until = ticks_add(now, seconds * 1000)
        self._drive("alarm")

    def alarm_release(self, now: int) -> None:
        """End an alarm activation now (call answered, ALARMOFF, button)."""
        if self._alarm_until is not None:
            self._alarm_until = None
            self._drive("alarm released")

    @property
    def alarm_active(self) -> bool:
        return self._alarm_until is not None

    # --- loop
    def poll(self, now: int) -> None:
        if self._alarm_until is not None and ticks_diff(now, self._alarm_until) >= 0:
            self._alarm_until = None
            self._drive("MICRORELAYTIME over")
        if self._restart_at is not None and ticks_diff(now, self._restart_at) >= 0:
            self._restart_at = None
            self._manual = self._restore
            self._drive("restart over")

    def next_deadline(self, now: int) -> int | None:
        wait = None
        for at in (self._alarm_until, self._restart_at):
            if at is not None:
                left = max(0, ticks_diff(at, now))
                wait = left if wait is None else min(wait, left)
        return wait

    # --- commands
    def do_microrelay(self, cmd, value, now):
        self._set_manual(cmd.arg == "ON", now)
        return "Microrelay " + cmd.arg

    def do_switch_all(self, cmd, value, now):
        on = cmd.arg == "ON"
        self._socket.switch(on, now)
        self._set_manual(on, now)
        return "All " + cmd.arg

    def do_restart_microrelay(self, cmd, value, now):
        self.restart(self._settings.restart_time, now)
        return "Microrelay restarted"

    def do_microrelay_time(self, cmd, value, now):
        seconds = parse_int(value, MICRORELAY_RANGE[0], MICRORELAY_RANGE[1])
        self._settings.microrelay_time = seconds
        return ok("MICRORELAYTIME=%d" % seconds)

    def do_microrelay_time_query(self, cmd, value, now):
        return "MICRORELAYTIME=%d seconds" % self._settings.microrelay_time
