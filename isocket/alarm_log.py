"""The alarm log (A-47): the last 10 session starts, kept in NVM as record kind 3.

Body layout, version 1 (big-endian, like the settings body)::

    offset  size  field
    0       1     layout version = 1
    1       4*n   n = 0..10 entries, oldest first: seconds since 2000-01-01 00:00:00
                  local time, or 0xFFFFFFFF when the clock was not set

Flash wear is bounded whatever the sensor does: an entry is stored at once when the log
was last stored at least ``SAVE_GAP_MS`` ago, otherwise with the entries that follow at
the end of that gap (one record for all of them). A power cut inside the gap loses the
entries not yet stored; SHOWALARMLOG always shows the entries in RAM.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.storage import KIND_ALARM_LOG
from isocket.wallclock import from_seconds, to_seconds, valid

_MAX_ENTRIES = const(10)
LAYOUT_VERSION = const(1)
UNKNOWN = const(0xFFFFFFFF)
_SAVE_GAP_MS = const(5 * 60_000)
_LIMIT = const(3155760000)  # seconds from 2000-01-01 to 2100-01-01: nothing later is written
EMPTY = "ALARM log is empty"


def pack(entries: list) -> bytes:
    """The body of ``entries`` (ints, oldest first)."""
    out = bytearray((LAYOUT_VERSION,))
    for e in entries[-_MAX_ENTRIES:]:
        out.extend(bytes(((e >> 24) & 0xFF, (e >> 16) & 0xFF, (e >> 8) & 0xFF, e & 0xFF)))
    return bytes(out)


def unpack(body) -> list:
    """The entries of a body ``pack`` wrote; ValueError for anything else."""
    if body is None or len(body) < 1 or body[0] != LAYOUT_VERSION or (len(body) - 1) % 4:
        raise ValueError("alarm log body")
    n = (len(body) - 1) // 4
    if n > _MAX_ENTRIES:
        raise ValueError("alarm log too long")
    entries = []
    for i in range(n):
        p = 1 + 4 * i
        e = (body[p] << 24) | (body[p + 1] << 16) | (body[p + 2] << 8) | body[p + 3]
        if e != UNKNOWN and e >= _LIMIT:
            raise ValueError("alarm log time")
        entries.append(e)
    return entries


def entry_for(wall) -> int:
    """The entry for a wall time tuple (``UNKNOWN`` for None or an invalid time)."""
    return to_seconds(wall) if valid(wall) else UNKNOWN


def fmt_entry(e: int) -> str:
    """``yy/mm/dd:hh:mm:ss`` (A-47), or ``--/--/--:--:--:--`` for an unknown time."""
    if e == UNKNOWN:
        return "--/--/--:--:--:--"
    t = from_seconds(e, 0)
    return "%02d/%02d/%02d:%02d:%02d:%02d" % (t[0] % 100, t[1], t[2], t[3], t[4], t[5])


class AlarmLog:
    """A ring of 10 entries in RAM, stored in ``store`` (a RecordStore) with bounded wear."""

    def __init__(self, store, log=None):
        self._store = store
        self._log = log
        self._dirty = False
        self._gap_until: int | None = None  # no save before this tick
        try:
            self.entries = unpack(store.load(KIND_ALARM_LOG))
        except ValueError:
            self.entries = []  # nothing stored yet, or unreadable: an empty log
        self.saves = 0

    def add(self, wall, now: int) -> None:
        """Log a session start at wall time ``wall`` (None: the clock is not set)."""
        self.entries.append(entry_for(wall))
        if len(self.entries) > _MAX_ENTRIES:
            self.entries.pop(0)
        self._dirty = True
        self.poll(now)

    def clear(self, now: int) -> None:
        """Empty the log (factory reset, A-47)."""
        self.entries = []
        self._dirty = True
        self._gap_until = None
        self.poll(now)

    def text(self) -> str:
        """The SHOWALARMLOG reply."""
        if not self.entries:
            return EMPTY
        return "\n".join(fmt_entry(e) for e in self.entries)

    def poll(self, now: int) -> None:
        if self._gap_until is not None and ticks_diff(now, self._gap_until) >= 0:
            self._gap_until = None  # forgotten before ticks_diff could wrap round
        if self._dirty and self._gap_until is None:
            self._dirty = False
            self._gap_until = ticks_add(now, _SAVE_GAP_MS)
            ok = self._store.save(KIND_ALARM_LOG, pack(self.entries))
            self.saves += 1
            if self._log is not None:
                self._log.line("FLASH", "alarm log saved" if ok else "alarm log could NOT be saved")

    def next_deadline(self, now: int) -> int | None:
        if self._gap_until is None:
            return 0 if self._dirty else None
        return max(0, ticks_diff(self._gap_until, now))
