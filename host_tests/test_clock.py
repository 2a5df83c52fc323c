"""The clock (isocket.clock): network-time URCs and +CCLK in the forms real modems send,
the A-41 rules (network, owner, SMS time stamp), DATE= validation (A-43), DATE, DATESMS,
the one-time AT+CLTS=1;&W + restart on a fresh SIM800, and deadlines across the ticks wrap.

URC forms: SIM800 ``*PSUTTZ``/``+CTZV``/``DST:`` from the emulator's sources (kang fixture
``+CTZV: +4,0`` / ``*PSUTTZ: 2020,12,16,18,3,45,"+4",0``; a SIM800L log
``*PSUTTZ: 2024,7,24,14,4,19,"+8",1`` with ``+CCLK: "24/07/24,16:05:01+08"``; VinaPhone
``+CTZV: +28,0``); ``+CCLK: "18/12/05,08:51:13+04"`` from shared/modem 007; the manual's
spaced form from 039; the single-digit zone ``+8`` as in 016.
"""

from __future__ import annotations

import pytest

from host_tests.fake_log import TextLog as Log
from isocket.clock import (
    CCLK_AFTER_REGISTER_MS,
    CCLK_AFTER_ZONE_MS,
    NITZ_WAIT_MS,
    Clock,
    from_scts,
    parse_cclk,
    parse_ctzv,
    parse_date,
    parse_psuttz,
    plausible,
)
from isocket.command_processor import CommandProcessor
from isocket.main_socket import MainSocket
from isocket.rate_limit import ReplyLimiter
from isocket.settings import Settings
from isocket.wallclock import from_seconds, to_seconds

WRAP = 1 << 29
SEC = 1000
OWNER = "+358401234567"


# --- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "local"),
    [
        (' 2024,7,24,14,4,19,"+8",0', (2024, 7, 24, 16, 4, 19, 8)),  # UTC + 2 h
        (' 2024,7,24,14,4,19,"+8",1', (2024, 7, 24, 16, 4, 19, 8)),  # DST already in the zone
        (' 2020,12,16,18,3,45,"+4",0', (2020, 12, 16, 19, 3, 45, 4)),  # kang fixture
        (' 2026,11,23,1,0,0,"+28",0', (2026, 11, 23, 8, 0, 0, 28)),  # VinaPhone: UTC+7
        (' 2026,3,2,4,30,0,"-20",0', (2026, 3, 1, 23, 30, 0, -20)),  # negative: the day before
        (' 2025,12,31,23,30,0,"+8",0', (2026, 1, 1, 1, 30, 0, 8)),  # across the new year
        (' 2024,2,28,23,0,0,"+52",1', (2024, 2, 29, 12, 0, 0, 52)),  # beyond +48, leap day
        (' 2024, 7, 24, 14, 4, 19, "+8", 0', (2024, 7, 24, 16, 4, 19, 8)),  # the manual's spaces
        (' 2024,7,24,14,4,19,"+8"', (2024, 7, 24, 16, 4, 19, 8)),  # no DST field
        (" 2024,7,24,14,4,19,+8,0", (2024, 7, 24, 16, 4, 19, 8)),  # unquoted zone
        (' 24,7,24,14,4,19,"+8",0', (2024, 7, 24, 16, 4, 19, 8)),  # two-digit year
        (' 2024,7,24,14,4,19,"+0",0', (2024, 7, 24, 14, 4, 19, 0)),
    ],
)
def test_psuttz_real_forms(payload, local):
    assert parse_psuttz(payload) == local


