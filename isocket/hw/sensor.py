"""The alarm input (the 3.5 mm jack's contact), debounced in the background by ``keypad``."""

import keypad
from micropython import const

from adafruit_ticks import ticks_add, ticks_diff, ticks_ms

# 20 ms scans x 5 agreeing samples ~ 100 ms debounce (A-44, DECISIONS §4).
INTERVAL_S = 0.02
_THRESHOLD = const(5)
# After reset() a closed contact is reported within one debounce time; silence means open.
SYNC_MS = const(150)


class Sensor:
    """The debounced contact: ``closed`` (a closed contact pulls the pin low) and its edges.

    The state is unknown until ``ready``: ``reset()`` reports a contact already closed at
    start as an event, an open one as nothing, so "open" is only known once ``SYNC_MS``
    passed without one. The same holds after an event-queue overflow.
    """

    def __init__(self, pin, now=None):
        self._keys = keypad.Keys(
            (pin,),
            value_when_pressed=False,
            pull=True,
            interval=INTERVAL_S,
            max_events=16,
            debounce_threshold=_THRESHOLD,
        )
        self._keys.reset()  # report a contact already closed at start
        self._event = keypad.Event()
        self.closed = False
        self.ready = False
        self._sync_at: int | None = ticks_add(ticks_ms() if now is None else now, SYNC_MS)

    def next_event(self, now: int):
        """Return ``(closed, timestamp)`` for the next debounced change, or None."""
        events = self._keys.events
        if events.overflowed:  # a change was dropped: read the state again
            events.clear()
            self._keys.reset()
            self._sync_at = ticks_add(now, SYNC_MS)
        while events.get_into(self._event):
            closed = bool(self._event.pressed)
            self._sync_at = None  # an event tells the state
            self.ready = True
            if closed != self.closed:
                self.closed = closed
                return closed, self._event.timestamp
        if self._sync_at is not None and ticks_diff(now, self._sync_at) >= 0:
            self._sync_at = None
            self.ready = True
            if self.closed:
                self.closed = False
                return False, now
        return None

    def next_deadline(self, now: int) -> int | None:
        """Milliseconds until a silent start (or resync) means "open"; None when known."""
        if self._sync_at is None:
            return None
        return max(0, ticks_diff(self._sync_at, now))
