"""Fake ``keypad``: debounced key events time-stamped in ticks_ms, as the real scanner.

The scanner and its event queue run on the simulated board (``KeyScanner`` in
host_tests.sim.board): a watched pin that changes is reported ``interval *
debounce_threshold`` later if it is still there. These classes only fetch from it.
"""

from supervisor import _ticks

from _hostlink import board as _board


class Event:
    def __init__(self, key_number=0, pressed=True, timestamp=None):
        self.key_number = key_number
        self.pressed = pressed
        self.released = not pressed
        self.timestamp = timestamp

    def __eq__(self, other):
        return (self.key_number, self.pressed) == (other.key_number, other.pressed)

    def __hash__(self):
        return hash((self.key_number, self.pressed))


class EventQueue:
    def __init__(self, keys_id):
        self._id = keys_id

    def _next(self):
        # [key_number, pressed, uptime ms at the scan] or None
        return _board().keys_next(self._id)

    def get(self):
        e = self._next()
        return Event(e[0], e[1], _ticks(e[2])) if e else None

    def get_into(self, event):
        e = self._next()
        if not e:
            return False
        event.key_number, event.pressed, event.released, event.timestamp = e[0], e[1], not e[1], _ticks(e[2])
        return True

    def clear(self):
        _board().keys_clear(self._id)

    def __len__(self):
        return _board().keys_len(self._id)

    def __bool__(self):
        return len(self) > 0

    @property
    def overflowed(self):
        return _board().keys_overflowed(self._id)


class Keys:
    def __init__(
        self, pins, *, value_when_pressed, pull=True, interval=0.020, max_events=64, debounce_threshold=1
    ):
        names = [p.name for p in pins]
        delay_ms = max(1, int(interval * 1000)) * max(1, debounce_threshold)
        # No event for a key already pressed at construction, as on the board.
        self._id = _board().keys_open(names, bool(value_when_pressed), bool(pull), delay_ms, max_events)
        self.events = EventQueue(self._id)
        self.key_count = len(names)

    def reset(self):
        _board().keys_reset(self._id)

    def deinit(self):
        _board().keys_close(self._id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()
