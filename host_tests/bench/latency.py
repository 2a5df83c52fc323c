"""``sms_to_relay_ms``: virtual time from the modem's ``+CMTI`` to the relay pin changing.

The firmware runs in-process on CPython with the SIM800L emulator's timings (AT+CMGR
40 ms, the network's 2 s offer delay before the +CMTI, ...). The owner sends alternating
ON/OFF commands; each is paired with the relay change that follows its +CMTI. The
firmware's own CPU time is not in virtual time here: the cost figures bound it.
"""

from __future__ import annotations

import statistics
from typing import Any

from host_tests.bench.scenarios import BenchError, run_text, switching_script
from host_tests.sim.world import World

COMMANDS = 50


def gap_ms(i: int) -> int:
    # Quiet before each command, varied so the +CMTI lands at different points of the loop's idle waits.
    return 3_000 + (i * 337) % 2_000


def pair_latencies(cmti_at: list[int], relay_at: list[int]) -> list[int]:
    """For each +CMTI time, the delay to the first relay change at or after it (and before
    the next +CMTI); a +CMTI with no change is an error."""
    out: list[int] = []
    changes = sorted(relay_at)
    for i, t in enumerate(cmti_at):
        nxt = cmti_at[i + 1] if i + 1 < len(cmti_at) else None
        after = [c for c in changes if c >= t and (nxt is None or c < nxt)]
        if not after:
            raise BenchError("no relay change after the +CMTI at %d ms" % t)
        out.append(after[0] - t)
    return out


def tap_cmti(world: World) -> list[int]:
    """A list that will hold the virtual time of every +CMTI the world's modem sends."""
    cmti_at: list[int] = []
    to_host = world.modem.to_host
    assert to_host is not None

    def tap(data: bytes) -> None:
        if b"+CMTI:" in data:
            cmti_at.append(world.sched.now_ms)
        to_host(data)

    world.modem.to_host = tap
    return cmti_at


def relay_changes(events: list[tuple[int, str]]) -> list[int]:
    return [t for t, e in events if e in ("relay ON", "relay OFF")]


def measure(commands: int = COMMANDS) -> dict[str, Any]:
    """Run ``commands`` ON/OFF SMS; median and max of +CMTI -> relay pin, in virtual ms."""
    events: list[tuple[int, str]] = []
    world = World(model="707", listener=lambda t, e: events.append((t, e)))
    cmti_at = tap_cmti(world)
    run_text(switching_script(commands, gap_ms), world, "sms_to_relay")
    if len(cmti_at) != commands:
        raise BenchError("%d commands sent but the modem reported %d +CMTI" % (commands, len(cmti_at)))
    lat = pair_latencies(cmti_at, relay_changes(events))
    return {"median": statistics.median(lat), "max": max(lat), "min": min(lat), "n": len(lat)}
