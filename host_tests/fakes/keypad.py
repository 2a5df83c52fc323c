"""Fake ``keypad``: debounced key events time-stamped in ticks_ms, as the real scanner.

The simulated board calls ``_level_changed`` when a watched pin changes; the scanner
reports the new state ``interval * debounce_threshold`` later if it is still there.
"""

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
    def __init__(self, max_events):
        self._max = max_events
        self._q = []
        self.overflowed = False

    def get(self):
        return self._q.pop(0) if self._q else None

    def get_into(self, event):
        if not self._q:
            return False
        e = self._q.pop(0)
        event.key_number, event.pressed, event.released, event.timestamp = (
            e.key_number,
            e.pressed,
            e.released,
            e.timestamp,
        )
        return True

    def clear(self):
        self._q.clear()
        self.overflowed = False

    def __len__(self):
        return len(self._q)

    def __bool__(self):
        return bool(self._q)

    def _record(self, ev):
        if len(self._q) >= self._max:
            self.overflowed = True  # the real queue drops the NEW event
            return
        self._q.append(ev)


class Keys:
    def __init__(
        self, pins, *, value_when_pressed, pull=True, interval=0.020, max_events=64, debounce_threshold=1
    ):
        self._names = [p.name for p in pins]
        self._vwp = bool(value_when_pressed)
        self._pull = pull
        self._delay_ms = max(1, int(interval * 1000)) * max(1, debounce_threshold)
        self.events = EventQueue(max_events)
        self.key_count = len(self._names)
        self._state = [False] * len(self._names)  # debounced "pressed"
        b = _board()
        # No event for a key already pressed at construction, as on the board.
        for i in range(len(self._names)):
            self._state[i] = self._pressed_now(i)
        b.watch_keys(self)

    def _pressed_now(self, i):
        return (
            _board().read_input(
                self._names[i], "UP" if (self._pull and not self._vwp) else ("DOWN" if self._pull else None)
            )
            == self._vwp
        )

    def _level_changed(self, name):
        if name in self._names:
            _board().sched.call_later(self._delay_ms, self._scan, self._names.index(name))

    def _scan(self, i):
        if self._names is None:
            return
        now_pressed = self._pressed_now(i)
        if now_pressed != self._state[i]:
            self._state[i] = now_pressed
            import supervisor

            self.events._record(Event(i, now_pressed, supervisor.ticks_ms()))

    def reset(self):
        for i in range(len(self._names)):
            self._state[i] = False
            if self._pressed_now(i):
                self._scan(i)

    def deinit(self):
        _board().unwatch_keys(self)
        self._names = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()
