"""``python -m host_tests.bench [--json] [--only NAMES]``: the performance figures of issue 5.

Prints a table (or one JSON object with ``--json``), checks the targets and exits 1 when
one is missed or a figure could not be measured (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from host_tests.bench import cost, fona, heap, latency, wear
from host_tests.bench.scenarios import BenchError
from host_tests.bench.targets import check

MEASUREMENTS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "latency": lambda ns: {"sms_to_relay_ms": latency.measure()},
    "fona": lambda ns: fona.measure(),
    "wear": lambda ns: wear.measure(ns.days),
    "heap": lambda ns: heap.measure(ns.jobs, log=_progress),
    "cost": lambda ns: cost.measure(),
}
# What each measurement provides: listed as "not measured" when it fails.
PROVIDES = {
    "latency": ["sms_to_relay_ms"],
    "fona": ["fona_stall_ms"],
    "wear": ["flash_erases_per_year", "sim_days_per_s"],
    "heap": ["min_heap_kb", "min_heap_kb_code_in_flash"],
    "cost": ["max_step_fuel", "idle_step_fuel", "fuel_per_sms_command", "est_max_step_pico_ms"],
}


def _progress(text: str) -> None:
    print("[bench] " + text, file=sys.stderr, flush=True)


def run(ns: argparse.Namespace) -> dict[str, Any]:
    """Every selected measurement, merged into one result with the targets' verdicts."""
    result: dict[str, Any] = {"not_measured": {}, "seconds": {}}
    for name in ns.only:
        t0 = time.monotonic()
        _progress("%s ..." % name)
        try:
            figures = MEASUREMENTS[name](ns)
        except BenchError as e:
            for fig in PROVIDES[name]:
                result["not_measured"][fig] = str(e)
            figures = {}
        result["seconds"][name] = round(time.monotonic() - t0, 1)
        for fig in PROVIDES[name]:
            if fig in figures:
                result[fig] = figures.pop(fig)
        if figures:
            result[name] = figures  # the details behind the headline figures
    if "est_max_step_pico_ms" in result:
        result["our_max_step_ms"] = result["est_max_step_pico_ms"]
    result["targets"] = check(result)
    result["ok"] = all(t["met"] for t in result["targets"]) and not result["not_measured"]
    return result


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "%.2f" % v if v < 10 else "{:,.1f}".format(v)
    if isinstance(v, int):
        return "{:,}".format(v)
    return str(v)


def table(r: dict[str, Any]) -> str:
    """The result as the text table docs/performance.md shows."""
    rows = []
    s = r.get("sms_to_relay_ms")
    if s:
        rows.append(
            ("sms_to_relay_ms", "median %s, max %s (n=%d)" % (_fmt(s["median"]), _fmt(s["max"]), s["n"]))
        )
    c = r.get("cost", {})
    if "sms_to_relay_with_cpu_ms" in c:
        x = c["sms_to_relay_with_cpu_ms"]
        rows.append(("  + est. firmware time", "median %s, max %s" % (_fmt(x["median"]), _fmt(x["max"]))))
    for key in ("max_step_fuel", "idle_step_fuel", "fuel_per_sms_command"):
        if key in r:
            rows.append((key, _fmt(r[key])))
    if "est_max_step_pico_ms" in r:
        rows.append(
            (
                "est Pico ms: worst/idle/SMS",
                "%s / %s / %s"
                % tuple(
                    _fmt(x)
                    for x in (
                        r["est_max_step_pico_ms"],
                        c["est_idle_step_pico_ms"],
                        c["est_sms_command_pico_ms"],
                    )
                ),
            )
        )
        rows.append(
            (
                "  worst, optimistic",
                "%s (fuel / 101,000, no flash margin)" % _fmt(c["est_max_step_pico_ms_low"]),
            )
        )
        w = c["worst_pass"]
        rows.append(
            ("  worst pass", "%s at %s ms: %s" % (w["scenario"], _fmt(w["at_ms"]), w.get("what", "")))
        )
    if "min_heap_kb" in r:
        rows.append(("min_heap_kb", "%d (native MicroPython, 64-bit)" % r["min_heap_kb"]))
    if "min_heap_kb_code_in_flash" in r:
        rows.append(
            (
                "  code in flash",
                "%d (--code-in-rom: a frozen build's upper bound)" % r["min_heap_kb_code_in_flash"],
            )
        )
    if "flash_erases_per_year" in r:
        w = r["wear"]
        rows.append(
            (
                "flash_erases_per_year",
                "%s (%d erases in %s days)"
                % (_fmt(r["flash_erases_per_year"]), w["erases"], _fmt(w["days"])),
            )
        )
    if "sim_days_per_s" in r:
        rows.append(("sim_days_per_s", _fmt(r["sim_days_per_s"])))
    if "fona_stall_ms" in r:
        rows.append(
            (
                "fona_stall_ms",
                "%s (receive %s + reply %s)"
                % (
                    _fmt(r["fona_stall_ms"]),
                    _fmt(r["fona"]["receive_sms_ms"]),
                    _fmt(r["fona"]["send_sms_ms"]),
                ),
            )
        )
    if "our_max_step_ms" in r:
        rows.append(("our_max_step_ms", _fmt(r["our_max_step_ms"]) + " (estimated Pico ms)"))
    width = max(len(k) for k, _ in rows) if rows else 10
    lines = ["%-*s  %s" % (width, k, v) for k, v in rows]
    lines.append("")
    for t in r["targets"]:
        value = "not measured" if t["value"] is None else _fmt(t["value"])
        verdict = "met" if t["met"] else "MISSED"
        lines.append(
            "%-6s %s %s %s: %s (%s)" % (verdict, t["figure"], t["op"], _fmt(t["limit"]), value, t["what"])
        )
    for fig, why in r["not_measured"].items():
        lines.append("NOT MEASURED %s: %s" % (fig, why))
    lines.append("")
    lines.append(
        "bench %s (%s s)"
        % ("OK" if r["ok"] else "FAILED", " + ".join("%s %s" % (k, v) for k, v in r["seconds"].items()))
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m host_tests.bench", description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument(
        "--only", default=",".join(MEASUREMENTS), help="comma-separated: %s" % ",".join(MEASUREMENTS)
    )
    p.add_argument("--days", type=int, default=wear.DAYS, help="simulated days of the wear profile")
    p.add_argument("--jobs", type=int, default=2, help="processes for the heap search")
    ns = p.parse_args(argv)
    ns.only = [x for x in ns.only.split(",") if x]
    unknown = [x for x in ns.only if x not in MEASUREMENTS]
    if unknown:
        p.error("unknown measurement %s" % ", ".join(unknown))
    result = run(ns)
    print(json.dumps(result, indent=1) if ns.json else table(result), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # wasmtime's runtime thread may panic noisily at interpreter shutdown: skip the teardown
    os._exit(code)
