"""The factory reset (A-55, A-46, R137-R142): the confirmation state machine fed by the
button, and what ``restore_factory_state`` puts back in RAM and in flash.

Times run across the 2**29 ticks wrap (``t0`` near it)."""

import pytest

from host_tests.fake_log import PairLog as Log
from isocket import alarm_log, scheduler
from isocket.boot_flags import BootFlags
from isocket.factory_reset import CONFIRM_MS, LONG_PRESS_MS, FactoryReset
from isocket.factory_restore import EMPTY_SCHEDULER, KIND_SCHEDULER, KIND_SOCKET, restore_factory_state
from isocket.main_socket import MainSocket
from isocket.settings import Settings
from isocket.storage import KIND_SETTINGS, RecordStore

WRAP = 1 << 29
S = 1000


def at(t):
    return t % WRAP


class Machine:
    def __init__(self, t0):
        self.now = t0
        self.restored = []
        self.log = Log()
        self.fr = FactoryReset(lambda now: self.restored.append(now), self.log)

    def hold(self, ms):
        """Press, hold ``ms`` (polling like the loop), release; what ``release`` returned."""
        self.fr.press(at(self.now))
        self.wait(ms)
        return self.fr.release(ms, at(self.now))

    def wait(self, ms, step=50):
        end = self.now + ms
        while self.now < end:
            self.now = min(end, self.now + step)
            self.fr.poll(at(self.now))


@pytest.fixture(params=[0, WRAP - 3 * S, WRAP - 12 * S], ids=["t0", "wrap-in-hold", "wrap-in-window"])
def t0(request):
    return request.param


def test_short_press_is_not_the_resets(t0):
    m = Machine(t0)
    assert m.hold(150) is False
    assert m.hold(LONG_PRESS_MS - 1) is False
    assert not m.fr.confirming and m.fr.next_deadline(at(m.now)) is None


def test_long_press_then_press_confirms(t0):
    m = Machine(t0)
    assert m.hold(LONG_PRESS_MS) is True
    assert m.fr.confirming
    assert m.fr.next_deadline(at(m.now)) == CONFIRM_MS
    m.wait(CONFIRM_MS - 200)
    assert m.fr.confirming and m.restored == []
    assert m.hold(100) is True
    assert m.restored == [at(m.now)] and not m.fr.confirming
    assert m.log.has("factory reset?") and m.log.has("confirmed")


def test_no_press_cancels(t0):
    m = Machine(t0)
    m.hold(6 * S)
    m.wait(CONFIRM_MS - 50)
    assert m.fr.confirming
    m.wait(50)
    assert not m.fr.confirming and m.log.has("cancelled")
    assert m.hold(150) is False  # a normal press again
    assert m.restored == []


def test_a_press_after_the_window_is_normal_even_before_a_poll(t0):
    m = Machine(t0)
    m.hold(6 * S)
    m.now += CONFIRM_MS  # no poll in between: press() checks the window itself
    assert m.hold(150) is False
    assert m.restored == []


def test_the_window_does_not_run_out_while_the_button_is_down(t0):
    m = Machine(t0)
    m.hold(6 * S)
    m.wait(9 * S)
    assert m.fr.confirming
    assert m.hold(2 * S) is True  # began at 9 s, released at 11 s
    assert len(m.restored) == 1
    assert m.fr.next_deadline(at(m.now)) is None


def test_next_deadline_is_none_while_held(t0):
    m = Machine(t0)
    m.hold(6 * S)
    m.fr.press(at(m.now))
    assert m.fr.next_deadline(at(m.now)) is None
    m.wait(20 * S)
    assert m.fr.confirming  # still held
    assert m.fr.release(20 * S, at(m.now)) is True


def test_a_long_press_during_the_confirmation_starts_it_again(t0):
    m = Machine(t0)
    m.hold(6 * S)
    m.wait(2 * S)
    assert m.hold(12 * S) is True
    assert m.restored == [] and m.fr.confirming
    assert m.fr.next_deadline(at(m.now)) == CONFIRM_MS
    m.wait(CONFIRM_MS)
    assert not m.fr.confirming and m.restored == []


