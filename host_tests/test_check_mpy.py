"""host_tests.check_mpy: mpy-cross compile errors and coroutines are reported, the tree passes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from host_tests import check_imports, check_mpy
from host_tests.dev import DEVICE_PATHS, REPO


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    "source, construct, line",
    [
        ("x = 1\nasync def f():\n    pass\n", "async def", 2),
        ("def f():\n    pass\n\nasync def g():\n    await f()\n", "async def", 4),
        ("x = [y async for y in z]\n", "async for", 1),
    ],
)
def test_coroutines_are_refused(tmp_path: Path, source: str, construct: str, line: int) -> None:
    f = write(tmp_path, "isocket/co.py", source)
    findings = check_mpy.check([f])
    assert len(findings) == 1
    assert findings[0].startswith("%s:%d: '%s' is not allowed" % (f, line, construct))


def test_every_async_construct_is_found() -> None:
    import ast

    tree = ast.parse(
        textwrap.dedent(
            """
            async def f(a):
                await a
                async for x in a:
                    pass
                async with a:
                    pass
            """
        )
    )
    assert [what for _line, what in check_mpy.async_uses(tree)] == [
        "async def",
        "await",
        "async for",
        "async with",
    ]


def test_syntax_error_names_the_file(tmp_path: Path) -> None:
    good = write(tmp_path, "isocket/good.py", "x = 1\n")
    bad = write(tmp_path, "isocket/bad.py", "x = 1\ndef f(:\n    pass\n")
    findings = check_mpy.check([good, bad])
    assert len(findings) == 1 and findings[0].startswith("%s:2: " % bad)
    assert "invalid syntax" in findings[0]


def test_mpy_cross_only_errors_are_reported(tmp_path: Path) -> None:
    # CPython parses this; MicroPython's compiler does not (docs/device-code-rules.md).
    f = write(tmp_path, "isocket/star.py", "a = [1]\nb = (*a, 3)\n")
    findings = check_mpy.check([f])
    assert len(findings) == 1 and findings[0].startswith("%s:2: SyntaxError" % f)


def test_compiled_file_has_the_circuitpython_header(tmp_path: Path) -> None:
    src = write(tmp_path, "m.py", "def f():\n    return 41 + 1\n")
    data = check_mpy.compile_mpy(src, tmp_path / "out" / "m.mpy", "isocket/m.py")
    assert data[:2] == b"C\x06"
    assert (tmp_path / "out" / "m.mpy").read_bytes() == data
    assert b"isocket/m.py" in data


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "ok.py", "x = 1\n")
    assert check_mpy.main([str(tmp_path)]) == 0
    write(tmp_path, "co.py", "async def f():\n    pass\n")
    assert check_mpy.main([str(tmp_path)]) == 1
    assert "2 file(s), 1 finding(s)" in capsys.readouterr().out


def test_the_device_tree_compiles() -> None:
    files = check_imports.device_files([str(REPO / p) for p in DEVICE_PATHS])
    names = {f.relative_to(REPO).as_posix() for f in files}
    assert {"code.py", "boot.py", "safemode.py", "isocket/main.py", "board_configs/__init__.py"} <= names
    assert check_mpy.check(files) == []
