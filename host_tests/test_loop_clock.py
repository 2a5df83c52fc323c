"""isocket.hw.clock.Clock.idle: the simulator's seam asks for the next deadline; the board does not."""

from __future__ import annotations

import pytest

from isocket.hw import clock


def test_on_the_board_idle_returns_without_asking_for_a_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "_host_idle", None)

    def never(now: int) -> int:
        raise AssertionError("the board must not compute the next deadline")

    clock.Clock().idle(never, 123)


@pytest.mark.parametrize(("deadline", "jump"), [(250, 250), (None, 5000), (60_000, 5000), (-5, 0)])
def test_the_simulator_jumps_to_the_deadline_within_the_cap(
    monkeypatch: pytest.MonkeyPatch, deadline: int | None, jump: int
) -> None:
    jumps: list[int] = []
    monkeypatch.setattr(clock, "_host_idle", jumps.append)
    asked: list[int] = []

    def next_deadline(now: int) -> int | None:
        asked.append(now)
        return deadline

    clock.Clock().idle(next_deadline, 42)
    assert asked == [42] and jumps == [jump]