# --- what the reset restores


class Alarm:
    def __init__(self, log):
        self.disarmed = []
        self.alarm_log = log

    def disarm(self, now):
        self.disarmed.append(now)


def configured_store():
    nvm = bytearray(b"\xff" * 4096)
    store = RecordStore(nvm)
    s = Settings()
    s.restart_time = 30
    s.secnumbers = ["358401234567"]
    s.seclist = True
    s.alertnumbers = ["358401234568"]
    s.password = "abc12"
    s.renew_pw = "renew1234"
    s.saldoums = "*100#"
    s.alarm_armed = True
    s.thermostat_on = True
    s.powerstate = "ON"
    s.trisealert = 30
    store.save(KIND_SETTINGS, s.pack())
    store.save(KIND_SOCKET, b"\x01")
    store.save(alarm_log.KIND_ALARM_LOG, alarm_log.pack([1, 2, 3]))
    store.save(KIND_SCHEDULER, scheduler.pack([(23 * 60, 0, 1)]))
    flags = BootFlags(store)
    flags.restore_owed = True
    flags.save()
    return nvm, s


def test_restore_factory_state_in_ram_and_flash():
    nvm, s = configured_store()
    store = RecordStore(nvm)
    settings = Settings.unpack(store.load(KIND_SETTINGS))
    relay = type("Relay", (), {"value": None})()
    socket = MainSocket(relay, 0, True)
    socket.switch_for(True, 30, 0)
    log_ram = alarm_log.AlarmLog(store)
    alarm = Alarm(log_ram)
    flags = BootFlags(store)
    persisted = []

    def persist(st):
        persisted.append(st.copy())
        return store.save(KIND_SETTINGS, st.pack())

    log = Log()
    assert restore_factory_state(store, settings, persist, socket, alarm, flags, log, 5) is True
    assert settings == Settings() and persisted == [Settings()]
    assert not socket.on and not socket.settled and relay.value is False
    assert alarm.disarmed == [5]
    again = RecordStore(nvm)
    assert Settings.unpack(again.load(KIND_SETTINGS)) == Settings()
    assert again.load(KIND_SOCKET) == b"\x00"
    assert alarm_log.unpack(again.load(alarm_log.KIND_ALARM_LOG)) == []
    assert scheduler.unpack(again.load(KIND_SCHEDULER)) == []
    f = BootFlags(again)
    assert f.window_at_boot and not f.restore_owed
    assert log_ram.entries == []
    assert log.has("socket OFF") and log.has("factory settings restored")


def test_kinds_never_stored_are_not_written():
    nvm = bytearray(b"\xff" * 4096)
    store = RecordStore(nvm)
    settings = Settings()
    socket = MainSocket(type("Relay", (), {"value": None})(), 0, False)
    flags = BootFlags(store)
    ok = restore_factory_state(
        store, settings, lambda st: store.save(KIND_SETTINGS, st.pack()), socket, None, flags, None, 0
    )
    assert ok
    assert store.load(alarm_log.KIND_ALARM_LOG) is None and store.load(KIND_SCHEDULER) is None
    assert store.load(KIND_SOCKET) == b"\x00" and BootFlags(RecordStore(nvm)).window_at_boot


def test_a_failed_store_is_reported():
    nvm, _s = configured_store()
    store = RecordStore(nvm)
    socket = MainSocket(type("Relay", (), {"value": None})(), 0, True)
    log = Log()
    ok = restore_factory_state(store, Settings(), lambda st: False, socket, None, BootFlags(store), log, 0)
    assert ok is False and log.has("some NOT stored")


def test_empty_scheduler_body_is_the_schedulers_own():
    assert EMPTY_SCHEDULER == scheduler.pack([])
