"""The scheduler (A-49, DECISIONS §1): parsing, storage, the firing rules with a fake wall
clock, the actions; and a 30-day run of the real device in the simulated world.

Unit tests drive ``Scheduler`` like the loop does: ``poll``, then jump ticks to its
``next_deadline`` (at most 5 s, as ``isocket.hw.clock`` caps it), with ticks starting near
the 2**29 wrap and a wall clock that is a separate counter (it may run at another rate or
jump)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isocket.alerts import AlertSender
from isocket.command_processor import CommandProcessor
from isocket.commands import INCORRECT_VALUE, Refusal
from isocket.main_socket import MainSocket
from isocket.modem.sms import PRIO_REPORT
from isocket.rate_limit import ReplyLimiter
from isocket.scheduler import (
    ACTIONS,
    KIND_SCHEDULER,
    MAX_RULES,
    RECHECK_MS,
    Scheduler,
    fmt_rule,
    pack,
    parse_rule,
    parse_time,
    unpack,
    weekday_of,
)
from isocket.settings import Settings
from isocket.storage import RecordStore
from isocket.wallclock import from_seconds, to_seconds, weekday

WRAP = 1 << 29
S = 1000
MIN = 60 * S
HOUR = 60 * MIN
DAY = 24 * HOUR
OWNER = "+358401234567"
ALERT_NO = "358401111111"
MONDAY = (2026, 1, 5)  # 2026-01-05 is a Monday
STATUS_TEXT = "Power socket OFF\nTime: test"


# --- fakes -------------------------------------------------------------------------------
class Relay:
    value = None


class Log:
    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.lines: list[tuple[str, str, tuple | None]] = []

    def line(self, tag: str, text: str) -> None:
        self.lines.append((tag, text, self.rig.wall()))


class Sms:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, int]] = []

    def send(self, number: str, text: str, prio: int) -> bool:
        self.sent.append((number, text, prio))
        return True


class Alarm:
    """Follows ``Alarm.disarm``: clears the setting and cancels a cycle."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.disarms = 0

    def disarm(self, now: int) -> None:
        self.settings.alarm_armed = False
        self.disarms += 1


class Status:
    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.reads = 0
        self.signal_dbm = -67

    def wall_time(self, now: int) -> tuple | None:
        self.reads += 1
        return self.rig.wall()


class FailingStore(RecordStore):
    fail = False

    def save(self, kind: int, body: Any) -> bool:
        if self.fail:
            return False
        return super().save(kind, body)


