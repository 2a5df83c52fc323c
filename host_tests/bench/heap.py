"""``min_heap_kb``: the smallest ``--heap`` (4 KB steps) under which the core scenarios all
pass with the firmware in the native MicroPython VM (``host_tests.sim.vm``).

A heap passes when every core scenario passes; a firmware crash (a ``MemoryError``
included) fails the scenario, so none hides behind the watchdog's reset. The search
doubles from 64 KB until a heap passes, then bisects down to 4 KB; it assumes that more
heap never makes a scenario fail. On this 64-bit unix port objects are twice their RP2040
size, so the figure is an upper bound for the board (docs/vm-protocol.md).

``min_heap_kb_code_in_flash`` is the same search with the code imported from a ROMFS image
(``--code-in-rom``): what a build with the modules frozen into flash would need at most
(docs/memory.md).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import Any

from host_tests.bench.scenarios import BenchError, core_files, run_file
from host_tests.sim.vm import VmError, VmSpec, bisect_heap, build_cache

STEP_KB = 4
START_KB = 64
LIMIT_KB = 4096


def scenario_fits(path: Path, heap_kb: int, in_rom: bool = False) -> tuple[bool, str]:
    """Run one scenario in the VM with ``heap_kb`` (the code in flash: ``in_rom``); (passed, why not)."""
    spec = VmSpec.from_options("micropython", None, "%dk" % heap_kb, code_in_rom=in_rom)
    try:
        run_file(path, vm=spec)
    except BenchError as e:
        return False, str(e)
    return True, ""


def smallest(
    fits: Callable[[int], bool],
    start: int = START_KB,
    lo: int = 0,
    step: int = STEP_KB,
    limit: int = LIMIT_KB,
) -> int:
    """The smallest multiple of ``step`` above ``lo`` (known not to fit, 0: nothing known)
    for which ``fits`` holds, assuming it stays true above: doubling up from ``start``,
    then bisecting. BenchError if even ``limit`` does not fit."""
    hi = start
    while not fits(hi):
        if hi >= limit:
            raise BenchError("the core scenarios fail even with a %d KB heap" % limit)
        lo, hi = hi, min(hi * 2, limit)
    return bisect_heap(fits, lo, hi, step)


def smallest_for_all(
    files: list[Path],
    fits: Callable[[Path, int], bool],
    map_: Callable[..., Any] = map,
    start: int = START_KB,
) -> int:
    """The smallest heap every file fits in: the largest of their own smallest heaps.

    The first file is searched in full; the others are only run at the best heap so far
    (``map_`` may run them in parallel), and searched upwards from there when they fail.
    """
    best = smallest(lambda kb: fits(files[0], kb), start)
    for path, ok in zip(files[1:], map_(fits, files[1:], [best] * (len(files) - 1))):
        if not ok:
            best = smallest(lambda kb, p=path: fits(p, kb), best + STEP_KB, lo=best)
    return best


def measure(jobs: int = 2, log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Search the smallest heap, with the code in the heap and in flash; also the runs made
    and why the largest failing heap failed."""
    try:
        build_cache()  # once, before the workers race to it
    except VmError as e:
        raise BenchError("the MicroPython VM is not usable: %s" % e) from None
    runs: list[tuple[str, int, bool]] = []
    last_failure: dict[str, Any] = {}

    def note(path: Path, kb: int, in_rom: bool, result: tuple[bool, str]) -> bool:
        ok, why = result
        runs.append((path.name, kb, ok))
        where = "code in flash" if in_rom else "code in heap"
        log("heap %4d KB %-13s %-22s %s" % (kb, where, path.name, "pass" if ok else "FAIL " + why))
        if not ok and not in_rom and kb >= last_failure.get("kb", 0):
            last_failure.update(kb=kb, why=why)
        return ok

    found = {}
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:

        def search(in_rom: bool) -> int:
            def fits(path: Path, kb: int) -> bool:
                return note(path, kb, in_rom, scenario_fits(path, kb, in_rom))

            def parallel(_fn: Any, paths: list[Path], kbs: list[int]) -> list[bool]:
                results = list(pool.map(scenario_fits, paths, kbs, [in_rom] * len(paths)))
                return [note(p, kb, in_rom, r) for p, kb, r in zip(paths, kbs, results)]

            return smallest_for_all(core_files(), fits, parallel)

        found["min_heap_kb"] = search(False)
        found["min_heap_kb_code_in_flash"] = search(True)
    return {**found, "runs": len(runs), "largest_failing": last_failure}