@pytest.mark.parametrize(
    "payload",
    [
        "",
        " ",
        " 2024,7,24,14,4",  # truncated
        ' 2024,7,24,14,4,19,"+8",0,1',
        ' 2024,13,24,14,4,19,"+8",0',
        ' 2023,2,29,14,4,19,"+8",0',  # no such day
        ' 2024,7,24,24,4,19,"+8",0',
        ' 2024,7,24,14,60,19,"+8",0',
        ' 2024,7,24,14,4,60,"+8",0',
        ' 2024,7,24,14,4,19,"+57",0',  # beyond +-56
        ' 2024,7,24,14,4,19,"-99",0',
        ' 2024,7,24,14,4,19,"",0',
        ' 2024,7,24,14,4,19,"+8",3',  # DST 0..2 hours
        ' 2024,7,24,14,4,19,"+8",x',
        ' 2024,7,2a,14,4,19,"+8",0',
        ' 2024,7,-4,14,4,19,"+8",0',
        ' 2024,7,1_0,14,4,19,"+8",0',
        ' 2024,7,1.5,14,4,19,"+8",0',
        ' 1999,7,24,14,4,19,"+8",0',
        ' 12345,7,24,14,4,19,"+8",0',
        ' 2024,7,24,14,4,19,"+8+",0',
        ' 2024,7,24,14,4,19,"++8",0',
        "\x00\xff,,,,,,,",
    ],
)
def test_psuttz_garbage_is_none(payload):
    assert parse_psuttz(payload) is None


@pytest.mark.parametrize(
    ("payload", "zone"),
    [(" +8,0", 8), (" +28,0", 28), (" +4,0", 4), (" -20,0", -20), (' "+8"', 8), (" +56,1", 56), (" -0,0", 0)],
)
def test_ctzv_forms(payload, zone):
    assert parse_ctzv(payload) == zone


@pytest.mark.parametrize(
    "payload", ["", " +57,0", " -57,0", " +8,0,1", " +8,7", " abc", " +8x,0", " ,0", ' "+"']
)
def test_ctzv_garbage_is_none(payload):
    assert parse_ctzv(payload) is None


@pytest.mark.parametrize(
    ("payload", "t"),
    [
        ('"26/11/23,08:00:00+08"', (2026, 11, 23, 8, 0, 0, 8)),
        (' "24/07/24,16:05:01+8"', (2024, 7, 24, 16, 5, 1, 8)),  # single-digit zone
        ('"18/12/05,08:51:13+04"', (2018, 12, 5, 8, 51, 13, 4)),  # 007 (valid, not plausible)
        ('"26/03/01,23:30:01-20"', (2026, 3, 1, 23, 30, 1, -20)),
        ('"26/11/23,08:00:00"', (2026, 11, 23, 8, 0, 0, 0)),  # no zone
        ('"28/02/29,12:00:00+52"', (2028, 2, 29, 12, 0, 0, 52)),
        ('"04/01/01,00:00:20+00"', (2004, 1, 1, 0, 0, 20, 0)),  # the SIM800's reset value
        ("26/11/23,08:00:00+08", (2026, 11, 23, 8, 0, 0, 8)),  # unquoted
    ],
)
def test_cclk_forms(payload, t):
    assert parse_cclk(payload) == t


@pytest.mark.parametrize(
    "payload",
    [
        "",
        '""',
        "ERROR",
        '"26/11/23 08:00:00+08"',
        '"26/11/23,08:00+08"',
        '"26/11,08:00:00+08"',
        '"26/13/23,08:00:00+08"',
        '"26/02/29,08:00:00+08"',
        '"26/11/23,25:00:00+08"',
        '"26/11/23,08:00:00+99"',
        '"26/11/23,08:00:00++8"',
        '"26/11/23,08:00:00+"',
        '"26/11/23,08:00:00+08,1"',
        '"2x/11/23,08:00:00+08"',
    ],
)
def test_cclk_garbage_is_none(payload):
    assert parse_cclk(payload) is None


def test_plausible_rejects_reset_dates_and_garbage():
    assert plausible((2024, 1, 1, 0, 0, 0, 0))
    assert plausible((2079, 12, 31, 23, 59, 59, -56))
    assert not plausible((2023, 12, 31, 23, 59, 59, 0))
    assert not plausible(parse_cclk('"04/01/01,00:00:00+00"'))  # SIM800 reset date
    assert not plausible(parse_cclk('"80/01/06,00:00:00+00"'))  # GPS-epoch reset date
    assert not plausible((2026, 2, 29, 0, 0, 0, 0))
    assert not plausible((2026, 1, 1, 0, 0, 0, 57))
    assert not plausible(None)
    assert not plausible((2026, 1, 1, 0, 0, 0))


