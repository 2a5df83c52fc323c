"""The release bundle: exactly what goes on the CIRCUITPY drive, and copying it there.

    python -m host_tests.bundle build [--py] [--board NAME] [--model 706|707|706L|707L] [--out build]
    python -m host_tests.bundle deploy [PATH] [--force] [--out build]

``build`` makes ``OUT/CIRCUITPY/`` and ``OUT/isocket-CIRCUITPY.zip``: ``code.py``, ``boot.py``,
``safemode.py`` (CircuitPython only runs these as source), ``settings.toml`` with the chosen
board and model, ``isocket/``, ``board_configs/`` (``__init__`` and the chosen board only) and
``lib/`` with the libraries of requirements.txt, taken from their PyPI wheels (``pip download
--no-deps --only-binary=:all:`` into ``OUT/wheels/``, reused when present). Modules are
compiled to CircuitPython .mpy (host_tests/check_mpy.py: MicroPython mpy-cross, byte 0 'M' ->
'C', no coroutines); ``--py`` ships the .py sources instead.

``deploy`` copies ``OUT/CIRCUITPY/`` to a mounted CIRCUITPY drive (PATH, or the one volume
named CIRCUITPY holding ``boot_out.txt``): stale files of ours go first, ``code.py`` is
written last so a board with autoreload on never starts a half-copied tree. A PATH without
``boot_out.txt`` is refused unless ``--force``.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from host_tests.check_mpy import MpyError, compile_mpy, mpy_cross_binary

REPO = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO / "requirements.txt"
SETTINGS = REPO / "settings.toml"
SOURCE_FILES = ("boot.py", "safemode.py")  # copied as .py; code.py too, written last
ENTRY = "code.py"
PACKAGES = ("isocket", "board_configs")
LIB = "lib"
TREE = "CIRCUITPY"
ZIP = "isocket-CIRCUITPY.zip"
WHEELS = "wheels"
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed, so equal trees give equal zips


class BundleError(Exception):
    """Something the user has to fix; printed without a traceback."""


# --------------------------------------------------------------------------------------------
# The device libraries


def requirements(path: Path = REQUIREMENTS) -> list[tuple[str, str]]:
    """(name, version) of every ``name==version`` line of requirements.txt."""
    pins = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)", line)
        if not m:
            raise BundleError("%s: not pinned as name==version: %r" % (path.name, raw))
        pins.append((m.group(1), m.group(2)))
    return pins


def _wheel_stem(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def fetch_wheels(cache: Path, path: Path = REQUIREMENTS) -> list[Path]:
    """The wheel of every pinned library, downloaded into ``cache`` unless already there."""
    pins = requirements(path)

    def cached(name: str, version: str) -> Path | None:
        hits = sorted(cache.glob("%s-%s-*.whl" % (_wheel_stem(name), version)))
        return hits[0] if hits else None

    if any(cached(n, v) is None for n, v in pins):
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-input"]
        cmd += ["--no-deps", "--only-binary=:all:", "--dest", str(cache), "-r", str(path)]
        if subprocess.call(cmd) != 0:
            raise BundleError("pip download failed (needs PyPI): %s" % " ".join(cmd[1:]))
    wheels = []
    for name, version in pins:
        wheel = cached(name, version)
        if wheel is None:
            raise BundleError("no wheel of %s==%s in %s" % (name, version, cache))
        wheels.append(wheel)
    return wheels


def wheel_sources(wheel: Path) -> dict[str, bytes]:
    """The .py files a wheel installs, by path (metadata left out)."""
    with zipfile.ZipFile(wheel) as zf:
        return {
            n: zf.read(n)
            for n in zf.namelist()
            if n.endswith(".py") and not n.split("/")[0].endswith((".dist-info", ".data"))
        }


def wheel_modules(wheels: list[Path]) -> set[str]:
    """Top-level module names the wheels provide."""
    return {p.split("/")[0].removesuffix(".py") for w in wheels for p in wheel_sources(w)}


# --------------------------------------------------------------------------------------------
# build


def render_settings(board: str, model: str, template: Path = SETTINGS) -> str:
    """settings.toml with ISOCKET_BOARD and ISOCKET_MODEL set."""
    text = template.read_text(encoding="utf-8")
    for key, value in (("ISOCKET_BOARD", board), ("ISOCKET_MODEL", model)):
        text, n = re.subn(r'(?m)^%s = ".*"$' % key, '%s = "%s"' % (key, value), text)
        if n != 1:
            raise BundleError('%s: expected one line %s = "..."' % (template.name, key))
    return text


def device_sources(board: str) -> dict[str, Path]:
    """Drive path of every device module -> its source (board_configs: __init__ and ``board``)."""
    sources = {name: REPO / name for name in (ENTRY, *SOURCE_FILES)}
    for pkg in PACKAGES:
        for f in sorted((REPO / pkg).rglob("*.py")):
            rel = f.relative_to(REPO).as_posix()
            if "__pycache__" in f.parts:
                continue
            if pkg == "board_configs" and f.name not in ("__init__.py", board + ".py"):
                continue
            sources[rel] = f
    return sources


def _emit(tree: Path, rel: str, src: Path, compile_it: bool, binary: str) -> None:
    """Put one module into ``tree``: compiled to .mpy if ``compile_it``, else as it is."""
    dest = tree / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not compile_it:
        shutil.copyfile(src, dest)
        return
    try:
        compile_mpy(src, dest.with_suffix(".mpy"), rel, binary)
    except MpyError as exc:
        raise BundleError(str(exc)) from None


def build(
    out: Path,
    board: str = "pico_sim800l",
    model: str = "707",
    py: bool = False,
    wheels: Path | None = None,
) -> Path:
    """Build ``out/CIRCUITPY`` and ``out/isocket-CIRCUITPY.zip``; return the tree."""
    import board_configs

    model = model.upper()
    if model not in board_configs.MODELS:
        raise BundleError("unknown model %r (one of %s)" % (model, ", ".join(board_configs.MODELS)))
    if board == "__init__" or not (REPO / "board_configs" / (board + ".py")).is_file():
        raise BundleError("no board config %r in board_configs/" % board)
    settings = render_settings(board, model)
    libraries = fetch_wheels(wheels or out / WHEELS)
    tree = out / TREE
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    binary = "" if py else mpy_cross_binary()
    with tempfile.TemporaryDirectory(prefix="isocket-lib-") as tmp:
        sources = device_sources(board)
        for wheel in libraries:
            for rel, data in wheel_sources(wheel).items():
                src = Path(tmp) / rel
                src.parent.mkdir(parents=True, exist_ok=True)
                src.write_bytes(data)
                sources[LIB + "/" + rel] = src
        for rel, src in sources.items():
            # code.py, boot.py and safemode.py stay source: CircuitPython only runs those.
            _emit(tree, rel, src, not py and "/" in rel, binary)
    (tree / "settings.toml").write_text(settings, encoding="utf-8")
    write_zip(tree, out / ZIP)
    return tree


def files_of(tree: Path) -> list[str]:
    """Every file under ``tree`` as a sorted list of posix paths."""
    return sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file())


def write_zip(tree: Path, dest: Path) -> None:
    """Zip ``tree`` with the drive's root as the zip's root."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in files_of(tree):
            info = zipfile.ZipInfo(rel, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (tree / rel).read_bytes())


