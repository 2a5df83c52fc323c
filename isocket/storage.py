"""Append-only, multi-kind record log in ``microcontroller.nvm`` (one 4 KB flash sector).

On the RP2040 a write into all-0xFF bytes only programs pages; any other write erases
and reprograms the sector. So records are appended into erased space, erase when full.

Record layout (integers little-endian; OVERHEAD = 13 bytes plus the body)::

    offset  size  field
    0       2     magic 0x69 0x53 (b"iS"); 0xFF at offset 0 means free space
    2       1     layout version, 1
    3       1     kind, 1..254
    4       4     sequence number, u32, +1 per record written (serial arithmetic)
    8       2     body length N, u16
    10      N     body
    10+N    2     CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of bytes 0 .. 9+N
    12+N    1     end mark 0xA5 (never 0xFF)

A torn append leaves its last byte 0xFF and fails the end-mark test whatever its CRC.
Scan (once, at most one sector): free space starts after the last non-0xFF byte, so torn
bytes are never programmed over; records are parsed up to there, a bad one resyncs one
byte on, CRC work is capped at twice the sector. For each kind (at most ``max_kinds``)
the highest sequence number (serial arithmetic) wins.

Save: an unchanged body writes nothing. A changed one is appended with one slice
assignment into 0xFF bytes (page program only). If it does not fit, the sector is
compacted with one ``nvm[0:4096] = image`` (one erase): the newest record of every
other kind, renumbered, then the new record, then 0xFF.

Erases: with record size R = 13 + S for a body of S bytes and L bytes of the other kinds'
live records, one erase serves floor((4096 - L) / R) changed saves. Starting from a
sector holding only those other records, N changed saves of one kind cost
floor((N - 1) / floor((4096 - L) / R)) erases (S = 1, L = 0: one erase per 292 saves).

Limitation: one sector, no second copy: a power cut during a compaction erase loses the
log; callers fall back to defaults when ``load`` returns None.
"""

from array import array
from micropython import const

# Record kinds, all in one place so that two features can never share one (docs/storage.md).
KIND_SETTINGS = const(1)  # isocket.settings body
KIND_SOCKET = const(2)  # the remembered socket state, one byte
KIND_ALARM_LOG = const(3)  # isocket.alarm_log
KIND_SCHEDULER = const(4)  # isocket.scheduler rules
KIND_BOOT_FLAGS = const(5)  # isocket.boot_flags

_MAGIC0 = const(0x69)
_MAGIC1 = const(0x53)
_VERSION = const(1)
_END = const(0xA5)
_BODY = const(10)  # offset of the body in a record
OVERHEAD = const(13)
_MASK = const(0xFFFFFFFF)
_HALF = const(0x80000000)
_CHUNK = const(256)  # flash is read in pieces this big: no 4 KB temporary on the heap
_ERASED = b"\xff" * _CHUNK


def _make_table():
    table = array("H", bytes(512))  # 512 B, where a list of 256 ints is 1 KB on the board
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) if c & 0x8000 else (c << 1)
        table[i] = c & 0xFFFF
    return table


_TABLE = _make_table()


def crc16(buf, start: int, end: int) -> int:
    """CRC-16/CCITT-FALSE of ``buf[start:end]`` (check value of b"123456789": 0x29B1)."""
    crc = 0xFFFF
    table = _TABLE
    for i in range(start, end):
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ buf[i]]
    return crc


def _stamp(buf, pos: int, seq: int) -> None:
    """Write sequence number, CRC and end mark of the record at ``buf[pos]``."""
    size = OVERHEAD + (buf[pos + 8] | (buf[pos + 9] << 8))
    for i in range(4):
        buf[pos + 4 + i] = (seq >> (8 * i)) & 0xFF
    crc = crc16(buf, pos, pos + size - 3)
    buf[pos + size - 3 : pos + size] = bytes((crc & 0xFF, crc >> 8, _END))


def encode_record(kind: int, body, seq: int) -> bytearray:
    """One complete record, as ``save`` writes it."""
    n = len(body)
    rec = bytearray(n + OVERHEAD)
    rec[0:4] = bytes((_MAGIC0, _MAGIC1, _VERSION, kind))
    rec[8:10] = bytes((n & 0xFF, n >> 8))
    rec[_BODY : _BODY + n] = body
    _stamp(rec, 0, seq & _MASK)
    return rec


def _newer_or_same(seq: int, than: int) -> bool:
    return ((seq - than) & _MASK) < _HALF


