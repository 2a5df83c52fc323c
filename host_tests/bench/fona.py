"""``fona_stall_ms``: how long the Adafruit FONA library blocks its caller for one
SMS-in / reply-out exchange, on the same SIM800L emulator and GSM network.

The library (``adafruit-circuitpython-fona``, installed by dev.py with --no-deps) runs on
CPython against a UART wired to the emulator, paced at 115,200 baud like the simulator's
(``host_tests.sim.board.UartLink``). Its ``time.sleep`` / ``time.monotonic`` run on the
virtual clock: a sleep advances the scheduler, so the modem answers while the library
waits, as on the board. The caller's loop polls ``receive_sms()`` once the +CMTI is in,
then answers with ``send_sms()``; the blocked time is the virtual time those two calls
take. The library's own CPU time is not counted (it would only add to the figure).
"""

from __future__ import annotations

import contextlib
import importlib
import math
import statistics
import sys
import types
from collections.abc import Iterator
from typing import Any

from host_tests.bench.scenarios import OWNER, BenchError
from host_tests.sim.board import UartLink
from host_tests.sim.clock import Scheduler
from host_tests.sim.network import GsmNetwork
from host_tests.sim.sim800l import Sim800l

EXCHANGES = 6
BOOT_MS = 20_000  # the emulated SIM800L is registered and SMS-ready by then
RX_BUFFER = 2048  # busio.UART(receiver_buffer_size=2048), as the firmware opens it
CMTI_WAIT_MS = 30_000


class VirtualTime:
    """``time.monotonic`` / ``time.sleep`` on the scheduler's virtual clock."""

    def __init__(self, sched: Scheduler) -> None:
        self.sched = sched

    def monotonic(self) -> float:
        return self.sched.now_ms / 1000

    def sleep(self, seconds: float) -> None:
        # at least 1 ms: a zero sleep would spin forever on a clock that only moves here
        self.sched.advance_to(self.sched.now_ms + max(1, math.ceil(seconds * 1000)))


class _Wire:
    """What ``UartLink`` needs of a board: the clock and the modem's input."""

    def __init__(self, sched: Scheduler, modem: Sim800l) -> None:
        self.sched = sched
        self.modem = modem

    def trace(self, kind: str, data: Any) -> None:
        pass

    def modem_rx(self, data: bytes) -> None:
        self.modem.from_host(data)

    def wake(self) -> None:
        pass


class EmulatedUart:
    """The ``busio.UART`` calls FONA makes, on a paced link to the emulator (timeout=0 reads)."""

    def __init__(self, sched: Scheduler, modem: Sim800l) -> None:
        self.link = UartLink(_Wire(sched, modem), RX_BUFFER)  # type: ignore[arg-type]
        modem.to_host = self.link.modem_sent

    @property
    def in_waiting(self) -> int:
        return len(self.link.rx)

    def read(self, nbytes: int | None = None) -> bytes | None:
        rx = self.link.rx
        n = len(rx) if nbytes is None else min(nbytes, len(rx))
        if n == 0:
            return None
        data = bytes(rx[:n])
        del rx[:n]
        return data

    def readinto(self, buf: bytearray) -> int | None:
        data = self.read(len(buf))
        if data is None:
            return None
        buf[: len(data)] = data
        return len(data)

    def write(self, data: bytes) -> int:
        self.link.host_write(bytes(data))
        return len(data)

    def reset_input_buffer(self) -> None:
        self.link.rx.clear()


class _Pin:
    """The RST pin FONA toggles at start-up (the emulated modem ignores it)."""

    value = True
    direction = None

    def switch_to_output(self, value: bool = False) -> None:
        self.value = value


