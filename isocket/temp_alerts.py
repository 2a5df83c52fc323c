"""The temperature notifier: TRISEALERT / TFALLALERT (RULES R84, A-37, A-38, A-39).

Evaluated on ``SampleClock`` (from 10 minutes after power-on, on each fresh reading) on the
calibrated reading; no reading, nothing happens. A rise alert goes when T >= t and is
re-armed once T <= t - 1; a fall alert when T <= t, re-armed once T >= t + 1. Both start
armed, and setting a threshold arms it again, so a temperature already beyond the
threshold at the first reading or when it is set gives exactly one alert. Removing the
last alert number turns both off (``SecurityCommands._list_emptied``).
"""

from micropython import const

from isocket.command_processor import parse_int
from isocket.commands import INCORRECT_VALUE, Refusal, ascii_upper
from isocket.security_commands import ok
from isocket.settings import ALERT_TEMP_RANGE
from isocket.thermostat import NO_ALERT_NUMBERS, SampleClock

_REARM_X10 = const(10)  # re-arm 1 degree back inside the threshold


def parse_temp(value: str | None, lo: int, hi: int) -> int:
    """A whole number of degrees, optionally negative, within lo..hi, else ``Incorrect value!``."""
    v = value or ""
    neg = v.startswith("-")
    n = parse_int(v[1:] if neg else v, 0, max(-lo, hi))
    if neg:
        n = -n
    if not lo <= n <= hi:
        raise Refusal(INCORRECT_VALUE)
    return n


class TempAlerts:
    """Sends the rise / fall alerts and answers TRISEALERT= / TFALLALERT= and their queries.

    ``status.temperature_x10()`` / ``temperature()`` give the calibrated reading or None;
    ``alerts.send(kind, text, now)`` reaches every alert number; ``now`` is the boot tick.
    """

    def __init__(self, settings, status, alerts, now: int) -> None:
        self.settings = settings
        self.status = status
        self.alerts = alerts
        self._clock = SampleClock(now)
        self.rise_armed = True
        self.fall_armed = True

    # --- the loop
    def poll(self, now: int) -> None:
        if not self._clock.due(now, self.status.reading_serial()):
            return
        s = self.settings
        if s.trisealert is None:
            self.rise_armed = True
        if s.tfallalert is None:
            self.fall_armed = True
        t = self.status.temperature_x10()
        if t is None:
            return
        rise = s.trisealert
        if rise is not None:
            if self.rise_armed and t >= rise * 10:
                self.rise_armed = False
                self._send("trise", "TEMPERATURE rise alert! TEMP: %dC (TRISEALERT=%d)", rise, now)
            elif not self.rise_armed and t <= rise * 10 - _REARM_X10:
                self.rise_armed = True
        fall = s.tfallalert
        if fall is not None:
            if self.fall_armed and t <= fall * 10:
                self.fall_armed = False
                self._send("tfall", "TEMPERATURE fall alert! TEMP: %dC (TFALLALERT=%d)", fall, now)
            elif not self.fall_armed and t >= fall * 10 + _REARM_X10:
                self.fall_armed = True

    def _send(self, kind: str, form: str, threshold: int, now: int) -> None:
        t = self.status.temperature()
        if t is not None:
            self.alerts.send(kind, form % (t, threshold), now)

    def next_deadline(self, now: int) -> int | None:
        return self._clock.wait(now)

    # --- commands
    def do_temp_alert(self, cmd, value, now):
        s = self.settings
        if ascii_upper(value or "") == "OFF":
            setattr(s, cmd.arg, None)
            shown = "OFF"
        else:
            t = parse_temp(value, ALERT_TEMP_RANGE[0], ALERT_TEMP_RANGE[1])
            if not s.alertnumbers:
                raise Refusal(NO_ALERT_NUMBERS)
            setattr(s, cmd.arg, t)
            shown = "%d" % t
        if cmd.arg == "trisealert":
            self.rise_armed = True  # a temperature already beyond it gives one alert
        else:
            self.fall_armed = True
        return ok(cmd.key + shown)

    def do_temp_alert_query(self, cmd, value, now):
        t = getattr(self.settings, cmd.arg)
        return cmd.key[:-1] + "=" + ("OFF" if t is None else "%d" % t)
