"""Flash wear of the thermostat (docs/storage.md, "Wear budget"): a week of thermostat cycling
writes nothing to the settings sector.

The thermostat switches the relay through ``MainSocket.drive``, which leaves the socket state
POWERSTATE=REMEMBER stores alone, so the documented bound for thermostat switching is zero
bytes and zero erases, however often it switches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from host_tests.sim.world import HANDOFF, Wait, World

MIN = 60_000
DAY = 24 * 60 * MIN
DAYS = 7
FLIP_MS = 3 * MIN  # the room crosses TEMPOFF every 3 minutes
WEAR_BOUND_ERASES = 0  # docs/storage.md: thermostat switching costs no flash at all
COLD, WARM = 12.0, 16.0  # probe readings: room 7 C and 11 C with TEMPCAL=5, TEMPOFF=10


def test_a_week_of_thermostat_cycling_writes_nothing() -> None:
    relay_changes: list[int] = []
    world = World(
        model="707",
        listener=lambda t, text: relay_changes.append(t) if text in ("relay ON", "relay OFF") else None,
    )
    world.network.add_phone("owner", "+358401234567")
    seen: dict[str, Any] = {}

    def script() -> Iterator[Any]:
        world.set_temp(COLD)
        world.mains_on = True
        world.power_on()
        yield HANDOFF
        yield Wait(world.sched.now_ms + 20_000)
        world.network.phone_sms("owner", "THERMOSTATON")  # stored: one settings record
        yield Wait(world.sched.now_ms + 20_000)
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
