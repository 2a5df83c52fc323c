"""The alarm: logical input, sessions, ALERT=SMS/CALL/SMSCHANGE/OFF, hold-off, disarming,
the button, the log and its flash cost, the commands; and the hw sensor over a fake keypad.

Times run across the 2**29 ticks wrap (``t0`` near it)."""

import sys
import types

import pytest

from isocket import alarm_log
from isocket.alarm import Alarm
from isocket.alarm_log import AlarmLog
from isocket.commands import INCORRECT_VALUE, Refusal, match
from isocket.micro_relay import MicroRelay
from isocket.settings import Settings
from isocket.storage import KIND_ALARM_LOG, RecordStore

WRAP = 1 << 29
S = 1000
MIN = 60 * S
UNKNOWN = "ALARM! Sensor activated --/--/--,--:--:--"


def at(t):
    return t % WRAP


class Sensor:
    """Contact edges queued by the test, read as the hw sensor reports them."""

    def __init__(self, closed=False, ready=True):
        self.closed = closed
        self.ready = ready
        self._q = []

    def set(self, closed, stamp=0):
        self._q.append((closed, stamp))

    def next_event(self, now):
        while self._q:
            closed, stamp = self._q.pop(0)
            self.ready = True
            if closed != self.closed:
                self.closed = closed
                return closed, stamp
        return None

    def next_deadline(self, now):
        return None


class Calls:
    """Follows the calls API: dial / outcome / hangup / state / mic_live."""

    def __init__(self):
        self.state = "idle"
        self.outcome = None
        self.dialled = []
        self.hangups = 0
        self.accept = True
        self.ended_by_remote = False

    @property
    def mic_live(self):
        return self.state == "talking"

    def dial(self, number, ring_ms):
        if not self.accept or self.state != "idle":
            return False
        self.dialled.append((number, ring_ms))
        self.state = "dialling"
        self.outcome = None
        return True

    def finish(self, outcome):
        self.outcome = outcome
        self.state = "talking" if outcome == "answered" else "idle"

    def hangup(self):
        self.hangups += 1
        if self.state == "dialling" and self.outcome is None:
            self.outcome = "no-answer"
        self.state = "idle"


class Alerts:
    def __init__(self):
        self.sent = []

    def send(self, kind, text, now):
        self.sent.append((kind, text, now))
        return 1


class Status:
    def __init__(self):
        self.wall = None

    def wall_time(self, now):
        return self.wall


class Output:
    value = None


class Socket:
    def switch(self, on, now):
        pass


class Rig:
    def __init__(self, t0, mode="SMS", numbers=("358401111111", "358402222222"), relay_s=30, calls=True):
        self.now = t0
        self.settings = Settings()
        self.settings.alert = mode
        self.settings.alertnumbers = list(numbers)
        self.settings.microrelay_time = relay_s
        self.sensor = Sensor()
        self.out = Output()
        self.micro = MicroRelay(self.out, self.settings, Socket(), t0)
        self.alerts = Alerts()
        self.calls = Calls() if calls else None
        self.status = Status()
        self.stored = []
        self.nvm = bytearray(b"\xff" * 4096)
        self.store = RecordStore(self.nvm)
        self.alarm = self._new()

    def _new(self):
        return Alarm(
            self.sensor,
            self.settings,
            self.micro,
            self.alerts,
            self.calls,
            self.status,
            self._persist,
            self.store,
            None,
            self.now,
        )

    def _persist(self, settings):
        self.stored.append(settings.alarm_armed)
        return True

    def advance(self, ms, step=250):
        """Let ``ms`` pass, polling like the loop does."""
        end = self.now + ms
        while self.now < end:
            self.now = min(end, self.now + step)
            self.poll()

    def poll(self):
        t = at(self.now)
        self.micro.poll(t)
        self.alarm.poll(t)

    def contact(self, closed):
        self.sensor.set(closed, at(self.now))
        self.poll()

    def arm(self):
        return self.cmd("ALARMON")

    def cmd(self, text):
        cmd = match(text)
        assert cmd is not None, text
        value = None if cmd.match == "word" else text[len(cmd.key) :]
        owner = self.micro if hasattr(self.micro, cmd.handler) else self.alarm
        reply = getattr(owner, cmd.handler)(cmd, value, at(self.now))
        self.poll()
        return reply

    def texts(self, kind="alarm"):
        return [t for k, t, _n in self.alerts.sent if k == kind]


