"""Two flags that must outlive a reboot, kept in NVM as record kind 5 (docs/storage.md).

Body layout, version 1::

    offset  size  field
    0       1     layout version = 1
    1       1     bit 0: a power failure was reported and its ``Power restored!`` is owed
                  (the "shut down after failure" flag of A-52)
                  bit 1: open the configuration window at the next boot although the reset
                  reason is SOFTWARE (the reboot after a factory reset, A-11, A-55)

Anything else (another length, version or unknown bits) reads as both flags clear: flash
is untrusted. Each change writes one 15-byte record; an unchanged body writes nothing.
"""

from micropython import const

from isocket.storage import KIND_BOOT_FLAGS

LAYOUT_VERSION = const(1)
_RESTORE_OWED = const(0x01)
_WINDOW_AT_BOOT = const(0x02)


class BootFlags:
    """The flags of record kind 5; ``save()`` stores them (False if the store failed)."""

    def __init__(self, store) -> None:
        self._store = store
        self.restore_owed = False
        self.window_at_boot = False
        body = store.load(KIND_BOOT_FLAGS)
        if body is not None and len(body) == 2 and body[0] == LAYOUT_VERSION:
            bits = body[1]
            if not bits & ~(_RESTORE_OWED | _WINDOW_AT_BOOT):
                self.restore_owed = bool(bits & _RESTORE_OWED)
                self.window_at_boot = bool(bits & _WINDOW_AT_BOOT)

    def body(self) -> bytes:
        bits = (_RESTORE_OWED if self.restore_owed else 0) | (_WINDOW_AT_BOOT if self.window_at_boot else 0)
        return bytes((LAYOUT_VERSION, bits))

    def save(self) -> bool:
        if self._store.load(KIND_BOOT_FLAGS) is None and self.body() == bytes((LAYOUT_VERSION, 0)):
            return True  # nothing stored means both clear: no record needed
        try:
            return bool(self._store.save(KIND_BOOT_FLAGS, self.body()))
        except Exception:
            return False
