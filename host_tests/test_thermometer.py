"""isocket.hw.thermometer: the DS18B20 cycle against the bit-level model, its faults, a fuzzed bus."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from microcontroller import Pin  # type: ignore[import-not-found]
from typing import Any

import _hostlink  # type: ignore[import-not-found]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_tests.sim.ds18b20 import Ds18b20, OneWireHost, OneWireLine
from host_tests.sim.world import HANDOFF, Wait, World
from isocket.hw.thermometer import CONVERT_MS, FIRST_MS, INTERVAL_MS, RETRY_MS, Thermometer

TICKS0 = 0x1FFF0000  # ticks_ms starts 65.5 s before its first wrap, as on the board
PERIOD = 1 << 29


def ticks(ms: int) -> int:
    return (TICKS0 + ms) % PERIOD


class Rig(OneWireHost):
    """A stand-in board for the fake onewireio: one line, one probe, a virtual ms clock."""

    def __init__(self, line: Any = None) -> None:
        self.now = 0
        self.probe = Ds18b20(lambda: self.now)
        self.line = line if line is not None else OneWireLine([self.probe])
        self.conversions: list[int] = []  # when each finished conversion was read

    def onewire_bus(self, pin: str) -> Any:
        return self.line

    def claim_pin(self, name: str) -> None:
        pass

    def release_pin(self, name: str) -> None:
        pass

    def thermometer(self) -> Thermometer:
        return Thermometer(Pin("GP22"), ticks(self.now))

    def run(self, th: Thermometer, ms: int, until: Callable[[], bool] | None = None) -> None:
        """Poll ``th`` as the loop would, for ``ms`` of virtual time (or until ``until()``)."""
        end = self.now + ms
        while self.now < end and not (until is not None and until()):
            th.poll(ticks(self.now))
            if self.probe.conversions > len(self.conversions):
                self.conversions.append(self.now)
            self.now = min(end, self.now + max(1, th.next_deadline(ticks(self.now))))


@contextlib.contextmanager
def installed(r: Rig) -> Iterator[Rig]:
    """``r`` as the board the fake modules see."""
    saved = _hostlink.BOARD
    _hostlink.BOARD = r
    try:
        yield r
    finally:
        _hostlink.BOARD = saved


@pytest.fixture
def rig() -> Iterator[Rig]:
    with installed(Rig()) as r:
        yield r


def started(rig: Rig, th: Thermometer) -> Thermometer:
    """``th`` after its first good reading."""
    rig.run(th, FIRST_MS + CONVERT_MS + 1)
    assert th.celsius_x16 == 21 * 16
    return th


def test_first_reading_seconds_after_boot_then_every_minute(rig: Rig) -> None:
    th = rig.thermometer()
    assert th.celsius_x16 is None
    assert th.next_deadline(ticks(0)) == FIRST_MS
    rig.run(th, 2000)
    assert th.celsius_x16 == 336
    assert rig.conversions == [FIRST_MS + CONVERT_MS]
    rig.probe.temperature = -3.5
    rig.run(th, 10 * 60_000)  # crosses the ticks wrap at 65.5 s
    assert th.celsius_x16 == -56
    gaps = {b - a for a, b in zip(rig.conversions, rig.conversions[1:])}
    assert gaps == {INTERVAL_MS}
    assert th.reads_ok == len(rig.conversions) == 11
    assert th.reads_failed == 0
    assert th.last_error == ""


def test_a_conversion_is_never_read_early(rig: Rig) -> None:
    th = rig.thermometer()
    rig.run(th, FIRST_MS + 1)
    assert rig.probe._pending is not None
    assert th.next_deadline(ticks(rig.now)) >= 750 - 1
    rig.run(th, 749)
    assert th.celsius_x16 is None and th.reads_failed == 0


def test_a_reading_costs_232_bit_slots_once_the_probe_is_known(rig: Rig) -> None:
    # CONVERT T alone (MATCH ROM + 0x44: 80 slots) and one scratchpad read (MATCH ROM + 0xBE +
    # 9 bytes: 152): not the driver's start_temperature_read(), whose resolution read costs
    # another 152 slots, each ~70 us of blocked loop on the board.
    th = started(rig, rig.thermometer())
    before = rig.line.slots
    rig.run(th, INTERVAL_MS)
    assert th.reads_ok == 2
    assert rig.line.slots - before == 232


def stuck_low_device() -> Any:
    """Something on the line that answers resets but pulls every slot low (all-zero scratchpad)."""

    class Stuck:
        attached = True
        shorted = False

        def reset(self) -> bool:
            return True

        def drive(self) -> int:
            return 0

        def sample(self, line: int) -> None:
            pass

        def lost_sync(self) -> None:
            pass

    return Stuck()


FAULTS: dict[str, tuple[Callable[[Rig], None], Callable[[Rig], None], str]] = {
    "unplugged": (
        lambda r: setattr(r.probe, "present", False),
        lambda r: setattr(r.probe, "present", True),
        "no probe",
    ),
    "shorted": (
        lambda r: setattr(r.probe, "shorted", True),
        lambda r: setattr(r.probe, "shorted", False),
        "no probe",
    ),
    "127.94": (
        lambda r: setattr(r.probe, "temperature", 127.9375),
        lambda r: setattr(r.probe, "temperature", 21.0),
        "127.94C",
    ),
    "too hot": (
        lambda r: setattr(r.probe, "temperature", 126.0),
        lambda r: setattr(r.probe, "temperature", 21.0),
        "out of range",
    ),
    "too cold": (
        lambda r: setattr(r.probe, "temperature", -56.0),
        lambda r: setattr(r.probe, "temperature", 21.0),
        "out of range",
    ),
    "zeros": (
        lambda r: r.line.devices.append(stuck_low_device()),
        lambda r: r.line.devices.pop(),
        "bad scratchpad",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_clears_the_reading_and_recovery_brings_it_back(rig: Rig, fault: str) -> None:
    apply, undo, error = FAULTS[fault]
    th = started(rig, rig.thermometer())
    apply(rig)
    rig.run(th, INTERVAL_MS + CONVERT_MS)
    assert th.celsius_x16 is None
    assert th.last_error == error
    assert th.reads_failed >= 1
    undo(rig)
    rig.run(th, INTERVAL_MS + CONVERT_MS + 1)
    assert th.celsius_x16 == 21 * 16
    assert th.last_error == error  # the latest failure stays for diagnostics


def converting(rig: Rig) -> Callable[[], bool]:
    return lambda: rig.probe._pending is not None


def test_crc_error_clears_the_reading_at_once(rig: Rig) -> None:
    th = started(rig, rig.thermometer())
    rig.run(th, INTERVAL_MS, until=converting(rig))
    rig.probe.present = False  # the line floats: the scratchpad reads 0xFF x 9
    rig.run(th, CONVERT_MS + 1)
    assert th.celsius_x16 is None
    assert th.last_error.startswith("CRC")
    rig.probe.present = True
    rig.run(th, RETRY_MS + CONVERT_MS + 1)
    assert th.celsius_x16 == 21 * 16


def test_power_on_85_is_not_a_reading(rig: Rig) -> None:
    th = started(rig, rig.thermometer())
    rig.run(th, INTERVAL_MS, until=converting(rig))
    rig.probe.power_off()  # a brown-out of the probe loses the conversion: 85.0 degC, good CRC
    rig.probe.power_on()
    rig.run(th, CONVERT_MS + 1)
    assert th.celsius_x16 is None
    assert th.last_error == "85C unconfirmed"
    rig.run(th, RETRY_MS + CONVERT_MS + 1)  # confirmed quickly, not a minute later
    assert th.celsius_x16 == 21 * 16


def test_a_real_85_is_taken_after_a_second_conversion(rig: Rig) -> None:
    th = started(rig, rig.thermometer())
    rig.probe.temperature = 85.0
    rig.run(th, INTERVAL_MS)
    assert th.celsius_x16 is None and th.last_error == "85C unconfirmed"
    rig.run(th, RETRY_MS + CONVERT_MS + 1)
    assert th.celsius_x16 == 85 * 16
    rig.run(th, INTERVAL_MS)
    assert th.celsius_x16 == 85 * 16  # 85.0 after 85.0 stays good


def test_a_replaced_probe_is_found_again(rig: Rig) -> None:
    th = started(rig, rig.thermometer())
    rig.probe.present = False
    rig.run(th, INTERVAL_MS)
    assert th.celsius_x16 is None
    rig.probe.replace(bytes.fromhex("112233440000"))  # another probe, another ROM
    rig.probe.present = True
    rig.probe.temperature = 19.5
    rig.run(th, INTERVAL_MS + CONVERT_MS)
    assert th.celsius_x16 == 19.5 * 16
    assert th._ds is not None and bytes(th._ds.address.rom) == rig.probe.rom


def test_a_missing_probe_is_looked_for_every_minute(rig: Rig) -> None:
    rig.probe.present = False
    th = rig.thermometer()
    rig.run(th, 30 * 60_000)
    assert th.celsius_x16 is None
    assert th.reads_ok == 0
    # a reset each try: a few quick retries, then one a minute
    assert 30 <= rig.line.resets <= 30 + 4
    assert th.next_deadline(ticks(rig.now)) <= INTERVAL_MS


class RandomLine:
    """A 1-Wire line that answers anything: random presence, random bits, now and then an error."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.devices: list[Any] = []

    def _maybe_fail(self) -> None:
        if self.rnd.random() < 0.001:
            raise OSError(5, "bus fault")

    def reset(self) -> bool:
        self._maybe_fail()
        return self.rnd.random() < 0.3

    def read_bit(self) -> bool:
        self._maybe_fail()
        return self.rnd.random() < 0.5

    def write_bit(self, value: bool) -> None:
        self._maybe_fail()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), steps=st.lists(st.integers(0, 70_000), min_size=1, max_size=40))
