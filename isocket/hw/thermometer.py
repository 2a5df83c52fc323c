"""The DS18B20 probe on the 1-Wire pin, read without blocking the loop.

One cycle every 60 s, the first one second after boot (A-33/A-35: a value as soon as the
first good reading exists). Step 1: presence check (``bus.reset()``), a scan when no probe
is known (after any failure the ROM is forgotten: a re-plugged probe may be another one),
then CONVERT T. Step 2, in a later ``poll`` at least 800 ms on (750 ms is the 12-bit
maximum): read the scratchpad and check it. A failure clears the reading at once and is
retried after 5 s (three times), then every 60 s.

No reading (``celsius_x16`` None, platform doc CIRCUITPYTHON_RP2040.md section 4): no
presence pulse (probe missing or line shorted), a CRC error (an open line reads all 0xFF),
a configuration byte without its fixed bits 4..0 set (an all-zero scratchpad passes the
CRC), 127.94 degC (0x07FF, a failed conversion), anything outside -55..125 degC, and an
85.0 degC reading (0x0550, the power-on value) that the conversion just before it did not
also read. That 85.0 rule needs no scratchpad byte 6, which clones do not keep (byte 6 ==
0x0C does not tell a power-on value from a real 85 degC there): an unconfirmed 85.0
triggers a new conversion 5 s later, and a second 85.0 in a row is taken as real.

What blocks (pure-Python byte loops over onewireio's bit slots, ~70 us each with IRQs off,
reset ~1 ms; estimated ~0.1 ms per bit with the Python overhead, so ~1 ms per byte):
presence check ~1 ms; scan ~25 ms per pass (64 x 3 slots; one pass per device, at most
MAX_DEVICES + 1); CONVERT T ~10 ms (MATCH ROM and one byte: not the driver's
``start_temperature_read()``, which also reads the whole scratchpad for the resolution, a
figure the fixed 800 ms wait does not need); reading the scratchpad ~20 ms. So a step
blocks ~10-20 ms, up to ~150 ms when it scans.
"""

from micropython import const

from adafruit_ds18x20 import DS18X20
from adafruit_onewire.bus import OneWireBus
from adafruit_onewire.device import OneWireDevice
from adafruit_ticks import ticks_add, ticks_diff

FIRST_MS = const(1000)
INTERVAL_MS = const(60000)
CONVERT_MS = const(800)
RETRY_MS = const(5000)
_FAST_RETRIES = const(3)
_MAX_DEVICES = const(4)  # bounds a scan: RuntimeError past it
_FAMILY_DS18B20 = const(0x28)
POWER_ON_X16 = const(0x0550)  # 85.0 degC
_FAILED_X16 = const(0x07FF)  # 127.94 degC
_MIN_X16 = const(-55 * 16)
_MAX_X16 = const(125 * 16)
_CONVERT_T = b"\x44"


class Thermometer:
    """``celsius_x16``: the last good reading in 1/16 degC, or None; ``poll`` never raises.

    ``reads_ok`` / ``reads_failed`` count finished cycles; ``last_error`` names the latest
    failure ("" until one happens).
    """

    def __init__(self, pin, now):
        self.celsius_x16 = None
        self.reads_ok = 0
        self.reads_failed = 0
        self.last_error = ""
        self._bus = OneWireBus(pin)
        self._bus.maximum_devices = _MAX_DEVICES
        self._ds = None
        self._probe = None  # the same device, for CONVERT T alone
        self._converting = False
        self._last_85 = False  # the previous conversion read 85.0 degC
        self._fails = 0
        self._cycle = now
        self._due = ticks_add(now, FIRST_MS)

    def next_deadline(self, now):
        return max(0, ticks_diff(self._due, now))

    def poll(self, now) -> None:
        if ticks_diff(now, self._due) < 0:
            return
        try:
            if self._converting:
                self._converting = False
                error = self._finish()
            else:
                self._cycle = now
                error = self._start()
                if error is None:
                    self._converting = True
                    self._due = ticks_add(now, CONVERT_MS)
                    return
        except Exception as e:  # CRC RuntimeError, OneWireError, anything the bus throws
            self._converting = False
            self._last_85 = False
            error = str(e)[:24] or type(e).__name__
        if error is None:
            self._fails = 0
            self.reads_ok += 1
            self._due = ticks_add(self._cycle, INTERVAL_MS)
            return
        self.celsius_x16 = None
        self.reads_failed += 1
        self.last_error = error
        self._fails += 1
        if error != "85C unconfirmed":
            self._ds = self._probe = None  # rescan on the next cycle
        fast = self._fails <= _FAST_RETRIES or error == "85C unconfirmed"
        self._due = ticks_add(now, RETRY_MS) if fast else ticks_add(self._cycle, INTERVAL_MS)

    def _start(self):
        """Presence, the probe's ROM, CONVERT T: None when converting, else the error."""
        if not self._bus.reset():
            self._last_85 = False
            return "no probe"
        if self._probe is None:
            for address in self._bus.scan():
                if address.family_code == _FAMILY_DS18B20 and not self._bus.crc8(address.rom):
                    self._ds = DS18X20(self._bus, address)
                    self._probe = OneWireDevice(self._bus, address)
                    break
        probe = self._probe
        if probe is None:
            self._last_85 = False
            return "no DS18B20"
        with probe as dev:
            dev.write(_CONVERT_T)
        return None

    def _finish(self):
        """Read and check the conversion: None when ``celsius_x16`` holds it, else the error."""
        ds = self._ds
        if ds is None:
            return "no probe"
        raw = int(ds.read_temperature() * 16)  # exact: the driver divides an int by 16
        scratch = ds._buf  # the scratchpad read_temperature() just read, CRC-checked (ds18x20 1.4.9)
        was_85 = self._last_85
        self._last_85 = False
        if (scratch[4] & 0x1F) != 0x1F:
            return "bad scratchpad"
        self._last_85 = raw == POWER_ON_X16
        if raw == _FAILED_X16:
            return "127.94C"
        if raw < _MIN_X16 or raw > _MAX_X16:
            return "out of range"
        if raw == POWER_ON_X16 and not was_85:
            return "85C unconfirmed"
        self.celsius_x16 = raw
        return None
