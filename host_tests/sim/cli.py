"""``python -m host_tests.sim``: run scenarios, the interactive shell, the modem console."""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from host_tests.sim.runner import Interpreter, ScenarioFailure
from host_tests.sim.scenario import ScenarioSyntaxError, parse_line, parse_scenario
from host_tests.sim.vm import VmError, VmSpec, bisect_heap, build_cache, parse_heap
from host_tests.sim.world import World

TAIL = 30


HIL_ONLY = "hil"  # scenarios/hil/: real-time files without `boot`; `run` leaves them out of a walk


def _files(args: list[str], walk_hil: bool = False) -> list[Path]:
    out: list[Path] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            found = sorted(p.rglob("*.scn"))
            out.extend(f for f in found if walk_hil or HIL_ONLY not in f.relative_to(p).parts[:-1])
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(a)
    return out


def run_file(path: Path, trace: bool = False, vm: VmSpec | None = None) -> tuple[bool, str, World | None]:
    """Run one scenario file in a fresh world; returns (passed, message, world)."""
    text = path.read_text(encoding="utf-8")
    statements = parse_scenario(text)
    listener = (lambda t, e: print("%10.3f  %s" % (t / 1000, e))) if trace else None
    world = World(listener=listener, vm=vm, fail_on_crash=True)
    try:
        Interpreter(world, statements).play()
    except ScenarioFailure as f:
        return False, "%s:%d: %s" % (path, f.line, f.message), world
    return True, "", world


def run_and_report(path: Path, trace: bool = False, vm: VmSpec | None = None) -> tuple[bool, str]:
    """Run one file; returns (passed, the text to print). A worker of ``run --jobs``."""
    try:
        ok, message, world = run_file(path, trace, vm)
    except VmError as e:
        return False, "FAIL %s: %s" % (path, e)
    if ok:
        return True, "PASS %s" % path
    lines = ["FAIL %s" % message]
    if world is not None:
        lines += ["    %10.3f  %s" % (t / 1000, event) for t, event in list(world.timeline)[-TAIL:]]
    return False, "\n".join(lines)


def _results(files: list[Path], ns: argparse.Namespace, vm: VmSpec | None) -> Iterator[tuple[bool, str]]:
    if ns.jobs <= 1:
        for path in files:
            yield run_and_report(path, ns.trace, vm)
        return
    if vm is not None:
        build_cache()  # once, before the workers race to it
    with concurrent.futures.ProcessPoolExecutor(ns.jobs) as pool:
        yield from pool.map(run_and_report, files, [ns.trace] * len(files), [vm] * len(files))


def cmd_run(ns: argparse.Namespace) -> int:
    vm = None
    if ns.vm or ns.vm_cmd:
        try:
            vm = VmSpec.from_options(ns.vm, ns.vm_cmd, ns.heap, ns.code_in_rom)
        except (ValueError, VmError) as e:
            print(e, file=sys.stderr)
            return 2
    if ns.trace and ns.jobs > 1:
        print("--trace needs --jobs 1", file=sys.stderr)
        return 2
    try:
        files = _files(ns.paths)
    except FileNotFoundError as e:
        print("no such file or directory: %s" % e, file=sys.stderr)
        return 2
    for path in files:
        try:
            parse_scenario(path.read_text(encoding="utf-8"))
        except ScenarioSyntaxError as e:
            print("%s:%d: %s" % (path, e.line, e.message))
            return 2
    passed = failed = 0
    t0 = time.monotonic()
    for ok, text in _results(files, ns, vm):
        passed += ok
        failed += not ok
        print(text, flush=True)
    print("%d passed, %d failed (%.1f s)" % (passed, failed, time.monotonic() - t0))
    return 0 if failed == 0 else 1


HEAP_STEP = 4096
ROM_HELP = "import the code from a ROMFS image, out of the heap, as a frozen build would (docs/memory.md)"


