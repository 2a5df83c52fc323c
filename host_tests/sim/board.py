"""The simulated Pico board: what the fake CircuitPython modules read and drive.

It owns the pins, the UART wire to the modem, the settings flash (which survives resets
and power cuts), the RTC, the watchdog, the console and the LED state machines, all on
the world's virtual clock.
"""

from __future__ import annotations

import datetime
import math
import time
from typing import Any

from host_tests.fakes.nvm_model import FakeNvm
from host_tests.fakes.power import PowerLoss
from host_tests.sim.ds18b20 import OneWireLine as OneWireBus  # the line with the world's DS18B20 on it

BYTE_MS = 10 / 115200 * 1000  # one UART character at 115200 8N1
RTC_EPOCH = datetime.datetime(2000, 1, 1)


class McuReset(BaseException):
    """The microcontroller resets (watchdog, crash, software reset); raised out of the firmware."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UartLink:
    """The wire between the board's UART and the modem, paced at the baud rate."""

    def __init__(self, board: HostBoard, capacity: int) -> None:
        self.board = board
        self.capacity = capacity
        self.rx = bytearray()
        self.dropped = 0
        self._tx_free = 0.0
        self._rx_free = 0.0

    def host_write(self, data: bytes) -> None:
        sched = self.board.sched
        t = max(float(sched.now_ms), self._tx_free) + len(data) * BYTE_MS
        self._tx_free = t
        self.board.trace("uart>", data)
        sched.call_at(math.ceil(t), self.board.modem_rx, data)

    def modem_sent(self, data: bytes) -> None:
        sched = self.board.sched
        t = max(float(sched.now_ms), self._rx_free) + len(data) * BYTE_MS
        self._rx_free = t
        sched.call_at(math.ceil(t), self._arrive, data)

    def _arrive(self, data: bytes) -> None:
        room = self.capacity - len(self.rx)
        if room < len(data):
            self.dropped += len(data) - max(room, 0)  # the RP2040 drops the newest bytes, silently
            data = data[: max(room, 0)]
        self.rx.extend(data)
        self.board.trace("uart<", data)
        self.board.wake()


