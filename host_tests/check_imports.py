"""Import allow-list for the device code: only modules the board has may be imported.

    python -m host_tests.check_imports code.py boot.py safemode.py isocket board_configs

The board's modules are read from the installed circuitpython-stubs board definition
(``Included modules: ...`` in board_definitions/raspberry_pi_pico/__init__.pyi); if it cannot be
found the check fails, it never guesses. Also allowed: ``micropython``, ``gc``, ``__future__``, the
project's own packages and the pinned libraries of requirements.txt. Imports inside
``try: ... except ImportError:`` (the typing idiom) or ``if TYPE_CHECKING:`` are allowed.
Hardware modules may only be imported in isocket/hw/ and code.py (TYPE_CHECKING excepted).
Prints ``path:line: message`` per finding and exits 1 if there is any.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

BOARD = "raspberry_pi_pico"
EXTRA = {"micropython", "gc", "__future__", "isocket", "board_configs"}
LIBRARIES = {"adafruit_ticks", "adafruit_onewire", "adafruit_ds18x20"}  # = requirements.txt (test_bundle.py)
HARDWARE = {
    "alarm",
    "board",
    "busio",
    "digitalio",
    "keypad",
    "microcontroller",
    "supervisor",
    "rtc",
    "usb_cdc",
    "rp2pio",
    "onewireio",
    "watchdog",
    "analogio",
    "storage",
}


def board_modules(board: str = BOARD) -> set[str]:
    """Top-level module names from the stubs' board definition; SystemExit(2) if not found."""
    spec = importlib.util.find_spec("board_definitions")
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        stub = Path(root) / board / "__init__.pyi"
        if stub.is_file():
            for line in stub.read_text(encoding="utf-8").splitlines():
                if "Included modules:" in line:
                    items = line.split("Included modules:", 1)[1].split(",")
                    # "busio.UART", "_bleio (HCI co-processor)" -> "busio", "_bleio"
                    return {item.split("(")[0].strip().split(".")[0] for item in items if item.strip()}
            raise SystemExit("check_imports: no 'Included modules:' line in %s" % stub)
    raise SystemExit(
        "check_imports: circuitpython-stubs board definition %r not found "
        "(is circuitpython-stubs installed? run python3 -m host_tests.dev)" % board
    )


def _handles_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names):
            return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, guarded: bool = False, typing_only: bool = False):
    """Yield (node, top-level module or None for relative, guarded, typing_only)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield node, alias.name.split(".")[0], guarded, typing_only
    elif isinstance(node, ast.ImportFrom):
        yield node, (node.module or "").split(".")[0] if node.level == 0 else None, guarded, typing_only
    elif isinstance(node, ast.Try) and _handles_import_error(node):
        for child in node.body:
            yield from _imports(child, True, typing_only)
        for part in (node.handlers, node.orelse, node.finalbody):
            for child in part:
                yield from _imports(child, guarded, typing_only)
    elif isinstance(node, ast.If) and _is_type_checking(node.test):
        for child in node.body:
            yield from _imports(child, guarded, True)
        for child in node.orelse:
            yield from _imports(child, guarded, typing_only)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _imports(child, guarded, typing_only)


def may_touch_hardware(path: Path) -> bool:
    parts = path.resolve().parts
    if path.name == "code.py" and "isocket" not in parts:  # the entry point on the drive's root
        return True
    return any(parts[i : i + 2] == ("isocket", "hw") for i in range(len(parts) - 1))


def check_file(path: Path, allowed: set[str]) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as exc:
        return ["%s:%s: cannot parse: %s" % (path, getattr(exc, "lineno", 0) or 0, exc)]
    found = []
    hw_ok = may_touch_hardware(path)
    for node, top, guarded, typing_only in _imports(tree):
        if top is None:  # relative import: the project's own code
            continue
        if top not in allowed and not guarded and not typing_only:
            found.append("%s:%d: '%s' is not available on the board" % (path, node.lineno, top))
        elif top in HARDWARE and not hw_ok and not typing_only:
            found.append(
                "%s:%d: hardware module '%s' imported outside isocket/hw/ and code.py"
                % (path, node.lineno, top)
            )
    return found


def device_files(args: list[str]) -> list[Path]:
    files: list[Path] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*.py") if "__pycache__" not in f.parts)
        elif p.is_file():
            files.append(p)
        else:
            raise SystemExit("%s: no such file or directory" % arg)
    return files


def run_check(name: str, argv: list[str], check: Callable[[list[Path]], list[str]]) -> int:
    """A device-code check's command line: findings of ``check`` on the files of ``argv``."""
    if not argv:
        print("usage: python -m host_tests.%s PATH..." % name, file=sys.stderr)
        return 2
    files = device_files(argv)
    if not files:
        print("%s: no .py files in %s" % (name, " ".join(argv)), file=sys.stderr)
        return 1
    findings = check(files)
    for finding in findings:
        print(finding)
    print("%s: %d file(s), %d finding(s)" % (name, len(files), len(findings)))
    return 1 if findings else 0


def main(argv: list[str]) -> int:
    allowed = board_modules() | EXTRA | LIBRARIES
    return run_check("check_imports", argv, lambda files: [f for p in files for f in check_file(p, allowed)])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