@pytest.fixture(params=[0, WRAP - 30 * S], ids=["t0", "near-wrap"])
def t0(request):
    return request.param


# --- the logical input
def test_no_sensor_active_when_closed(t0):
    r = Rig(t0)
    r.contact(True)
    assert r.alarm.active
    r.contact(False)
    assert not r.alarm.active


def test_nc_sensor_active_when_open(t0):
    r = Rig(t0)
    r.settings.sensortype = "NC"
    r.sensor.closed = True
    r.poll()
    assert not r.alarm.active
    r.contact(False)  # cut wire / open door
    assert r.alarm.active


def test_unknown_state_before_the_sensor_is_ready(t0):
    r = Rig(t0)
    r.settings.sensortype = "NC"
    r.sensor.ready = False
    r.poll()
    assert not r.alarm.active  # not "open" before the first scan says so


def test_sensortype_change_flips_the_logical_state(t0):
    r = Rig(t0)
    r.poll()
    assert not r.alarm.active
    assert r.cmd("SENSORTYPE=nc") == "SENSORTYPE=NC - OK"
    assert r.alarm.active


def test_no_sensor_fitted():
    r = Rig(0)
    r.alarm = Alarm(None, r.settings, r.micro, r.alerts, r.calls, r.status, r._persist, r.store, None, 0)
    r.arm()
    r.advance(5 * S)
    assert not r.alarm.active and r.alerts.sent == []
    assert "Sensor(s): Open" in r.cmd("ALARM?")


# --- ALERT=SMS sessions, hold-off
def test_disarmed_does_nothing(t0):
    r = Rig(t0)
    r.contact(True)
    r.advance(2 * MIN)
    assert r.alerts.sent == [] and r.out.value is False and r.alarm.alarm_log.entries == []


def test_sms_session(t0):
    r = Rig(t0)
    assert r.arm() == "ALARMON - OK\nALARM function: Enabled"
    r.contact(True)
    assert r.texts() == [UNKNOWN]
    assert r.out.value is True and len(r.alarm.alarm_log.entries) == 1
    assert r.alarm.phase == "hold-off" and r.alarm.alerting
    r.contact(False)
    r.advance(30 * S)
    assert r.out.value is False  # MICRORELAYTIME over


def test_wall_time_in_the_text_and_the_log(t0):
    r = Rig(t0)
    r.status.wall = (2026, 11, 23, 8, 5, 9, 8)
    r.arm()
    r.contact(True)
    assert r.texts() == ["ALARM! Sensor activated 26/11/23,08:05:09"]
    assert r.alarm.alarm_log.text() == "26/11/23:08:05:09"


def test_invalid_wall_time_is_unknown(t0):
    r = Rig(t0)
    r.status.wall = (1980, 1, 6, 0, 0, 0, 0)
    r.arm()
    r.contact(True)
    assert r.texts() == [UNKNOWN]
    assert r.alarm.alarm_log.text() == "--/--/--:--:--:--"


def test_hold_off_then_retrigger_while_still_active(t0):
    r = Rig(t0)
    r.arm()
    r.contact(True)
    r.advance(60 * S - 250)
    assert len(r.texts()) == 1
    r.advance(250)
    assert len(r.texts()) == 2  # detection reopened exactly 60 s after completion


