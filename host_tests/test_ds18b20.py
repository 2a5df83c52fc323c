"""The bit-level DS18B20 model (host_tests.sim.ds18b20) under the REAL, unmodified drivers.

adafruit_onewire and adafruit_ds18x20 talk to the model through the fake onewireio, on a
tiny stand-in board whose virtual clock the tests move by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from microcontroller import Pin  # type: ignore[import-not-found]

import _hostlink  # type: ignore[import-not-found]
import pytest
from adafruit_ds18x20 import DS18X20
from adafruit_onewire.bus import OneWireBus
from adafruit_onewire.device import OneWireDevice

from host_tests.sim.ds18b20 import Ds18b20, OneWireHost, OneWireLine, crc8, make_rom, to_x16

PIN = "GP22"


class Rig(OneWireHost):
    """What the fake onewireio needs from the board, plus a clock and a line with one probe."""

    def __init__(self) -> None:
        self.now = 0.0
        self.probe = Ds18b20(lambda: self.now)
        self.line = OneWireLine([self.probe])
        self.claimed: set[str] = set()
        self._bus: OneWireBus | None = None

    def onewire_bus(self, pin: str) -> OneWireLine:
        return self.line

    def claim_pin(self, name: str) -> None:
        if name in self.claimed:
            raise ValueError("%s in use" % name)
        self.claimed.add(name)

    def release_pin(self, name: str) -> None:
        self.claimed.discard(name)

    def bus(self) -> OneWireBus:
        """The one adafruit_onewire bus on the pin (onewireio claims the pin)."""
        if self._bus is None:
            self._bus = OneWireBus(Pin(PIN))
        return self._bus


@pytest.fixture
def rig() -> Iterator[Rig]:
    saved = _hostlink.BOARD
    r = Rig()
    _hostlink.BOARD = r
    try:
        yield r
    finally:
        _hostlink.BOARD = saved


def sensor(rig: Rig) -> DS18X20:
    bus = rig.bus()
    return DS18X20(bus, bus.scan()[0])


def scratchpad(bus: OneWireBus) -> bytes:
    assert bus.reset()
    bus.write(b"\xcc\xbe")  # SKIP ROM, READ SCRATCHPAD
    buf = bytearray(9)
    bus.readinto(buf)
    return bytes(buf)


# -- ROM -------------------------------------------------------------------------


def test_scan_finds_the_rom(rig: Rig) -> None:
    found = rig.bus().scan()
    assert [bytes(a.rom) for a in found] == [rig.probe.rom]
    assert found[0].family_code == 0x28
    assert crc8(rig.probe.rom) == 0
    assert OneWireBus.crc8(rig.probe.rom[:7]) == rig.probe.rom[7]


def test_scan_separates_two_probes_by_the_search_protocol(rig: Rig) -> None:
    other = Ds18b20(lambda: rig.now, serial=bytes.fromhex("5A3C1B0B0100"))  # differs in one bit
    third = Ds18b20(lambda: rig.now, serial=bytes.fromhex("A0A0A0A0A0A0"))
    rig.line.devices += [other, third]
    roms = sorted(bytes(a.rom) for a in rig.bus().scan())
    assert roms == sorted([rig.probe.rom, other.rom, third.rom])


def test_read_rom_and_match_rom(rig: Rig) -> None:
    bus = rig.bus()
    assert bus.reset()
    bus.write(b"\x33")
    rom = bytearray(8)
    bus.readinto(rom)
    assert bytes(rom) == rig.probe.rom
    # MATCH ROM with another ROM leaves the probe silent: the pull-up reads 0xFF.
    wrong = OneWireDevice(bus, type(bus.scan()[0])(bytearray(make_rom(b"\x01\x02\x03\x04\x05\x06"))))
    with wrong as dev:
        dev.write(b"\xbe")
        buf = bytearray(2)
        dev.readinto(buf)
    assert bytes(buf) == b"\xff\xff"


def test_a_device_drops_out_on_a_wrong_search_direction(rig: Rig) -> None:
    bus = rig.bus()
    assert bus.reset()
    bus.write(b"\xf0")
    first = rig.probe.rom[0] & 1
    assert (bus._readbit(), bus._readbit()) == (first, first ^ 1)
    bus._writebit(first ^ 1)  # take the other branch
    assert (bus._readbit(), bus._readbit()) == (1, 1)  # nobody left


# -- conversions -------------------------------------------------------------------


def test_power_on_value_until_the_first_conversion_completes(rig: Rig) -> None:
    ds = sensor(rig)
    assert ds.read_temperature() == 85.0
    assert ds._buf[6] == 0x0C  # power-up value of the reserved byte 6 (genuine parts)
    assert ds.start_temperature_read() == 0.75
    rig.now = 749
    assert ds.read_temperature() == 85.0  # read too early: still the power-on value
    rig.now = 750
    assert ds.read_temperature() == 21.0
    assert ds._buf[6] == 0x10  # 0x10 - (LSB & 0x0F)
    rig.probe.temperature = 30.0
    ds.start_temperature_read()
    rig.now += 400
    assert ds.read_temperature() == 21.0  # the previous value while converting
    rig.now += 350
    assert ds.read_temperature() == 30.0


def test_read_slots_after_convert_t_show_the_busy_flag(rig: Rig) -> None:
    bus = rig.bus()
    assert bus.reset()
    bus.write(b"\xcc\x44")
    assert bus._readbit() == 0
    rig.now = 700
    assert bus._readbit() == 0
    rig.now = 750
    assert bus._readbit() == 1
    assert rig.probe.t_x16 == 21 * 16


@pytest.mark.parametrize(
    ("bits", "delay", "expected"),
    [(9, 0.09375, 25.5), (10, 0.1875, 25.25), (11, 0.375, 25.25), (12, 0.75, 25.3125)],
)
def test_resolution_sets_conversion_time_and_step(rig: Rig, bits: int, delay: float, expected: float) -> None:
    ds = sensor(rig)
    ds.resolution = bits
    assert ds.resolution == bits
    rig.probe.temperature = 25.3
    assert ds.start_temperature_read() == delay
    rig.now += delay * 1000 - 1
    assert ds.read_temperature() == 85.0
    rig.now += 1
    assert ds.read_temperature() == expected


def test_resolution_comes_back_from_eeprom_at_power_on(rig: Rig) -> None:
    ds = sensor(rig)
    ds.resolution = 9  # scratchpad only (the driver never copies it)
    rig.probe.power_off()
    rig.probe.power_on()
    assert ds.resolution == 12


@pytest.mark.parametrize(
    ("celsius", "register"),
    [  # the datasheet's table of temperature/data relationships
        (125.0, 0x07D0),
        (85.0, 0x0550),
        (25.0625, 0x0191),
        (10.125, 0x00A2),
        (0.5, 0x0008),
        (0.0, 0x0000),
        (-0.5, 0xFFF8),
        (-10.125, 0xFF5E),
        (-25.0625, 0xFE6F),
        (-55.0, 0xFC90),
    ],
)
def test_temperature_register_twos_complement(rig: Rig, celsius: float, register: int) -> None:
    ds = sensor(rig)
    rig.probe.temperature = celsius
    ds.start_temperature_read()
    rig.now += 750
    assert ds.read_temperature() == celsius
    assert ds._buf[0] | ds._buf[1] << 8 == register
    assert (ds._buf[0] + ds._buf[6]) & 0x0F == 0


def test_rounding_to_the_resolution_is_half_away_from_zero() -> None:
    assert to_x16(21.03125, 12) == 337  # 336.5 -> 337
    assert to_x16(-21.03125, 12) == -337
    assert to_x16(21.2, 9) == 336  # 21.0
    assert to_x16(21.25, 9) == 344  # 21.5
    assert to_x16(500.0, 12) == 2047  # clamped to what the register holds


def test_scratchpad_layout_and_crc(rig: Rig) -> None:
    sp = scratchpad(rig.bus())
    assert sp == rig.probe.scratchpad()
    assert sp[:8] == bytes([0x50, 0x05, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10])  # Maxim's initial scratchpad
    assert sp[8] == crc8(sp[:8])
    assert OneWireBus.crc8(sp) == 0


def test_driver_leaves_the_scratchpad_in_buf(rig: Rig) -> None:
    # isocket.hw.thermometer reads the scratchpad bytes the driver keeps in DS18X20._buf.
    ds = sensor(rig)
    ds.read_temperature()
    assert bytes(ds._buf) == rig.probe.scratchpad()


# -- the other function commands ------------------------------------------------------


def test_write_copy_recall_and_power_supply(rig: Rig) -> None:
    bus = rig.bus()
    assert bus.reset()
    bus.write(bytes([0xCC, 0x4E, 0x1E, 0xF6, 0x00]))  # TH 30, TL -10, 9 bits (fixed bits forced)
    sp = scratchpad(bus)
    assert sp[2:5] == bytes([0x1E, 0xF6, 0x1F])
    assert bus.reset()
    bus.write(b"\xcc\x48")  # COPY SCRATCHPAD
    assert bus._readbit() == 0  # EEPROM write in progress
    rig.now += 10
    assert bus._readbit() == 1
    assert bus.reset()
    bus.write(bytes([0xCC, 0x4E, 0x01, 0x02, 0x7F]))
    assert bus.reset()
    bus.write(b"\xcc\xb8")  # RECALL E2
    assert bus._readbit() == 1
    assert scratchpad(bus)[2:5] == bytes([0x1E, 0xF6, 0x1F])
    rig.probe.power_off()
    rig.probe.power_on()
    assert scratchpad(bus)[2:5] == bytes([0x1E, 0xF6, 0x1F])  # EEPROM survives power
    assert bus.reset()
    bus.write(b"\xcc\xb4")  # READ POWER SUPPLY
    assert bus._readbit() == 1  # externally powered


def alarm_search(bus: OneWireBus) -> bytes | None:
    """One ALARM SEARCH pass for a single device: its ROM, or None when nobody answers."""
    if not bus.reset():
        return None
    bus.write(b"\xec")
    rom = bytearray(8)
    for i in range(64):
        b, c = bus._readbit(), bus._readbit()
        if b and c:
            return None
        bus._writebit(b)
        rom[i // 8] |= b << (i % 8)
    return bytes(rom)


def test_alarm_search_answers_only_after_an_alarming_conversion(rig: Rig) -> None:
    bus = rig.bus()
    assert alarm_search(bus) is None  # no conversion yet
    assert bus.reset()
    bus.write(bytes([0xCC, 0x4E, 30, 10, 0x7F]))  # TH 30, TL 10
    assert bus.reset()
    bus.write(b"\xcc\x44")
    rig.now += 750
    assert alarm_search(bus) is None  # 21 degC: inside (10, 30]
    rig.probe.temperature = 35.0
    assert bus.reset()
    bus.write(b"\xcc\x44")
    rig.now += 750
    assert alarm_search(bus) == rig.probe.rom


# -- faults ------------------------------------------------------------------------


def test_unplugged_probe_gives_no_presence_and_a_crc_error(rig: Rig) -> None:
    ds = sensor(rig)
    rig.probe.present = False
    bus = rig.bus()
    assert bus.reset() is False
    assert bus.scan() == []
    with pytest.raises(RuntimeError, match="CRC"):
        ds.read_temperature()
    assert bytes(ds._buf) == b"\xff" * 9
    with pytest.raises(RuntimeError, match="CRC"):
        ds.start_temperature_read()


def test_plugging_back_in_is_a_power_on(rig: Rig) -> None:
    ds = sensor(rig)
    ds.start_temperature_read()
    rig.now += 750
    assert ds.read_temperature() == 21.0
    rig.probe.present = False
    rig.probe.present = True
    assert ds.read_temperature() == 85.0


def test_shorted_line_reads_zero_and_reports_no_presence(rig: Rig) -> None:
    ds = sensor(rig)
    rig.probe.shorted = True
    bus = rig.bus()
    assert bus._ow.reset() is True  # onewireio: True = nobody answered / stuck low
    assert bus.reset() is False
    # The hazard of platform doc section 4: nine zero bytes pass the CRC, so the driver says 0.0.
    assert ds.read_temperature() == 0.0
    assert bytes(ds._buf) == bytes(9)
    rig.probe.shorted = False
    assert ds.read_temperature() == 85.0


def test_a_power_cut_during_a_conversion_loses_it(rig: Rig) -> None:
    ds = sensor(rig)
    ds.start_temperature_read()
    rig.probe.power_off()
    rig.probe.power_on()
    rig.now += 750
    assert ds.read_temperature() == 85.0


def test_the_pin_is_claimed_until_deinit(rig: Rig) -> None:
    bus = rig.bus()
    with pytest.raises(ValueError):
        OneWireBus(Pin(PIN))
    bus._ow.deinit()
    with pytest.raises(ValueError):
        bus.reset()
    assert OneWireBus(Pin(PIN)).reset()