def test_poll_never_raises_on_a_garbage_bus(seed: int, steps: list[int]) -> None:
    with installed(Rig(RandomLine(random.Random(seed)))) as rig:
        th = rig.thermometer()
        poll_steps(th, steps)


def poll_steps(th: Thermometer, steps: list[int]) -> None:
    now = 0
    for step in steps:
        now += step
        th.poll(ticks(now))
        assert th.celsius_x16 is None or -55 * 16 <= th.celsius_x16 <= 125 * 16
        assert th.celsius_x16 != 0x07FF
        assert 0 <= th.next_deadline(ticks(now)) <= INTERVAL_MS
        assert isinstance(th.last_error, str) and len(th.last_error) <= 24


# -- in the simulated world -----------------------------------------------------------


def test_the_firmware_reads_the_world_probe() -> None:
    world = World()
    seen: list[tuple[int, int]] = []

    def script() -> Iterator[Any]:
        world.mains_on = True
        world.power_on()
        yield HANDOFF
        boot = world.sched.now_ms
        while world.sched.now_ms < boot + 130_000:
            yield Wait(world.sched.now_ms + 100)
            if world.probe.conversions > len(seen):
                world.probe._update()
                seen.append((world.sched.now_ms - boot, world.probe.t_x16))
        world.set_temp(None)
        yield Wait(world.sched.now_ms + 1_000)
        world.set_temp(23.0)  # plugged back in: a power-on, 85.0 until it converts
        assert world.probe.t_x16 == 0x0550

    world.run(script())
    assert seen[0][0] <= 3_000 and seen[0][1] == 21 * 16  # seconds after boot
    assert len(seen) == 3  # then once a minute


class FlakyLine:
    """The real line with noise: each bit the master reads flips with probability ``p``."""

    def __init__(self, line: OneWireLine, rnd: random.Random, p: float) -> None:
        self.line, self.rnd, self.p = line, rnd, p
        self.devices = line.devices

    def reset(self) -> bool:
        return self.line.reset() != (self.rnd.random() < self.p)

    def read_bit(self) -> bool:
        return self.line.read_bit() != (self.rnd.random() < self.p)

    def write_bit(self, value: bool) -> None:
        self.line.write_bit(value)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), p=st.sampled_from([0.0005, 0.005, 0.05, 0.5]))
def test_poll_never_raises_on_a_noisy_line(seed: int, p: float) -> None:
    with installed(Rig()) as rig:
        th = started(rig, rig.thermometer())
        rig.line = FlakyLine(rig.line, random.Random(seed), p)
        rig.run(th, 20 * 60_000)
        assert th.reads_ok + th.reads_failed >= 20
        assert th.celsius_x16 is None or -55 * 16 <= th.celsius_x16 <= 125 * 16