def smallest_heap(path: Path, vm: VmSpec, lo: int, hi: int) -> int | None:
    """The smallest multiple of 4 KB in (lo, hi] at which ``path`` passes; None: not even at hi.

    Bisection: assumes a file that passes with some heap passes with any larger one.
    """

    def passes(heap: int) -> bool:
        return run_file(path, vm=vm.with_heap(heap))[0]

    if not passes(hi):
        return None
    return bisect_heap(passes, lo, hi, HEAP_STEP)


def cmd_heap(ns: argparse.Namespace) -> int:
    try:
        vm = VmSpec.from_options(None if ns.vm_cmd else "micropython", ns.vm_cmd, None, ns.code_in_rom)
        lo, hi = parse_heap(ns.lo), parse_heap(ns.hi)
        files = _files(ns.paths)
    except (ValueError, VmError, FileNotFoundError) as e:
        print(e, file=sys.stderr)
        return 2
    build_cache()
    n = len(files)
    with concurrent.futures.ProcessPoolExecutor(max(1, ns.jobs)) as pool:
        sizes = list(zip(files, pool.map(smallest_heap, files, [vm] * n, [lo] * n, [hi] * n)))
    for path, size in sizes:
        print("%9s  %s" % ("> %dk" % (hi // 1024) if size is None else "%dk" % (size // 1024), path))
    if any(size is None for _, size in sizes):
        print("some files fail even with %dk of heap" % (hi // 1024))
        return 1
    print("every file passes with %dk of heap or more" % (max(s for _, s in sizes if s) // 1024))
    return 0


def _shell_statements(world: World):
    n = 0
    while True:
        try:
            text = input("isocket> ")
        except EOFError:
            return
        n += 1
        if text.strip().lower() in ("quit", "exit"):
            return
        if text.strip().lower() == "help":
            print(SHELL_HELP)
            continue
        try:
            st = parse_line(text, n)
        except ScenarioSyntaxError as e:
            print("  ? %s" % e.message)
            continue
        if st is not None:
            yield st


SHELL_HELP = """Type scenario statements (see spec SCENARIOS.md), e.g.
  phone owner +358401234567
  boot
  advance 30s
  sms owner "STATUS"
  advance 20s
Phone-side events, SMS and console lines are printed as they happen. `quit` ends."""


def cmd_shell(ns: argparse.Namespace) -> int:
    def show(t: int, event: str) -> None:
        if not event.startswith(">"):
            print("%10.3f  %s" % (t / 1000, event))

    world = World(model=ns.model, board=ns.board, listener=show)
    print("isocket simulator: model %s, board %s. Type `help`." % (ns.model, world.config["name"]))
    interp = Interpreter(world, _shell_statements(world))
    interp.allow_unread = True
    interp.keep_going = True
    world.run(interp.run())
    return 1 if interp.failures else 0


def cmd_modem(ns: argparse.Namespace) -> int:
    from host_tests.sim.modem_console import run_console

    data = sys.stdin.buffer.read()
    sys.stdout.buffer.write(run_console(data, ns.modem))
    sys.stdout.buffer.flush()
    return 0


def run_hil_file(path: Path, ns: argparse.Namespace) -> tuple[bool, list[str]]:
    """Run one scenario file against the board on ``ns.serial``; returns (passed, report lines)."""
    from host_tests.sim.hil import HilWorld, refusals

    statements = parse_scenario(path.read_text(encoding="utf-8"))
    refused = refusals(statements, console=bool(ns.console))
    if refused:
        return False, ["%s:%d: %s" % (path, line, msg) for line, msg in refused]
    listener = (lambda t, e: print("%10.3f  %s" % (t / 1000, e), flush=True)) if ns.trace else None
    world = HilWorld(ns.serial, ns.console, ns.modem, listener=listener)
    interp = Interpreter(world, statements)  # type: ignore[arg-type]
    try:
        world.run(interp.run())
    except ScenarioFailure as f:
        report = ["%s:%d: %s" % (path, f.line, f.message)]
        report += ["    %10.3f  %s" % (t / 1000, e) for t, e in list(world.timeline)[-TAIL:]]
        return False, report + ["    " + x for x in world.recent()]
    return True, []


def cmd_hil(ns: argparse.Namespace) -> int:
    try:
        files = _files(ns.paths, walk_hil=True)
    except FileNotFoundError as e:
        print("no such file or directory: %s" % e, file=sys.stderr)
        return 2
    try:
        import serial  # noqa: F401 - fail here, once, with a hint
    except ImportError:
        print("hil needs pyserial: run it through `python3 -m host_tests.dev sim hil ...`", file=sys.stderr)
        return 2
    passed = failed = 0
    for path in files:
        try:
            ok, report = run_hil_file(path, ns)
        except ScenarioSyntaxError as e:
            print("%s:%d: %s" % (path, e.line, e.message))
            return 2
        if ok:
            passed += 1
            print("PASS %s" % path, flush=True)
        else:
            failed += 1
            print("FAIL " + "\n".join(report), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m host_tests.sim", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run scenario files or directories")
    r.add_argument("paths", nargs="+")
    r.add_argument("--trace", action="store_true", help="print the timeline as it happens")
    r.add_argument("--jobs", "-j", type=int, default=1, help="run files in N processes (not with --trace)")
    r.add_argument(
        "--vm", default=None, choices=["micropython"], help="run code.py in this VM (docs/vm-protocol.md)"
    )
    r.add_argument("--heap", default=None, help="VM heap size: 64k, 192k, 1m (default for --vm: 332k)")
    r.add_argument("--vm-cmd", default=None, help='run code.py in this interpreter: "PATH [ARGS]"')
    r.add_argument("--code-in-rom", action="store_true", help=ROM_HELP)
    hp = sub.add_parser("heap", help="the smallest VM heap (4 KB steps) at which each file passes")
    hp.add_argument("paths", nargs="+")
    hp.add_argument("--lo", default="64k", help="a heap known to fail (default 64k)")
    hp.add_argument("--hi", default="1m", help="the largest heap to try (default 1m)")
    hp.add_argument("--vm-cmd", default=None, help='the interpreter (default: micropython): "PATH [ARGS]"')
    hp.add_argument("--jobs", "-j", type=int, default=2)
    hp.add_argument("--code-in-rom", action="store_true", help=ROM_HELP)
    s = sub.add_parser("shell", help="type statements interactively")
    s.add_argument("--model", default="707", type=str.upper, choices=["706", "707", "706L", "707L"])
    s.add_argument("--board", default=None)
    m = sub.add_parser("modem", help="the emulated modem alone on stdin/stdout")
    m.add_argument("--modem", default="sim800l", choices=["sim800l"])
    h = sub.add_parser("hil", help="real time, against a real or emulated board on a serial port")
    h.add_argument("paths", nargs="+")
    h.add_argument("--serial", required=True, help="pyserial URL of the board's modem UART")
    h.add_argument("--console", default=None, help="pyserial URL of the board's USB console")
    h.add_argument("--modem", default="sim800l", choices=["sim800l"])
    h.add_argument("--trace", action="store_true", help="print the timeline as it happens")
    f = sub.add_parser("fake-pico", help="the firmware as a board in real time, its UART and console on TCP")
    f.add_argument("rest", nargs=argparse.REMAINDER)
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["fake-pico"]:
        from host_tests.sim.fake_pico import main as fake_pico_main

        return fake_pico_main(argv[1:])
    ns, _ = p.parse_known_args(argv)
    if ns.cmd == "run":
        return cmd_run(ns)
    if ns.cmd == "heap":
        return cmd_heap(ns)
    if ns.cmd == "shell":
        return cmd_shell(ns)
    if ns.cmd == "modem":
        return cmd_modem(ns)
    return cmd_hil(ns)