class Rig:
    """A scheduler with a processor, a socket, alerts and a fake wall clock around it.

    ``ticks`` counts ms without wrapping (passed on as ``ticks % 2**29``); ``wall_ms`` is the
    wall clock in ms since 2000-01-01 local time (None: not set), advanced ``rate`` times
    as fast as the ticks."""

    def __init__(
        self,
        start: tuple | None = (*MONDAY, 7, 59, 0),
        t0: int = WRAP - 30 * S,
        numbers: tuple = (ALERT_NO,),
        nvm: bytearray | None = None,
        rate: float = 1.0,
    ) -> None:
        self.ticks = t0
        self.wall_ms: float | None = None if start is None else to_seconds((*start, 8)) * 1000.0
        self.rate = rate
        self.settings = Settings()
        self.settings.alertnumbers = list(numbers)
        self.socket = MainSocket(Relay(), self.now, False)
        self.log = Log(self)
        self.sms = Sms()
        self.alerts = AlertSender(self.settings, self.sms, self.log)
        self.alarm = Alarm(self.settings)
        self.status = Status(self)
        self.nvm = nvm if nvm is not None else bytearray(b"\xff" * 4096)
        self.store = FailingStore(self.nvm)
        self.persisted: list[bool] = []
        self.processor = CommandProcessor(
            self.settings, self.socket, self._persist, self.status, "707", self.now, True
        )
        self.processor.limiter = ReplyLimiter(limit=10_000)
        self.sched = self.new()
        self.processor.register(self.sched)

    def new(self) -> Scheduler:
        return Scheduler(
            self.store,
            self.settings,
            self.socket,
            self.alarm,
            self.alerts,
            self.status,
            lambda now: STATUS_TEXT,
            self._persist,
            self.log,
            self.now,
        )

    def _persist(self, settings: Settings) -> bool:
        self.persisted.append(settings.alarm_armed)
        return True

    @property
    def now(self) -> int:
        return self.ticks % WRAP

    def wall(self) -> tuple | None:
        if self.wall_ms is None:
            return None
        return from_seconds(int(self.wall_ms // 1000), 8)

    def set_wall(self, t: tuple | None) -> None:
        self.wall_ms = None if t is None else to_seconds((*t, 8)) * 1000.0

    def jump(self, seconds: float) -> None:
        assert self.wall_ms is not None
        self.wall_ms += seconds * 1000

    def sms_cmd(self, text: str) -> str | None:
        reply = self.processor.handle_sms(OWNER, text, self.now)
        self.pass_()
        return reply

    def pass_(self) -> int:
        """One loop pass; returns how long the loop would idle after it."""
        now = self.now
        self.socket.poll(now)
        self.sched.poll(now)
        d = self.sched.next_deadline(now)
        return 5000 if d is None else max(1, min(d, 5000))

    def run(self, ms: float, step: int | None = None) -> None:
        """Loop passes for ``ms`` of ticks: idling as ``next_deadline`` says, or ``step``."""
        end = self.ticks + ms
        while self.ticks < end:
            wait = self.pass_()
            if step is not None:
                wait = step
            wait = int(min(wait, end - self.ticks)) or 1
            self.ticks += wait
            if self.wall_ms is not None:
                self.wall_ms += wait * self.rate
        self.pass_()

    def run_until(self, t: tuple) -> None:
        """Run until the wall clock shows ``t`` (y, m, d, h, mi, s)."""
        assert self.wall_ms is not None
        target = to_seconds((*t, 8)) * 1000.0
        self.run((target - self.wall_ms) / self.rate)

    def fired(self) -> list[tuple[str, tuple | None]]:
        """(rule, wall time when it ran) for every action run, in order."""
        out = []
        for tag, text, wall in self.log.lines:
            m = re.match(r"\d\d/\d\d/\d\d,\d\d:\d\d run (.*)$", text)
            if tag == "SCHED" and m:
                out.append((m.group(1), wall))
        return out

    def fired_at(self) -> list[tuple[str, str]]:
        """(yy/mm/dd,hh:mm of the minute run, rule) for every action run, in order."""
        out = []
        for tag, text, _wall in self.log.lines:
            m = re.match(r"(\d\d/\d\d/\d\d,\d\d:\d\d) run (.*)$", text)
            if tag == "SCHED" and m:
                out.append((m.group(1), m.group(2)))
        return out

    def fired_rules(self) -> list[str]:
        return [r for r, _w in self.fired()]

    def add(self, *rules: str) -> None:
        for r in rules:
            assert self.sms_cmd("SCHEDULER+" + r) == "SCHEDULER+%s - OK" % fmt_rule(parse_rule(r))


def at(h: int, m: int, s: int = 0, day: tuple = MONDAY) -> tuple:
    return (*day, h, m, s)


# --- parsing -----------------------------------------------------------------------------
VALID = [
    ("08:00,*,ON", (480, 0, 0), "08:00,*,ON"),
    ("8:00,*,ON", (480, 0, 0), "08:00,*,ON"),
    ("0:00,1,INF", (0, 1, 2), "00:00,1,INF"),
    ("00:00,7,aof", (0, 7, 4), "00:00,7,AOF"),
    ("23:59,7,AON", (1439, 7, 3), "23:59,7,AON"),
    ("20:30,*,off", (1230, 0, 1), "20:30,*,OFF"),
    ("9:05,3,Inf", (545, 3, 2), "09:05,3,INF"),
    ("12:00,2,aOn", (720, 2, 3), "12:00,2,AON"),
] + [("10:10,%d,ON" % d, (610, d, 0), "10:10,%d,ON" % d) for d in range(1, 8)]

INVALID = [
    "",
    "08:00",
    "08:00,*",
    "08:00,*,ON,",
    "08:00,*,ON,1",
    ",08:00,*,ON",
    "24:00,*,ON",
    "08:60,*,ON",
    "99:99,*,ON",
    "8:0,*,ON",
    "08:0,*,ON",
    "008:00,*,ON",
    "08:000,*,ON",
    ":00,*,ON",
    "08:,*,ON",
    "0800,*,ON",
    "08.00,*,ON",
    "08:00:00,*,ON",
    "-1:00,*,ON",
    "+8:00,*,ON",
    "a8:00,*,ON",
    "08:00,0,ON",
    "08:00,8,ON",
    "08:00,01,ON",
    "08:00,**,ON",
    "08:00,,ON",
    "08:00,x,ON",
    "08:00,*,",
    "08:00,*,ONN",
    "08:00,*,RESTART",
    "08:00,*,AONX",
    "08:00;*;ON",
    "\uff10\uff18:00,*,ON",  # full-width digits: int() would take them
    "08:00,\u0667,ON",
]


@pytest.mark.parametrize("text,rule,shown", VALID)
def test_valid_rules_parse_and_normalise(text: str, rule: tuple, shown: str) -> None:
    assert parse_rule(text) == rule
    assert fmt_rule(rule) == shown


@pytest.mark.parametrize("text", INVALID)
def test_invalid_rules_are_incorrect_values(text: str) -> None:
    with pytest.raises(Refusal) as e:
        parse_rule(text)
    assert e.value.text == INCORRECT_VALUE


@pytest.mark.parametrize("text", ["", "8", "08", "24:00", "08:60", "8:0", "123:00", "08:00,*", "ALL1"])
def test_invalid_times(text: str) -> None:
    with pytest.raises(Refusal):
        parse_time(text)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=20))
