"""The ROMFS image writer of the VM's code-in-flash model (host_tests.sim.romfs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from host_tests.sim import romfs
from host_tests.sim.vm import micropython_binary


def test_varints_put_the_high_bits_first() -> None:
    assert romfs.varint(0) == b"\x00"
    assert romfs.varint(0x7F) == b"\x7f"
    assert romfs.varint(0x80) == b"\x81\x00"
    assert romfs.varint(romfs.HEADER) == b"\xd2\xcd\x31"


def test_micropython_reads_and_imports_from_the_image(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "leaf.py").write_text("VALUE = 'from rom'\n")
    (tmp_path / "data.txt").write_bytes(b"x" * 300)  # a length of two varint bytes
    rom = tmp_path.parent / (tmp_path.name + ".romfs")
    rom.write_bytes(romfs.image(tmp_path))
    script = (
        "import vfs, sys, os\n"
        "b = open(%r, 'rb').read()\n"
        "vfs.mount(vfs.VfsRom(b), '/rom')\n"
        "sys.path[:] = ['/rom']\n"
        "import pkg.leaf\n"
        "print(sorted(os.listdir('/rom')), pkg.leaf.VALUE, len(open('/rom/data.txt').read()))\n" % str(rom)
    )
    out = subprocess.run([micropython_binary(), "-c", script], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "['data.txt', 'pkg'] from rom 300", out.stderr
