"""Reads the firmware's machine-readable console lines (docs/console.md).

    @state relay on            -> ("relay", "on")
    @state led GSM blink-3s    -> ("led GSM", "blink-3s")
    @state boot 0.1.0 707 pico_sim800l power-on -> ("boot", "0.1.0 707 pico_sim800l power-on")

The simulator checks every such line against the pins it sees; ``hil`` mode takes the
device's state from them.
"""

from __future__ import annotations

PREFIX = "@state "
LEDS = ("POWER", "GSM", "MIC", "OUT")


def parse_state_line(line: str) -> tuple[str, str] | None:
    """``(name, value)`` of a state line, or None for any other (or malformed) line."""
    if not line.startswith(PREFIX):
        return None
    parts = line[len(PREFIX) :].strip().split(" ", 2 if line[len(PREFIX) :].startswith("led ") else 1)
    if len(parts) < 2 or not all(parts):
        return None
    if parts[0] == "led":
        if len(parts) != 3 or parts[1] not in LEDS:
            return None
        return "led " + parts[1], parts[2]
    return parts[0], parts[1]