def test_any_text_is_a_rule_or_incorrect_value(text: str) -> None:
    try:
        rule = parse_rule(text)
    except Refusal as e:
        assert e.text == INCORRECT_VALUE
        return
    assert parse_rule(fmt_rule(rule)) == rule


@pytest.mark.parametrize(
    "text,reply",
    [
        ("SCHEDULER+08:00,*,ON", "SCHEDULER+08:00,*,ON - OK"),
        ("scheduler+8:00,*,on", "SCHEDULER+08:00,*,ON - OK"),
        ("Scheduler+17:00,6,inf", "SCHEDULER+17:00,6,INF - OK"),
        ("SCHEDULER+", INCORRECT_VALUE),
        ("SCHEDULER+25:00,*,ON", INCORRECT_VALUE),
        ("SCHEDULER+08:00,*,ON,OFF", INCORRECT_VALUE),
        ("SCHEDULER-", INCORRECT_VALUE),
        ("SCHEDULER-09:00", INCORRECT_VALUE),
        ("SCHEDULER-08:00,*,ON", INCORRECT_VALUE),
        ("SCHEDULER-ALL", "SCHEDULER-ALL - OK"),
        ("scheduler-all", "SCHEDULER-ALL - OK"),
        ("SCHEDULER?", "Scheduler is empty"),
        ("SCHEDULER+08:00, *,ON", "SCHEDULER+08:00, *,ON - Error!"),
        ("SCHEDULER", "SCHEDULER - Error!"),
        ("SCHEDULER??", "SCHEDULER?? - Error!"),
    ],
)
def test_commands_through_the_processor(text: str, reply: str) -> None:
    assert Rig().sms_cmd(text) == reply


def test_light_models_have_no_scheduler() -> None:
    r = Rig()
    p = CommandProcessor(r.settings, r.socket, r._persist, r.status, "707L", r.now, True)
    for text in ("SCHEDULER+08:00,*,ON", "SCHEDULER-08:00", "SCHEDULER-ALL", "SCHEDULER?"):
        assert p.handle_sms(OWNER, text, r.now) == text + " - Error!"


def test_add_list_delete() -> None:
    r = Rig()
    r.add("20:30,*,OFF", "08:00,5,AOF", "08:00,*,ON", "08:00,1,INF", "08:00,*,INF", "7:05,7,AON")
    assert r.sms_cmd("SCHEDULER?") == (
        "07:05,7,AON\n08:00,*,ON\n08:00,*,INF\n08:00,1,INF\n08:00,5,AOF\n20:30,*,OFF"
    )
    # an identical rule: a success, not a duplicate, and nothing written
    written = r.store.records_written
    assert r.sms_cmd("scheduler+8:00,*,on") == "SCHEDULER+08:00,*,ON - OK"
    assert len(r.sched.rules) == 6
    assert r.store.records_written == written
    assert r.sms_cmd("SCHEDULER-8:00") == "SCHEDULER-08:00 - OK"
    assert r.sms_cmd("SCHEDULER?") == "07:05,7,AON\n20:30,*,OFF"
    assert r.sms_cmd("SCHEDULER-08:00") == INCORRECT_VALUE
    assert r.sms_cmd("SCHEDULER-ALL") == "SCHEDULER-ALL - OK"
    assert r.sms_cmd("SCHEDULER?") == "Scheduler is empty"
    assert r.sms_cmd("SCHEDULER-ALL") == "SCHEDULER-ALL - OK"


