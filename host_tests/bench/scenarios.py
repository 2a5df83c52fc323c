"""Scenario helpers shared by the bench's measurements: texts built in code, run in a World."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from host_tests.sim.runner import Interpreter, ScenarioFailure
from host_tests.sim.scenario import parse_scenario
from host_tests.sim.world import World

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "host_tests" / "scenarios"
OWNER = "+358401234567"
# The core scenarios the VM figures (heap, fuel) run: the spec's example, switching, SMS
# handling and security. Chosen to cover the main paths in about a minute on the native VM.
CORE = (
    "sms/long_reply.scn",  # the hungriest first: the heap search then mostly confirms
    "spec_example.scn",
    "socket/on_off.scn",
    "socket/timers.scn",
    "socket/button.scn",
    "sms/encodings.scn",
    "sms/stale_at_boot.scn",
    "security/seclist.scn",
    "security/password.scn",
    "replies/status.scn",
)


class BenchError(Exception):
    """A measurement could not be taken: the text says why (printed as "not measured")."""


def core_files() -> list[Path]:
    return [SCENARIOS / name for name in CORE]


def switching_script(commands: int, gap_ms: Callable[[int], int]) -> str:
    """A scenario text: the owner sends ``commands`` ON/OFF SMS (alternating, starting with
    ON), each after ``gap_ms(i)`` of quiet, and every one must be confirmed and obeyed."""
    lines = ["model 707", "phone owner " + OWNER, "boot", "advance 30s"]
    for i in range(commands):
        word = "ON" if i % 2 == 0 else "OFF"
        lines += [
            "advance %dms" % gap_ms(i),
            'sms owner "%s"' % word,
            'expect sms owner "Power socket %s"' % word,
            "expect relay %s" % word.lower(),
        ]
    return "\n".join(lines) + "\n"


def run_text(text: str, world: World | None = None, name: str = "<bench>") -> World:
    """Run a scenario text in ``world`` (a fresh one by default); raise BenchError if it fails."""
    world = world if world is not None else World()
    world.fail_on_crash = True
    try:
        Interpreter(world, parse_scenario(text)).play()
    except ScenarioFailure as f:
        raise BenchError("%s:%d: %s" % (name, f.line, f.message)) from None
    return world


def run_file(path: Path, **world_options: Any) -> World:
    """Run one scenario file in a fresh World built with ``world_options``."""
    return run_text(path.read_text(encoding="utf-8"), World(**world_options), str(path))
