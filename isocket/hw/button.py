"""The hidden push button, debounced in the background by ``keypad``."""

import keypad


class Button:
    """Reports presses as (pressed, ticks timestamp) pairs; 50 ms debounce (DECISIONS §4)."""

    def __init__(self, pin):
        # 20 ms scans x 3 agreeing samples ~ 50 ms debounce.
        self._keys = keypad.Keys(
            (pin,), value_when_pressed=False, pull=True, interval=0.02, max_events=8, debounce_threshold=3
        )
        self._keys.reset()  # report a button already held at start
        self._event = keypad.Event()

    def next_event(self):
        """Return ``(pressed, timestamp)`` for the next debounced edge, or None."""
        events = self._keys.events
        if events.overflowed:
            events.clear()
            self._keys.reset()
        if events.get_into(self._event):
            return self._event.pressed, self._event.timestamp
        return None
