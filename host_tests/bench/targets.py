"""The targets of issue 5 and the check of measured figures against them.

A figure is a dotted path into the bench's result (``sms_to_relay_ms.max``). A target
whose figure is missing (not measured) counts as missed: the bench must not pass on
what it could not measure.
"""

from __future__ import annotations

from typing import Any

# (figure, comparison, limit, what it means)
TARGETS = (
    ("sms_to_relay_ms.max", "<=", 1500, "SMS command to relay, SIM800L timings"),
    ("est_max_step_pico_ms", "<=", 10, "worst loop pass on an RP2040 (estimate)"),
    ("min_heap_kb", "<=", 64, "smallest VM heap for the core scenarios"),
    ("flash_erases_per_year", "<=", 500, "heavy-use profile"),
    ("sim_days_per_s", ">=", 1, "simulator speed on CPython"),
)


def lookup(result: dict[str, Any], path: str) -> Any:
    """``result["a"]["b"]`` for ``"a.b"``; None when any part is missing."""
    value: Any = result
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def met(value: float, op: str, limit: float) -> bool:
    if op == "<=":
        return value <= limit
    if op == ">=":
        return value >= limit
    raise ValueError("unknown comparison %r" % op)


def check(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One verdict per target: figure, op, limit, value (None: not measured), met."""
    out = []
    for figure, op, limit, what in TARGETS:
        value = lookup(result, figure)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and met(value, op, limit)
        out.append({"figure": figure, "op": op, "limit": limit, "value": value, "met": ok, "what": what})
    return out