def test_sms_time_stamp():
    assert from_scts((26, 11, 23, 8, 0, 0, 8)) == (2026, 11, 23, 8, 0, 0, 8)
    assert from_scts((26, 3, 1, 23, 30, 0, -20)) == (2026, 3, 1, 23, 30, 0, -20)
    assert from_scts((165, 11, 23, 8, 0, 0, 8)) is None  # garbage BCD nibbles
    assert from_scts((26, 2, 29, 8, 0, 0, 8)) is None
    assert from_scts((26, 11, 23, 8, 0, 0, 79)) is None
    assert from_scts(None) is None
    assert from_scts((26, 11, 23)) is None
    assert from_scts("26/11/23") is None


# --- DATE= validation (A-43) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "t"),
    [
        ("26/11/23,08:00:00+08", (2026, 11, 23, 8, 0, 0, 8)),
        ("26/11/23,08:00:00-20", (2026, 11, 23, 8, 0, 0, -20)),
        ("26/11/23,08:00:00+56", (2026, 11, 23, 8, 0, 0, 56)),
        ("26/11/23,08:00:00-56", (2026, 11, 23, 8, 0, 0, -56)),
        ("26/11/23,08:00:00+00", (2026, 11, 23, 8, 0, 0, 0)),
        ("26/11/23,08:00:00-00", (2026, 11, 23, 8, 0, 0, 0)),
        ("26/11/23,08:00:00", (2026, 11, 23, 8, 0, 0, 12)),  # zone left as it was
        ("28/02/29,00:00:00+04", (2028, 2, 29, 0, 0, 0, 4)),  # leap year
        ("00/02/29,00:00:00+04", (2000, 2, 29, 0, 0, 0, 4)),  # 2000 is one
        ("99/12/31,23:59:59+04", (2099, 12, 31, 23, 59, 59, 4)),
        ("00/01/01,00:00:00+04", (2000, 1, 1, 0, 0, 0, 4)),
        ("26/04/30,12:00:00+04", (2026, 4, 30, 12, 0, 0, 4)),
    ],
)
def test_date_value_accepted(value, t):
    assert parse_date(value, 12) == t


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "26/02/29,08:00:00+08",  # 2026 is no leap year
        "26/00/23,08:00:00+08",
        "26/13/23,08:00:00+08",
        "26/11/00,08:00:00+08",
        "26/11/31,08:00:00+08",
        "26/01/32,08:00:00+08",
        "26/11/23,24:00:00+08",
        "26/11/23,08:60:00+08",
        "26/11/23,08:00:60+08",
        "26/11/23,08:00:00+57",
        "26/11/23,08:00:00-57",
        "26/11/23,08:00:00+8",  # zz: exactly two digits
        "26/11/23,08:00:00+008",
        "26/11/23,08:00:00 08",
        "26/11/23,08:00:0008",
        "26/11/23,08:00:00*08",
        "26/11/23,08:00:00+",
        "26/1/23,08:00:00+08",
        "2026/11/23,08:00:00",
        "26-11-23,08:00:00+08",
        "26/11/23 08:00:00+08",
        "26/11/23,08.00.00+08",
        "26/11/23,8:00:00+08",
        "26/11/23,08:00:0+08",
        "ab/11/23,08:00:00+08",
        "26/11/23,08:00:00+0a",
        "+6/11/23,08:00:00+08",
        "26/11/23,08:00:00+08x",
        "26/11/23,08:00",
    ],
)
def test_date_value_rejected(value):
    assert parse_date(value, 0) is None


# --- the clock with fakes around it --------------------------------------------------------------


