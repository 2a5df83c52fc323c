"""What a confirmed factory reset puts back (A-55, R140): apart from ``isocket.factory_reset``
so its code is loaded only when a reset is confirmed."""

from isocket.alarm_log import pack as pack_alarm_log
from isocket.settings import Settings
from isocket.storage import KIND_ALARM_LOG, KIND_SCHEDULER, KIND_SOCKET

EMPTY_SCHEDULER = bytes((1,))  # isocket.scheduler.pack([]): version 1, no rules


def restore_factory_state(store, settings, persist, socket, alarm, flags, log, now) -> bool:
    """Everything A-55 resets, in RAM and in flash; True when every write succeeded.

    ``persist(settings)`` stores the settings (kind 1); ``alarm`` may be None (Light);
    ``flags``: ``BootFlags``, left with only the "window at next boot" flag set. Records of
    kinds that were never stored (alarm log, scheduler) are not written.
    """
    ok = True
    socket.switch(False, now)  # OFF, timers and a running restart cancelled
    if alarm is not None:
        alarm.disarm(now)  # pending calls cancelled, micro relay released
    settings.update_from(Settings())  # R140: every value, both lists, passwords, SALDOUMS
    if not persist(settings):
        ok = False
    steps = (
        ("socket OFF", KIND_SOCKET, b"\x00", True),
        ("alarm log emptied", KIND_ALARM_LOG, pack_alarm_log([]), False),
        ("scheduler emptied", KIND_SCHEDULER, EMPTY_SCHEDULER, False),
    )
    for what, kind, body, always in steps:
        if always or store.load(kind) is not None:
            saved = store.save(kind, body)
            ok = ok and saved
            _line(log, what if saved else what + ": could NOT be stored")
    if alarm is not None:
        alarm.alarm_log.entries = []
    flags.restore_owed = False
    flags.window_at_boot = True
    if not flags.save():
        ok = False
        _line(log, "the window flag could NOT be stored")
    _line(log, "factory settings restored" if ok else "factory settings restored, some NOT stored")
    return ok


def _line(log, text: str) -> None:
    if log is not None:
        log.line("FACTORY", text)