def test_chatter_gives_one_session_per_hold_off(t0):
    r = Rig(t0)
    r.arm()
    for _ in range(50):  # 50 pulses over 50 s
        r.contact(True)
        r.advance(500)
        r.contact(False)
        r.advance(500)
    assert len(r.texts()) == 1
    r.advance(15 * S)  # reopened, idle: nothing until the next edge
    assert len(r.texts()) == 1
    r.contact(True)
    assert len(r.texts()) == 2


def test_a_pulse_between_two_polls_is_seen(t0):
    r = Rig(t0)
    r.arm()
    r.sensor.set(True, at(r.now))
    r.sensor.set(False, at(r.now + 150))
    r.advance(250)
    assert len(r.texts()) == 1 and not r.alarm.active


def test_arming_while_active_starts_at_once(t0):
    r = Rig(t0)
    r.contact(True)
    r.advance(10 * S)
    assert r.alerts.sent == []
    r.arm()
    assert r.texts() == [UNKNOWN]


def test_alert_off_logs_and_closes_the_relay_only(t0):
    r = Rig(t0, mode="OFF")
    r.arm()
    r.contact(True)
    assert r.alerts.sent == [] and r.out.value is True and len(r.alarm.alarm_log.entries) == 1
    assert r.calls.dialled == []


def test_microrelaytime_zero_leaves_the_relay_alone(t0):
    r = Rig(t0, relay_s=0)
    r.cmd("ONM")
    r.arm()
    r.contact(True)
    r.advance(2 * MIN)
    assert r.out.value is True  # still the manual ON


def test_alarmoff_releases_the_relay_and_reopens(t0):
    r = Rig(t0)
    r.arm()
    r.contact(True)
    assert r.cmd("ALARMOFF") == "ALARMOFF - OK\nALARM function: Disabled"
    assert r.out.value is False and r.alarm.phase == "open" and not r.alarm.alerting
    r.arm()  # still active: at once, no hold-off carried over
    assert len(r.texts()) == 2


def test_disarm_by_setting_only_is_noticed(t0):
    # the scheduler (AOF) may change the setting itself
    r = Rig(t0)
    r.arm()
    r.contact(True)
    r.settings.alarm_armed = False
    r.poll()
    assert r.out.value is False and r.alarm.phase == "open"


# --- ALERT=CALL
def test_call_answered(t0):
    r = Rig(t0, mode="CALL")
    r.arm()
    r.contact(True)
    assert r.calls.dialled == [("+358401111111", 20 * S)]
    assert r.alarm.busy and r.alarm.alerting
    r.advance(5 * S)
    r.calls.finish("answered")
    r.poll()
    assert r.calls.mic_live and r.out.value is False and not r.alarm.busy
    assert r.alerts.sent == [] and r.alarm.phase == "hold-off"
    r.advance(10 * MIN)
    assert len(r.calls.dialled) == 1 + 0  # still in the call: no new dial
    assert r.calls.hangups == 0


def test_call_rejected_completes_without_sms(t0):
    r = Rig(t0, mode="CALL")
    r.arm()
    r.contact(True)
    r.advance(3 * S)
    r.calls.finish("rejected")
    r.contact(False)
    r.advance(2 * MIN)
    assert r.alerts.sent == [] and len(r.calls.dialled) == 1
    assert r.out.value is False  # MICRORELAYTIME over


def test_nobody_answers_then_sms_to_everyone(t0):
    r = Rig(t0, mode="CALL")
    r.arm()
    r.contact(True)
    r.contact(False)
    r.advance(20 * S)
    r.calls.finish("no-answer")
    r.advance(2000)  # the outcome is seen at the first poll, then 2 s between calls
    assert [n for n, _ in r.calls.dialled] == ["+358401111111"]
    r.advance(250)
    assert [n for n, _ in r.calls.dialled] == ["+358401111111", "+358402222222"]
    r.advance(20 * S)
    r.calls.finish("failed")
    r.advance(250)
    assert r.texts() == [UNKNOWN] and r.alarm.phase == "hold-off"


