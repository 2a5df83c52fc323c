"""host_tests.bundle: the release tree, its zip, deploying it, and requirements.txt in sync."""

from __future__ import annotations

import ast
import shutil
import zipfile
from pathlib import Path

import pytest

from host_tests import bundle, check_imports
from host_tests.dev import BUILD, REPO

# Shared with `python -m host_tests.bundle build`: downloaded once, reused by every run.
WHEELS = BUILD / "wheels"
ROOT_FILES = {"code.py", "boot.py", "safemode.py", "settings.toml"}


@pytest.fixture(scope="module")
def wheels() -> list[Path]:
    return bundle.fetch_wheels(WHEELS)


@pytest.fixture(scope="module")
def mpy_tree(tmp_path_factory: pytest.TempPathFactory, wheels: list[Path]) -> Path:
    return bundle.build(tmp_path_factory.mktemp("mpy"), wheels=WHEELS)


@pytest.fixture(scope="module")
def py_tree(tmp_path_factory: pytest.TempPathFactory, wheels: list[Path]) -> Path:
    return bundle.build(tmp_path_factory.mktemp("py"), model="706l", py=True, wheels=WHEELS)


def expected_files(suffix: str, wheels: list[Path]) -> set[str]:
    files = set(ROOT_FILES)
    for f in (REPO / "isocket").rglob("*.py"):
        if "__pycache__" not in f.parts:
            files.add(f.relative_to(REPO).with_suffix(suffix).as_posix())
    files |= {"board_configs/__init__" + suffix, "board_configs/pico_sim800l" + suffix}
    for wheel in wheels:
        files |= {"lib/" + rel.removesuffix(".py") + suffix for rel in bundle.wheel_sources(wheel)}
    return files


def test_mpy_tree_holds_exactly_the_drive_files(mpy_tree: Path, wheels: list[Path]) -> None:
    files = set(bundle.files_of(mpy_tree))
    assert files == expected_files(".mpy", wheels)
    assert {"lib/adafruit_ticks.mpy", "lib/adafruit_onewire/bus.mpy", "isocket/hw/startup.mpy"} <= files
    for rel in ("code.py", "boot.py", "safemode.py"):
        assert (mpy_tree / rel).read_bytes() == (REPO / rel).read_bytes()


def test_every_mpy_is_circuitpython_v6(mpy_tree: Path) -> None:
    mpys = [p for p in mpy_tree.rglob("*.mpy")]
    assert len(mpys) > 50
    assert all(p.read_bytes()[:2] == b"C\x06" for p in mpys)


def test_zip_is_the_tree(mpy_tree: Path) -> None:
    with zipfile.ZipFile(mpy_tree.parent / bundle.ZIP) as zf:
        assert sorted(zf.namelist()) == bundle.files_of(mpy_tree)
        assert all(zf.read(rel) == (mpy_tree / rel).read_bytes() for rel in zf.namelist())


def test_settings_name_the_board_and_model(mpy_tree: Path, py_tree: Path) -> None:
    lines = (mpy_tree / "settings.toml").read_text().splitlines()
    assert 'ISOCKET_BOARD = "pico_sim800l"' in lines and 'ISOCKET_MODEL = "707"' in lines
    assert 'ISOCKET_MODEL = "706L"' in (py_tree / "settings.toml").read_text().splitlines()


def test_py_variant_ships_sources(py_tree: Path, wheels: list[Path]) -> None:
    assert set(bundle.files_of(py_tree)) == expected_files(".py", wheels)
    assert not list(py_tree.rglob("*.mpy"))
    assert (py_tree / "isocket/main.py").read_bytes() == (REPO / "isocket/main.py").read_bytes()
    ticks = next(w for w in wheels if "ticks" in w.name)
    source = bundle.wheel_sources(ticks)["adafruit_ticks.py"]
    assert (py_tree / "lib/adafruit_ticks.py").read_bytes() == source


def test_bad_choices_are_refused(tmp_path: Path) -> None:
    with pytest.raises(bundle.BundleError, match="unknown model"):
        bundle.build(tmp_path, model="708", wheels=WHEELS)
    for board in ("no_such_board", "__init__"):
        with pytest.raises(bundle.BundleError, match="no board config"):
            bundle.build(tmp_path, board=board, wheels=WHEELS)


