"""At most 5 error or ``Access deny!`` replies per number per rolling hour (DECISIONS §2).

A stranger, or a phone in a reply loop with the device, must not drain the SIM credit.
Memory is bounded: a few numbers are tracked, the least recently answered is forgotten.
"""

from micropython import const

from adafruit_ticks import ticks_diff

HOUR_MS = const(3_600_000)


class ReplyLimiter:
    """Counts error replies per number over a rolling window of ``ticks_ms``."""

    def __init__(self, limit: int = 5, window_ms: int = HOUR_MS, max_numbers: int = 8) -> None:
        self._limit = limit
        self._window = window_ms
        self._max = max_numbers
        self._sent: dict = {}  # number -> ticks of the replies in the window, oldest first

    def allow(self, number: str, now: int) -> bool:
        """True, and the reply is counted, when ``number`` may get one more error reply."""
        self.poll(now)
        times = self._sent.get(number)
        if times is None:
            if len(self._sent) >= self._max:
                self._evict(now)
            times = []
            self._sent[number] = times
        if len(times) >= self._limit:
            return False
        times.append(now)
        return True

    def _evict(self, now: int) -> None:
        # forget the number whose latest reply is the oldest (ties: the smallest number)
        victim = None
        best = -1
        for number in self._sent:
            age = ticks_diff(now, self._sent[number][-1])
            if age > best or (age == best and victim is not None and number < victim):
                victim = number
                best = age
        if victim is not None:
            del self._sent[victim]

    def poll(self, now: int) -> None:
        """Forget replies older than the window (before ``ticks_diff`` could misread them)."""
        for number in list(self._sent):
            times = self._sent[number]
            while times and ticks_diff(now, times[0]) >= self._window:
                times.pop(0)
            if not times:
                del self._sent[number]

    def next_deadline(self, now: int) -> int | None:
        """Milliseconds until the oldest counted reply leaves the window; None if none."""
        wait = None
        for times in self._sent.values():
            left = max(0, self._window - ticks_diff(now, times[0]))
            if wait is None or left < wait:
                wait = left
        return wait
