"""Host model of RP2040 ``microcontroller.nvm``: one 4 KB flash sector.

Write semantics, as in CircuitPython's ``ports/raspberrypi/common-hal/nvm/ByteArray.c``:
every assignment (``nvm[i] = x`` or ``nvm[a:b] = data``) is ONE write operation.

- If every target byte is 0xFF, the touched 256-byte pages are programmed, no erase.
  Programming only clears bits, so a programmed byte becomes ``old & new``.
- Otherwise the whole sector is erased and all 4096 bytes are programmed (old contents
  overlaid with the new bytes). Identical data is rewritten too: there is no skip.

Counters: ``write_count`` (assignments), ``page_program_count`` (256-byte pages
programmed by the erase-free path; the 4 KB program after an erase is not counted
there), ``erase_count`` (sector erases started, including a torn one), ``torn_writes``.

Power cuts: ``arm_power_cut(at_byte)`` makes the next write operation torn, then it
raises ``PowerLoss``. A page-program write keeps only the first ``at_byte`` bytes of
the new data (default: half, rounded down); the rest of the target stays as it was.
An erase write loses power during the erase: every byte becomes ``old | mask`` with a
PRNG mask seeded from ``write_count`` (bits only go 0 -> 1, as in a cut erase).
"""

from __future__ import annotations

import random

from host_tests.fakes.power import PowerLoss

SIZE = 4096
PAGE = 256


class FakeNvm:
    """The 4 KB nvm sector of a Pico, with flash wear counters and power-cut injection."""

    def __init__(self) -> None:
        self.data = bytearray(b"\xff" * SIZE)  # a new board
        self.write_count = 0
        self.page_program_count = 0
        self.erase_count = 0
        self.torn_writes = 0
        self._cut: tuple[int | None] | None = None

    def __len__(self) -> int:
        return SIZE

    def __getitem__(self, index: int | slice) -> int | bytearray:
        if isinstance(index, slice):
            start, stop = self._bounds(index)
            return bytearray(self.data[start:stop])
        return self.data[self._index(index)]

    def __setitem__(self, index: int | slice, value) -> None:
        if isinstance(index, slice):
            start, stop = self._bounds(index)
            new = bytes(memoryview(value))
            if len(new) != stop - start:
                raise ValueError("Slice and value different lengths.")
        else:
            if not isinstance(value, int) or not 0 <= value <= 255:
                raise ValueError("Array values should be in range 0-255")
            start = self._index(index)
            stop = start + 1
            new = bytes((value,))
        self._write(start, new)

    def arm_power_cut(self, at_byte: int | None = None) -> None:
        """Make the next write operation torn; it then raises ``PowerLoss``."""
        self._cut = (at_byte,)

    @property
    def power_cut_armed(self) -> bool:
        return self._cut is not None

    def erase_all(self) -> None:
        """Wipe to 0xFF for ``reset-flash``: a host action, not counted as a device erase."""
        self.data[:] = b"\xff" * SIZE

    def _index(self, index: int) -> int:
        if index < 0:
            index += SIZE
        if not 0 <= index < SIZE:
            raise IndexError("index out of range")
        return index

    @staticmethod
    def _bounds(index: slice) -> tuple[int, int]:
        if index.step not in (None, 1):
            raise NotImplementedError("only slices with step=1 (aka None) are supported")
        start, stop, _ = index.indices(SIZE)
        return start, max(start, stop)

    def _write(self, start: int, new: bytes) -> None:
        self.write_count += 1
        cut, self._cut = self._cut, None
        stop = start + len(new)
        if all(b == 0xFF for b in self.data[start:stop]):
            n = len(new)
            if cut is not None:
                n = len(new) // 2 if cut[0] is None else max(0, min(cut[0], len(new)))
            for i in range(n):
                self.data[start + i] &= new[i]
            if stop > start:
                # Pages started: the page of the byte being programmed when power went counts.
                last = start + min(n, len(new) - 1) if cut is not None else stop - 1
                self.page_program_count += last // PAGE - start // PAGE + 1
            if cut is not None:
                self.torn_writes += 1
                raise PowerLoss("power cut during a page program at byte %d" % n)
            return
        self.erase_count += 1
        if cut is not None:
            rng = random.Random(self.write_count)
            for i in range(SIZE):
                self.data[i] |= rng.randrange(256)
            self.torn_writes += 1
            raise PowerLoss("power cut during a sector erase")
        self.data[start:stop] = new