def test_a_ninth_rule_is_refused() -> None:
    r = Rig()
    for i in range(MAX_RULES):
        r.add("%02d:00,*,ON" % i)
    assert r.sms_cmd("SCHEDULER+09:00,*,ON") == "Scheduler is full!"
    assert r.sms_cmd("SCHEDULER+00:00,*,ON") == "SCHEDULER+00:00,*,ON - OK"  # identical: fine
    assert len(r.sched.rules) == MAX_RULES
    lines = r.sms_cmd("SCHEDULER?")
    assert lines is not None and len(lines) <= 160 and lines.count("\n") == MAX_RULES - 1


def test_the_commands_obey_smsconfirm_and_the_query_does_not() -> None:
    r = Rig()
    r.settings.smsconfirm = False
    assert r.sms_cmd("SCHEDULER+08:00,*,ON") is None
    assert r.sms_cmd("SCHEDULER?") == "08:00,*,ON"
    assert r.sms_cmd("SCHEDULER+08:00,*,X") == INCORRECT_VALUE  # errors follow ERROR, not SMSCONFIRM


# --- storage -------------------------------------------------------------------------------
def test_rules_survive_a_restart_in_their_order() -> None:
    r = Rig()
    r.add("20:30,*,OFF", "08:00,*,ON", "08:00,1,AON")
    body = r.store.load(KIND_SCHEDULER)
    assert body == bytes((1, 20, 30, 0x01, 8, 0, 0x00, 8, 0, 0x13))
    again = Scheduler(RecordStore(r.nvm), Settings(), r.socket, None, r.alerts, r.status, str, str, None, 0)
    assert again.rules == r.sched.rules


def test_stored_before_confirmed_and_undone_when_the_store_fails() -> None:
    r = Rig()
    r.add("08:00,*,ON")
    r.store.fail = True
    for text in ("SCHEDULER+09:00,*,ON", "SCHEDULER-08:00", "SCHEDULER-ALL"):
        assert r.sms_cmd(text) == "Execute error!"
        assert r.sms_cmd("SCHEDULER?") == "08:00,*,ON"
    r.store.fail = False
    assert unpack(RecordStore(r.nvm).load(KIND_SCHEDULER)) == [(480, 0, 0)]


def test_clearing_an_empty_scheduler_writes_nothing() -> None:
    r = Rig()
    assert r.sms_cmd("SCHEDULER-ALL") == "SCHEDULER-ALL - OK"
    assert r.store.records_written == 0
    r.add("08:00,*,ON")
    assert r.sms_cmd("SCHEDULER-ALL") == "SCHEDULER-ALL - OK"
    assert RecordStore(r.nvm).load(KIND_SCHEDULER) == b"\x01"


RULES = st.lists(
    st.tuples(st.integers(0, 1439), st.integers(0, 7), st.integers(0, len(ACTIONS) - 1)),
    max_size=MAX_RULES,
    unique=True,
)


@settings(max_examples=300, deadline=None)
@given(RULES)
def test_pack_unpack_round_trip(rules: list) -> None:
    body = pack(rules)
    assert len(body) == 1 + 3 * len(rules) <= 25
    assert unpack(body) == rules


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=40))
def test_any_body_is_rules_or_rejected(body: bytes) -> None:
    try:
        rules = unpack(body)
    except ValueError:
        return
    assert len(rules) <= MAX_RULES and len(set(rules)) == len(rules)
    assert pack(rules) == body
    for minute, day, action in rules:
        assert 0 <= minute < 1440 and 0 <= day <= 7 and 0 <= action < len(ACTIONS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=40))
def test_a_corrupt_record_means_no_rules_never_a_crash(body: bytes) -> None:
    nvm = bytearray(b"\xff" * 4096)
    RecordStore(nvm).save(KIND_SCHEDULER, body)
    r = Rig(nvm=nvm)
    try:
        expected = unpack(body)
    except ValueError:
        expected = []
        assert any("stored rules rejected" in text for _tag, text, _w in r.log.lines)
    assert r.sched.rules == expected
    r.run(2 * MIN)  # and it runs


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x02",
        b"\x01\x08\x00",
        b"\x01\x18\x00\x00",  # 24:00
        b"\x01\x08\x3c\x00",  # 08:60
        b"\x01\x08\x00\x80",  # day 8
        b"\x01\x08\x00\x05",  # action 5
        b"\x01\x08\x00\x00\x08\x00\x00",  # a duplicate
        b"\x01" + b"\x08\x00\x00" * 0 + bytes(range(27)),  # 9 rules
    ],
)
def test_corrupt_bodies(body: bytes) -> None:
    with pytest.raises(ValueError):
        unpack(body)


