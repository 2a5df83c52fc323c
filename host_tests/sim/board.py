"""The simulated Pico board: what the fake CircuitPython modules read and drive.

It owns the pins, the UART wire to the modem, the settings flash (which survives resets
and power cuts), the RTC, the watchdog, the console and the LED state machines, all on
the world's virtual clock.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from host_tests.fakes.nvm_model import FakeNvm
from host_tests.fakes.power import PowerLoss
from host_tests.sim.ds18b20 import OneWireHost
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


class KeyScanner:
    """One ``keypad.Keys``: debounces its pins on the virtual clock and queues the events."""

    def __init__(
        self,
        board: HostBoard,
        names: list[str],
        value_when_pressed: bool,
        pull: bool,
        delay_ms: int,
        max_events: int,
    ) -> None:
        self.board = board
        self.names: list[str] | None = list(names)
        self.vwp = value_when_pressed
        self.pull = "UP" if (pull and not value_when_pressed) else ("DOWN" if pull else None)
        self.delay_ms = delay_ms
        self.max_events = max_events
        self.queue: list[list[Any]] = []  # [key_number, pressed, uptime ms]
        self.overflowed = False
        self.state = [self.pressed_now(i) for i in range(len(names))]  # debounced "pressed"

    def pressed_now(self, i: int) -> bool:
        assert self.names is not None
        return self.board.read_input(self.names[i], self.pull) == self.vwp

    def level_changed(self, name: str) -> None:
        if self.names is not None and name in self.names:
            self.board.sched.call_later(self.delay_ms, self.scan, self.names.index(name))

    def scan(self, i: int) -> None:
        if self.names is None:
            return
        now_pressed = self.pressed_now(i)
        if now_pressed != self.state[i]:
            self.state[i] = now_pressed
            if len(self.queue) >= self.max_events:
                self.overflowed = True  # the real queue drops the NEW event
                return
            self.queue.append([i, now_pressed, self.board.uptime_ms()])

    def reset(self) -> None:
        assert self.names is not None
        for i in range(len(self.names)):
            self.state[i] = False
            if self.pressed_now(i):
                self.scan(i)


class HostBoard(OneWireHost):
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
        self.keys: dict[int, KeyScanner] = {}
        self.uart: UartLink | None = None
        self.uart_id: int | None = None
        self._handles = 0  # ids of open UARTs and keypads, unique for the board's life
        self.console_rx = bytearray()
        self.console_partial = ""
        self.rtc_base = (0, 0)  # (virtual ms at set, seconds since 2000-01-01 then)
        self.pio: dict[str | None, list[int] | None] = {}
        self.watchdog_timeout: float | None = None
        self.last_feed = 0
        self.woken = False
        self.onewire_pin: str | None = None  # the config's, from start() on: asked at every 1-Wire slot

    # -- life cycle (called by the world) -------------------------------------
    def start(self, reason: str) -> None:
        """A fresh start of the MCU: hard-reset state; flash and the outside world stay."""
        self.stop()
        self.reset_reason = reason
        self.boot_ms = self.sched.now_ms
        self.onewire_pin = self.world.config.get("onewire")  # the scenario's `board` comes before boot
        self.rtc_base = (self.sched.now_ms, 0)  # the RP2040 RTC restarts at 2000-01-01 00:00:00

    def stop(self) -> None:
        """code.py no longer runs: every pin floats."""
        self.outputs.clear()
        self.claimed.clear()
        self.keys = {}
        self.uart = None
        self.uart_id = None
        self.pio = {}
        self.watchdog_timeout = None
        self.world.pins_changed()

    def trace(self, kind: str, data: Any) -> None:
        self.world.trace(kind, data)

    def wake(self) -> None:
        self.woken = True

    # -- fake module services -------------------------------------------------
    def read_uid(self) -> bytes:
        return self.cpu_uid

    def read_reset_reason(self) -> str:
        return self.reset_reason

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
        for k in list(self.keys.values()):
            k.level_changed(name)
        self.wake()

    def keys_open(
        self, names: list[str], value_when_pressed: bool, pull: bool, delay_ms: int, max_events: int
    ) -> int:
        self._handles += 1
        self.keys[self._handles] = KeyScanner(self, names, value_when_pressed, pull, delay_ms, max_events)
        return self._handles

    def keys_close(self, keys_id: int) -> None:
        k = self.keys.pop(keys_id, None)
        if k is not None:
            k.names = None

    def _scanner(self, keys_id: int) -> KeyScanner:
        k = self.keys.get(keys_id)
        if k is None:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
        return k

    def keys_reset(self, keys_id: int) -> None:
        self._scanner(keys_id).reset()

    def keys_next(self, keys_id: int) -> list[Any] | None:
        q = self._scanner(keys_id).queue
        return q.pop(0) if q else None

    def keys_len(self, keys_id: int) -> int:
        return len(self._scanner(keys_id).queue)

    def keys_clear(self, keys_id: int) -> None:
        k = self._scanner(keys_id)
        k.queue.clear()
        k.overflowed = False

    def keys_overflowed(self, keys_id: int) -> bool:
        return self._scanner(keys_id).overflowed

    def open_uart(self, tx: str | None, rx: str | None, baudrate: int, capacity: int) -> int:
        self._handles += 1
        self.uart = UartLink(self, capacity)
        self.uart_id = self._handles
        return self._handles

    def close_uart(self, uart_id: int) -> None:
        if self.uart_id == uart_id:
            self.uart = None
            self.uart_id = None

    def _link(self, uart_id: int) -> UartLink:
        if self.uart is None or self.uart_id != uart_id:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
        return self.uart

    def uart_in_waiting(self, uart_id: int) -> int:
        return len(self._link(uart_id).rx)

    def uart_read(self, uart_id: int, nbytes: int | None) -> bytes:
        rx = self._link(uart_id).rx
        if not rx:
            return b""  # the usual answer: the firmware reads the UART every loop pass
        n = len(rx) if nbytes is None else min(nbytes, len(rx))
        data = bytes(rx[:n])
        del rx[:n]
        return data

    def uart_readline(self, uart_id: int) -> bytes:
        rx = self._link(uart_id).rx
        i = rx.find(b"\n")
        return self.uart_read(uart_id, len(rx) if i < 0 else i + 1)

    def uart_write(self, uart_id: int, data: bytes) -> None:
        self._link(uart_id).host_write(bytes(data))

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

    def rtc_now(self) -> list[int]:
        """The RTC as the 9 fields of a ``time.struct_time``."""
        at, secs = self.rtc_base
        t = RTC_EPOCH + datetime.timedelta(seconds=secs + (self.sched.now_ms - at) // 1000)
        return [t.year, t.month, t.day, t.hour, t.minute, t.second, t.weekday(), -1, -1]

    def rtc_set(self, t: tuple[int, ...]) -> None:
        secs = int((datetime.datetime(*t[:6]) - RTC_EPOCH).total_seconds())
        self.rtc_base = (self.sched.now_ms, secs)

    def pio_claim(self, pin: str | None) -> None:
        self.pio[pin] = None

    def pio_loop(self, pin: str | None, words: list[int] | None) -> None:
        """The words the state machine on ``pin`` loops over now (None: stopped)."""
        self.pio[pin] = words
        self.world.pins_changed()

    def pio_release(self, pin: str | None) -> None:
        self.pio.pop(pin, None)
        self.world.pins_changed()

    def onewire_bus(self, pin: str) -> OneWireBus:
        if pin == self.onewire_pin:
            return self.world.onewire
        return OneWireBus()  # nothing on any other pin

    def nvm_len(self) -> int:
        return len(self.nvm)

    def nvm_get(self, index: int | list[int | None]) -> int | bytearray:
        """``nvm[index]``; a slice comes as [start, stop, step]."""
        return self.nvm[index if isinstance(index, int) else slice(*index)]

    def nvm_set(self, index: int | list[int | None], value: int | bytes) -> None:
        self.nvm[index if isinstance(index, int) else slice(*index)] = value

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


__all__ = ["HostBoard", "KeyScanner", "McuReset", "OneWireBus", "PowerLoss", "UartLink"]
