"""Flash wear of the thermostat (docs/storage.md, "Wear budget"): a week of thermostat cycling
writes nothing to the settings sector.

The thermostat switches the relay through ``MainSocket.drive``, which leaves the socket state
POWERSTATE=REMEMBER stores alone, so the documented bound for thermostat switching is zero
bytes and zero erases, however often it switches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from host_tests.bench.wear import COLD, WARM, power_up_and_configure
from host_tests.sim.world import Wait, World

MIN = 60_000
DAY = 24 * 60 * MIN
DAYS = 7
FLIP_MS = 3 * MIN  # the room crosses TEMPOFF every 3 minutes
WEAR_BOUND_ERASES = 0  # docs/storage.md: thermostat switching costs no flash at all


def test_a_week_of_thermostat_cycling_writes_nothing() -> None:
    relay_changes: list[int] = []
    world = World(
        model="707",
        listener=lambda t, text: relay_changes.append(t) if text in ("relay ON", "relay OFF") else None,
    )
    world.network.add_phone("owner", "+358401234567")
    seen: dict[str, Any] = {}

    def script() -> Iterator[Any]:
        yield from power_up_and_configure(world, ("THERMOSTATON",), 20_000)  # one settings record
        nvm = world.board.nvm
        seen["image"] = bytes(nvm.data)
        seen["erases"] = nvm.erase_count
        seen["writes"] = nvm.write_count
        seen["changes"] = len(relay_changes)
        end = world.sched.now_ms + DAYS * DAY
        warm = False
        while world.sched.now_ms < end:
            yield Wait(world.sched.now_ms + FLIP_MS)
            warm = not warm
            world.set_temp(WARM if warm else COLD)

    world.run(script())
    replies = [m.text for m in world.network.inbox["owner"]]
    assert replies and replies[0].startswith("THERMOSTATON - OK")
    nvm = world.board.nvm
    switches = len(relay_changes) - seen["changes"]
    assert switches >= DAYS * DAY // FLIP_MS * 9 // 10  # it really cycled: ~3,360 switches
    assert nvm.erase_count - seen["erases"] <= WEAR_BOUND_ERASES
    assert nvm.write_count == seen["writes"]  # not a single write
    assert bytes(nvm.data) == seen["image"]


# docs/storage.md: at most 168 alarm-log records of 54 B a week, ~74 per erase. (Until the
# clock exists every log entry carries the same "unknown" time, so once the log holds ten
# of them a new session changes nothing and compare-before-write stores nothing.)
ALARM_WEEK_BOUND_ERASES = 3


def test_a_week_of_thermostat_cycling_and_an_alarm_every_hour() -> None:
    """The issue's wear profile: thermostat switching every few minutes, an alarm session
    every hour, for 7 days; the flash erases stay within the documented bound."""
    world = World(model="707")
    world.network.add_phone("owner", "+358401234567")
    pin = world.config["alarm_input"]
    seen: dict[str, int] = {}

    def script() -> Iterator[Any]:
        yield from power_up_and_configure(world, ("ALERTNUMBER+358401234567", "THERMOSTATON", "ALARMON"))
        seen["erases"] = world.board.nvm.erase_count
        end = world.sched.now_ms + DAYS * DAY
        warm = False
        flips = 0
        while world.sched.now_ms < end:
            yield Wait(world.sched.now_ms + FLIP_MS)
            warm = not warm
            world.set_temp(WARM if warm else COLD)
            flips += 1
            if flips % 20 == 0:  # every hour: the door opens for a moment
                world.board.set_input(pin, False)
                yield Wait(world.sched.now_ms + 2_000)
                world.board.set_input(pin, True)

    world.run(script())
    alarms = [m for m in world.network.inbox["owner"] if m.text.startswith("ALARM! Sensor activated")]
    assert len(alarms) >= DAYS * 24 - 1
    erases = world.board.nvm.erase_count - seen["erases"]
    assert erases <= ALARM_WEEK_BOUND_ERASES