def test_a_call_that_cannot_be_placed_counts_as_not_reached(t0):
    r = Rig(t0, mode="CALL")
    r.calls.accept = False  # modem busy / not ready
    r.arm()
    r.contact(True)
    r.contact(False)
    r.advance(20 * S)
    assert r.alerts.sent == [] and r.calls.dialled == []
    r.calls.accept = True
    r.advance(3 * S)  # the first number's 20 s are over: the second is called
    assert [n for n, _ in r.calls.dialled] == ["+358402222222"]
    r.calls.finish("no-answer")
    r.advance(250)
    assert r.texts() == [UNKNOWN]


def test_first_dial_within_20_s_when_the_modem_frees_up(t0):
    r = Rig(t0, mode="CALL")
    r.calls.accept = False
    r.arm()
    r.contact(True)
    r.advance(10 * S)
    r.calls.accept = True
    r.advance(1 * S)
    assert [n for n, _ in r.calls.dialled] == ["+358401111111"]


def test_no_outcome_ever_is_hung_up(t0):
    r = Rig(t0, mode="CALL", numbers=("358401111111",))
    r.arm()
    r.contact(True)
    r.advance(61 * S)
    assert r.calls.hangups == 1 and r.texts() == [UNKNOWN]


def test_call_without_alert_numbers_or_calls_module(t0):
    r = Rig(t0, mode="CALL", numbers=())
    r.arm()
    r.contact(True)
    assert r.calls.dialled == [] and r.texts() == [UNKNOWN]  # AlertSender logs: no numbers
    r2 = Rig(t0, mode="CALL", calls=False)
    r2.arm()
    r2.contact(True)
    assert r2.texts() == [UNKNOWN]


def test_call_cycles_share_the_hourly_alert_budget(t0):
    r = Rig(t0, mode="CALL", numbers=("358401111111",))
    r.arm()
    r.contact(True)  # a door left open: a session after every cycle + 60 s

    def minutes(n):
        for _ in range(4 * n):  # the phone never answers
            r.advance(15 * S)
            if r.calls.state == "dialling":
                r.calls.finish("no-answer")

    minutes(59)
    assert len(r.calls.dialled) == 6
    assert len(r.texts()) == 6  # each cycle's SMS fallback (AlertSender's own budget)
    assert len(r.alarm.alarm_log.entries) == 10  # every session is still logged
    minutes(10)
    assert len(r.calls.dialled) > 6  # the first cycle left the hour: calls again


def test_alarmoff_during_calls_cancels_them(t0):
    r = Rig(t0, mode="CALL")
    r.arm()
    r.contact(True)
    r.advance(5 * S)
    r.cmd("ALARMOFF")
    assert r.calls.hangups == 1 and r.out.value is False and not r.alarm.busy
    r.advance(5 * MIN)
    assert len(r.calls.dialled) == 1 and r.alerts.sent == []


def test_session_mode_is_kept_when_alert_changes_mid_cycle(t0):
    r = Rig(t0, mode="CALL", numbers=("358401111111",))
    r.arm()
    r.contact(True)
    r.settings.alert = "OFF"
    r.advance(S)
    r.calls.finish("no-answer")
    r.advance(S)
    assert r.texts() == [UNKNOWN]  # the CALL cycle ends as CALL cycles do


# --- the button
def test_button_when_disarmed_is_not_for_the_alarm(t0):
    r = Rig(t0)
    assert r.alarm.button_press(at(r.now)) is False
    assert r.stored == []


def test_button_disarms_and_stores(t0):
    r = Rig(t0)
    r.arm()
    r.contact(True)
    assert r.out.value is True
    assert r.alarm.button_press(at(r.now)) is True
    assert r.settings.alarm_armed is False and r.stored == [False]
    assert r.out.value is False and not r.alarm.alerting
    r.advance(5 * MIN)
    assert len(r.texts()) == 1  # no more sessions
    assert r.alarm.button_press(at(r.now)) is False  # the next press toggles the socket