class FakeRtc:
    """The RP2040 RTC: seconds since 2000 at a tick, running with the rig's virtual time."""

    def __init__(self, rig):
        self.rig = rig
        self.base = 0
        self.at_ms = 0
        self.writes = []

    def read(self):
        return from_seconds(self.base + (self.rig.elapsed - self.at_ms) // 1000, 0)[:6]

    def write(self, t):
        self.writes.append(tuple(t))
        self.base = to_seconds(tuple(t) + (0,))
        self.at_ms = self.rig.elapsed


class FakeCmd:
    def __init__(self, text, prefix):
        self.text = text
        self.prefix = prefix
        self.final = None
        self.line = None

    @property
    def done(self):
        return self.final is not None

    @property
    def ok(self):
        return self.final == "OK"

    def info(self):
        if self.line is None:
            return None
        return self.line[len(self.prefix) :].strip() if self.prefix else self.line


class FakeEngine:
    def __init__(self):
        self.sent = []
        self.full = False

    def submit(self, text, timeout_ms=3000, prefix=None):
        if self.full:
            return None
        cmd = FakeCmd(text, prefix)
        self.sent.append(cmd)
        return cmd

    @property
    def idle(self):
        return all(c.done for c in self.sent)

    def answer(self, final="OK", line=None):
        cmd = [c for c in self.sent if not c.done][0]
        cmd.line = line
        cmd.final = final
        return cmd

    def texts(self):
        return [c.text for c in self.sent]


class FakeModem:
    def __init__(self):
        self.ready = False
        self.registered = False
        self.restarts = 0
        self.time_urcs = []

    def take_time_urc(self):
        return self.time_urcs.pop(0) if self.time_urcs else None


class FakeStatus:
    signal_dbm = -67

    def __init__(self):
        self.clock = None

    def wall_time(self, now):
        return self.clock.wall_time(now)

    def temperature(self):
        return None

    def micro_relay_on(self):
        return False

    def alarm_active(self):
        return False


class Rig:
    """A clock, registered with a real command processor, starting at tick ``start``."""

    def __init__(self, start=0, model="707"):
        self.elapsed = 0
        self.now = start % WRAP
        self.rtc = FakeRtc(self)
        self.modem = FakeModem()
        self.at = FakeEngine()
        self.log = Log()
        self.calm = True
        self.status = FakeStatus()
        settings = Settings()
        self.p = CommandProcessor(
            settings,
            MainSocket(_Relay(), self.now, False),
            lambda s: True,
            self.status,
            model,
            self.now,
            True,
        )
        self.p.limiter = ReplyLimiter(limit=10_000)
        self.clock = Clock(self.rtc, self.modem, self.at, self.p, self.log, self.now, lambda: self.calm)
        self.status.clock = self.clock
        self.p.register(self.clock)

    def advance(self, ms, step=100):
        end = self.elapsed + ms
        while self.elapsed < end:
            d = min(step, end - self.elapsed)
            self.elapsed += d
            self.now = (self.now + d) % WRAP
            self.clock.poll(self.now)

    def poll(self):
        self.clock.poll(self.now)

    def urc(self, *lines):
        self.modem.time_urcs.extend(lines)
        self.poll()

    def online(self):
        self.modem.ready = True
        self.modem.registered = True
        self.poll()

    def sms(self, text, scts=(26, 11, 23, 8, 0, 0, 8)):
        return self.p.handle_sms(OWNER, text, self.now, scts)

    def wall(self):
        return self.clock.wall_time(self.now)


class _Relay:
    value = None


@pytest.fixture(params=[0, WRAP - 20 * SEC], ids=["t0", "near-wrap"])
def rig(request):
    return Rig(start=request.param)


def test_not_set_at_boot(rig):
    assert rig.wall() is None
    assert rig.sms("DATE") == "DATE is not set!"
    assert rig.clock.next_deadline(rig.now) is None  # nothing to do before the modem is up


def test_psuttz_sets_the_clock_and_it_runs(rig):
    rig.urc(
        "+CTZV: +8,0",
        '*PSUTTZ: 2024,7,24,14,4,19,"+8",0',
        "DST: 0",
        '+CIEV: 10,"26003","Orange","Orange", 0, 0',
    )
    assert rig.wall() == (2024, 7, 24, 16, 4, 19, 8)
    assert rig.rtc.writes == [(2024, 7, 24, 16, 4, 19)]
    rig.advance(61 * SEC)
    assert rig.sms("DATE") == "DATE 24/07/24,16:05:20+08"
    assert rig.sms("STATUS").endswith("\nTime: 24/07/24,16:05:20")
    assert "CLOCK 24/07/24,16:04:19+08 from the network (*PSUTTZ)" in rig.log.lines


def test_negative_zone_from_the_network(rig):
    rig.urc("+CTZV: -20,0", '*PSUTTZ: 2026,3,2,4,30,0,"-20",0')
    assert rig.sms("DATE") == "DATE 26/03/01,23:30:00-20"


def test_garbage_and_implausible_network_times_are_ignored(rig):
    rig.urc(
        "*PSUTTZ: ",
        "*PSUTTZ: 2024,7,24,14,4",
        '*PSUTTZ: 2024,7,24,14,4,19,"+99",0',
        '*PSUTTZ: 2020,12,16,18,3,45,"+4",0',  # plausible form, but 2020
        "+CTZV: xx",
        "DST: garbage",
        "+CIEV: \x00\xff",
        "+CTZV: +8,0,0,0",
    )
    assert rig.wall() is None
    assert any("not plausible" in x for x in rig.log.lines)


def test_network_follows_until_the_owner_sets_it(rig):
    rig.urc('*PSUTTZ: 2024,7,24,14,4,19,"+8",0')
    rig.urc('*PSUTTZ: 2024,7,24,15,0,0,"+12",0')  # a DST change: the network wins
    assert rig.wall() == (2024, 7, 24, 18, 0, 0, 12)
    assert rig.sms("DATE=26/11/23,08:00:00+08") == "DATE=26/11/23,08:00:00+08 - OK"
    rig.urc('*PSUTTZ: 2024,7,24,15,0,10,"+12",0')
    rig.online()
    rig.advance(CCLK_AFTER_REGISTER_MS)
    rig.at.answer(line='+CCLK: "24/07/24,17:00:15+12"')
    rig.poll()
    assert rig.wall() == (2026, 11, 23, 8, 0, 5, 8)  # the owner's time, running


def test_a_close_network_time_is_not_written_again(rig):
    rig.urc('*PSUTTZ: 2024,7,24,14,4,19,"+8",0')
    rig.advance(10 * SEC)
    rig.urc('*PSUTTZ: 2024,7,24,14,4,31,"+8",0')  # 2 s off: left alone
    rig.urc('*PSUTTZ: 2024,7,24,14,4,29,"+4",0')  # another zone: written
    assert len(rig.rtc.writes) == 2
    assert rig.wall() == (2024, 7, 24, 15, 4, 29, 4)


def test_sms_time_stamp_sets_only_a_clock_that_is_not_set(rig):
    rig.clock.sms_stamp((80, 1, 6, 0, 0, 0, 0))  # implausible
    rig.clock.sms_stamp((26, 2, 30, 0, 0, 0, 0))  # garbage
    rig.clock.sms_stamp(None)
    assert rig.wall() is None
    rig.clock.sms_stamp((26, 1, 1, 0, 0, 30, 0))
    assert rig.wall() == (2026, 1, 1, 0, 0, 30, 0)
    rig.clock.sms_stamp((26, 5, 5, 5, 5, 5, 4))
    assert rig.wall() == (2026, 1, 1, 0, 0, 30, 0)
    rig.urc('*PSUTTZ: 2026,1,1,0,10,0,"+8",0')  # the network still wins over a stamp
    assert rig.wall() == (2026, 1, 1, 2, 10, 0, 8)


def test_date_set_and_its_errors(rig):
    assert rig.sms("DATE=26/11/23,08:00:00+08") == "DATE=26/11/23,08:00:00+08 - OK"
    assert rig.clock.by_owner
    assert rig.sms("date=26/11/23,09:00:00") == "DATE=26/11/23,09:00:00+08 - OK"  # zone kept
    assert rig.sms("DATE=26/11/23,09:00:00-04") == "DATE=26/11/23,09:00:00-04 - OK"
    for bad in ("DATE=26/02/29,08:00:00+08", "DATE=26/11/23,08:00:00+60", "DATE=26/11/23", "DATE="):
        assert rig.sms(bad) == "Incorrect value!"
    assert rig.sms("DATE") == "DATE 26/11/23,09:00:00-04"


def test_date_set_is_a_configuration_command(rig):
    rig.p._window_end = None
    assert (
        rig.sms("DATE=26/11/23,08:00:00+08")
        == "DATE=26/11/23,08:00:00+08 - Time for configuration is expired (30min)!"
    )
    assert rig.sms("DATESMS") == "DATESMS - Time for configuration is expired (30min)!"
    assert rig.wall() is None
    assert rig.sms("DATE") == "DATE is not set!"  # CTRL


def test_datesms_takes_the_messages_own_stamp(rig):
    rig.urc('*PSUTTZ: 2024,7,24,14,4,19,"+8",0')
    assert rig.sms("DATESMS", (26, 3, 1, 23, 30, 0, -20)) == "DATE 26/03/01,23:30:00-20 - OK"
    assert rig.wall() == (2026, 3, 1, 23, 30, 0, -20)
    rig.urc('*PSUTTZ: 2024,7,24,14,5,19,"+8",0')
    assert rig.wall() == (2026, 3, 1, 23, 30, 0, -20)  # the owner's time wins
    assert rig.sms("DATESMS", (26, 2, 30, 0, 0, 0, 0)) == "Incorrect value!"
    assert rig.p.handle_console("DATESMS", rig.now) == "Execute error!"  # no SMS, no stamp
    assert rig.p.handle_console("DATE=26/11/23,08:00:00+08", rig.now) == "DATE=26/11/23,08:00:00+08 - OK"


def test_light_models_have_no_date_commands():
    r = Rig(model="707L")
    for cmd in ("DATE", "DATESMS", "DATE=26/11/23,08:00:00+08"):
        assert r.sms(cmd) == cmd + " - Error!"
    r.urc('*PSUTTZ: 2024,7,24,14,4,19,"+8",0')
    assert r.wall() == (2024, 7, 24, 16, 4, 19, 8)  # the clock still runs (RUNTIME, A-29)


def test_cclk_after_registration(rig):
    rig.online()
    assert rig.clock.next_deadline(rig.now) == CCLK_AFTER_REGISTER_MS
    rig.advance(CCLK_AFTER_REGISTER_MS - 100)
    assert rig.at.texts() == []
    rig.advance(100)
    assert rig.at.texts() == ["AT+CCLK?"]
    assert rig.clock.next_deadline(rig.now) is None  # the engine times it out
    rig.at.answer(line='+CCLK: "26/11/23,08:00:00+08"')
    assert rig.clock.next_deadline(rig.now) == 0
    rig.poll()
    assert rig.wall() == (2026, 11, 23, 8, 0, 0, 8)
    rig.advance(NITZ_WAIT_MS)
    assert rig.at.texts() == ["AT+CCLK?"]  # network time works: nothing more


def test_cclk_garbage_or_errors_change_nothing(rig):
    rig.online()
    for line, final in (('+CCLK: "26/11/23 08:00:00+08"', "OK"), ("+CCLK: \x00\xff", "OK"), (None, "ERROR")):
        rig.modem.registered = False
        rig.poll()
        rig.online()
        rig.advance(CCLK_AFTER_REGISTER_MS)
        rig.at.answer(final, line)
        rig.poll()
    assert rig.wall() is None
    assert sum(1 for x in rig.log.lines if x.startswith("CLOCK ignored: +CCLK")) == 2


def test_ctzv_alone_reads_cclk(rig):
    rig.online()
    rig.urc("+CTZV: +8,0")
    assert rig.clock.next_deadline(rig.now) == CCLK_AFTER_ZONE_MS
    rig.advance(CCLK_AFTER_ZONE_MS)
    assert rig.at.texts() == ["AT+CCLK?"]
    rig.at.answer(line='+CCLK: "26/11/23,08:00:00+8"')
    rig.poll()
    assert rig.wall() == (2026, 11, 23, 8, 0, 0, 8)


def test_fresh_modem_gets_clts_saved_and_one_restart(rig):
    rig.online()
    rig.advance(CCLK_AFTER_REGISTER_MS)
    rig.at.answer(line='+CCLK: "04/01/01,00:00:20+00"')  # no network time yet
    rig.poll()
    assert rig.wall() is None
    rig.calm = False  # a call is up: wait
    rig.advance(NITZ_WAIT_MS)
    assert rig.at.texts() == ["AT+CCLK?"]
    rig.calm = True
    rig.advance(SEC)
    assert rig.at.texts() == ["AT+CCLK?", "AT+CLTS=1;&W"]
    rig.at.answer()
    rig.poll()
    assert rig.at.texts() == ["AT+CCLK?", "AT+CLTS=1;&W", "AT+CFUN=1,1"]
    rig.at.answer()
    # the modem restarts, registers again and this time reports the network's time
    rig.modem.ready = rig.modem.registered = False
    rig.modem.restarts += 1
    rig.advance(10 * SEC)
    rig.online()
    rig.urc("+CTZV: +8,0", '*PSUTTZ: 2026,11,23,6,0,13,"+8",0', "DST: 0")
    assert rig.wall() == (2026, 11, 23, 8, 0, 13, 8)
    rig.advance(2 * NITZ_WAIT_MS)
    assert rig.at.texts() == ["AT+CCLK?", "AT+CLTS=1;&W", "AT+CFUN=1,1"]  # once per boot


def test_no_restart_when_the_network_sends_time_even_if_implausible(rig):
    rig.online()
    rig.urc("+CTZV: +0,0", '*PSUTTZ: 2023,6,1,12,0,0,"+0",0')
    rig.advance(NITZ_WAIT_MS + CCLK_AFTER_REGISTER_MS)
    assert rig.at.texts() == []
    assert rig.wall() is None


def test_network_without_time_costs_one_restart_per_boot(rig):
    rig.online()
    rig.advance(CCLK_AFTER_REGISTER_MS)
    rig.at.answer(line='+CCLK: "04/01/01,00:00:05+00"')
    rig.advance(NITZ_WAIT_MS)
    rig.at.answer("ERROR")  # AT&W refused: no restart either
    rig.poll()
    assert rig.at.texts() == ["AT+CCLK?", "AT+CLTS=1;&W"]
    assert rig.sms("DATE") == "DATE is not set!"
    rig.clock.sms_stamp((26, 1, 1, 0, 1, 0, 0))
    assert rig.sms("DATE") == "DATE 26/01/01,00:01:00+00"


def test_offline_forgets_deadlines_and_a_full_engine_retries(rig):
    rig.online()
    rig.modem.registered = False
    rig.poll()
    assert rig.clock.next_deadline(rig.now) is None
    rig.advance(3 * 24 * 3600 * SEC, step=3600 * SEC)  # days offline: no stale tick survives
    rig.at.full = True
    rig.online()
    rig.advance(CCLK_AFTER_REGISTER_MS)
    assert rig.at.texts() == []
    assert rig.clock.next_deadline(rig.now) == SEC
    rig.at.full = False
    rig.advance(SEC)
    assert rig.at.texts() == ["AT+CCLK?"]


def test_a_modem_restart_fails_the_command_and_plans_again(rig):
    rig.online()
    rig.advance(CCLK_AFTER_REGISTER_MS)
    rig.at.answer("RESET")  # abort_all
    rig.modem.restarts += 1
    rig.poll()
    rig.advance(CCLK_AFTER_REGISTER_MS)
    assert rig.at.texts() == ["AT+CCLK?", "AT+CCLK?"]


def test_a_broken_rtc_reads_as_not_set(rig):
    rig.urc('*PSUTTZ: 2024,7,24,14,4,19,"+8",0')

    def broken():
        raise OSError("rtc")

    rig.rtc.read = broken
    assert rig.wall() is None
    assert rig.sms("DATE") == "DATE is not set!"


def test_status_reads_the_clock(rig):
    from isocket.device import Status

    status = Status(rig.modem, Settings())
    assert status.wall_time(rig.now) is None  # no clock fitted
    status.clock = rig.clock
    assert status.wall_time(rig.now) is None  # not set yet
    rig.urc('*PSUTTZ: 2024,7,24,14,4,19,"+8",0')
    assert status.wall_time(rig.now) == (2024, 7, 24, 16, 4, 19, 8)
