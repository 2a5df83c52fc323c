"""Mains sensing, the power-failure notifier, POWERSTATE on return, the battery cut-off and
the "restore owed" flag (A-50, A-52, A-56; ``isocket.power``, ``isocket.boot_flags``).

Times run across the 2**29 ticks wrap (``t0`` near it)."""

import pytest

from host_tests.fake_log import PairLog as Log
from isocket.boot_flags import BootFlags
from isocket.main_socket import MainSocket
from isocket.power import CLOCK_WAIT_MS, CUT_AFTER_MS, DEBOUNCE_MS, PowerMonitor
from isocket.settings import Settings
from isocket.storage import KIND_BOOT_FLAGS, RecordStore
from isocket.wallclock import fmt, from_seconds, to_seconds

WRAP = 1 << 29
S = 1000
MIN = 60 * S
BOOT_WALL = (2026, 11, 23, 8, 0, 0, 8)


def at(t):
    return t % WRAP


class Pin:
    def __init__(self, value=True):
        self.value = value


class BadPin:
    @property
    def value(self):
        raise OSError("pin")


class Alerts:
    def __init__(self, settings):
        self.settings = settings
        self.sent = []

    def send(self, kind, text, now):
        if not self.settings.alertnumbers:
            return 0
        self.sent.append((kind, text))
        return len(self.settings.alertnumbers)


class Clock:
    """Wall time running with the ticks from ``BOOT_WALL`` at the first boot; None while not ``known``."""

    def __init__(self, rig):
        self.rig = rig
        self.known = True

    def wall_time(self, now):
        if not self.known:
            return None
        secs = to_seconds(BOOT_WALL) + (self.rig.now - self.rig.start) // 1000
        return from_seconds(secs, BOOT_WALL[6])


class Sms:
    busy = False


class Rig:
    def __init__(self, t0, model="707", numbers=("358401111111", "358402222222"), latch=False, **kw):
        self.start = t0
        self.now = t0
        self.nvm = bytearray(b"\xff" * 4096)
        self.store = RecordStore(self.nvm)
        self.settings = Settings()
        self.settings.alertnumbers = list(numbers)
        self.relay = Pin(False)
        self.socket = MainSocket(self.relay, at(t0), False)
        self.alerts = Alerts(self.settings)
        self.status = Clock(self)
        self.mains = Pin(True)
        self.latch = Pin(None) if latch else None
        self.sms = Sms()
        self.log = Log()
        self.model = model
        self.boot(power_on=kw.get("power_on", True))

    def boot(self, power_on=True, mains=None):
        """A fresh start of the firmware at ``now``, from what the flash holds."""
        if mains is not None:
            self.mains.value = mains
        self.flags = BootFlags(RecordStore(self.nvm))
        self.store = self.flags._store
        self.alerts.sent = []
        self.pm = PowerMonitor(
            self.mains,
            self.latch,
            self.model,
            self.settings,
            self.socket,
            self.alerts,
            self.status,
            self.flags,
            self.sms,
            self.log,
            at(self.now),
            power_on,
        )

    def set_mains(self, present):
        """The mains input changes now; the loop sees it on its next pass (at once)."""
        self.mains.value = present
        self.pm.poll(at(self.now))

    def advance(self, ms, step=100):
        end = self.now + ms
        while self.now < end:
            self.now = min(end, self.now + step)
            self.pm.poll(at(self.now))

    def texts(self):
        return [t for _k, t in self.alerts.sent]

    def stored_owed(self):
        return BootFlags(RecordStore(self.nvm)).restore_owed


@pytest.fixture(params=[0, WRAP - 2 * S, WRAP - 5 * MIN], ids=["t0", "wrap-in-debounce", "wrap-later"])
def t0(request):
    return request.param