def test_button_lets_a_running_call_cycle_finish(t0):
    r = Rig(t0, mode="CALL")
    r.arm()
    r.contact(True)
    r.advance(3 * S)
    assert r.alarm.button_press(at(r.now))
    assert r.calls.hangups == 0 and r.alarm.busy and r.alarm.alerting
    r.calls.finish("no-answer")
    r.advance(3 * S)
    r.calls.finish("no-answer")
    r.advance(S)
    assert r.texts() == [UNKNOWN] and r.alarm.phase == "open" and not r.alarm.alerting


# --- ALERT=SMSCHANGE
def change_texts(r):
    return r.texts("sensor-state")


def test_smschange_reports_both_directions_merged_in_60_s(t0):
    r = Rig(t0, mode="SMSCHANGE")
    r.arm()
    r.poll()
    assert change_texts(r) == []
    r.contact(True)
    assert change_texts(r) == ["Sensor state: Activity detected --/--/--,--:--:--"]
    assert r.out.value is True and len(r.alarm.alarm_log.entries) == 1
    r.advance(10 * S)
    r.contact(False)
    r.advance(49 * S)
    assert len(change_texts(r)) == 1
    r.advance(S)
    assert change_texts(r)[1:] == ["Sensor state: No activity --/--/--,--:--:--"]
    assert r.texts() == []  # never the ALARM! text


def test_smschange_net_no_change_is_not_reported(t0):
    r = Rig(t0, mode="SMSCHANGE")
    r.arm()
    r.contact(True)
    r.advance(5 * S)
    r.contact(False)
    r.advance(5 * S)
    r.contact(True)
    r.advance(2 * MIN)
    assert len(change_texts(r)) == 1  # active at the end of the 60 s, as reported
    assert len(r.alarm.alarm_log.entries) == 2  # one entry per idle->active change


def test_smschange_chatter_one_sms_per_minute(t0):
    r = Rig(t0, mode="SMSCHANGE")
    r.arm()
    for _ in range(300):  # 5 minutes of 1 s pulses
        r.contact(True)
        r.advance(500)
        r.contact(False)
        r.advance(500)
    assert 1 <= len(change_texts(r)) <= 6
    assert len(r.alarm.alarm_log.entries) == 10  # the ring keeps the last 10
    assert r.alarm.alarm_log.saves <= 2  # at once, then once per 5 minutes


def test_smschange_arming_while_active_reports_at_once(t0):
    r = Rig(t0, mode="SMSCHANGE")
    r.contact(True)
    r.arm()
    assert change_texts(r) == ["Sensor state: Activity detected --/--/--,--:--:--"]


def test_smschange_alarmoff_drops_the_pending_report(t0):
    r = Rig(t0, mode="SMSCHANGE")
    r.arm()
    r.contact(True)
    r.contact(False)
    r.cmd("ALARMOFF")
    r.advance(3 * MIN)
    assert len(change_texts(r)) == 1


def test_smschange_button_keeps_a_change_already_seen(t0):
    r = Rig(t0, mode="SMSCHANGE")
    r.arm()
    r.contact(True)
    r.contact(False)
    assert r.alarm.button_press(at(r.now))
    r.contact(True)  # after the disarm: not reported
    r.advance(2 * MIN)
    assert change_texts(r)[1:] == ["Sensor state: No activity --/--/--,--:--:--"]