def test_cli_build_reuses_the_wheel_cache(
    tmp_path: Path, wheels: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / bundle.WHEELS).mkdir()
    for w in wheels:
        shutil.copy(w, tmp_path / bundle.WHEELS)

    def no_download(*args: object, **kwargs: object) -> int:
        raise AssertionError("downloaded although every wheel was cached")

    monkeypatch.setattr(bundle.subprocess, "call", no_download)
    assert bundle.main(["build", "--py", "--model", "706", "--out", str(tmp_path)]) == 0
    assert (tmp_path / bundle.TREE / "code.py").is_file() and (tmp_path / bundle.ZIP).is_file()


# --------------------------------------------------------------------------------------------
# deploy


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    d = tmp_path / "CIRCUITPY"
    stale = {
        "boot_out.txt": b"Adafruit CircuitPython 10.2.1 on 2026-01-01; Raspberry Pi Pico with rp2040\n",
        "isocket/main.py": b"# an old source release: would shadow main.mpy\n",
        "isocket/gone.mpy": b"C\x06",
        "isocket/gone_pkg/x.mpy": b"C\x06",
        "board_configs/other_board.mpy": b"C\x06",
        "lib/adafruit_ticks.py": b"# old library source\n",
        "lib/someone_elses.mpy": b"C\x06",
        "notes.txt": b"the owner's\n",
    }
    for rel, data in stale.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_bytes(data)
    return d


def test_deploy_writes_code_py_last(mpy_tree: Path, drive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    real_copy = bundle.copy_file

    def recording_copy(src: Path, dest: Path) -> None:
        order.append(dest.relative_to(drive).as_posix())
        real_copy(src, dest)

    monkeypatch.setattr(bundle, "copy_file", recording_copy)
    bundle.deploy(mpy_tree, drive)
    assert order[-1] == "code.py" and order.count("code.py") == 1
    assert sorted(order) == bundle.files_of(mpy_tree)
    on_drive = set(bundle.files_of(drive))
    assert on_drive == set(bundle.files_of(mpy_tree)) | {"boot_out.txt", "lib/someone_elses.mpy", "notes.txt"}
    assert all((drive / rel).read_bytes() == (mpy_tree / rel).read_bytes() for rel in order)
    assert not (drive / "isocket/gone_pkg").exists()

    # Again: only code.py is rewritten, still last, so the board restarts on a complete tree.
    order.clear()
    assert bundle.deploy(mpy_tree, drive) == ["wrote code.py"]
    assert order == ["code.py"]


def test_deploy_py_over_mpy_removes_the_mpy(mpy_tree: Path, py_tree: Path, drive: Path) -> None:
    bundle.deploy(mpy_tree, drive)
    bundle.deploy(py_tree, drive)
    assert not list((drive / "isocket").rglob("*.mpy"))
    assert (drive / "lib/someone_elses.mpy").is_file()


def test_deploy_refuses_what_is_not_a_drive(mpy_tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "not_a_drive"
    target.mkdir()
    with pytest.raises(bundle.BundleError, match="boot_out.txt"):
        bundle.deploy(mpy_tree, target)
    assert list(target.iterdir()) == []
    bundle.deploy(mpy_tree, target, force=True)
    assert (target / "code.py").is_file()
    with pytest.raises(bundle.BundleError, match="not a built bundle"):
        bundle.deploy(tmp_path / "nothing", target)


def test_find_drives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    board = tmp_path / "media" / "me" / "CIRCUITPY"
    stick = tmp_path / "run" / "media" / "me" / "CIRCUITPY"
    board.mkdir(parents=True)
    stick.mkdir(parents=True)
    (board / "boot_out.txt").write_text("Adafruit CircuitPython\n")
    roots = {"/media/*/CIRCUITPY": [str(board)], "/run/media/*/CIRCUITPY": [str(stick)]}
    monkeypatch.setattr(bundle.glob, "glob", lambda pattern: roots.get(pattern, []))
    assert bundle.find_drives() == [board]


# --------------------------------------------------------------------------------------------
# requirements.txt in sync


def device_adafruit_imports() -> set[str]:
    found = set()
    for path in check_imports.device_files([str(REPO / p) for p in ("code.py", "isocket", "board_configs")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for _node, top, _guarded, typing_only in check_imports._imports(tree):
            if top and top.startswith("adafruit_") and not typing_only:
                found.add(top)
    return found


def test_requirements_match_the_device_imports(wheels: list[Path]) -> None:
    provided = bundle.wheel_modules(wheels)
    assert device_adafruit_imports() == provided
    assert check_imports.LIBRARIES == provided
    assert [w.name.split("-")[0] for w in wheels] == [
        bundle._wheel_stem(name) for name, _version in bundle.requirements()
    ]
