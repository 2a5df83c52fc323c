"""The one entry point for a fresh machine: sets up .venv/ and runs the checks.

    python3 -m host_tests.dev test [--keep-going] [STEP ...]
                                   ruff, mypy, imports, mpy, pytest, scenarios, vm, vm-rom, hil
                                   (in order, fail fast)
    python3 -m host_tests.dev shell [ARGS ...]  python -m host_tests.sim shell ARGS
    python3 -m host_tests.dev sim ARGS ...      python -m host_tests.sim ARGS
    python3 -m host_tests.dev bundle [ARGS ...] python -m host_tests.bundle build ARGS (build/CIRCUITPY)
    python3 -m host_tests.dev deploy [ARGS ...] python -m host_tests.bundle deploy ARGS
    python3 -m host_tests.dev bench [ARGS ...]  python -m host_tests.bench ARGS (~3 min; not a CI step)
    python3 -m host_tests.dev setup             only create/refresh .venv/

Needs only CPython 3.11+. It creates .venv/ in the repo with the stdlib ``venv``, installs
host_tests/requirements.txt, then the device libraries of requirements.txt plus
NODEPS_EXTRA with ``--no-deps`` (their dependencies are Adafruit-Blinka, which
would put fake board.py, busio.py, ... into site-packages). A hash of the requirement files is
kept in .venv/; the venv is rebuilt only when it changes. Then it re-executes itself inside
the venv. Everything here is stdlib: nothing else may be imported before the venv exists.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv"
BUILD = REPO / "build"
STAMP = VENV / "isocket-requirements.sha256"
HOST_REQUIREMENTS = REPO / "host_tests" / "requirements.txt"
DEVICE_REQUIREMENTS = REPO / "requirements.txt"
# Installed with --no-deps together with the device libraries (see the module docstring).
# pioasm is a host tool here: test_led_program.py assembles the LED program the board stores as data.
# fona is the peer library the bench compares with (host_tests/bench/fona.py); never on the board.
NODEPS_EXTRA = [
    "adafruit-circuitpython-typing==1.13.0",
    "adafruit-circuitpython-pioasm==1.3.8",
    "adafruit-circuitpython-fona==3.0.12",
]
# Bump when the install recipe below changes, so every venv is rebuilt once.
RECIPE = "3"
# The firmware's code.py sits at the repo root, which `python -m ...` puts first on sys.path: it
# shadows the stdlib module `code` (imported by pdb, so by pytest), and importing it runs the
# firmware. This .pth, run at interpreter start-up before the repo root is added, caches the
# stdlib `code` in sys.modules. The simulator runs the firmware with runpy.run_path("code.py").
STDLIB_CODE_PTH = ("isocket-stdlib-code.pth", "import code  # see host_tests/dev.py: STDLIB_CODE_PTH\n")
IN_VENV_MARK = "ISOCKET_DEV_IN_VENV"

SCENARIOS = "host_tests/scenarios"
HIL_SCENARIOS = SCENARIOS + "/hil"
# Heap of the `vm` step (the scenarios in MicroPython, docs/vm-protocol.md): the smallest heap at
# which every scenario passed, VM_HEAP_MEASURED_KB, rounded up with a margin. 64 KB does not fit:
# in this 64-bit unix port every pointer and object header is twice the RP2040's, and importing
# the firmware's modules alone takes 216 KB (plus about 40 KB for the fakes and the host link);
# even with the code out of the heap (--code-in-rom) the scenarios need 188 KB or more
# (docs/memory.md, docs/vm-protocol.md).
VM_HEAP_MEASURED_KB = 312  # `python -m host_tests.sim heap`: factory_reset/confirm, ussd/window
VM_HEAP = "332k"
# The same with the code in flash (--code-in-rom, a frozen build's model): there the peak is
# not the start-up but late allocations on a heap in pieces, which this step keeps in check.
VM_ROM_HEAP_MEASURED_KB = 204  # `python -m host_tests.sim heap --code-in-rom`: ussd/long_answer, window
VM_ROM_HEAP = "220k"
DEVICE_PATHS = ["code.py", "boot.py", "safemode.py", "isocket", "board_configs"]


def say(msg: str) -> None:
    print("[dev] " + msg, flush=True)


def die(msg: str, code: int = 2) -> None:
    print("[dev] ERROR: " + msg, file=sys.stderr, flush=True)
    raise SystemExit(code)


# --------------------------------------------------------------------------------------------
# The virtual environment


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def inside_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def wanted_stamp() -> str:
    h = hashlib.sha256()
    h.update(("recipe %s\npython %s\n" % (RECIPE, ".".join(map(str, sys.version_info[:2])))).encode())
    for req in (HOST_REQUIREMENTS, DEVICE_REQUIREMENTS):
        if not req.is_file():
            die("%s is missing" % req.relative_to(REPO))
        h.update(req.name.encode() + b"\n" + req.read_bytes() + b"\n")
    h.update("\n".join(NODEPS_EXTRA).encode())
    return h.hexdigest()


def current_stamp() -> str:
    try:
        return STAMP.read_text().strip()
    except OSError:
        return ""


def pip(*args: str) -> None:
    cmd = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    if not sys.stdout.isatty():
        cmd += ["--progress-bar", "off"]
    cmd += list(args)
    say("$ python " + " ".join(cmd[1:]))
    rc = subprocess.call(cmd, cwd=REPO)
    if rc != 0:
        die("pip install failed (exit %d); the venv is left without its stamp and will be rebuilt" % rc)


def install(stamp: str, fresh: bool) -> None:
    if fresh:
        say("creating %s (Python %s)" % (VENV.relative_to(REPO), sys.version.split()[0]))
        try:
            venv.EnvBuilder(with_pip=True, clear=True, symlinks=(os.name != "nt")).create(VENV)
        except Exception as exc:  # noqa: BLE001 - any failure here needs the same hint
            die(
                "could not create the venv: %s\n"
                "  (on Debian/Ubuntu the system python needs: apt-get install python3-venv)" % exc
            )
    STAMP.unlink(missing_ok=True)
    pip("-r", str(HOST_REQUIREMENTS.relative_to(REPO)))
    pip("--no-deps", "-r", str(DEVICE_REQUIREMENTS.relative_to(REPO)), *NODEPS_EXTRA)
    purelib = subprocess.check_output(
        [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    Path(purelib, STDLIB_CODE_PTH[0]).write_text(STDLIB_CODE_PTH[1])
    probe = "import code, sys; sys.exit(not hasattr(code, 'InteractiveConsole'))"
    if subprocess.call([str(venv_python()), "-c", probe], cwd=REPO) != 0:
        die("the stdlib module 'code' is still shadowed by the firmware's code.py inside .venv")
    # The --no-deps step exists to keep Blinka's fake hardware modules out: make sure it worked.
    probe = "import importlib.util as u, sys; sys.exit(u.find_spec('board') is not None)"
    if subprocess.call([str(venv_python()), "-I", "-c", probe]) != 0:
        die("a 'board' module is importable in .venv (Adafruit-Blinka got in?); delete .venv and retry")
    STAMP.write_text(stamp + "\n")
    say("venv ready")


def ensure_venv() -> None:
    """Create or refresh .venv/ when the requirement files (or the recipe) changed."""
    stamp = wanted_stamp()
    if inside_venv():
        # Running on the venv's own interpreter: refresh in place (it cannot delete itself).
        if current_stamp() != stamp:
            say("requirements changed: updating the venv in place")
            install(stamp, fresh=False)
        return
    py = venv_python()
    healthy = py.exists() and subprocess.call([str(py), "-c", "pass"], stderr=subprocess.DEVNULL) == 0
    if not healthy or current_stamp() != stamp:
        if py.exists():
            say("requirements changed or venv broken: rebuilding .venv")
        install(stamp, fresh=True)


def reexec_in_venv(argv: list[str]) -> None:
    if os.environ.get(IN_VENV_MARK):
        die("re-executed into %s but sys.prefix is %s" % (venv_python(), sys.prefix))
    env = dict(os.environ)
    env[IN_VENV_MARK] = "1"
    os.chdir(REPO)
    cmd = [str(venv_python()), "-m", "host_tests.dev", *argv]
    if os.name == "nt":
        raise SystemExit(subprocess.call(cmd, env=env))
    os.execve(cmd[0], cmd, env)


# --------------------------------------------------------------------------------------------
# The checks (run inside the venv)


def step_env() -> dict[str, str]:
    env = dict(os.environ)
    # Keep caches under build/ (no new top-level folders).
    env.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(BUILD / "hypothesis"))
    return env


def need_scenarios() -> str | None:
    found = sorted((REPO / SCENARIOS).rglob("*.scn")) if (REPO / SCENARIOS).is_dir() else []
    if not found:
        return "no *.scn files under %s: nothing would be run" % SCENARIOS
    return None


def steps() -> list[tuple[str, list[str], object]]:
    py = sys.executable
    return [
        ("ruff", [py, "-m", "ruff", "check", "."], None),
        ("mypy", [py, "-m", "mypy"], None),
        ("imports", [py, "-m", "host_tests.check_imports", *DEVICE_PATHS], None),
        ("mpy", [py, "-m", "host_tests.check_mpy", *DEVICE_PATHS], None),
        # -p host_tests.dev loads the hooks at the end of this file: a skipped test fails the run.
        ("pytest", [py, "-m", "pytest", "-q", "-rsx", "-p", "host_tests.dev", "host_tests"], None),
        ("scenarios", [py, "-m", "host_tests.sim", "run", SCENARIOS], need_scenarios),
        (
            "vm",
            [py, "-m", "host_tests.sim", "run", "--vm", "micropython", "--heap", VM_HEAP, "-j2", SCENARIOS],
            need_scenarios,
        ),
        (
            "vm-rom",
            [py, "-m", "host_tests.sim", "run", "--vm", "micropython", "--code-in-rom", "--heap", VM_ROM_HEAP]
            + ["-j2", SCENARIOS],
            need_scenarios,
        ),
        # hardware in the loop, in real time, against the firmware as a separate process
        ("hil", [py, "-m", "host_tests.sim.hil_selftest", HIL_SCENARIOS], need_scenarios),
    ]


def run_tests(selected: list[str]) -> int:
    keep_going = "--keep-going" in selected or "-k" in selected
    selected = [s for s in selected if s not in ("--keep-going", "-k")]
    all_steps = steps()
    names = [s[0] for s in all_steps]
    for name in selected:
        if name not in names:
            die("unknown step %r; steps are: %s" % (name, " ".join(names)))
    todo = [s for s in all_steps if not selected or s[0] in selected]
    BUILD.mkdir(exist_ok=True)
    results: list[tuple[str, str, str]] = []
    failed = False
    for name, cmd, precheck in todo:
        if failed and not keep_going:
            results.append((name, "NOT RUN", "an earlier step failed"))
            continue
        print("\n[dev] ===== %s: %s" % (name, " ".join(["python"] + cmd[1:])), flush=True)
        t0 = time.monotonic()
        problem = precheck() if callable(precheck) else None
        if problem:
            print("[dev] %s: %s" % (name, problem), flush=True)
            rc = 1
        else:
            try:
                rc = subprocess.call(cmd, cwd=REPO, env=step_env())
            except OSError as exc:
                print("[dev] %s: cannot start: %s" % (name, exc), flush=True)
                rc = 127
        dt = time.monotonic() - t0
        if rc == 0:
            results.append((name, "PASS", "%.1f s" % dt))
        else:
            detail = problem or "exit %d" % rc
            if name == "pytest" and rc == 5:
                detail = "exit 5: pytest collected no tests"
            results.append((name, "FAIL", "%s, %.1f s" % (detail, dt)))
            failed = True
    print("\n[dev] ===== summary", flush=True)
    for name, verdict, detail in results:
        print("[dev]   %-7s %-9s %s" % (verdict, name, detail))
    if failed:
        first = next(r[0] for r in results if r[1] == "FAIL")
        print("[dev] test: FAILED at step %r" % first, flush=True)
        return 1
    print("[dev] test: all %d steps OK" % len(results), flush=True)
    return 0


def run_module(module: str, args: list[str]) -> int:
    cmd = [sys.executable, "-m", module, *args]
    os.chdir(REPO)
    if os.name == "nt":
        return subprocess.call(cmd, env=step_env())
    os.execve(cmd[0], cmd, step_env())
    return 0  # not reached


USAGE = __doc__.split("\n\n")[0] + "\n" + __doc__.split("\n\n")[1]


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        die("Python 3.11 or newer is needed (this is %s)" % sys.version.split()[0])
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd not in ("test", "shell", "sim", "setup", "bundle", "deploy", "bench"):
        print(USAGE, file=sys.stderr)
        die("unknown command %r" % cmd)
    ensure_venv()
    if not inside_venv():
        reexec_in_venv(argv)
    if cmd == "setup":
        say("venv up to date: %s" % venv_python())
        return 0
    if cmd == "test":
        return run_tests(rest)
    if cmd == "shell":
        return run_module("host_tests.sim", ["shell", *rest])
    if cmd == "bundle":
        return run_module("host_tests.bundle", ["build", *rest])
    if cmd == "deploy":
        return run_module("host_tests.bundle", ["deploy", *rest])
    if cmd == "bench":
        return run_module("host_tests.bench", rest)
    if not rest:
        die("usage: python3 -m host_tests.dev sim ARGS...")
    return run_module("host_tests.sim", rest)


# --------------------------------------------------------------------------------------------
# pytest hooks, loaded only by the "pytest" step above (-p host_tests.dev): nothing may pass
# by skipping, so a skipped test turns a green run red. (xfail stays allowed: it is reported.)

_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_line(
            "[dev] %d test(s) skipped; skips count as failures here (a missing tool is a failure):"
            % len(_skipped),
            red=True,
        )
        for nodeid in _skipped[:20]:
            terminalreporter.write_line("[dev]   " + nodeid, red=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
