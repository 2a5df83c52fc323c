"""The USB console: time-stamped log lines, and local commands run as the trusted owner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from host_tests.sim.state_lines import parse_state_line
from host_tests.sim.world import HANDOFF, Wait, World


def _typed(world: World, text: str) -> Iterator[Any]:
    world.board.console_rx += text.encode()
    yield Wait(world.sched.now_ms + 500)


def _console_since(world: World, n: int) -> list[str]:
    return [line for _t, line in world.console[n:]]


def _boot_and_text_on(world: World, text: str) -> Iterator[Any]:
    """Plug the device in, let it register, and have the owner text ``text``."""
    world.mains_on = True
    world.power_on()
    yield HANDOFF
    yield Wait(world.sched.now_ms + 20_000)
    world.network.phone_sms("owner", text)
    yield Wait(world.sched.now_ms + 10_000)


def test_console_commands_run_as_owner_without_password_or_window() -> None:
    world = World()
    world.network.add_phone("owner", "+358401234567")
    seen: dict[str, list[str]] = {}

    def script() -> Iterator[Any]:
        yield from _boot_and_text_on(world, "PASSWORD=12abc")
        n = len(world.console)
        yield from _typed(world, "on\r\n")
        seen["on"] = _console_since(world, n)
        assert world.relay_on
        # The window closes after 30 minutes; the console is not bound by it.
        yield Wait(world.sched.now_ms + 31 * 60_000)
        n = len(world.console)
        yield from _typed(world, "RESTARTTIME=7\r")
        yield from _typed(world, "RESTARTTIME?\r")
        seen["config"] = _console_since(world, n)
        n = len(world.console)
        yield from _typed(world, "BOGUS\x08\x08\x08\x08\x08STATUS\r")
        seen["status"] = _console_since(world, n)

    world.run(script())
    assert any("CONSOLE > on" in line for line in seen["on"])
    assert any("Power socket ON (executed ON)" in line for line in seen["on"])
    assert any("RESTARTTIME=7 - OK" in line for line in seen["config"])
    assert any("RESTARTTIME=7 seconds" in line for line in seen["config"])
    assert any("CONSOLE > STATUS" in line for line in seen["status"])
    assert any("Power socket ON | Microrelay OFF" in line for line in seen["status"])
    # Only the password SMS was confirmed; console replies never cost an SMS.
    assert [m.text for m in world.network.inbox["owner"]] == ["PASSWORD=***** - OK"]


def test_log_lines_are_timestamped_and_cover_sms_commands_relay_and_modem() -> None:
    world = World()
    world.network.add_phone("owner", "+358401234567")

    world.run(_boot_and_text_on(world, "ON"))
    lines = [line for _t, line in world.console]
    # every line is a time-stamped log line or a machine-readable state line (docs/console.md)
    assert all((line.startswith("[") and "] " in line) or parse_state_line(line) for line in lines)
    assert any(parse_state_line(line) == ("relay", "on") for line in lines)
    text = "\n".join(lines)
    for expected in (
        'SMS in  +358401234567: "ON"',
        "CMD     executed ON",
        "RELAY   socket ON",
        'SMS out +358401234567: "Power socket ON"',
        "MODEM   ready",
        "BOOT    isocket",
    ):
        assert expected in text
