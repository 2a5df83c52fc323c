"""The LED PIO program: assembled from its source, and its timing run in rp2040-pio-emulator."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adafruit_pioasm
import pytest
from pioemu import State, clock_cycles_reached, emulate

sys.path.insert(0, str(Path(__file__).resolve().parent / "fakes"))

from isocket.hw import leds  # noqa: E402

SOURCE = """
.program blink
.wrap_target
    pull noblock
    mov x, osr
    set y, 31
bitloop:
    out pins, 1 [31]
    jmp y-- bitloop [31]
.wrap
"""
PIN = 18


def test_program_words_are_the_assembled_source() -> None:
    program = adafruit_pioasm.Program(SOURCE)
    assert list(leds.PROGRAM) == list(program.assembled)
    assert program.pio_kwargs["wrap"] == 4 and program.pio_kwargs["wrap_target"] == 0


def edges(words: tuple[int, ...], seconds: int) -> list[tuple[float, int]]:
    """(time in s, new level) for every level change of the LED pin."""
    cycles = leds.FREQUENCY * seconds
    # background_write(loop=...) keeps the FIFO fed by DMA; the emulator's FIFO is preloaded.
    fifo = deque(words * (seconds // len(words) + 2))
    gen = emulate(
        list(leds.PROGRAM),
        stop_when=clock_cycles_reached(cycles),
        initial_state=State(transmit_fifo=fifo),
        out_base=PIN,
        out_count=1,
        shift_osr_right=True,
        auto_pull=False,
        wrap_target=0,
        wrap_top=4,
    )
    out: list[tuple[float, int]] = []
    level = 0
    last_clock = 0
    for before, after in gen:
        last_clock = after.clock
        new = (after.pin_values >> PIN) & 1
        if new != level:
            out.append((before.clock / leds.FREQUENCY, new))
            level = new
    assert last_clock >= cycles  # unsupported opcodes end the emulator silently
    return out


def on_times(words: tuple[int, ...], seconds: int) -> list[float]:
    e = edges(words, seconds)
    return [round(e[i + 1][0] - e[i][0], 3) for i in range(len(e) - 1) if e[i][1] == 1]


def test_one_word_is_one_second() -> None:
    assert leds.FREQUENCY == 2051  # 32 bits x 64 cycles + 3 per word


@pytest.mark.parametrize(
    ("pattern", "flashes_per_s", "on_s"),
    [("blink-1s", 1, 0.125), ("fast", 4, 0.125)],
)
def test_blinking_patterns(pattern: str, flashes_per_s: int, on_s: float) -> None:
    words = leds.PATTERNS[pattern]
    e = edges(words, 4)
    rises = [t for t, level in e if level == 1]
    assert len(rises) == 4 * flashes_per_s
    period = [round(b - a, 2) for a, b in zip(rises, rises[1:], strict=False)]
    assert set(period) == {round(1 / flashes_per_s, 2)}
    assert all(abs(t - on_s) < 0.002 for t in on_times(words, 4))


def test_blink_every_three_seconds() -> None:
    rises = [t for t, level in edges(leds.PATTERNS["blink-3s"], 9) if level == 1]
    assert [round(b - a, 2) for a, b in zip(rises, rises[1:], strict=False)] == [3.0, 3.0]


def test_steady_patterns() -> None:
    assert edges(leds.PATTERNS["off"], 3) == []
    e = edges(leds.PATTERNS["on"], 3)
    assert e[0][1] == 1 and len(e) == 1


def test_sim_error_is_four_quick_flashes_then_two_seconds_lit() -> None:
    e = edges(leds.PATTERNS["sim-error"], 6)
    lit = [round(e[i + 1][0] - e[i][0], 2) for i in range(len(e) - 1) if e[i][1] == 1]
    assert max(lit) >= 2.0  # the long lit phase
    assert sorted(lit)[:3] == [0.12, 0.12, 0.12]


def test_boot_flash_is_three_quarter_second_flashes() -> None:
    """R134 / A-56: 250 ms on, 250 ms off, three times, then dark to the end of the pass."""
    e = edges(leds.PATTERNS["boot"], 2)
    rises = [round(t, 2) for t, level in e if level == 1]
    falls = [round(t, 2) for t, level in e if level == 0]
    assert rises == [0.0, 0.5, 1.0]
    assert falls == [0.25, 0.75, 1.25]
    assert all(abs(t - 0.25) < 0.002 for t in on_times(leds.PATTERNS["boot"], 2))


def test_the_device_shows_the_boot_flash_for_one_and_a_half_seconds() -> None:
    """Every LED but GSM shows ``boot`` from the start of code.py, then its own pattern."""
    from host_tests.sim.world import HANDOFF, Wait, World, classify_led

    assert classify_led(list(leds.PATTERNS["boot"])) == "boot"
    events: list[tuple[int, str]] = []
    world = World(model="707", listener=lambda t, text: events.append((t, text)))

    def script() -> Iterator[Any]:
        world.mains_on = True
        world.power_on()
        yield HANDOFF
        yield Wait(world.sched.now_ms + 5000)

    world.run(script())
    start = next(t for t, text in events if text.startswith("firmware starts"))
    shown: dict[str, list[tuple[int, str]]] = {}
    for t, text in events:
        parts = text.split()
        if len(parts) == 3 and parts[0] == "led" and t >= start:
            shown.setdefault(parts[1], []).append((t - start, parts[2]))
    for name in ("POWER", "OUT", "MIC"):
        boot = [i for i, (_t, p) in enumerate(shown[name]) if p == "boot"]
        assert len(boot) == 1, shown[name]
        t_on, _p = shown[name][boot[0]]
        t_off, after = shown[name][boot[0] + 1]
        assert t_on == 0 and t_off == 1500 and after in ("on", "off"), shown[name]
    assert all(p != "boot" for _t, p in shown["GSM"])
