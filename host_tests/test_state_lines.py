"""The console state lines (docs/console.md): their format, the `@state` query, and the
simulator's check that they always match the pins (hil mode trusts them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from host_tests.sim.state_lines import parse_state_line
from host_tests.sim.world import HANDOFF, StateLineMismatch, Stop, Wait, World


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("@state relay on", ("relay", "on")),
        ("@state led GSM blink-3s", ("led GSM", "blink-3s")),
        ("@state modem sms-wait", ("modem", "sms-wait")),
        ("@state boot 0.1.0 707 pico_sim800l power-on", ("boot", "0.1.0 707 pico_sim800l power-on")),
        ("@state settings saved", ("settings", "saved")),
        ("[     1.000] RELAY   socket ON", None),
        ("@state", None),
        ("@state relay", None),
        ("@state led LAMP on", None),
        ("@state led GSM", None),
        ("@statex relay on", None),
        ("", None),
    ],
)
def test_parse_state_line(line: str, parsed: tuple[str, str] | None) -> None:
    assert parse_state_line(line) == parsed


def _boot_then(world: World, then: Any) -> Iterator[Any]:
    world.set_mains(True)  # as `boot`: mains present, so POWER is lit
    yield HANDOFF
    yield Wait(world.sched.now_ms + 40_000)
    yield from then()


def test_state_lines_follow_the_device_and_answer_the_query() -> None:
    world = World(model="707")
    world.network.add_phone("owner", "+358401234567")

    def then() -> Iterator[Any]:
        world.network.phone_sms("owner", "ON")
        yield Wait(world.sched.now_ms + 20_000)
        world.console.clear()
        world.board.console_rx.extend(b"@state\r\n")  # typed on the USB console
        yield Wait(world.sched.now_ms + 2_000)

    world.run(_boot_then(world, then))
    saved = [e for _t, e in world.timeline if e == "console: @state settings saved"]
    assert not saved  # ON is not a configuration command: nothing was stored
    lines = [line for _t, line in world.console]
    assert lines[:8] == [
        "@state led GSM blink-3s",
        "@state led MIC off",
        "@state led OUT on",
        "@state led POWER on",
        "@state mic off",
        "@state microrelay off",
        "@state modem ready",
        "@state relay on",
    ]
    events = [e for _t, e in world.timeline]
    assert any(e.startswith("console: @state boot 0.1.0 707 pico_sim800l power-on") for e in events)


def test_a_state_line_that_contradicts_the_pins_fails_the_run() -> None:
    world = World()
    world.relay_on = False
    world.leds["GSM"] = "blink-1s"
    world.console_line("@state relay off")  # agrees: nothing happens
    world.console_line("@state led GSM blink-1s")
    with pytest.raises(Stop) as stop:
        world.console_line("@state relay on")
    assert isinstance(stop.value.error, StateLineMismatch)
    assert "pins show off" in stop.value.error.message
    with pytest.raises(Stop):
        world.console_line("@state led GSM blink-3s")
