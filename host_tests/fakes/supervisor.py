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


class SafeModeReason:
    NONE = "NONE"
    BROWNOUT = "BROWNOUT"
    FLASH_WRITE_FAIL = "FLASH_WRITE_FAIL"
    GC_ALLOC_OUTSIDE_VM = "GC_ALLOC_OUTSIDE_VM"
    HARD_FAULT = "HARD_FAULT"
    INTERRUPT_ERROR = "INTERRUPT_ERROR"
    NLR_JUMP_FAIL = "NLR_JUMP_FAIL"
    NO_CIRCUITPY = "NO_CIRCUITPY"
    NO_HEAP = "NO_HEAP"
    PROGRAMMATIC = "PROGRAMMATIC"
    SDK_FATAL_ERROR = "SDK_FATAL_ERROR"
    STACK_OVERFLOW = "STACK_OVERFLOW"
    USB_BOOT_DEVICE_NOT_INTERFACE_ZERO = "USB_BOOT_DEVICE_NOT_INTERFACE_ZERO"
    USB_TOO_MANY_ENDPOINTS = "USB_TOO_MANY_ENDPOINTS"
    USB_TOO_MANY_INTERFACE_NAMES = "USB_TOO_MANY_INTERFACE_NAMES"
    USER = "USER"
    WATCHDOG = "WATCHDOG"
    SAFEMODE_PY_ERROR = "SAFEMODE_PY_ERROR"


class _Runtime:
    autoreload = True
    safe_mode_reason = SafeModeReason.NONE
    usb_connected = True
    serial_connected = True
    run_reason = "STARTUP"

    @property
    def serial_bytes_available(self):
        # a bool on the board, whatever its docs say (adafruit/circuitpython#9031)
        return _board().console_in_waiting() > 0


runtime = _Runtime()


def reload():
    _board().mcu_reset("SOFTWARE")


def idle(ms):
    _board().device_idle(ms)