class RecordStore:
    """Newest-wins record per kind, kept in an nvm-like byte array (see the module doc)."""

    def __init__(self, nvm, max_kinds: int = 8, image=None) -> None:
        self._nvm = nvm
        self._size = len(nvm)
        self._max_kinds = max_kinds
        self.records_written = 0
        self.compactions = 0
        # The sector image, reserved at boot while the heap is whole (``image``, when its size
        # fits): a compaction weeks later must not depend on finding 4 KB of contiguous free
        # heap (docs/storage.md).
        self._img = image if image is not None and len(image) == self._size else bytearray(self._size)
        self._scan()

    def _read_image(self) -> bytearray:
        img = self._img
        nvm = self._nvm
        for off in range(0, self._size, _CHUNK):
            end = min(off + _CHUNK, self._size)
            img[off:end] = nvm[off:end]
        return img

    def _scan(self) -> None:
        buf = self._read_image()
        end = self._size
        while end and buf[end - 1] == 0xFF:
            end -= 1
        self._free = end
        self._slots: list[list[int]] = []  # [kind, offset, size, seq], at most max_kinds
        top = None  # next sequence number after the newest record seen
        budget = 2 * self._size
        off = 0
        while off + OVERHEAD <= end:
            kind = buf[off + 3]
            size = OVERHEAD + (buf[off + 8] | (buf[off + 9] << 8))
            if (
                buf[off] != _MAGIC0
                or buf[off + 1] != _MAGIC1
                or buf[off + 2] != _VERSION
                or kind == 0
                or kind == 0xFF
                or off + size > end
                or buf[off + size - 1] != _END
                or size > budget
            ):
                off += 1
                continue
            budget -= size
            if crc16(buf, off, off + size - 3) != buf[off + size - 3] | (buf[off + size - 2] << 8):
                off += 1
                continue
            seq = buf[off + 4] | (buf[off + 5] << 8) | (buf[off + 6] << 16) | (buf[off + 7] << 24)
            self._note(kind, off, size, seq)
            if top is None or _newer_or_same(seq + 1, top):
                top = (seq + 1) & _MASK
            off += size
        self._seq = 1 if top is None else top

    def _note(self, kind: int, off: int, size: int, seq: int) -> None:
        slot = self._slot(kind)
        if slot is None:
            if len(self._slots) < self._max_kinds:
                self._slots.append([kind, off, size, seq])
        elif _newer_or_same(seq, slot[3]):
            slot[1] = off
            slot[2] = size
            slot[3] = seq

    def _slot(self, kind: int) -> list[int] | None:
        for slot in self._slots:
            if slot[0] == kind:
                return slot
        return None

    def load(self, kind: int) -> bytes | None:
        """Body of the newest valid record of ``kind``, or None if there is none."""
        slot = self._slot(kind)
        if slot is None:
            return None
        return bytes(self._nvm[slot[1] + _BODY : slot[1] + slot[2] - 3])

    def free_bytes(self) -> int:
        """Erased bytes left for appends before the next compaction."""
        return self._size - self._free

    def save(self, kind: int, body) -> bool:
        """Store ``body`` as the newest record of ``kind``; False if it cannot fit."""
        if not 0 < kind < 255:
            raise ValueError("kind must be 1..254")
        size = len(body) + OVERHEAD
        if size > self._size or len(body) > 0xFFFF:
            return False
        slot = self._slot(kind)
        if slot is not None and slot[2] == size and self.load(kind) == bytes(body):
            return True
        if slot is None and len(self._slots) >= self._max_kinds:
            return False
        if slot is not None and not _newer_or_same(self._seq, slot[3]):
            self._seq = (slot[3] + 1) & _MASK  # garbage seqs wider than half the ring
        try:
            if self._free + size <= self._size:
                rec = encode_record(kind, body, self._seq)
                self._nvm[self._free : self._free + size] = rec  # target is all 0xFF: page program
                self._note(kind, self._free, size, self._seq)
                self._free += size
                self._seq = (self._seq + 1) & _MASK
            elif not self._compact(kind, body, size):
                return False
        except Exception:
            self._scan()  # the flash may hold anything now: trust only what is read back
            return False
        self.records_written += 1
        return True

    def _compact(self, kind: int, body, size: int) -> bool:
        others = [s for s in self._slots if s[0] != kind]
        if size + sum(s[2] for s in others) > self._size:
            return False
        img = self._read_image()
        # Ascending source offsets: moving each record down never overwrites one not yet moved.
        others.sort(key=lambda s: s[1])
        pos = 0
        seq = self._seq
        slots = []
        for s in others:
            img[pos : pos + s[2]] = img[s[1] : s[1] + s[2]]
            _stamp(img, pos, seq)  # renumbered, so the live sequence numbers stay a small window
            slots.append([s[0], pos, s[2], seq])
            pos += s[2]
            seq = (seq + 1) & _MASK
        img[pos : pos + size] = encode_record(kind, body, seq)
        slots.append([kind, pos, size, seq])
        pos += size
        erased = memoryview(_ERASED)
        for off in range(pos, self._size, _CHUNK):
            end = min(off + _CHUNK, self._size)
            img[off:end] = erased[: end - off]
        self._nvm[0 : self._size] = img  # one sector erase + program
        self._slots = slots
        self._free = pos
        self._seq = (seq + 1) & _MASK
        self.compactions += 1
        return True
