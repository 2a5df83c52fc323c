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

    def idle(self, next_deadline, now) -> None:
        """End of a pass: ``next_deadline(now)`` tells in how many ms something is due (None:
        nothing at all); the host simulator jumps virtual time that far.

        On the board this returns at once, without asking: UART bytes land in the IRQ-fed
        ring, keypad scans in the 1 ms tick and the LEDs blink from PIO while the loop
        spins, and asking every part for its deadline would cost a third of an idle pass.
        """
        if _host_idle is not None:
            ms = next_deadline(now)
            _host_idle(_MAX_IDLE_MS if ms is None else max(0, min(ms, _MAX_IDLE_MS)))