@contextlib.contextmanager
def _fona_module(clock: VirtualTime) -> Iterator[Any]:
    """Import adafruit_fona with its board-only imports stood in for, its ``time`` virtual."""
    stand_ins = {
        "micropython": types.SimpleNamespace(const=lambda x: x),
        "simpleio": types.SimpleNamespace(map_range=lambda x, a, b, c, d: c + (x - a) * (d - c) / (b - a)),
        # only named in annotations, which CPython evaluates (MicroPython drops them)
        "busio": types.SimpleNamespace(UART=EmulatedUart),
        "digitalio": types.SimpleNamespace(DigitalInOut=_Pin),
    }
    saved = {k: sys.modules.get(k) for k in stand_ins}
    sys.modules.update(stand_ins)  # type: ignore[arg-type]
    sys.modules.pop("adafruit_fona.adafruit_fona", None)  # imported afresh under the stand-ins
    try:
        try:
            mod = importlib.import_module("adafruit_fona.adafruit_fona")
        except ImportError as e:
            raise BenchError("adafruit-circuitpython-fona is not installed (dev.py setup): %s" % e) from None
        real_time = mod.time
        mod.time = clock
        try:
            yield mod
        finally:
            mod.time = real_time
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


class FonaRig:
    """One FONA instance on an emulated SIM800L, a GSM network and the owner's phone."""

    def __init__(self) -> None:
        self.sched = Scheduler()
        self.network = GsmNetwork(self.sched)
        self.network.add_phone("owner", OWNER)
        self.modem = Sim800l(self.sched, self.network)
        self.network.attach(self.modem)
        self.uart = EmulatedUart(self.sched, self.modem)
        self.modem.set_supply(True)
        self.clock = VirtualTime(self.sched)
        self.notes: list[str] = []

    def wait_for_cmti(self) -> None:
        """The caller's idle polling (not blocked time): until a whole +CMTI line is in."""
        end = self.sched.now_ms + CMTI_WAIT_MS
        while not (b"+CMTI" in self.uart.link.rx and self.uart.link.rx.endswith(b"\r\n")):
            if self.sched.now_ms >= end:
                raise BenchError("no +CMTI from the emulator within %d ms" % CMTI_WAIT_MS)
            self.clock.sleep(0.001)

    def exchange(self, fona: Any, text: str, reply: str) -> dict[str, int]:
        """The owner sends ``text``; FONA reads it and answers ``reply``. Blocked ms per call."""
        self.network.phone_sms("owner", text)
        self.wait_for_cmti()
        t0 = self.sched.now_ms
        sender, message = fona.receive_sms()
        t1 = self.sched.now_ms
        if (sender, message) != (OWNER, text):
            raise BenchError("FONA read %r from %r, expected %r from %s" % (message, sender, text, OWNER))
        try:
            sent = fona.send_sms(int(OWNER[1:]), reply)
        except TypeError:
            # 3.0.12 tests `"+CMGS" in self._buf` on bytes: MicroPython accepts it, CPython raises;
            # finish the call as it runs on the board, waiting for the OK.
            self.note("send_sms's `str in bytes` raised on CPython; then awaited the OK as on the board")
            sent = fona._expect_reply(b"OK")
        t2 = self.sched.now_ms
        got = [m.text for m in self.network.inbox["owner"] if not m.read]
        for m in self.network.inbox["owner"]:
            m.read = True
        if not sent or got != [reply]:
            raise BenchError("FONA's reply did not reach the phone (send_sms %r, phone got %r)" % (sent, got))
        return {"receive_ms": t1 - t0, "send_ms": t2 - t1, "total_ms": t2 - t0}

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def measure(exchanges: int = EXCHANGES) -> dict[str, Any]:
    """``exchanges`` ON/OFF commands answered through FONA: the longest blocked exchange."""
    rig = FonaRig()
    rig.sched.advance_to(BOOT_MS)
    with _fona_module(rig.clock) as mod:
        t0 = rig.sched.now_ms
        fona = mod.FONA(rig.uart, _Pin())
        init_ms = rig.sched.now_ms - t0
        runs = []
        for i in range(exchanges):
            word = "ON" if i % 2 == 0 else "OFF"
            runs.append(rig.exchange(fona, word, "Power socket " + word))
            rig.clock.sleep(5)
    totals = [r["total_ms"] for r in runs]
    return {
        "fona_stall_ms": max(totals),
        "median_ms": statistics.median(totals),
        "receive_sms_ms": max(r["receive_ms"] for r in runs),
        "send_sms_ms": max(r["send_ms"] for r in runs),
        "init_ms": init_ms,
        "exchanges": len(runs),
        "notes": rig.notes,
    }