# --- firing --------------------------------------------------------------------------------
def test_weekday_of_matches_the_calendar() -> None:
    for days in range(0, 40_000, 37):
        t = from_seconds(days * 86400, 0)
        assert weekday_of(days * 1440) == weekday(t)
    assert weekday((*MONDAY, 0, 0, 0, 0)) == 1


@pytest.mark.parametrize("phase_ms", [0, 1, 437, 999])
def test_runs_at_second_00_once_per_matching_minute(phase_ms: int) -> None:
    """Whatever the phase of the wall clock's seconds against the ticks."""
    r = Rig(start=at(7, 58, 30))
    assert r.wall_ms is not None
    r.wall_ms += phase_ms
    r.add("08:00,*,ON", "08:01,*,OFF", "08:03,*,INF", "09:00,*,ON")
    r.run(2 * HOUR)
    fired = r.fired()
    assert [f[0] for f in fired] == ["08:00,*,ON", "08:01,*,OFF", "08:03,*,INF", "09:00,*,ON"]
    assert all(w is not None and w[5] == 0 for _r, w in fired)
    assert r.socket.on  # 09:00 ON ran last


def test_polls_cheaply() -> None:
    """Passes every millisecond for 10 s read the wall clock about 40 times, not 10,000."""
    r = Rig(start=at(7, 58, 30))
    r.add("08:00,*,ON")
    r.status.reads = 0
    r.run(10 * S, step=1)
    assert r.status.reads <= 10 * S // 250 + 3
    # idle: the loop's 5 s passes, plus one at each minute's turn once its phase is learnt
    r.status.reads = 0
    passes = 0
    end = r.ticks + HOUR
    while r.ticks < end:
        wait = r.pass_()
        passes += 1
        r.ticks += wait
        assert r.wall_ms is not None
        r.wall_ms += wait
    assert passes <= 60 * 14 and r.status.reads <= passes


def test_no_rules_no_clock_reads() -> None:
    r = Rig()
    r.run(10 * MIN)
    assert r.status.reads == 0
    assert r.sched.next_deadline(r.now) is None


@pytest.mark.parametrize("rate", [0.97, 1.0, 1.03])
def test_ticks_and_wall_clock_out_of_step(rate: float) -> None:
    """A wall clock 3 % fast or slow against ticks_ms still runs every minute once, at :00."""
    r = Rig(start=at(7, 55, 17), rate=rate)
    r.add("08:00,*,ON", "08:01,*,OFF", "08:02,*,INF", "09:00,*,OFF")
    r.run_until(at(9, 1, 0))
    fired = r.fired()
    assert [f[0] for f in fired] == ["08:00,*,ON", "08:01,*,OFF", "08:02,*,INF", "09:00,*,OFF"]
    assert all(w is not None and w[5] == 0 for _r, w in fired)


def test_day_codes_sunday_is_7() -> None:
    rules = ["12:00,%d,INF" % d for d in range(1, 8)] + ["12:00,*,ON"]
    r = Rig(start=at(11, 0, 0))
    r.add(*rules)
    r.run(7 * DAY)
    fired = r.fired_rules()
    # each day: the * rule and that day's rule, in the order they were stored
    assert fired == [x for d in range(1, 8) for x in ("12:00,%d,INF" % d, "12:00,*,ON")]
    sundays = [w for rule, w in r.fired() if rule == "12:00,7,INF"]
    assert sundays and sundays[0] is not None and sundays[0][:3] == (2026, 1, 11)
    assert weekday((*sundays[0][:6], 0)) == 7


def test_same_minute_runs_in_stored_order() -> None:
    r = Rig(start=at(7, 59, 0))
    r.add("08:00,*,OFF", "08:00,1,INF", "08:00,*,ON")
    r.run(2 * MIN)
    assert r.fired_rules() == ["08:00,*,OFF", "08:00,1,INF", "08:00,*,ON"]
    assert r.socket.on


