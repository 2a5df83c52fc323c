"""Time for the loop: ``ticks_ms`` values, compared only with ``ticks_diff``.

``supervisor.ticks_ms`` (through adafruit_ticks) wraps every 2**29 ms (~6.2 days) and
first wraps ~65 s after boot, so no code compares raw values.
"""

from micropython import const

from adafruit_ticks import ticks_ms

try:  # host simulator only: lets virtual time jump to the next deadline
    from supervisor import idle as _host_idle  # type: ignore[attr-defined]
except ImportError:
    _host_idle = None

# The longest the host simulator may jump in one pass: well inside the 8 s watchdog.
_MAX_IDLE_MS = const(5000)


class Clock:
    """Milliseconds since boot for ``poll(now)`` steps."""

    def now(self) -> int:
        return ticks_ms()

    def idle(self, ms) -> None:
        """Nothing is due for ``ms`` milliseconds (None: nothing at all).

        On the board this returns at once: UART bytes land in the IRQ-fed ring, keypad
        scans in the 1 ms tick and the LEDs blink from PIO while the loop spins.
        """
        if _host_idle is not None:
            _host_idle(_MAX_IDLE_MS if ms is None else max(0, min(ms, _MAX_IDLE_MS)))
