"""A fake Pico in real time: the real ``code.py`` on the fake hardware modules, in its own
process, with its modem UART and its USB console on local TCP ports.

    python -m host_tests.sim fake-pico [--uart 127.0.0.1:7777] [--console 127.0.0.1:7778]
                                       [--model 707] [--board NAME]

It stands in for a real board in ``hil`` mode (``--serial socket://127.0.0.1:7777
--console socket://127.0.0.1:7778``), so the hardware-in-the-loop path is tested the way a
board takes it: bytes on a serial line, in real time. The board runs from USB with mains
present, its DS18B20 reads 21.0 degC, nobody presses the button. A reset (watchdog, the
factory reset, a crash) starts ``code.py`` again, as on the board; SIGUSR1 is its RESET
button. The settings flash lives as long as the process. A port accepts one client at a
time; a new client replaces the old.
"""

from __future__ import annotations

import os
import runpy
import select
import signal
import socket
import sys
import time
import traceback
from typing import Any

from host_tests.sim.board import HostBoard, McuReset, OneWireBus
from host_tests.sim.clock import Scheduler
from host_tests.sim.ds18b20 import Ds18b20
from host_tests.sim.world import CODE_PY, _install_fakes, _purge_device_modules, load_board_config

MAX_WAIT_MS = 20  # the longest a loop pass sleeps without looking at the sockets
PROBE_CELSIUS = 21.0


def _listen(addr: str) -> socket.socket:
    host, _, port = addr.rpartition(":")
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host or "127.0.0.1", int(port)))
    srv.listen(1)
    srv.setblocking(False)
    return srv


class _Port:
    """One TCP port standing for a wire: the newest client is the one plugged in."""

    def __init__(self, addr: str) -> None:
        self.server = _listen(addr)
        self.conn: socket.socket | None = None

    @property
    def url(self) -> str:
        host, port = self.server.getsockname()[:2]
        return "socket://%s:%d" % (host, port)

    def fds(self) -> list[socket.socket]:
        return [self.server] + ([self.conn] if self.conn is not None else [])

    def ready(self, readable: list[Any]) -> bytes:
        """Accept a new client or read what arrived; b"" when nothing did."""
        if self.server in readable:
            conn, _ = self.server.accept()
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._drop()
            self.conn = conn
        if self.conn is not None and self.conn in readable:
            try:
                data = self.conn.recv(4096)
            except OSError:
                data = b""
            if not data:
                self._drop()
            return data
        return b""

    def send(self, data: bytes) -> None:
        if self.conn is None:
            return  # nobody on the wire: the bytes are lost, as on an unplugged cable
        try:
            self.conn.sendall(data)
        except OSError:
            self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class FakePico:
    """What ``HostBoard`` needs from a world, in wall-clock time, with TCP wires."""

    def __init__(
        self, uart_addr: str, console_addr: str, model: str = "707", board: str | None = None
    ) -> None:
        _install_fakes()
        import _hostlink  # type: ignore[import-not-found]

        self._hostlink = _hostlink
        self.sched = Scheduler()
        self._t0 = time.monotonic()
        self.model = model
        self.config = load_board_config(board)
        self.board = HostBoard(self)
        self.probe = Ds18b20(lambda: self.sched.now_ms)
        self.probe.temperature = PROBE_CELSIUS
        self.probe.power_on()
        self.onewire = OneWireBus([self.probe])
        self.modem = self  # HostBoard hands the firmware's UART bytes to world.modem.from_host
        self.uart = _Port(uart_addr)
        self.console = _Port(console_addr)
        self.reset_pressed = False
        if hasattr(signal, "SIGUSR1"):
            signal.signal(signal.SIGUSR1, self._press_reset)

    def _press_reset(self, signum: int, frame: Any) -> None:
        self.reset_pressed = True  # acted on at the next loop pass, where the firmware may unwind

    # -- the world interface HostBoard uses ----------------------------------------------
    def pins_changed(self) -> None:
        pass  # the firmware's console state lines report its outputs (docs/console.md)

    def trace(self, kind: str, data: Any) -> None:
        pass

    def console_line(self, line: str) -> None:
        self.console.send(line.encode("utf-8", "replace") + b"\r\n")

    def from_host(self, data: bytes) -> None:
        self.uart.send(data)

    def device_idle(self, ms: int) -> None:
        if self.reset_pressed:
            self.reset_pressed = False
            raise McuReset("RESET_PIN")
        wd = self.board.watchdog_deadline()
        if wd is not None and self.sched.now_ms > wd:
            raise McuReset("WATCHDOG")
        self.board.woken = False
        until = self._wall_ms() + max(0, ms)
        while True:
            self._serve(min(MAX_WAIT_MS, max(0, until - self._wall_ms())))
            if self.board.woken or self.reset_pressed or self._wall_ms() >= until:
                return

    # -- running ---------------------------------------------------------------------------
    def _wall_ms(self) -> int:
        return int((time.monotonic() - self._t0) * 1000)

    def _serve(self, timeout_ms: int) -> None:
        nxt = self.sched.next_time()
        if nxt is not None:
            timeout_ms = max(0, min(timeout_ms, nxt - self._wall_ms()))
        readable, _, _ = select.select(self.uart.fds() + self.console.fds(), [], [], timeout_ms / 1000)
        data = self.uart.ready(readable)
        if data:
            self.board.modem_tx(data)  # paced at the baud rate by the board's UART link
        typed = self.console.ready(readable)
        if typed:
            self.board.console_rx.extend(typed)
            self.board.wake()
        self.sched.advance_to(self._wall_ms())

    def run(self) -> None:
        """Run code.py for ever, restarting it after every reset, as a board does."""
        reason = "POWER_ON"
        sense = self.config.get("mains_sense")
        while True:
            self.board.start(reason)
            if sense:
                self.board.set_input(sense, True)  # mains present
            self._hostlink.BOARD = self.board
            _purge_device_modules()
            os.environ["ISOCKET_BOARD"] = self.config["name"]
            os.environ["ISOCKET_MODEL"] = self.model
            try:
                runpy.run_path(str(CODE_PY), run_name="__main__")
                why = "code.py returned"
            except McuReset as r:
                reason = r.reason
                continue
            except Exception:
                why = traceback.format_exc(limit=6)
            for line in why.rstrip().splitlines():
                self.console_line(line)
            reason = self._wait_for_watchdog()

    def _wait_for_watchdog(self) -> str:
        # a crashed code.py: the pins float; the watchdog, if armed, resets the board
        deadline = self.board.watchdog_deadline()
        self.board.stop()
        while deadline is None or self.sched.now_ms < deadline:
            self._serve(MAX_WAIT_MS)
        return "WATCHDOG"


def main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m host_tests.sim fake-pico", description=__doc__.split("\n\n")[0]
    )
    p.add_argument(
        "--uart", default="127.0.0.1:7777", help="HOST:PORT of the modem UART (port 0: any free one)"
    )
    p.add_argument("--console", default="127.0.0.1:7778", help="HOST:PORT of the USB console")
    p.add_argument("--model", default="707", type=str.upper, choices=["706", "707", "706L", "707L"])
    p.add_argument("--board", default=None)
    ns = p.parse_args(argv)
    pico = FakePico(ns.uart, ns.console, ns.model, ns.board)
    print("fake pico: uart %s console %s" % (pico.uart.url, pico.console.url), flush=True)
    try:
        pico.run()
    except KeyboardInterrupt:
        return 0
    finally:
        sys.stdout.flush()
    return 0