def test_midnight_changes_the_day() -> None:
    r = Rig(start=at(23, 58, 0, day=(2026, 1, 4)))  # Sunday
    r.add("23:59,7,ON", "00:00,1,OFF", "00:00,7,INF", "23:59,1,INF")
    r.run(5 * MIN)
    assert r.fired_rules() == ["23:59,7,ON", "00:00,1,OFF"]
    # end of a year, a leap day
    r = Rig(start=at(23, 59, 0, day=(2027, 12, 31)))  # a Friday
    r.add("00:00,6,ON")
    r.run(2 * MIN)
    assert r.fired_rules() == ["00:00,6,ON"]
    r = Rig(start=at(23, 59, 0, day=(2028, 2, 28)))
    r.add("00:00,2,ON")  # 2028-02-29 is a Tuesday
    r.run(2 * MIN)
    assert r.fired_rules() == ["00:00,2,ON"]


EVERY_MINUTE = ["08:%02d,*,INF" % m for m in range(1, 8)]


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_forward_jumps_of_up_to_5_minutes_are_replayed(k: int) -> None:
    r = Rig(start=at(8, 0, 30))
    r.add(*EVERY_MINUTE)
    r.run(2 * S)
    r.jump(k * 60)
    r.run(RECHECK_MS)  # the wall clock is read at least every RECHECK_MS
    assert r.fired_rules() == EVERY_MINUTE[:k]
    r.run_until(at(8, 9, 0))
    assert r.fired_rules() == EVERY_MINUTE


@pytest.mark.parametrize("k", [6, 7, 30, 24 * 60])
def test_forward_jumps_of_6_minutes_or_more_are_not_replayed(k: int) -> None:
    r = Rig(start=at(8, 0, 30))
    r.add(*EVERY_MINUTE)
    r.run(2 * S)
    r.jump(k * 60)
    r.run(3 * MIN)
    # only the minutes the clock then reaches run: 08:0<k+1>.. (k = 1440: the same, a day on)
    assert r.fired_rules() == [rule for i, rule in enumerate(EVERY_MINUTE) if 1 <= (i + 1 - k) % 1440 <= 3]
    assert r.fired_rules() == (["08:07,*,INF"] if k == 6 else EVERY_MINUTE[:3] if k == 1440 else [])


def test_a_long_jump_onto_second_00_runs_that_minute() -> None:
    r = Rig(start=at(6, 0, 10))
    r.add("08:00,*,ON")
    r.run(S)
    r.set_wall(at(8, 0, 0))
    r.run(10 * S)
    assert r.fired_rules() == ["08:00,*,ON"]


def test_a_late_pass_still_runs_its_minute() -> None:
    r = Rig(start=at(7, 59, 57))
    r.add("08:00,*,ON")
    r.pass_()
    r.ticks += 8 * S  # the loop was held up (a flash erase, a long AT exchange)
    assert r.wall_ms is not None
    r.wall_ms += 8 * S
    r.pass_()
    assert r.fired_rules() == ["08:00,*,ON"]


@pytest.mark.parametrize("back_s", [1, 3, 59, 60, 61, 5 * 60, 3600, 2 * 86400])
def test_backward_jumps_never_run_a_minute_twice(back_s: int) -> None:
    r = Rig(start=at(7, 59, 50))
    r.add("08:00,*,INF", "08:01,*,ON", "08:05,*,OFF")
    r.run(20 * S)
    assert r.fired_rules() == ["08:00,*,INF"]
    r.jump(-back_s)
    r.run_until(at(8, 7, 0))
    runs = r.fired_at()
    assert len(set(runs)) == len(runs)  # never twice for the same day and minute
    today = [rule for when, rule in runs if when.startswith("26/01/05")]
    assert today == ["08:00,*,INF", "08:01,*,ON", "08:05,*,OFF"]
    days = back_s // 86400  # the days gone back to are new days (from 08:00:10 on)
    assert len(runs) == 3 + (3 * days - 1 if days else 0)


def test_backward_onto_second_00_of_a_minute_already_run() -> None:
    r = Rig(start=at(7, 59, 50))
    r.add("08:00,*,INF")
    r.run(30 * S)
    r.set_wall(at(8, 0, 0))
    r.run(2 * MIN)
    assert r.fired_rules() == ["08:00,*,INF"]


def test_a_clock_set_wrongly_ahead_then_corrected_does_not_block_the_rules() -> None:
    r = Rig(start=(2036, 1, 5, 7, 59, 50))
    r.add("08:00,*,INF")
    r.run(MIN)
    r.set_wall(at(7, 59, 50))
    r.run(MIN)
    assert r.fired_rules() == ["08:00,*,INF", "08:00,*,INF"]
    assert [w[0] for _r, w in r.fired() if w] == [2036, 2026]


