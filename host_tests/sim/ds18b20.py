"""A bit-level DS18B20 on a simulated 1-Wire line, after the Maxim datasheet (19-7487 Rev 6).

Every time slot is one bit exchanged on a wired-AND line: the master drives its bit (a
read slot is a write-1 slot), each device on the line may pull it low, and every device
samples the result. Bytes go least significant bit first. The probe answers a reset with a
presence pulse, then one ROM command (READ 0x33, MATCH 0x55, SKIP 0xCC, SEARCH 0xF0, ALARM
SEARCH 0xEC) and one function command (CONVERT T 0x44, WRITE 0x4E / READ 0xBE SCRATCHPAD,
COPY 0x48, RECALL E2 0xB8, READ POWER SUPPLY 0xB4); a reset starts over.

Timing runs on the clock passed in (the world's virtual milliseconds): a conversion takes
the datasheet's maximum for the resolution (93.75 / 187.5 / 375 / 750 ms) and latches the
``temperature`` the world set when it was issued, rounded to the resolution (half away
from zero). Read slots after CONVERT T read 0 while converting, 1 when done. Until the
first conversion after power-on the temperature register holds +85 degC (0x0550) and
scratchpad byte 6 reads 0x0C, as in genuine Maxim parts; after a conversion byte 6 is
``0x10 - (LSB & 0x0F)`` (cpetrich/counterfeit_DS18B20, family A). TH, TL and the
configuration live in an EEPROM (factory 0x4B, 0x46, 0x7F) copied to the scratchpad at
power-on. The probe is externally powered (READ POWER SUPPLY reads 1).

Faults: ``present = False`` unplugs it (no presence pulse, every slot reads 1 through the
pull-up; plugging it back is a power-on), ``shorted = True`` holds the line low (every
slot reads 0 and a reset reports no presence, as onewireio does).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any

READ_ROM = 0x33
MATCH_ROM = 0x55
SKIP_ROM = 0xCC
SEARCH_ROM = 0xF0
ALARM_SEARCH = 0xEC
CONVERT_T = 0x44
WRITE_SCRATCHPAD = 0x4E
READ_SCRATCHPAD = 0xBE
COPY_SCRATCHPAD = 0x48
RECALL_E2 = 0xB8
READ_POWER_SUPPLY = 0xB4

FAMILY = 0x28
POWER_ON_X16 = 0x0550  # +85 degC, the temperature register's power-on value
CONVERSION_MS = {9: 93.75, 10: 187.5, 11: 375.0, 12: 750.0}  # datasheet maxima
COPY_MS = 10.0  # EEPROM write, datasheet t_WR max
FACTORY_EEPROM = (0x4B, 0x46, 0x7F)  # TH, TL, configuration (12 bits)

# What the slot generator yields: the bit the device drives now, or a function giving it
# at the moment of the slot (busy flags that change with time).
Drive = int | Callable[[], int]
Slots = Generator[Drive, int, None]


def _crc8_step(crc: int) -> int:
    for _ in range(8):
        crc = (crc >> 1) ^ 0x8C if crc & 1 else crc >> 1
    return crc


_CRC8 = bytes(_crc8_step(i) for i in range(256))  # a table: the probe sends a scratchpad 2,880 times a day


def crc8(data: Iterable[int]) -> int:
    """Dallas/Maxim CRC8 (x^8 + x^5 + x^4 + 1, reflected); 0 over data followed by its CRC."""
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def make_rom(serial: bytes) -> bytes:
    """The 64-bit ROM: family 0x28, the 48-bit serial (LSB first), then its CRC8."""
    if len(serial) != 6:
        raise ValueError("a DS18B20 serial is 6 bytes")
    body = bytes([FAMILY]) + bytes(serial)
    return body + bytes([crc8(body)])


def to_x16(celsius: float, bits: int) -> int:
    """``celsius`` as the temperature register holds it at ``bits`` resolution (1/16 degC units)."""
    step = 1 << (12 - bits)  # 9 bits: 0.5 degC = 8/16
    units = abs(celsius) * 16 / step
    n = int(units + 0.5) * step  # half away from zero
    n = -n if celsius < 0 else n
    return max(-2048, min(2047, n))  # 12 bits plus sign extension: what the register can hold


class Ds18b20:
    """One probe: protocol state, scratchpad, EEPROM, conversions on ``clock()`` milliseconds."""

    def __init__(self, clock: Callable[[], float], serial: bytes = bytes.fromhex("5A3C1B0B0000")) -> None:
        self.clock = clock
        self.rom = make_rom(serial)
        self.temperature = 21.0  # degrees C, set by the world
        self.shorted = False
        self.eeprom = list(FACTORY_EEPROM)
        self.conversions = 0
        self._present = True
        self.powered = True
        self.attached = True  # present and powered: an attribute, as the line asks it every slot
        self._slots: Slots | None = None
        self._drive: Drive = 1
        self.power_on()

    # -- the world's side -------------------------------------------------------
    @property
    def present(self) -> bool:
        return self._present

    @present.setter
    def present(self, value: bool) -> None:
        if value and not self._present and self.powered:
            self.power_on()  # plugged in: VDD comes with the data line
        self._present = bool(value)
        self.attached = self._present and self.powered

    def power_on(self) -> None:
        """Power-on reset: 85 degC, EEPROM recalled, no conversion, waiting for a reset pulse."""
        self.powered = True
        self.attached = self._present
        self.t_x16 = POWER_ON_X16
        self.th, self.tl, self.config = self.eeprom
        self.reserved6 = 0x0C
        self.alarm = False
        self._busy_until = -1.0
        self._pending: tuple[float, int] | None = None  # (done at, value) of a conversion
        self._slots = None
        self._drive = 1

    def power_off(self) -> None:
        self.powered = False
        self.attached = False
        self._slots = None
        self._drive = 1

    def replace(self, serial: bytes) -> None:
        """Another probe in its place: a new ROM, factory EEPROM, powered on afresh."""
        self.rom = make_rom(serial)
        self.eeprom = list(FACTORY_EEPROM)
        self.power_on()

    @property
    def resolution(self) -> int:
        return 9 + ((self.config >> 5) & 3)

    def scratchpad(self) -> bytes:
        """The 9 bytes READ SCRATCHPAD sends (byte 8 is the CRC8 of bytes 0-7)."""
        self._update()
        t = self.t_x16 & 0xFFFF
        body = bytes([t & 0xFF, t >> 8, self.th, self.tl, self.config, 0xFF, self.reserved6, 0x10])
        return body + bytes([crc8(body)])

    # -- the line's side ----------------------------------------------------------
    def reset(self) -> bool:
        """A reset pulse; True for a presence pulse. Conversions and EEPROM writes go on."""
        self._update()
        self._slots = self._transaction()
        self._drive = next(self._slots)
        return True

    def drive(self) -> int:
        """The level this device puts on the line in the current slot (0 pulls it low)."""
        if self._pending is not None:
            self._update()
        d = self._drive
        return d() if callable(d) else d

    def sample(self, line: int) -> None:
        """The level the line had in the slot: the device reads it and moves on."""
        if self._slots is None:
            return
        try:
            self._drive = self._slots.send(line)
        except StopIteration:
            self._slots = None  # deselected or done: silent until the next reset
            self._drive = 1

    def lost_sync(self) -> None:
        """The line was held low: the device waits for the next reset."""
        self._slots = None
        self._drive = 1

    # -- internals ------------------------------------------------------------
    def _update(self) -> None:
        p = self._pending
        if p is not None and self.clock() >= p[0]:
            self._pending = None
            self.t_x16 = p[1]
            self.reserved6 = 0x10 - (p[1] & 0x0F)
            whole = p[1] >> 4  # bits 11..4 against TH/TL (signed bytes)
            self.alarm = whole > _signed8(self.th) or whole <= _signed8(self.tl)
            self.conversions += 1

    def _converting(self) -> int:
        self._update()
        return 0 if self._pending is not None else 1

    def _copying(self) -> int:
        return 0 if self.clock() < self._busy_until else 1

    def _rx_byte(self) -> Generator[Drive, int, int]:
        value = 0
        for i in range(8):
            value |= ((yield 1) & 1) << i
        return value

    def _tx_bytes(self, data: bytes) -> Slots:
        for byte in data:
            for i in range(8):
                yield (byte >> i) & 1

    def _transaction(self) -> Slots:
        cmd = yield from self._rx_byte()
        if cmd == READ_ROM:
            yield from self._tx_bytes(self.rom)
        elif cmd == MATCH_ROM:
            for byte in self.rom:
                if (yield from self._rx_byte()) != byte:
                    return
        elif cmd == SEARCH_ROM or (cmd == ALARM_SEARCH and self.alarm):
            for byte in self.rom:
                for i in range(8):
                    bit = (byte >> i) & 1
                    yield bit  # the bit
                    yield bit ^ 1  # its complement
                    if ((yield 1) & 1) != bit:  # the master's choice: not ours, drop out
                        return
        elif cmd != SKIP_ROM:
            return  # ALARM SEARCH without an alarm, or an unknown ROM command
        yield from self._function()

    def _function(self) -> Slots:
        cmd = yield from self._rx_byte()
        if cmd == CONVERT_T:
            self._update()
            if self._pending is None:
                t = self.clock() + CONVERSION_MS[self.resolution]
                self._pending = (t, to_x16(self.temperature, self.resolution))
            while True:
                yield self._converting
        elif cmd == READ_SCRATCHPAD:
            yield from self._tx_bytes(self.scratchpad())
        elif cmd == WRITE_SCRATCHPAD:
            self.th = yield from self._rx_byte()
            self.tl = yield from self._rx_byte()
            self.config = ((yield from self._rx_byte()) & 0x60) | 0x1F  # bit 7 and bits 4..0 fixed
        elif cmd == COPY_SCRATCHPAD:
            self.eeprom = [self.th, self.tl, self.config]
            self._busy_until = self.clock() + COPY_MS
            while True:
                yield self._copying
        elif cmd == RECALL_E2:
            self.th, self.tl, self.config = self.eeprom
            while True:
                yield 1  # recalled at once
        elif cmd == READ_POWER_SUPPLY:
            while True:
                yield 1  # externally powered: parasite-powered parts would pull it low


def _signed8(b: int) -> int:
    return b - 256 if b & 0x80 else b


class OneWireLine:
    """A 1-Wire line with a 4.7 kOhm pull-up and the devices on it: onewireio's bit operations."""

    def __init__(self, devices: Iterable[Any] = ()) -> None:
        self.devices = list(devices)
        self.resets = 0
        self.slots = 0

    def _lose_sync(self) -> None:
        for d in self.devices:
            d.lost_sync()

    def reset(self) -> bool:
        """True when NO device answered or the line is held low (onewireio's convention)."""
        self.resets += 1
        if any(d.shorted for d in self.devices):
            self._lose_sync()
            return True
        presence = False
        for d in self.devices:
            if d.attached and d.reset():
                presence = True
        return not presence

    def _slot(self, master: int) -> int:
        self.slots += 1
        # All drive, then all sample (wired-AND). A short found midway undoes nothing a drive did (it
        # only latches a finished conversion), so one loop does both: ~500,000 slots a simulated day.
        line = master
        for d in self.devices:
            if d.shorted:
                self._lose_sync()
                return 0
            if d.attached:
                line &= d.drive()
        for d in self.devices:
            if d.attached:
                d.sample(line)
        return line

    def read_bit(self) -> bool:
        return bool(self._slot(1))

    def write_bit(self, value: bool) -> None:
        self._slot(1 if value else 0)


class OneWireHost:
    """The onewireio calls a board serves, each on the line ``onewire_bus(pin)`` gives."""

    def onewire_bus(self, pin: str) -> OneWireLine:
        raise NotImplementedError

    def onewire_reset(self, pin: str) -> bool:
        return self.onewire_bus(pin).reset()

    def onewire_read_bit(self, pin: str) -> bool:
        return self.onewire_bus(pin).read_bit()

    def onewire_write_bit(self, pin: str, value: bool) -> None:
        self.onewire_bus(pin).write_bit(value)