# --------------------------------------------------------------------------------------------
# deploy


def find_drives() -> list[Path]:
    """Mounted volumes named CIRCUITPY that hold boot_out.txt."""
    patterns = ["/media/*/CIRCUITPY", "/run/media/*/CIRCUITPY", "/Volumes/CIRCUITPY", "/media/CIRCUITPY"]
    found = [Path(p) for pattern in patterns for p in glob.glob(pattern)]
    if os.name == "nt":
        found += [d for d in _windows_drives() if _volume_label(d) == "CIRCUITPY"]
    return sorted({p for p in found if (p / "boot_out.txt").is_file()})


def _windows_drives() -> list[Path]:
    return [Path("%s:\\" % letter) for letter in string.ascii_uppercase if Path("%s:\\" % letter).exists()]


def _volume_label(drive: Path) -> str:
    import ctypes

    label = ctypes.create_unicode_buffer(261)
    ok = ctypes.windll.kernel32.GetVolumeInformationW(  # type: ignore[attr-defined]
        str(drive), label, len(label), None, None, None, None, 0
    )
    return label.value if ok else ""


def ours(rel: str, libs: set[str]) -> bool:
    """True for drive paths a deploy owns: our packages, our libraries, the start-up files."""
    top = rel.split("/")[0]
    if top in PACKAGES:
        return True
    if top == LIB and "/" in rel:
        return rel.split("/")[1].split(".")[0] in libs
    return rel in (ENTRY, *SOURCE_FILES, "settings.toml")