def test_no_rule_runs_while_the_clock_is_invalid() -> None:
    r = Rig(start=None)
    r.add("08:00,*,ON", "08:01,*,INF")
    r.run(10 * MIN)
    assert r.fired_rules() == []
    # the clock is set at 07:59:59.9: the next minute runs at its second 00
    r.wall_ms = to_seconds((*at(7, 59, 59), 8)) * 1000.0 + 900
    r.run(90 * S)
    assert [(rule, w[5] if w else None) for rule, w in r.fired()] == [("08:00,*,ON", 0), ("08:01,*,INF", 0)]
    # invalid again: nothing; valid later: no replay of what was missed
    r.wall_ms = None
    r.run(10 * MIN)
    r.set_wall(at(8, 1, 30))
    r.run(10 * MIN)
    assert len(r.fired()) == 2


def test_a_clock_first_read_after_second_00_does_not_run_that_minute() -> None:
    r = Rig(start=None)
    r.add("08:00,*,ON")
    r.run(MIN)
    r.set_wall(at(8, 0, 1))
    r.run(2 * MIN)
    assert r.fired_rules() == []


def test_a_rule_added_during_its_minute_waits_for_the_next_day() -> None:
    r = Rig(start=at(7, 59, 0))
    r.add("07:00,*,OFF")
    r.run(70 * S)
    r.add("08:00,*,ON")
    r.run(2 * MIN)
    assert r.fired_rules() == []
    r.run_until(at(8, 0, 1, day=(2026, 1, 6)))
    assert r.fired_rules() == ["07:00,*,OFF", "08:00,*,ON"]


# --- actions -------------------------------------------------------------------------------
def test_on_off_cancel_timers_without_an_sms() -> None:
    r = Rig(start=at(7, 59, 0))
    r.add("08:00,*,ON")
    assert r.sms_cmd("OFF30") == "Power OFF for 30 min"
    r.run(2 * MIN)
    assert r.socket.on
    r.run(40 * MIN)
    assert r.socket.on and r.socket.settled  # the OFF30 timer was cancelled
    assert r.sms.sent == []


def test_aon_aof_arm_and_disarm_and_store() -> None:
    r = Rig(start=at(7, 59, 0))
    r.add("08:00,*,AON", "08:01,*,AON", "08:02,*,AOF", "08:03,*,AOF")
    r.run(5 * MIN)
    assert r.settings.alarm_armed is False
    assert r.persisted == [True, False]  # stored on each change only
    assert r.alarm.disarms == 2  # AOF cancels a running cycle even when already disarmed
    assert r.sms.sent == []


def test_inf_sends_the_status_to_every_alert_number() -> None:
    r = Rig(start=at(16, 59, 0, day=(2026, 1, 10)), numbers=(ALERT_NO, "0401234567"))
    r.add("17:00,6,INF")
    r.run(2 * MIN)
    assert r.sms.sent == [
        ("+" + ALERT_NO, STATUS_TEXT, PRIO_REPORT),
        ("0401234567", STATUS_TEXT, PRIO_REPORT),
    ]


def test_inf_without_alert_numbers_sends_nothing() -> None:
    r = Rig(start=at(16, 59, 0, day=(2026, 1, 10)), numbers=())
    r.add("17:00,6,INF")
    r.run(2 * MIN)
    assert r.sms.sent == []
    assert r.fired_rules() == ["17:00,6,INF"]


def test_a_failing_action_does_not_stop_the_others() -> None:
    r = Rig(start=at(7, 59, 0))
    r.add("08:00,*,INF", "08:00,*,ON")
    r.sched._report = lambda now: 1 // 0
    r.run(2 * MIN)
    assert r.socket.on
    assert any("08:00,*,INF failed" in text for _t, text, _w in r.log.lines)


# --- 30 days in the simulated world -------------------------------------------------------
DAYS = 30
START = _dt.datetime(2026, 3, 1, 23, 50, 0)  # a Sunday, 10 minutes before midnight
WORLD_RULES = [
    "08:00,*,ON",
    "20:30,*,OFF",
    "09:00,1,AON",
    "18:00,5,AOF",
    "17:00,6,INF",
    "00:00,*,INF",
    "23:59,7,OFF",
    "12:00,3,ON",
]


