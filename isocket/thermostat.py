"""The thermostat (RULES R75-R81, A-30, A-31, A-33, A-38), TEMPERATURE and TEMPCAL.

Decisions follow ``SampleClock``: none in the first 10 minutes after power-on (the
warm-up), then one on every fresh reading (once a minute), on the calibrated reading (raw -
TEMPCAL, in tenths of a degree); no reading, no action. With H = 0.5 degrees:

    HEATING  off at T >= TEMPOFF, on at T < TEMPOFF - H
    COOLING  off at T <= TEMPOFF, on at T > TEMPOFF + H

Inside the band the socket stays as it is, so a user's change stands until a threshold is
met again (A-31). The thermostat switches through ``MainSocket.drive``, which leaves the
state POWERSTATE=REMEMBER stores alone: thermostat cycling writes nothing to flash
(docs/storage.md, "Wear budget"). Each switch-off with THERMALERT=ON sends
``THERMALERT: TEMPOFF=<x> reached, Power socket OFF`` to every alert number.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.command_processor import parse_int
from isocket.commands import INCORRECT_VALUE, Refusal, ascii_upper
from isocket.security_commands import enum_reply, ok, on_off
from isocket.settings import ENUMS, TEMPCAL_RANGE, TEMPOFF_RANGE

WARMUP_MS = const(10 * 60_000)
SAMPLE_MS = const(60_000)
_HYSTERESIS_X10 = const(5)
NO_ALERT_NUMBERS = "No ALERTNUMBERs!"


class SampleClock:
    """When temperature decisions are due (A-33): from 10 minutes after boot, on every fresh
    reading (the probe reads once a minute), so a decision never acts on a stale reading."""

    def __init__(self, boot: int) -> None:
        self._warm_at = ticks_add(boot, WARMUP_MS)
        self._warm = False
        self._seen = None

    def due(self, now: int, serial) -> bool:
        """True once per fresh reading (``serial`` counts good readings; None: no probe)."""
        if not self._warm:
            if ticks_diff(now, self._warm_at) < 0:
                return False
            self._warm = True
        if serial is None or serial == self._seen:
            return False
        self._seen = serial
        return True

    def wait(self, now: int) -> int | None:
        """Milliseconds until the warm-up ends; after it, fresh readings wake the loop."""
        return None if self._warm else max(0, ticks_diff(self._warm_at, now))


def decide(mode: str, tempoff: int, t_x10: int) -> bool | None:
    """A-30: True to switch on, False to switch off, None to leave the socket as it is."""
    limit = tempoff * 10
    if mode == "COOLING":
        if t_x10 <= limit:
            return False
        return True if t_x10 > limit + _HYSTERESIS_X10 else None
    if t_x10 >= limit:
        return False
    return True if t_x10 < limit - _HYSTERESIS_X10 else None


class Thermostat:
    """Drives the main socket from the temperature; answers the thermostat, THERMALERT,
    TEMPERATURE and TEMPCAL commands.

    ``status.temperature_x10()`` / ``temperature()`` give the calibrated reading or None;
    ``alerts.send(kind, text, now)`` reaches every alert number; ``now`` is the boot tick.
    """

    def __init__(self, settings, socket, status, alerts, now: int) -> None:
        self.settings = settings
        self.socket = socket
        self.status = status
        self.alerts = alerts
        self._clock = SampleClock(now)

    # --- the loop
    def poll(self, now: int) -> None:
        if not self._clock.due(now, self.status.reading_serial()):
            return
        s = self.settings
        if not s.thermostat_on:
            return
        t = self.status.temperature_x10()
        if t is None:
            return  # no reading: the socket stays as it is
        want = decide(s.thermostat_mode, s.tempoff, t)
        if want is None:
            return
        was_on = self.socket.on
        self.socket.drive(want, now)
        if was_on and not want and s.thermalert:
            self.alerts.send(
                "thermalert", "THERMALERT: TEMPOFF=%d reached, Power socket OFF" % s.tempoff, now
            )

    def next_deadline(self, now: int) -> int | None:
        return self._clock.wait(now)

    # --- commands
    def _enabled_line(self) -> str:
        return "THERMOSTAT: " + ("Enabled" if self.settings.thermostat_on else "Disabled")

    def do_thermostat(self, cmd, value, now):
        s = self.settings
        if cmd.arg == "ON":
            s.thermostat_on = True
            return "\n".join(
                (
                    ok("THERMOSTATON"),
                    "THERMOSTAT=" + s.thermostat_mode,
                    "TEMPOFF=%d" % s.tempoff,
                    "Attention! Thermostat is working now!",
                )
            )
        s.thermostat_on = False  # the socket stays as it is
        return ok("THERMOSTATOFF") + "\nAttention! Thermostat was disabled!"

    def do_thermostat_mode(self, cmd, value, now):
        mode = ascii_upper(value or "")
        if mode not in ENUMS["thermostat_mode"]:
            raise Refusal(INCORRECT_VALUE)
        self.settings.thermostat_mode = mode
        return "\n".join(
            (ok("THERMOSTAT=" + mode), "TEMPOFF=%d" % self.settings.tempoff, self._enabled_line())
        )

    def do_tempoff(self, cmd, value, now):
        t = parse_int(value, TEMPOFF_RANGE[0], TEMPOFF_RANGE[1])
        self.settings.tempoff = t
        return "\n".join(
            (ok("TEMPOFF=%d" % t), "THERMOSTAT=" + self.settings.thermostat_mode, self._enabled_line())
        )

    def do_thermostat_query(self, cmd, value, now):
        s = self.settings
        return "\n".join((self._enabled_line(), "THERMOSTAT=" + s.thermostat_mode, "TEMPOFF=%d" % s.tempoff))

    def do_thermalert(self, cmd, value, now):
        on = on_off(value)
        if on and not self.settings.alertnumbers:
            raise Refusal(NO_ALERT_NUMBERS)
        self.settings.thermalert = on
        return ok("THERMALERT=" + ("ON" if on else "OFF"))

    def do_thermalert_query(self, cmd, value, now):
        return enum_reply("THERMALERT", ("OFF", "ON"), "ON" if self.settings.thermalert else "OFF")

    def do_temperature(self, cmd, value, now):
        t = self.status.temperature()
        return "TEMPERATURE: N/A" if t is None else "TEMPERATURE: %dC" % t

    def do_tempcal(self, cmd, value, now):
        n = parse_int(value, TEMPCAL_RANGE[0], TEMPCAL_RANGE[1])
        self.settings.tempcal = n
        return ok("TEMPCAL=%d" % n)

    def do_tempcal_query(self, cmd, value, now):
        return "TEMPCAL=%d" % self.settings.tempcal