def wall_at(rig, tick):
    """The text's time stamp for ``tick`` (the rig's wall clock)."""
    return fmt(from_seconds(to_seconds(BOOT_WALL) + (tick - rig.start) // 1000, 8))


# --- debounce


def test_loss_counts_after_three_seconds(t0):
    r = Rig(t0)
    r.advance(10 * S)
    lost_at = r.now
    r.set_mains(False)
    r.advance(DEBOUNCE_MS - 100)
    assert r.texts() == [] and r.pm.present and not r.pm.on_battery
    r.advance(100)
    assert not r.pm.present and r.pm.on_battery
    assert r.texts() == ["Power failure! " + wall_at(r, lost_at)]
    assert r.alerts.sent[0][0] == "power"
    assert r.flags.restore_owed and r.stored_owed()


def test_dips_shorter_than_three_seconds_do_nothing(t0):
    r = Rig(t0)
    for ms in (100, 2000, 2900, 2999):
        r.set_mains(False)
        r.advance(ms)
        r.set_mains(True)
        r.advance(50)
    r.advance(10 * S)
    assert r.texts() == [] and r.pm.present
    assert r.nvm == bytearray(b"\xff" * 4096)  # nothing stored


def test_a_short_return_does_not_end_the_outage(t0):
    r = Rig(t0)
    r.set_mains(False)
    r.advance(5 * S)
    r.set_mains(True)
    r.advance(2 * S)
    r.set_mains(False)
    r.advance(MIN)
    assert r.texts() == ["Power failure! " + wall_at(r, t0)]
    assert r.pm.on_battery


def test_next_deadline(t0):
    r = Rig(t0)
    r.status.known = True
    r.advance(100)
    assert r.pm.next_deadline(at(r.now)) is None  # nothing owed, nothing pending
    r.set_mains(False)
    assert r.pm.next_deadline(at(r.now)) == DEBOUNCE_MS
    r.advance(1000)
    assert r.pm.next_deadline(at(r.now)) == DEBOUNCE_MS - 1000


def test_an_unreadable_input_changes_nothing(t0):
    r = Rig(t0)
    r.pm._mains = BadPin()
    r.advance(10 * S)
    assert r.pm.present and r.texts() == []


# --- the return (A-50, A-52 step 4)


@pytest.mark.parametrize(
    ("policy", "before", "after"),
    [("ON", False, True), ("OFF", True, False), ("REMEMBER", True, True), ("REMEMBER", False, False)],
)
def test_return_sends_restored_and_applies_powerstate(t0, policy, before, after):
    r = Rig(t0)
    r.settings.powerstate = policy
    r.socket.switch(before, at(r.now))
    r.set_mains(False)
    r.advance(MIN)
    r.socket.drive(not before, at(r.now))  # the thermostat switched it meanwhile
    back_at = r.now
    r.set_mains(True)
    r.advance(DEBOUNCE_MS)
    assert r.texts() == ["Power failure! " + wall_at(r, t0), "Power restored! " + wall_at(r, back_at)]
    assert r.socket.on is after and r.relay.value is after
    assert not r.flags.restore_owed and not r.stored_owed()
    assert r.pm.present and not r.pm.on_battery


def test_remember_settles_a_running_timer(t0):
    r = Rig(t0)
    r.socket.switch_for(True, 30, at(r.now))  # ON30: on now, off in 30 min (settled OFF)
    r.set_mains(False)
    r.advance(2 * MIN)
    assert r.socket.on
    r.set_mains(True)
    r.advance(DEBOUNCE_MS)
    assert not r.socket.on
    r.advance(40 * MIN, step=MIN)
    assert not r.socket.on  # the timer is gone


def test_without_alert_numbers_nothing_is_sent_or_stored(t0):
    r = Rig(t0, numbers=())
    r.settings.powerstate = "ON"
    r.set_mains(False)
    r.advance(MIN)
    assert r.pm.on_battery
    r.set_mains(True)
    r.advance(MIN)
    assert r.texts() == [] and r.nvm == bytearray(b"\xff" * 4096)
    assert r.socket.on  # POWERSTATE is applied again all the same


def test_unknown_time():
    r = Rig(0)
    r.status.known = False
    r.set_mains(False)
    r.advance(DEBOUNCE_MS)
    assert r.texts() == ["Power failure! --/--/--,--:--:--"]


# --- boots


def test_707_boot_with_the_flag_sends_restored_and_clears_it(t0):
    r = Rig(t0)
    r.set_mains(False)
    r.advance(MIN)
    r.advance(5 * MIN)
    r.now += 3600 * S  # the battery ran out; an hour later mains returns
    r.set_mains(True)
    r.boot(power_on=True)
    boot_at = r.now
    r.status.known = False  # the clock is not known yet after a cold boot
    r.advance(20 * S)
    assert r.texts() == []
    r.status.known = True
    r.advance(100)
    assert r.texts() == ["Power restored! " + wall_at(r, boot_at)]
    assert not r.stored_owed()
    r.boot(power_on=True)
    r.advance(2 * MIN)
    assert r.texts() == []  # not owed any more


def test_707_boot_gives_up_waiting_for_the_clock(t0):
    r = Rig(t0)
    r.flags.restore_owed = True
    r.flags.save()
    r.boot(power_on=True)
    r.status.known = False
    r.advance(CLOCK_WAIT_MS - 100)
    assert r.texts() == []
    assert r.pm.next_deadline(at(r.now)) == 100
    r.advance(100)
    assert r.texts() == ["Power restored! --/--/--,--:--:--"]


def test_707_cold_boot_without_the_flag_says_nothing(t0):
    r = Rig(t0)
    r.advance(2 * MIN)
    assert r.texts() == []


def test_707_reset_on_the_battery_does_not_report_twice(t0):
    r = Rig(t0)
    r.set_mains(False)
    r.advance(MIN)
    assert len(r.texts()) == 1
    r.boot(power_on=False)  # a watchdog reset, still on the battery
    r.advance(MIN)
    assert r.texts() == [] and r.pm.on_battery
    back_at = r.now
    r.set_mains(True)
    r.advance(DEBOUNCE_MS)
    assert r.texts() == ["Power restored! " + wall_at(r, back_at)]
    assert not r.stored_owed()


def test_707_reset_on_the_battery_reports_an_unreported_loss(t0):
    r = Rig(t0)
    r.set_mains(False)
    r.advance(1000)  # reset inside the debounce: the loss was not reported
    r.boot(power_on=False)  # mains assumed present at boot: the loss is debounced again
    r.advance(DEBOUNCE_MS)
    assert r.texts() == []
    r.advance(100)
    assert [t[:15] for t in r.texts()] == ["Power failure! "]


@pytest.mark.parametrize("model", ["706", "706L"])
def test_706_says_restored_at_every_power_on_boot(t0, model):
    r = Rig(t0, model=model)
    r.advance(100)
    assert r.texts() == ["Power restored! " + wall_at(r, t0)]
    r.boot(power_on=False)  # watchdog: no
    r.advance(2 * MIN)
    assert r.texts() == []
    r.now += 10 * MIN
    r.boot(power_on=True)
    boot_at = r.now
    r.status.known = False
    r.advance(5 * S)
    r.status.known = True
    r.advance(100)
    assert r.texts() == ["Power restored! " + wall_at(r, boot_at)]
    assert r.nvm == bytearray(b"\xff" * 4096)  # a 706 stores no flag


def test_706_ignores_the_mains_input(t0):
    r = Rig(t0, model="706")
    r.advance(100)
    r.alerts.sent = []
    r.set_mains(False)
    r.advance(MIN)
    assert r.texts() == [] and r.pm.present and not r.pm.on_battery


def test_707l_is_a_707():
    r = Rig(0, model="707L")
    r.set_mains(False)
    r.advance(DEBOUNCE_MS)
    assert r.pm.on_battery and len(r.texts()) == 1


def test_no_mains_input_on_the_board(t0):
    r = Rig(t0)
    r.pm._mains = None
    r.advance(MIN)
    assert r.pm.present and r.texts() == []


# --- the battery cut-off (latch boards only)


def test_latch_is_held_then_cut_once_the_messages_are_sent(t0):
    r = Rig(t0, latch=True)
    assert r.latch.value is True
    r.sms.busy = True
    r.set_mains(False)
    r.advance(DEBOUNCE_MS)
    r.advance(30 * S)
    assert r.latch.value is True  # still sending
    r.sms.busy = False
    r.advance(1000)
    assert r.latch.value is False
    assert any("cutting the battery off (nothing left to send)" in t for _g, t in r.log.lines)


def test_latch_cut_six_minutes_after_the_loss_at_the_latest(t0):
    r = Rig(t0, latch=True)
    r.sms.busy = True  # the modem never gets the messages out
    r.set_mains(False)
    r.advance(CUT_AFTER_MS - 100)
    assert r.latch.value is True
    r.advance(100)
    assert r.latch.value is False


def test_return_cancels_the_cut_and_holds_the_latch(t0):
    r = Rig(t0, latch=True)
    r.sms.busy = True
    r.set_mains(False)
    r.advance(MIN)
    r.set_mains(True)
    r.advance(DEBOUNCE_MS)
    r.advance(10 * MIN, step=S)
    assert r.latch.value is True
    # the latch did not cut (mains came back meanwhile): held again on the return
    r.sms.busy = False
    r.set_mains(False)
    r.advance(DEBOUNCE_MS)
    assert r.latch.value is False
    r.set_mains(True)
    r.advance(DEBOUNCE_MS)
    assert r.latch.value is True


def test_without_a_latch_a_707_keeps_running(t0):
    r = Rig(t0)
    r.set_mains(False)
    r.advance(10 * MIN, step=S)
    assert r.pm.next_deadline(at(r.now)) is None and r.pm.on_battery


# --- the flags record


def test_boot_flags_round_trip_and_garbage():
    nvm = bytearray(b"\xff" * 4096)
    store = RecordStore(nvm)
    f = BootFlags(store)
    assert not f.restore_owed and not f.window_at_boot
    assert f.save() and nvm == bytearray(b"\xff" * 4096)  # both clear, nothing stored: no record
    f.restore_owed = True
    f.window_at_boot = True
    assert f.save()
    g = BootFlags(RecordStore(nvm))
    assert g.restore_owed and g.window_at_boot
    g.restore_owed = False
    g.save()
    h = BootFlags(RecordStore(nvm))
    assert not h.restore_owed and h.window_at_boot
    for body in (b"", b"\x01", b"\x02\x01", b"\x01\x04", b"\x01\x01\x00"):
        s = RecordStore(bytearray(b"\xff" * 4096))
        s.save(KIND_BOOT_FLAGS, body)
        b = BootFlags(s)
        assert not b.restore_owed and not b.window_at_boot, body


def test_a_flapping_supply_is_bounded_by_the_alert_budget(t0):
    """Mains going and coming every 4 s for an hour: at most 6 power events (texts) an hour,
    and the flag is written only for failures really reported."""
    from isocket.alerts import AlertSender

    class Outbox:
        busy = False

        def __init__(self):
            self.sent = []

        def send(self, number, text, prio):
            self.sent.append(text)
            return True

    r = Rig(t0, numbers=("358401111111",))
    outbox = Outbox()
    r.pm._alerts = AlertSender(r.settings, outbox, r.log)
    store = r.flags._store
    before = store.records_written
    for _ in range(3600 // 8):
        r.set_mains(False)
        r.advance(4 * S, step=S)
        r.set_mains(True)
        r.advance(4 * S, step=S)
    assert len(outbox.sent) == 6
    assert [t[:15] for t in outbox.sent] == ["Power failure! ", "Power restored!"] * 3
    assert store.records_written - before == 6
    assert not r.flags.restore_owed