class HostBoard:
    """A Raspberry Pi Pico as the firmware sees it through the fake modules."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.sched = world.sched
        self.nvm = FakeNvm()
        self.cpu_uid = bytes.fromhex("E66038B7131C7F2A")
        self.reset_reason = "POWER_ON"
        self.boot_ms = 0
        self.outputs: dict[str, bool] = {}
        self.inputs: dict[str, bool] = {}
        self.claimed: set[str] = set()
        self.keys: list[Any] = []
        self.uart: UartLink | None = None
        self.console_rx = bytearray()
        self.console_partial = ""
        self.rtc_base = (0, 0)  # (virtual ms at set, seconds since 2000-01-01 then)
        self.pio: dict[str, Any] = {}
        self.watchdog_timeout: float | None = None
        self.last_feed = 0
        self.woken = False

    # -- life cycle (called by the world) -------------------------------------
    def start(self, reason: str) -> None:
        """A fresh start of the MCU: hard-reset state; flash and the outside world stay."""
        self.stop()
        self.reset_reason = reason
        self.boot_ms = self.sched.now_ms
        self.rtc_base = (self.sched.now_ms, 0)  # the RP2040 RTC restarts at 2000-01-01 00:00:00

    def stop(self) -> None:
        """code.py no longer runs: every pin floats."""
        self.outputs.clear()
        self.claimed.clear()
        self.keys = []
        self.uart = None
        self.pio = {}
        self.watchdog_timeout = None
        self.world.pins_changed()

    def trace(self, kind: str, data: Any) -> None:
        self.world.trace(kind, data)

    def wake(self) -> None:
        self.woken = True

    # -- fake module services -------------------------------------------------
    def uptime_ms(self) -> int:
        return self.sched.now_ms - self.boot_ms

    def claim_pin(self, name: str) -> None:
        if name in self.claimed:
            raise ValueError("%s in use" % name)
        self.claimed.add(name)

    def release_pin(self, name: str) -> None:
        self.claimed.discard(name)
        if self.outputs.pop(name, None) is not None:
            self.world.pins_changed()

    def drive_pin(self, name: str, level: bool) -> None:
        if self.outputs.get(name) != level:
            self.outputs[name] = level
            self.world.pins_changed()

    def pin_level(self, name: str) -> bool:
        return self.outputs.get(name, False)

    def read_input(self, name: str, pull: Any) -> bool:
        if name in self.inputs:
            return self.inputs[name]
        return str(pull).endswith("UP")

    def set_input(self, name: str, level: bool) -> None:
        if self.inputs.get(name) == level:
            return
        self.inputs[name] = level
        for k in list(self.keys):
            k._level_changed(name)
        self.wake()

    def watch_keys(self, keys: Any) -> None:
        self.keys.append(keys)

    def unwatch_keys(self, keys: Any) -> None:
        if keys in self.keys:
            self.keys.remove(keys)

    def open_uart(self, tx: str | None, rx: str | None, baudrate: int, capacity: int) -> UartLink:
        self.uart = UartLink(self, capacity)
        return self.uart

    def close_uart(self, link: UartLink) -> None:
        if self.uart is link:
            self.uart = None

    def modem_rx(self, data: bytes) -> None:
        self.world.modem.from_host(data)

    def modem_tx(self, data: bytes) -> None:
        """Bytes the modem sends; they are lost when code.py is not listening."""
        if self.uart is not None:
            self.uart.modem_sent(data)

    def console_in_waiting(self) -> int:
        return len(self.console_rx)

    def console_read(self, size: int) -> bytes:
        data = bytes(self.console_rx[:size])
        del self.console_rx[:size]
        return data

    def console_write(self, data: bytes) -> None:
        text = self.console_partial + data.decode("utf-8", "replace")
        *lines, self.console_partial = text.split("\n")
        for line in lines:
            self.world.console_line(line.rstrip("\r"))

    def rtc_struct(self) -> time.struct_time:
        at, secs = self.rtc_base
        t = RTC_EPOCH + datetime.timedelta(seconds=secs + (self.sched.now_ms - at) // 1000)
        return time.struct_time((t.year, t.month, t.day, t.hour, t.minute, t.second, t.weekday(), -1, -1))

    def rtc_set(self, t: tuple[int, ...]) -> None:
        secs = int((datetime.datetime(*t[:6]) - RTC_EPOCH).total_seconds())
        self.rtc_base = (self.sched.now_ms, secs)

    def pio_claim(self, sm: Any) -> None:
        self.pio[sm.pin] = sm

    def pio_changed(self, sm: Any) -> None:
        self.world.pins_changed()

    def pio_release(self, sm: Any) -> None:
        self.pio.pop(sm.pin, None)
        self.world.pins_changed()

    def onewire_bus(self, pin: str) -> OneWireBus:
        if pin == self.world.config.get("onewire"):
            return self.world.onewire
        return OneWireBus()  # nothing on any other pin

    def analog_value(self, pin: str) -> int:
        return 0

    def watchdog_arm(self, timeout: float | None) -> None:
        self.watchdog_timeout = timeout
        self.last_feed = self.sched.now_ms

    def watchdog_feed(self) -> None:
        self.last_feed = self.sched.now_ms

    def watchdog_deadline(self) -> int | None:
        if self.watchdog_timeout is None:
            return None
        return self.last_feed + int(self.watchdog_timeout * 1000)

    def mcu_reset(self, reason: str) -> None:
        raise McuReset(reason)

    def busy_wait_us(self, us: int) -> None:
        pass

    def device_idle(self, ms: int) -> None:
        self.world.device_idle(ms)


__all__ = ["HostBoard", "McuReset", "OneWireBus", "PowerLoss", "UartLink"]
