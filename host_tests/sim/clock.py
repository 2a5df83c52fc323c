"""Virtual time for the simulated world: integer milliseconds and an event heap.

Nothing here sleeps. The runner advances ``now_ms`` straight to the next thing that
can happen (a scheduled world event, the device's own deadline, a scenario window).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any


class Handle:
    """A scheduled call; ``cancel()`` stops it from running."""

    __slots__ = ("t_ms", "fn", "args", "cancelled")

    def __init__(self, t_ms: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.t_ms = t_ms
        self.fn = fn
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """Event heap on a virtual millisecond clock shared by every simulated part."""

    def __init__(self, start_ms: int = 0) -> None:
        self.now_ms = start_ms
        self._heap: list[tuple[int, int, Handle]] = []
        self._seq = itertools.count()

    def call_at(self, t_ms: int, fn: Callable[..., Any], *args: Any) -> Handle:
        h = Handle(max(int(t_ms), self.now_ms), fn, args)
        heapq.heappush(self._heap, (h.t_ms, next(self._seq), h))
        return h

    def call_later(self, delay_ms: float, fn: Callable[..., Any], *args: Any) -> Handle:
        return self.call_at(self.now_ms + int(round(delay_ms)), fn, *args)

    def next_time(self) -> int | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def advance_to(self, t_ms: int) -> None:
        """Move time forward to ``t_ms``, running every event due by then in order (they may add more)."""
        heap = self._heap
        limit = max(self.now_ms, t_ms)
        while heap and heap[0][0] <= limit:
            t, _, h = heapq.heappop(heap)
            if h.cancelled:
                continue
            if t > self.now_ms:
                self.now_ms = t
            h.fn(*h.args)
        self.now_ms = limit
