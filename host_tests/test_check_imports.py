"""host_tests.check_imports on small temporary device files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from host_tests import check_imports


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def findings(path: Path) -> list[str]:
    return check_imports.check_file(
        path, check_imports.board_modules() | check_imports.EXTRA | check_imports.LIBRARIES
    )


def test_board_modules_come_from_the_stubs() -> None:
    mods = check_imports.board_modules()
    assert {"busio", "rp2pio", "keypad", "microcontroller", "re", "json", "collections"} <= mods
    assert not {"dataclasses", "typing", "enum", "datetime", "asyncio", "threading"} & mods
    assert all("." not in m and " " not in m for m in mods)


def test_unknown_board_fails_loudly() -> None:
    with pytest.raises(SystemExit, match="not found"):
        check_imports.board_modules("no_such_board")


def test_good_device_file(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "isocket/logic.py",
        """
        from __future__ import annotations
        import gc
        import re
        import struct
        from collections import deque
        from micropython import const
        import adafruit_ticks
        from adafruit_onewire.bus import OneWireBus
        from isocket import clock
        from board_configs.pico_sim800l import CONFIG
        from . import sibling
        from .modem import at
        """,
    )
    assert findings(f) == []


def test_cpython_only_modules(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "isocket/bad.py",
        """
        import dataclasses
        from datetime import datetime
        import enum, typing
        def later():
            import threading
        """,
    )
    out = findings(f)
    assert [line.split(": ", 1)[1] for line in out] == [
        "'dataclasses' is not available on the board",
        "'datetime' is not available on the board",
        "'enum' is not available on the board",
        "'typing' is not available on the board",
        "'threading' is not available on the board",
    ]
    assert out[0].startswith("%s:2:" % f)
    assert out[-1].startswith("%s:6:" % f)


def test_guarded_imports(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "isocket/typed.py",
        """
        try:
            from typing import TYPE_CHECKING
            from circuitpython_typing import ReadableBuffer
        except ImportError:
            TYPE_CHECKING = False
        try:
            import dataclasses
        except (ValueError, ModuleNotFoundError):
            pass
        if TYPE_CHECKING:
            from busio import UART
            import enum
        """,
    )
    assert findings(f) == []


def test_other_except_does_not_guard(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "isocket/x.py",
        """
        try:
            import typing
        except Exception:
            pass
        """,
    )
    assert len(findings(f)) == 1


def test_hardware_leak(tmp_path: Path) -> None:
    leak = write(
        tmp_path,
        "isocket/features/socket.py",
        """
        import board
        try:
            import busio
        except ImportError:
            busio = None
        """,
    )
    out = findings(leak)
    assert len(out) == 2
    assert all("hardware module" in line for line in out)
    assert "'board'" in out[0] and "'busio'" in out[1]
    hw = write(tmp_path, "isocket/hw/uart.py", "import board\nimport busio\nimport rp2pio\n")
    entry = write(tmp_path, "code.py", "import board\nimport supervisor\n")
    assert findings(hw) == [] and findings(entry) == []
    not_entry = write(tmp_path, "isocket/code.py", "import board\n")
    assert len(findings(not_entry)) == 1


def test_main_reports_and_exits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "isocket/ok.py", "import time\n")
    bad = write(tmp_path, "isocket/sub/bad.py", "import os\nimport pathlib\n")
    assert check_imports.main([str(tmp_path / "isocket")]) == 1
    out = capsys.readouterr().out
    assert "%s:2: 'pathlib' is not available on the board" % bad in out
    assert "2 file(s), 1 finding(s)" in out
    bad.unlink()
    assert check_imports.main([str(tmp_path / "isocket")]) == 0


def test_missing_path_and_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        check_imports.main([str(tmp_path / "nope.py")])
    broken = write(tmp_path, "isocket/broken.py", "def f(:\n")
    assert "cannot parse" in findings(broken)[0]
