"""A firmware crash leaves the watchdog running: the board resets within its 8 s timeout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from host_tests.sim import cli
from host_tests.sim.board import HostBoard
from host_tests.sim.world import HANDOFF, Wait, World


def test_crash_resets_through_the_watchdog_without_opening_the_window() -> None:
    world = World()
    world.network.add_phone("owner", "+358401234567")
    real_write = world.board.console_write
    crashes = []

    def failing_write(data: bytes) -> None:
        if b"SMS in" in data and not crashes:
            crashes.append(world.sched.now_ms)
            raise OSError("simulated fault")
        real_write(data)

    def script() -> Iterator[Any]:
        world.mains_on = True
        world.power_on()
        yield HANDOFF
        yield Wait(world.sched.now_ms + 20_000)
        world.board.console_write = failing_write  # type: ignore[method-assign]
        world.network.phone_sms("owner", "ON")
        yield Wait(world.sched.now_ms + 60_000)
        world.network.phone_sms("owner", "RESTARTTIME=5")
        yield Wait(world.sched.now_ms + 20_000)

    world.run(script())
    assert crashes, "the injected fault never happened"
    events = [e for _t, e in world.timeline]
    assert "firmware stopped" in events
    assert "firmware starts (WATCHDOG)" in events
    restart = next(t for t, e in world.timeline if e == "firmware starts (WATCHDOG)")
    assert 0 < restart - crashes[0] <= 8_500
    # The message being handled when it crashed was already deleted: never run twice,
    # and a watchdog reset opens no configuration window.
    texts = [m.text for m in world.network.inbox.get("owner", [])]
    assert texts == ["RESTARTTIME=5 - Time for configuration is expired (30min)!"]


def test_a_scenario_fails_at_a_crash_even_when_the_watchdog_would_recover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = HostBoard.console_write

    def failing_write(self: HostBoard, data: bytes) -> None:
        if b"SMS in" in data:
            raise OSError("simulated fault")
        real_write(self, data)

    monkeypatch.setattr(HostBoard, "console_write", failing_write)
    path = tmp_path / "crash.scn"
    path.write_text('phone owner +358401234567\nboot\nadvance 20s\nsms owner "ON"\nadvance 1m\n')
    ok, message, _ = cli.run_file(path)
    assert not ok and message == "%s:5: the firmware crashed: OSError: simulated fault" % path
