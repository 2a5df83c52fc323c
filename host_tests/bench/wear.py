"""``flash_erases_per_year`` and ``sim_days_per_s`` from one heavy-use profile on CPython.

The profile (issue 5): the thermostat switches the socket every 5 minutes (the probe's
reading crosses TEMPOFF), the owner sends 20 commands a day (ON/OFF alternating: each
changes the remembered socket state, POWERSTATE=REMEMBER being the default), and the
armed alarm input trips once an hour (an alert SMS and an alarm-log record). Erases are
counted by the fake flash (``FakeNvm.erase_count``) from the end of the set-up on, and
extrapolated linearly to a year; the simulator's speed is the whole run's simulated days
per wall-clock second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from host_tests.bench.scenarios import OWNER, BenchError
from host_tests.sim.world import HANDOFF, Wait, World

MIN = 60_000
DAY = 24 * 60 * MIN
YEAR = 365 * DAY
DAYS = 30
THERMO_FLIP_MS = 5 * MIN
SMS_PER_DAY = 20
ALARM_EVERY_MS = 60 * MIN
ALARM_OPEN_MS = 2_000
COLD, WARM = 12.0, 16.0  # probe readings: room 7 C and 11 C with TEMPCAL=5, TEMPOFF=10
SETUP = ("ALERTNUMBER" + OWNER, "THERMOSTATON", "ALARMON")


def per_year(count: int, span_ms: int) -> float:
    """A count seen over ``span_ms`` of virtual time, extrapolated linearly to 365 days."""
    if span_ms <= 0:
        raise ValueError("empty span")
    return count * YEAR / span_ms


def events(days: int) -> list[tuple[int, str]]:
    """The profile's timed events after set-up, as (offset ms, kind), in time order."""
    span = days * DAY
    out = [(t, "flip") for t in range(THERMO_FLIP_MS, span + 1, THERMO_FLIP_MS)]
    out += [(t, "alarm") for t in range(ALARM_EVERY_MS // 2, span, ALARM_EVERY_MS)]
    sms_gap = DAY // SMS_PER_DAY
    out += [(t, "sms") for t in range(sms_gap // 3, span, sms_gap)]
    return sorted(out)


def power_up_and_configure(world: World, texts: tuple[str, ...], settle_ms: int = 15_000) -> Iterator[Any]:
    """Scenario steps: mains on with the probe cold, then the owner's set-up SMS one by one."""
    world.set_temp(COLD)
    world.mains_on = True
    world.power_on()
    yield HANDOFF
    yield Wait(world.sched.now_ms + 20_000)
    for text in texts:
        world.network.phone_sms("owner", text)
        yield Wait(world.sched.now_ms + settle_ms)


def measure(days: int = DAYS) -> dict[str, Any]:
    """Run the profile for ``days`` simulated days; erases a year and simulated days per second."""
    world = World(model="707")
    world.network.add_phone("owner", OWNER)
    pin = world.config["alarm_input"]
    seen: dict[str, int] = {}
    counts = {"flip": 0, "alarm": 0, "sms": 0}

    def script() -> Iterator[Any]:
        yield from power_up_and_configure(world, SETUP)
        start = seen["start"] = world.sched.now_ms
        seen["erases"] = world.board.nvm.erase_count
        warm = False
        for offset, kind in events(days):
            yield Wait(start + offset)
            counts[kind] += 1
            if kind == "flip":
                warm = not warm
                world.set_temp(WARM if warm else COLD)
            elif kind == "sms":
                world.network.phone_sms("owner", "ON" if counts["sms"] % 2 else "OFF")
            else:  # the door opens for a moment
                world.board.set_input(pin, False)
                yield Wait(world.sched.now_ms + ALARM_OPEN_MS)
                world.board.set_input(pin, True)
        seen["end"] = world.sched.now_ms

    t0 = time.perf_counter()
    world.run(script())
    wall = time.perf_counter() - t0
    inbox = [m.text for m in world.network.inbox["owner"]]
    alarms = sum(t.startswith("ALARM!") for t in inbox)
    switched = sum(t.startswith("Power socket") for t in inbox)
    # The profile must really have happened, or the erase count means nothing.
    if alarms < counts["alarm"] * 9 // 10 or switched < counts["sms"] * 9 // 10:
        raise BenchError(
            "profile not carried out: %d/%d alarm SMS, %d/%d command replies"
            % (alarms, counts["alarm"], switched, counts["sms"])
        )
    span = seen["end"] - seen["start"]
    erases = world.board.nvm.erase_count - seen["erases"]
    return {
        "flash_erases_per_year": per_year(erases, span),
        "erases": erases,
        "days": span / DAY,
        "sim_days_per_s": (world.sched.now_ms / DAY) / wall,
        "wall_s": wall,
        "passes": world.passes,
        "events": dict(counts),
    }