# --- the log and its flash cost
def test_log_keeps_ten_oldest_first_and_survives_a_restart(t0):
    r = Rig(t0, mode="OFF")
    r.arm()
    for i in range(12):
        r.status.wall = (2026, 1, 1, 0, i, 0, 0)
        r.contact(True)
        r.contact(False)
        r.advance(61 * S)
    text = r.alarm.alarm_log.text()
    assert text.split("\n") == ["26/01/01:00:%02d:00" % i for i in range(2, 12)]
    r.advance(10 * MIN)  # the last entries are stored after the gap
    again = AlarmLog(RecordStore(r.nvm))
    assert again.text() == text


def test_log_flash_writes_are_bounded(t0):
    r = Rig(t0, mode="OFF")
    r.arm()
    r.contact(True)  # stays active: a session every minute
    r.advance(60 * MIN, step=S)
    log = r.alarm.alarm_log
    assert len(log.entries) == 10
    assert log.saves <= 13  # one at once, then at most one per 5 minutes
    assert r.store.compactions == 0


def test_empty_log():
    r = Rig(0)
    assert r.cmd("SHOWALARMLOG") == "ALARM log is empty"


@pytest.mark.parametrize(
    "body",
    [b"", b"\x02", b"\x01\x00", b"\x01" + b"\xff\xff\xff\xfe", b"\x01" + b"\x00\x00\x00\x01" * 11],
)
def test_bad_log_bodies_are_an_empty_log(body):
    nvm = bytearray(b"\xff" * 4096)
    store = RecordStore(nvm)
    store.save(KIND_ALARM_LOG, body)
    assert AlarmLog(RecordStore(nvm)).entries == []


def test_log_body_round_trip():
    entries = [0, alarm_log.UNKNOWN, 3155759999]
    assert alarm_log.unpack(alarm_log.pack(entries)) == entries
    assert len(alarm_log.pack(list(range(10)))) == 41
    assert alarm_log.fmt_entry(0) == "00/01/01:00:00:00"


def test_log_clear():
    r = Rig(0, mode="OFF")
    r.arm()
    r.contact(True)
    r.alarm.alarm_log.clear(at(r.now))
    assert r.cmd("SHOWALARMLOG") == "ALARM log is empty"


# --- commands
def test_alarm_query(t0):
    r = Rig(t0, relay_s=0)
    assert r.cmd("ALARM?") == (
        "ALARM function: Disabled\nSensor(s): Open\nALARM status: No activity\nMicro relay: Disabled"
    )
    r.settings.sensortype = "NC"
    r.settings.microrelay_time = 10
    r.sensor.closed = True
    r.arm()
    assert r.cmd("ALARM?") == (
        "ALARM function: Enabled\nSensor(s): Closed\nALARM status: No activity\nMicro relay: Enabled"
    )
    r.contact(False)
    assert "ALARM status: Activity detected" in r.cmd("ALARM?")


@pytest.mark.parametrize(
    ("text", "reply", "attr", "value"),
    [
        ("SENSORTYPE=NC", "SENSORTYPE=NC - OK", "sensortype", "NC"),
        ("SENSORTYPE=no", "SENSORTYPE=NO - OK", "sensortype", "NO"),
        ("ALERT=CALL", "ALERT=CALL - OK", "alert", "CALL"),
        ("ALERT=smschange", "ALERT=SMSCHANGE - OK", "alert", "SMSCHANGE"),
        ("ALERT=OFF", "ALERT=OFF - OK", "alert", "OFF"),
    ],
)
def test_setting_commands(text, reply, attr, value):
    r = Rig(0)
    assert r.cmd(text) == reply
    assert getattr(r.settings, attr) == value


@pytest.mark.parametrize("text", ["SENSORTYPE=NX", "SENSORTYPE=", "ALERT=SM", "ALERT=CALLS", "ALERT="])
def test_setting_commands_refuse(text):
    r = Rig(0)
    with pytest.raises(Refusal) as e:
        r.cmd(text)
    assert e.value.text == INCORRECT_VALUE


