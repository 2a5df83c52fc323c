"""A MicroPython ROMFS image of a folder, for the VM's code-in-flash model (docs/memory.md).

MicroPython imports a ``.mpy`` from a ``vfs.VfsRom`` in place: its bytecode is not copied
to the heap, as frozen code on a board is not. The format (MicroPython's extmod/vfs_rom.c):
every record is ``kind, length, payload`` with unsigned varints (7 bits a byte, most
significant first, the high bit set on all but the last); the image is the header kind
``0x14a6b1`` with the records as its payload. A directory's payload is its name (length,
bytes) and its records; a file's is its name and one record of verbatim data.
"""

from __future__ import annotations

from pathlib import Path

HEADER = 0x14A6B1  # encodes as b"\xd2\xcd\x31": "RM1" with the varint high bits
KIND_DATA_VERBATIM = 2
KIND_DIRECTORY = 4
KIND_FILE = 5


def varint(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    return bytes(out)


def record(kind: int, payload: bytes) -> bytes:
    return varint(kind) + varint(len(payload)) + payload


def _named(name: str) -> bytes:
    raw = name.encode()
    return varint(len(raw)) + raw


def _records(folder: Path) -> bytes:
    out = b""
    for p in sorted(folder.iterdir()):
        if p.is_dir():
            out += record(KIND_DIRECTORY, _named(p.name) + _records(p))
        else:
            out += record(KIND_FILE, _named(p.name) + record(KIND_DATA_VERBATIM, p.read_bytes()))
    return out


def image(folder: Path) -> bytes:
    """The ROMFS image of everything under ``folder``, names as they are on disk."""
    return record(HEADER, _records(folder))
