"""Hardware in the loop: scenario statements in real time against a board that is not simulated.

The emulated modem and the GSM network answer the board's modem UART on a pyserial URL
(a USB-serial adapter wired to GP0/GP1, or ``socket://`` to ``fake-pico``); the board's
USB console, when given, is read for the firmware's ``@state`` lines (docs/console.md),
which stand in for the pins the simulator would look at. ``advance`` and every ``within``
wait in wall-clock time. Statements that need hands on the board are refused up front.
See docs/hil.md.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from host_tests.sim.clock import Scheduler
from host_tests.sim.network import GsmNetwork
from host_tests.sim.runner import ScenarioFailure
from host_tests.sim.scenario import Statement
from host_tests.sim.sim800l import Sim800l
from host_tests.sim.state_lines import parse_state_line
from host_tests.sim.world import TIMELINE, Stop, Wait, feed_scenario

# statement kind -> what it would need; refused before anything runs (spec SCENARIOS.md)
HANDS_ON = {
    "model": "the board's settings.toml (ISOCKET_MODEL)",
    "board": "the board's settings.toml (ISOCKET_BOARD)",
    "boot": "hands on the mains plug",
    "mains": "hands on the mains plug",
    "battery_dead": "hands on the battery",
    "reset_flash": "erasing the board's flash",
    "mcu_reset": "hands on the board's reset",
    "power_cut": "cutting the board's power during a flash write",
    "expect_flash_erases": "counting the board's flash erases",
    "button": "a finger on the button",
    "sensor": "hands on the alarm input",
    "temp": "a real probe at that temperature",
}
NEEDS_CONSOLE = ("expect_relay", "expect_microrelay", "expect_steady_relay", "expect_led", "expect_console")
POLL_S = 0.005  # how often the ports are looked at while nothing is due
REOPEN_MS = 1000
RECENT = 20  # console and UART lines kept for failure reports
STATE_QUERY = b"@state\r\n"  # asks the firmware for all its state lines (docs/console.md)


def refusals(statements: Iterable[Statement], console: bool) -> list[tuple[int, str]]:
    """``(line, message)`` for every statement this mode cannot run."""
    out = []
    for st in statements:
        if st.kind in HANDS_ON:
            out.append((st.line, "`%s` needs %s: not available in hil mode" % (st.source, HANDS_ON[st.kind])))
        elif st.kind in NEEDS_CONSOLE and not console:
            out.append((st.line, "`%s` reads the board's console: give --console URL" % st.source))
    return out


class _Wire:
    """One pyserial port that may drop out (a board resetting, a cable pulled) and come back."""

    def __init__(self, url: str, what: str, world: HilWorld, baudrate: int = 115200) -> None:
        self.url = url
        self.what = what
        self.world = world
        self.baudrate = baudrate
        self.port: Any = None
        self.error: str | None = None
        self._retry_at = 0

    def open(self) -> bool:
        import serial  # pyserial: only hil mode needs it

        try:
            self.port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0, write_timeout=1)
        except (serial.SerialException, OSError, ValueError) as e:
            self._lost("cannot open %s: %s" % (self.url, e))
            return False
        if self.error is not None:
            self.world.event("%s %s is back" % (self.what, self.url))
        self.error = None
        return True

    def _lost(self, why: str) -> None:
        if self.error is None:
            self.world.event("%s lost: %s" % (self.what, why))
        self.error = why
        self.close()
        self._retry_at = self.world.sched.now_ms + REOPEN_MS

    def read(self) -> bytes:
        if self.port is None:
            if self.world.sched.now_ms >= self._retry_at:
                self.open()
            return b""
        try:
            # in_waiting is a byte count on serial ports but only 0/1 on socket:// URLs
            return bytes(self.port.read(4096)) if self.port.in_waiting else b""
        except Exception as e:  # noqa: BLE001 - pyserial raises several kinds for a dead port
            self._lost(str(e) or type(e).__name__)
            return b""

    def write(self, data: bytes) -> None:
        if self.port is None:
            return  # lost: the bytes go nowhere, as on a pulled cable
        try:
            self.port.write(data)
        except Exception as e:  # noqa: BLE001
            self._lost(str(e) or type(e).__name__)

    def close(self) -> None:
        if self.port is not None:
            try:
                self.port.close()
            except Exception:  # noqa: BLE001 - closing a dead port may fail too
                pass
            self.port = None


class _LineLog:
    """Splits one direction of a byte stream into lines kept in ``sink`` (failure reports)."""

    def __init__(self, tag: str, sink: collections.deque[str]) -> None:
        self.tag = tag
        self.sink = sink
        self.partial = b""

    def feed(self, data: bytes) -> list[str]:
        parts = (self.partial + data).replace(b"\r", b"\n").split(b"\n")
        self.partial = parts.pop()[-400:]
        done = [p.decode("utf-8", "replace") for p in parts if p]
        for line in done:
            self.sink.append(self.tag + line)
        return done


class HilWorld:
    """The outside world of a real board, on the wall clock: modem, network, phones."""

    def __init__(
        self,
        serial_url: str,
        console_url: str | None = None,
        modem: str = "sim800l",
        listener: Callable[[int, str], None] | None = None,
    ) -> None:
        if modem != "sim800l":
            raise ValueError("modem %s is not emulated yet (sim800l is)" % modem)
        self.sched = Scheduler()
        self.listener = listener
        self.timeline: collections.deque[tuple[int, str]] = collections.deque(maxlen=TIMELINE)
        self.network = GsmNetwork(self.sched)
        self.network.listener = self.event
        self.modem = Sim800l(self.sched, self.network)
        self.modem.to_host = self._to_board
        self.network.attach(self.modem)
        self.uart = _Wire(serial_url, "serial", self)
        self.console_wire = _Wire(console_url, "console", self) if console_url else None
        self.uart_lines: collections.deque[str] = collections.deque(maxlen=RECENT)
        self.console_lines: collections.deque[str] = collections.deque(maxlen=RECENT)
        self._from_board = _LineLog("> ", self.uart_lines)
        self._to_board_log = _LineLog("< ", self.uart_lines)
        self._console_log = _LineLog("", self.console_lines)
        self.console: list[tuple[int, str]] = []
        self.relay_on = False
        self.micro_on = False
        self.leds: dict[str, str] = {}
        self.board_boots = 0
        self.gen: Iterator[Any] | None = None
        self.wait: Wait | None = None
        self._t0 = time.monotonic()

    # -- observations ---------------------------------------------------------------------
    def event(self, text: str) -> None:
        self.timeline.append((self.sched.now_ms, text))
        if self.listener:
            self.listener(self.sched.now_ms, text)

    def recent(self) -> list[str]:
        """The last console and UART lines, for a failure report."""
        out = ["last console lines:"] + ["    " + x for x in self.console_lines or ["(none)"]]
        out += ["last UART lines (> board to modem, < modem to board):"]
        return out + ["    " + x for x in self.uart_lines or ["(none)"]]

    def _to_board(self, data: bytes) -> None:
        self._to_board_log.feed(data)
        self.uart.write(data)

    def _console_in(self, data: bytes) -> None:
        for line in self._console_log.feed(data):
            self.console.append((self.sched.now_ms, line))
            self.event("console: " + line)
            state = parse_state_line(line)
            if state is not None:
                self._state(*state)

    def _state(self, name: str, value: str) -> None:
        if name == "boot":
            self.board_boots += 1
            self.event("the board started: %s" % value)
        elif name == "relay":
            self.relay_on = value == "on"
        elif name == "microrelay":
            self.micro_on = value == "on"
        elif name.startswith("led "):
            self.leds[name[4:]] = value

    # -- running ----------------------------------------------------------------------------
    def run(self, gen: Iterator[Any]) -> None:
        """Drive the scenario in real time until it ends; a failed expectation is raised."""
        self.gen = gen
        self.wait = None
        try:
            for wire in (self.uart, self.console_wire):
                if wire is not None and not wire.open():
                    raise ScenarioFailure(0, "--%s %s" % (wire.what, wire.error))
            if self.console_wire is not None:
                self.console_wire.write(STATE_QUERY)
            self.modem.set_supply(True)  # the emulated modem powers up now: boot URCs, registration
            while True:
                self._pump()
                feed_scenario(self)
                self._sleep()
        except Stop as stop:
            if stop.error is not None:
                raise stop.error from None
        finally:
            self.uart.close()
            if self.console_wire is not None:
                self.console_wire.close()

    def _wall_ms(self) -> int:
        return int((time.monotonic() - self._t0) * 1000)

    def _pump(self) -> None:
        self.sched.advance_to(self._wall_ms())
        data = self.uart.read()
        if data:
            self._from_board.feed(data)
            self.modem.from_host(data)
        if self.console_wire is not None:
            typed = self.console_wire.read()
            if typed:
                self._console_in(typed)
        self.sched.advance_to(self._wall_ms())

    def _sleep(self) -> None:
        now = self._wall_ms()
        until = [now + int(POLL_S * 1000)]
        nxt = self.sched.next_time()
        if nxt is not None:
            until.append(nxt)
        if self.wait is not None:
            until.append(self.wait.until)
        delay = (min(until) - now) / 1000
        if delay > 0:
            time.sleep(delay)