def copy_file(src: Path, dest: Path) -> None:
    """Write ``dest`` and flush it to the drive before the next file (keeps the order)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as f:
        f.write(src.read_bytes())
        f.flush()
        os.fsync(f.fileno())


def deploy(tree: Path, drive: Path, force: bool = False) -> list[str]:
    """Copy ``tree`` onto ``drive``; return what was done, one line each."""
    if not tree.is_dir() or not (tree / ENTRY).is_file():
        raise BundleError("%s is not a built bundle: run  python -m host_tests.bundle build" % tree)
    if not drive.is_dir():
        raise BundleError("%s: no such directory" % drive)
    if not (drive / "boot_out.txt").is_file() and not force:
        raise BundleError("%s has no boot_out.txt: not a CIRCUITPY drive? (--force copies anyway)" % drive)
    wanted = files_of(tree)
    libs = {rel.split("/")[1].split(".")[0] for rel in wanted if rel.startswith(LIB + "/")}
    done = []
    for rel in files_of(drive):
        if rel not in wanted and ours(rel, libs):
            (drive / rel).unlink()  # e.g. an old .py would shadow the new .mpy
            done.append("removed " + rel)
    for rel in sorted(wanted, key=lambda r: r == ENTRY):  # code.py last
        dest = drive / rel
        if rel != ENTRY and dest.is_file() and dest.read_bytes() == (tree / rel).read_bytes():
            continue
        copy_file(tree / rel, dest)
        done.append("wrote " + rel)
    for d in sorted((p for p in drive.rglob("*") if p.is_dir()), reverse=True):
        if not any(d.iterdir()) and ours(d.relative_to(drive).as_posix() + "/", libs):
            d.rmdir()  # a package of ours that is no longer shipped
    if (drive / "code.txt").exists() or (drive / "main.py").exists():
        done.append("WARNING: code.txt or main.py on the drive: CircuitPython may run it instead")
    return done


# --------------------------------------------------------------------------------------------
# command line


def main(argv: list[str]) -> int:
    import board_configs

    parser = argparse.ArgumentParser(prog="python -m host_tests.bundle", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build OUT/CIRCUITPY and OUT/isocket-CIRCUITPY.zip")
    b.add_argument("--py", action="store_true", help="ship .py sources instead of .mpy")
    b.add_argument("--board", default=board_configs.DEFAULT, help="board config (default %(default)s)")
    b.add_argument(
        "--model", default="707", help="one of %s (default %%(default)s)" % ", ".join(board_configs.MODELS)
    )
    b.add_argument("--out", default="build", help="output directory (default %(default)s)")
    d = sub.add_parser("deploy", help="copy OUT/CIRCUITPY to a mounted CIRCUITPY drive")
    d.add_argument("path", nargs="?", help="the drive (default: find the mounted CIRCUITPY volume)")
    d.add_argument("--force", action="store_true", help="copy even without boot_out.txt there")
    d.add_argument("--out", default="build", help="where build put CIRCUITPY/ (default %(default)s)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        if args.cmd == "build":
            tree = build(out, args.board, args.model, args.py)
            print("built %s (%d files) and %s" % (tree, len(files_of(tree)), out / ZIP))
            return 0
        if args.path:
            drive = Path(args.path)
        else:
            drives = find_drives()
            if len(drives) != 1:
                found = ", ".join(map(str, drives)) or "none"
                raise BundleError("give the drive's path: CIRCUITPY volumes with boot_out.txt: %s" % found)
            drive = drives[0]
        for line in deploy(out / TREE, drive, args.force):
            print(line)
        print("deployed to %s; reset the board to start it (autoreload is off, docs/startup.md)" % drive)
        return 0
    except BundleError as exc:
        print("bundle: " + str(exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
