"""Fake ``supervisor``: ticks on the virtual clock, runtime flags.

``idle(ms)`` does not exist on CircuitPython: it is the simulator's seam, imported under
a guard by ``isocket.hw.clock``, through which the firmware says "nothing is due for ms
milliseconds" so virtual time can jump.
"""

from _hostlink import board as _board

_TICKS_PERIOD = 1 << 29


def _ticks(uptime_ms):
    # As on the board: starts 65.5 s before the first wrap.
    return (uptime_ms + 0x1FFF0000) % _TICKS_PERIOD


def ticks_ms():
    return _ticks(_board().uptime_ms())


class _Runtime:
    autoreload = True
    usb_connected = True
    serial_connected = True
    run_reason = "STARTUP"

    @property
    def serial_bytes_available(self):
        return _board().console_in_waiting()


runtime = _Runtime()


def reload():
    _board().mcu_reset("SOFTWARE")


def idle(ms):
    _board().device_idle(ms)