def _expected(start: _dt.datetime, end: _dt.datetime) -> list[tuple[str, str]]:
    """(yy/mm/dd,hh:mm, rule) for every matching minute in (start, end], in firing order."""
    out = []
    day = start.date()
    while day <= end.date():
        for rule in sorted(WORLD_RULES, key=lambda r: (r[:5], WORLD_RULES.index(r))):
            hh, mm = int(rule[:2]), int(rule[3:5])
            d = rule.split(",")[1]
            when = _dt.datetime(day.year, day.month, day.day, hh, mm)
            if start < when <= end and (d == "*" or int(d) == day.isoweekday()):
                out.append((when.strftime("%y/%m/%d,%H:%M"), rule))
        day += _dt.timedelta(days=1)
    return out


def test_thirty_days_every_rule_once_per_matching_minute() -> None:
    """The issue's "done when": 30 simulated days, the ticks counter wrapping ~5 times; every
    rule runs exactly once in each matching minute, at second 00, through the real device."""
    from host_tests.sim.world import HANDOFF, Wait, World

    relay_events: list[tuple[int, str]] = []
    world = World(
        model="707",
        listener=lambda t, text: relay_events.append((t, text)) if text.startswith("relay ") else None,
    )
    world.network.add_phone("owner", "+358401234567")
    world.network.set_time(tuple(START.timetuple())[:6], zone_minutes=120)
    seen: dict[str, Any] = {}

    def script() -> Iterator[Any]:
        world.set_temp(None)  # no probe: its 1-wire traffic would double the run time
        world.mains_on = True
        world.power_on()
        yield HANDOFF
        yield Wait(world.sched.now_ms + 20_000)
        for text in ["ALERTNUMBER+358401234567"] + ["SCHEDULER+" + r for r in WORLD_RULES]:
            world.network.phone_sms("owner", text)
            yield Wait(world.sched.now_ms + 8_000)
        seen["from"] = world.network.local_now()
        seen["console_from"] = len(world.console)
        seen["inbox_from"] = len(world.network.inbox["owner"])
        seen["erases"] = world.board.nvm.erase_count
        end = world.sched.now_ms + DAYS * DAY
        yield Wait(end)
        seen["to"] = world.network.local_now()
        seen["wraps"] = world.sched.now_ms // WRAP
        seen["relay"] = world.relay_on
        seen["erases"] = world.board.nvm.erase_count - seen["erases"]
        world.network.phone_sms("owner", "ALARM?")
        yield Wait(world.sched.now_ms + 10_000)

    world.run(script())
    replies = [m.text for m in world.network.inbox["owner"][: seen["inbox_from"]]]
    assert replies == ["ALERTNUMBER+358401234567 - OK"] + ["SCHEDULER+%s - OK" % r for r in WORLD_RULES]
    assert seen["wraps"] >= 4
    runs = []
    for t, line in world.console[seen["console_from"] :]:
        m = re.search(r"SCHED\s+(\d\d/\d\d/\d\d,\d\d:\d\d) run (\S+)", line)
        if m:
            runs.append((t, m.group(1), m.group(2)))
    expected = _expected(seen["from"], seen["to"])
    assert len(expected) > 100
    assert [(when, rule) for _t, when, rule in runs] == expected
    # each ran at second 00 of its minute (the network's time is the device's clock)
    for t, when, _rule in runs:
        local = START + _dt.timedelta(milliseconds=t)
        assert local.strftime("%y/%m/%d,%H:%M") == when and local.second == 0, (t, when)
    # INF: the STATUS text of that moment to the alert number, one SMS per run
    texts = [m.text for m in world.network.inbox["owner"][seen["inbox_from"] :]]
    assert (  # AON/AOF: the last of them, Monday's 09:00 AON, left the alarm armed
        texts[-1]
        == "ALARM function: Enabled\nSensor(s): Open\nALARM status: No activity\nMicro relay: Disabled"
    )
    infs = [when for when, rule in expected if rule.endswith("INF")]
    assert len(texts) - 1 == len(infs)
    for text, when in zip(texts, infs):
        assert text.startswith("Power socket ") and text.endswith("\nTime: %s:00" % when), (text, when)
    # ON/OFF: the relay switched on at each 08:00 and off at each 20:30
    ons = [
        (START + _dt.timedelta(milliseconds=t)).strftime("%H:%M") for t, e in relay_events if e == "relay ON"
    ]
    offs = [
        (START + _dt.timedelta(milliseconds=t)).strftime("%H:%M") for t, e in relay_events if e == "relay OFF"
    ]
    assert set(ons) == {"08:00"} and set(offs) == {"20:30"} and len(ons) == DAYS
    assert seen["relay"] is False
    # flash (docs/storage.md): a socket record per switch, a settings record per AON/AOF
    assert seen["erases"] <= 1