def test_queries():
    r = Rig(0)
    assert r.cmd("SENSORTYPE?") == "SENSORTYPE=(NO),NC"
    assert r.cmd("ALERT?") == "ALERT=(SMS),CALL,SMSCHANGE,OFF"
    r.settings.alert = "OFF"
    assert r.cmd("ALERT?") == "ALERT=SMS,CALL,SMSCHANGE,(OFF)"


def test_next_deadline(t0):
    r = Rig(t0, mode="CALL")
    assert r.alarm.next_deadline(at(r.now)) is None
    r.arm()
    r.contact(True)
    assert r.alarm.next_deadline(at(r.now)) == 250  # watching the call's outcome
    r.calls.finish("rejected")
    r.poll()
    assert r.alarm.next_deadline(at(r.now)) == 60 * S  # hold-off


# --- the hw sensor over a fake keypad
class _Keys:
    def __init__(self, pins, *, value_when_pressed, pull, interval, max_events, debounce_threshold):
        assert value_when_pressed is False and pull is True
        assert round(interval * debounce_threshold * 1000) == 100
        self.events = _Queue()
        self.resets = 0
        self.closed = False

    def reset(self):
        self.resets += 1
        if self.closed:
            self.events.q.append((True, 0))


class _Queue:
    def __init__(self):
        self.q = []
        self.overflowed = False

    def get_into(self, ev):
        if not self.q:
            return False
        ev.pressed, ev.timestamp = self.q.pop(0)
        return True

    def clear(self):
        self.q = []
        self.overflowed = False


class _Event:
    pressed = False
    timestamp = 0


@pytest.fixture
def hw_sensor(monkeypatch):
    fake = types.ModuleType("keypad")
    fake.Keys = _Keys  # type: ignore[attr-defined]
    fake.Event = _Event  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keypad", fake)
    monkeypatch.delitem(sys.modules, "isocket.hw.sensor", raising=False)
    import isocket.hw.sensor as mod

    yield mod
    sys.modules.pop("isocket.hw.sensor", None)


def test_hw_sensor_open_at_boot_is_known_after_the_debounce(hw_sensor, t0):
    s = hw_sensor.Sensor("GP17", t0)
    assert not s.ready and s.next_deadline(t0) == hw_sensor.SYNC_MS
    assert s.next_event(at(t0 + 100)) is None and not s.ready
    assert s.next_event(at(t0 + 150)) is None
    assert s.ready and not s.closed and s.next_deadline(at(t0 + 150)) is None


def test_hw_sensor_closed_at_boot_and_edges(hw_sensor, t0):
    s = hw_sensor.Sensor("GP17", t0)
    s._keys.events.q.append((True, t0))
    assert s.next_event(t0) == (True, t0)
    assert s.ready and s.closed
    s._keys.events.q += [(False, at(t0 + 500)), (True, at(t0 + 900))]
    assert s.next_event(at(t0 + 1000)) == (False, at(t0 + 500))
    assert s.next_event(at(t0 + 1000)) == (True, at(t0 + 900))
    assert s.next_event(at(t0 + 1000)) is None


def test_hw_sensor_overflow_resynchronises(hw_sensor, t0):
    s = hw_sensor.Sensor("GP17", t0)
    s._keys.events.q.append((True, t0))
    s.next_event(t0)
    # events were lost and the contact is open now: reset() reports nothing
    s._keys.events.overflowed = True
    assert s.next_event(at(t0 + 1000)) is None and s._keys.resets == 2
    assert s.closed  # not known yet
    assert s.next_event(at(t0 + 1150)) == (False, at(t0 + 1150))
    # still closed after an overflow: reset() reports it, no edge
    s._keys.closed = True
    s._keys.events.q.append((True, at(t0 + 2000)))
    s.next_event(at(t0 + 2000))
    s._keys.events.overflowed = True
    assert s.next_event(at(t0 + 3000)) is None
    assert s.next_event(at(t0 + 3000)) is None and s.closed and s.next_deadline(at(t0 + 3000)) is None
