"""CommandProcessor: every in-scope command, the A-04 order, window, SMSCONFIRM, ERROR, limits."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isocket.command_processor import WINDOW_MS, CommandProcessor
from isocket.main_socket import MainSocket
from isocket.rate_limit import ReplyLimiter
from isocket.settings import Settings

WRAP = 1 << 29
MIN = 60_000
OWNER = "+358401234567"
OWNER_D = "358401234567"
OTHER = "+447700900123"
OTHER_D = "447700900123"
EXPIRED = " - Time for configuration is expired (30min)!"


class FakeRelay:
    def __init__(self):
        self.value = None


class FakeStatus:
    def __init__(self, dbm=-67, wall=None):
        self.signal_dbm = dbm
        self.wall = wall
        self.temp = None
        self.micro = False
        self.activity = False

    def wall_time(self, now):
        return self.wall

    def temperature(self):
        return self.temp

    def micro_relay_on(self):
        return self.micro

    def alarm_active(self):
        return self.activity


class FakePersist:
    def __init__(self):
        self.ok = True
        self.stored = []

    def __call__(self, settings):
        if self.ok == "raise":
            raise OSError("flash")
        if self.ok:
            self.stored.append(settings.copy())
        return self.ok


class Rig:
    """A processor with fakes around it and a clock that can start near the ticks wrap."""

    def __init__(self, model="707", now=0, window=True, errors_unlimited=True, wall=None, dbm=-67):
        self.now = now % WRAP
        self.settings = Settings()
        self.relay = FakeRelay()
        self.socket = MainSocket(self.relay, self.now, False)
        self.persist = FakePersist()
        self.status = FakeStatus(dbm, wall)
        self.p = CommandProcessor(
            self.settings, self.socket, self.persist, self.status, model, self.now, window
        )
        if errors_unlimited:
            self.p.limiter = ReplyLimiter(limit=10_000)

    def sms(self, text, sender=OWNER):
        return self.p.handle_sms(sender, text, self.now)

    def console(self, text):
        return self.p.handle_console(text, self.now)

    def advance(self, ms):
        self.now = (self.now + ms) % WRAP
        self.socket.poll(self.now)
        self.p.poll(self.now)

    def secure(self, numbers=(OWNER_D,)):
        """SECLIST on with ``numbers`` listed."""
        for n in numbers:
            assert self.sms("SECNUMBER+" + n).endswith(" - OK")
        assert self.sms("SECLIST=ON") == "SECLIST=ON - OK"


@pytest.fixture(params=[0, WRAP - 10 * MIN], ids=["t0", "near-wrap"])
def rig(request):
    return Rig(now=request.param)


# --- main socket commands ------------------------------------------------------------------------


def test_on_off(rig):
    assert rig.sms("ON") == "Power socket ON"
    assert rig.relay.value is True and rig.p.last_outcome == "executed ON"
    assert rig.sms("off") == "Power socket OFF"
    assert rig.relay.value is False
    assert rig.persist.stored == []  # the relay state is not a setting


def test_on_n_and_off_n(rig):
    assert rig.sms("on5") == "Power ON for 5 min"
    assert rig.relay.value is True
    rig.advance(5 * MIN)
    assert rig.relay.value is False
    assert rig.sms("OFF00012") == "Power OFF for 12 min"
    assert rig.socket.settled is True
    rig.advance(12 * MIN)
    assert rig.relay.value is True
    assert rig.sms("ON720") == "Power ON for 720 min"


@pytest.mark.parametrize("text", ["ON0", "ON721", "ON5X", "OFF1.5", "ON99999999999999999999", "OFF0000"])
def test_on_n_bad_values(rig, text):
    assert rig.sms(text) == "Incorrect value!"
    assert rig.relay.value is False


@pytest.mark.parametrize("text,echo", [("ONX", "ONX"), ("onn", "ONN"), ("OFFF", "OFFF"), ("ON-5", "ON-5")])
def test_misspelt_switch_commands_are_unknown(rig, text, echo):
    assert rig.sms(text) == echo + " - Error!"


def test_restart_uses_restarttime(rig):
    rig.sms("ON")
    assert rig.sms("RESTART") == "Power socket restarted"
    assert rig.relay.value is False
    rig.advance(9_999)
    assert rig.relay.value is False
    rig.advance(1)
    assert rig.relay.value is True
    assert rig.sms("RESTARTTIME=3") == "RESTARTTIME=3 - OK"
    rig.sms("RESTART")
    rig.advance(3000)
    assert rig.relay.value is True


def test_restarttime_set_and_query(rig):
    assert rig.sms("RESTARTTIME?") == "RESTARTTIME=10 seconds"
    assert rig.sms("restarttime=005") == "RESTARTTIME=5 - OK"
    assert rig.persist.stored[-1].restart_time == 5
    assert rig.sms("RESTARTIME=600") == "RESTARTTIME=600 - OK"  # alias, echoed with two Ts
    assert rig.sms("restartime?") == "RESTARTTIME=600 seconds"
    for bad in (
        "RESTARTTIME=0",
        "RESTARTTIME=601",
        "RESTARTTIME=",
        "RESTARTTIME=abc",
        "RESTARTTIME=-5",
        "RESTARTIME=1e3",
    ):
        assert rig.sms(bad) == "Incorrect value!", bad
    assert rig.settings.restart_time == 600
    assert rig.sms("RESTARTTIME") == "RESTARTTIME - Error!"


def test_status_full_model():
    rig = Rig(wall=(2026, 11, 23, 8, 0, 0, 8))
    rig.sms("ON")
    assert rig.sms("STATUS") == (
        "Power socket ON\nMicrorelay OFF\nSignal: Good (-67dBm)\nTEMP: N/A\nALARMF: Disabled\n"
        "ALARM status: No activity\nTime: 26/11/23,08:00:00"
    )


def test_status_reports_temperature_micro_relay_and_sensor_activity():
    rig = Rig()
    rig.status.temp, rig.status.micro, rig.status.activity = -3, True, True
    assert rig.sms("STATUS").split("\n")[1:6] == [
        "Microrelay ON",
        "Signal: Good (-67dBm)",
        "TEMP: -3C",
        "ALARMF: Disabled",
        "ALARM status: Activity detected",
    ]


def test_status_without_clock_or_signal_and_light():
    rig = Rig(dbm=None)
    assert rig.sms("STATUS").split("\n")[2:] == [
        "Signal: Unknown",
        "TEMP: N/A",
        "ALARMF: Disabled",
        "ALARM status: No activity",
        "Time: not set",
    ]
    rig.status.wall = (2026, 2, 30, 8, 0, 0, 8)  # an impossible clock counts as not set
    assert rig.sms("STATUS").endswith("Time: not set")
    light = Rig(model="706L", wall=(2026, 11, 23, 8, 0, 0, 8))
    assert light.sms("STATUS") == "Power socket OFF\nSignal: Good (-67dBm)"


@pytest.mark.parametrize(
    "dbm,word",
    [
        (-51, "Excellent"),
        (-65, "Excellent"),
        (-66, "Good"),
        (-79, "Good"),
        (-80, "Fair"),
        (-89, "Fair"),
        (-90, "Poor"),
        (-113, "Poor"),
    ],
)
def test_signal_words(dbm, word):
    assert Rig(dbm=dbm).sms("STATUS").split("\n")[2] == "Signal: %s (%ddBm)" % (word, dbm)


def test_runtime_with_clock(rig):
    rig.status.wall = (2026, 11, 23, 8, 0, 0, 8)
    rig.sms("ON")
    rig.advance(90 * MIN)
    rig.status.wall = (2026, 11, 23, 9, 30, 0, 8)
    assert rig.sms("RUNTIME") == "Power socket is ON from: 26/11/23,08:00:00"
    rig.sms("OFF")
    rig.advance(MIN)
    rig.status.wall = (2026, 11, 23, 9, 31, 0, 8)
    assert rig.sms("runtime") == "Power socket is OFF from: 26/11/23,09:30:00"


def test_runtime_clock_never_set(rig):
    assert rig.sms("RUNTIME") == "Power socket is OFF for 0 min"
    rig.sms("ON")
    rig.advance(12 * MIN + 59_999)
    assert rig.sms("RUNTIME") == "Power socket is ON for 12 min"


def test_runtime_after_days_and_across_midnight(rig):
    rig.sms("ON")
    for _ in range(7 * 24):  # a week, polled hourly
        rig.advance(60 * MIN)
    assert rig.sms("RUNTIME") == "Power socket is ON for %d min" % (7 * 24 * 60)
    rig.status.wall = (2026, 3, 1, 0, 30, 0, -4)
    assert rig.sms("RUNTIME") == "Power socket is ON from: 26/02/22,00:30:00"


def test_runtime_start_before_2000_falls_back_to_minutes():
    rig = Rig(wall=(2000, 1, 1, 0, 0, 30, 0))
    rig.advance(2 * MIN)
    assert rig.sms("RUNTIME") == "Power socket is OFF for 2 min"


# --- sender filter and length (A-04 steps 1-2) ----------------------------------------------------


@pytest.mark.parametrize("sender", ["Operator", "", "+", "INFO", "Vodafone1", None])
def test_non_numeric_senders_are_ignored(rig, sender):
    assert rig.p.handle_sms(sender, "ON", rig.now) is None
    assert rig.relay.value is False
    assert rig.p.last_outcome.startswith("ignored: ")


def test_alphanumeric_outcome_text(rig):
    rig.p.handle_sms("Operator", "xx", rig.now)
    assert rig.p.last_outcome == "ignored: alphanumeric sender"


def test_30_characters_accepted_31_dropped(rig):
    text30 = "RESTARTTIME=" + "0" * 17 + "7"
    assert len(text30) == 30
    assert rig.sms("  " + text30 + " \r\n") == "RESTARTTIME=7 - OK"
    assert rig.sms("RESTARTTIME=" + "0" * 18 + "8") is None
    assert rig.p.last_outcome == "dropped: command longer than 30 characters"
    assert rig.sms("X" * 31) is None  # dropped even though it is an unknown command
    assert rig.settings.restart_time == 7


def test_30_characters_after_the_password(rig):
    rig.sms("PASSWORD=12abc")
    text30 = "RESTARTTIME=" + "0" * 17 + "7"
    assert rig.sms("12abc" + text30) == "RESTARTTIME=7 - OK"
    assert rig.sms("12abc" + text30 + "0") is None
    assert rig.p.last_outcome == "dropped: command longer than 30 characters"
    # a wrong password on a 35-character message is answered, on 36 characters dropped
    assert rig.sms("xxxxx" + text30) == "Invalid access password!"
    assert rig.sms("xxxxx" + text30 + "0") is None


# --- SECLIST and password (steps 3-4) -------------------------------------------------------------


def test_unlisted_sender_is_silent_by_default(rig):
    rig.secure()
    assert rig.sms("ON", OTHER) is None
    assert rig.relay.value is False
    assert rig.p.last_outcome == "ignored: sender not in SECLIST"


def test_access_deny_needs_smsconfirmunauth_and_error(rig):
    rig.secure()
    assert rig.sms("SMSCONFIRMUNAUTH=ON") == "SMSCONFIRMUNAUTH=ON - OK"
    assert rig.sms("ON", OTHER) == "Access deny!"
    assert rig.sms("garbage", OTHER) == "Access deny!"
    assert rig.relay.value is False
    rig.sms("ERROR=OFF")
    assert rig.sms("ON", OTHER) is None


def test_listed_sender_forms(rig):
    rig.secure()
    assert rig.sms("ON", "358401234567") == "Power socket ON"
    assert rig.sms("OFF", "00358401234567") == "Power socket OFF"
    assert rig.sms("ON", "0401234567") is None  # local form: not the stored number


def test_password_prefix(rig):
    assert rig.sms("PASSWORD=12abc") == "PASSWORD=***** - OK"
    assert rig.persist.stored[-1].password == "12abc"
    assert rig.sms("ON") == "Invalid access password!"
    assert rig.relay.value is False
    assert rig.sms("12ABCon") == "Power socket ON"  # case-insensitive
    assert rig.sms("12abcFOO") == "FOO - Error!"
    assert rig.sms("12abc") == "Command - Error!"
    assert rig.sms("12ab") == "Invalid access password!"
    assert rig.sms("12abc ON") == " ON - Error!"
    assert rig.sms("12abcPASSWORD=new99") == "PASSWORD=***** - OK"
    assert rig.sms("new99PASSWORD=no") == "PASSWORD=NO - OK"
    assert rig.sms("ON") == "Power socket ON"


@pytest.mark.parametrize("value", ["abcd", "abcdef", "ab!de", "", "ab de", "\u00e9bcde"])
def test_bad_passwords_are_not_echoed(rig, value):
    assert rig.sms("PASSWORD=" + value) == "Incorrect value!"
    assert rig.settings.password is None


def test_password_query_does_not_exist(rig):
    assert rig.sms("PASSWORD?") == "PASSWORD? - Error!"


# --- parse (step 5) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,reply",
    [
        ("foo", "FOO - Error!"),
        ("", "Command - Error!"),
        ("   ", "Command - Error!"),
        ("O N", "O N - Error!"),
        ("SECNUMBER+358 401234567", "SECNUMBER+358 401234567 - Error!"),  # whitespace inside
        ("SEC\tLIST=ON", "SEC?LIST=ON - Error!"),
        ("ON\nOFF", "ON?OFF - Error!"),
        ("st\u00e4tus", "ST\u00e4TUS - Error!"),  # GSM-7 letters are kept
        ("st\u0101tus", "ST?TUS - Error!"),
        ("status`", "STATUS? - Error!"),
        ("STATUS?", "STATUS? - Error!"),
        ("TEMPOFF?", "TEMPOFF? - Error!"),
        ("SECLIST=ON\u3000", "SECLIST=ON? - Error!"),
        ("SECNUMBER+\u0663\u0665\u0668", "SECNUMBER+??? - Error!"),
    ],
)
def test_unknown_and_malformed(rig, text, reply):
    assert rig.sms(text) == reply
    assert rig.p.last_outcome == "refused: " + reply


@pytest.mark.parametrize(
    "text",
    [
        "THERMOSTATON",
        "TEMPERATURE",
        "ALARMON",
        "DATE",
        "SCHEDULER?",
        "HARDWARE",
        "SALDO",
        "ONM",
        "MICLEVEL=5",
        "TEMPCAL?",
    ],
)
def test_features_not_built_yet_are_unknown(text):
    rig = Rig(window=False)
    assert rig.sms(text.lower()) == text + " - Error!"


@pytest.mark.parametrize(
    "text",
    [
        "ONM",
        "RESTARTM",
        "TEMPERATURE",
        "THERMOSTAT=COOLING",
        "RING=MIC",
        "ALARMON",
        "SCHEDULER+08:00,*,ON",
        "CALLBACK",
    ],
)
def test_light_models_do_not_know_optional_commands(text):
    for model in ("706L", "707L"):
        rig = Rig(model=model, window=False)
        assert rig.sms(text) == text + " - Error!"


def test_light_ring_and_alertnumbers():
    rig = Rig(model="707L")
    assert rig.sms("RING?") == "RING=(NOACTION),RESTART,SWITCH"
    assert rig.sms("ALERTNUMBER+358401234567") == "ALERTNUMBER+358401234567 - OK"
    assert rig.sms("ALERTNUMBER?") == "ALERTNUMBERs: 358401234567"
    rig.secure()
    assert rig.sms("RING=SWITCH") == "RING=SWITCH - OK"
    assert rig.sms("RING?") == "RING=NOACTION,RESTART,(SWITCH)"


# --- window (step 6, step 10) ---------------------------------------------------------------------


def test_window_closed_refuses_conf_but_not_ctrl_or_inf():
    rig = Rig(window=False)
    assert not rig.p.window_open(rig.now)
    assert rig.sms("restarttime=5") == "RESTARTTIME=5" + EXPIRED
    assert rig.sms("RESTARTTIME=0") == "RESTARTTIME=0" + EXPIRED  # window before value
    assert rig.sms("POWERSTATE=ON") == "POWERSTATE=ON" + EXPIRED  # Conf counts as 30min
    assert rig.sms("PASSWORD=secret") == "PASSWORD=*****" + EXPIRED  # never echo a password
    assert rig.sms("PASSWORD=no") == "PASSWORD=NO" + EXPIRED
    assert rig.sms("RENEWINTERVALPW=123456abc") == "RENEWINTERVALPW=*********" + EXPIRED
    assert rig.sms("ON") == "Power socket ON"
    assert rig.sms("POWERSTATE?") == "POWERSTATE=(REMEMBER),ON,OFF"
    assert rig.persist.stored == []


def test_window_lasts_30_minutes(rig):
    assert rig.p.window_open(rig.now)
    assert rig.p.next_deadline(rig.now) == WINDOW_MS
    rig.advance(WINDOW_MS - 1)
    assert rig.sms("RESTARTTIME=5") == "RESTARTTIME=5 - OK"  # extends to a full 30 minutes
    rig.advance(WINDOW_MS - 1)
    assert rig.p.window_open(rig.now)
    rig.advance(1)
    assert not rig.p.window_open(rig.now)
    assert rig.p.next_deadline(rig.now) is None
    assert rig.sms("RESTARTTIME=6") == "RESTARTTIME=6" + EXPIRED
    assert rig.p.next_deadline(rig.now) == 60 * MIN  # the error reply counted for the rate limit


def test_only_successful_conf_commands_extend_the_window(rig):
    rig.advance(20 * MIN)
    for text in ("RESTARTTIME=0", "RING=SWITCH", "ON", "STATUS", "SECLIST?", "FOO", "SECLIST=ON"):
        rig.sms(text)
    rig.advance(10 * MIN)
    assert not rig.p.window_open(rig.now)


def test_window_stays_closed_long_after_expiry(rig):
    rig.advance(WINDOW_MS)
    for _ in range(5 * 24):  # five days: ticks_diff alone would see the old deadline again
        rig.advance(60 * MIN)
        assert not rig.p.window_open(rig.now)


def test_conf_from_an_unauthorised_sender_never_extends(rig):
    rig.secure()
    rig.advance(20 * MIN)
    rig.sms("RESTARTTIME=5", OTHER)
    rig.advance(10 * MIN)
    assert not rig.p.window_open(rig.now)


def test_renewinterval(rig):
    assert rig.sms("RENEWINTERVAL123456abc") == "Renew password was not setup"
    assert rig.sms("RENEWINTERVALPW=123456abc") == "No security setup!"
    assert rig.sms("RENEWINTERVALPW=12345") == "Incorrect value!"  # value before precondition
    assert rig.sms("RENEWINTERVAL?") == "Password not presented, renew impossible"
    rig.sms("PASSWORD=12abc")
    assert rig.sms("12abcRENEWINTERVALPW=123456ABC") == "RENEWINTERVALPW=********* - OK"
    assert rig.persist.stored[-1].renew_pw == "123456ABC"
    assert rig.sms("12abcRENEWINTERVAL?") == "Password presented, renew possible"
    assert rig.sms("12abcRENEWINTERVALPW?") == "Password presented, renew possible"
    rig.advance(WINDOW_MS)
    assert rig.sms("12abcSECNUMBER+123") == "SECNUMBER+123" + EXPIRED
    assert rig.sms("12abcRENEWINTERVAL123456abd") == "Invalid renew password!"
    assert rig.sms("12abcRENEWINTERVAL12345") == "Invalid renew password!"
    assert rig.sms("12abcRENEWINTERVAL 123456abc") == "Invalid renew password!"
    assert not rig.p.window_open(rig.now)
    assert rig.sms("12abcrenewinterval123456abc") == "Configuration interval renewed"
    assert rig.p.window_open(rig.now)
    rig.advance(WINDOW_MS - 1)
    assert rig.sms("12abcRENEWINTERVALPW=NO") == "RENEWINTERVALPW=NO - OK"
    assert rig.sms("12abcRENEWINTERVAL123456abc") == "Renew password was not setup"


def test_renewinterval_needs_the_access_password_too(rig):
    rig.sms("PASSWORD=12abc")
    rig.sms("12abcRENEWINTERVALPW=123456abc")
    assert rig.sms("RENEWINTERVAL123456abc") == "Invalid access password!"


# --- values and preconditions (steps 7-8) ---------------------------------------------------------


def test_ring_needs_seclist(rig):
    assert rig.sms("RING=SWITCH") == "SECLIST is not active!"
    assert rig.sms("RING=MIC") == "SECLIST is not active!"
    assert rig.sms("RING=LOUD") == "Incorrect value!"
    assert rig.sms("RING=NOACTION") == "RING=NOACTION - OK"
    assert rig.sms("RING?") == "RING=(NOACTION),RESTART,SWITCH,MIC"
    rig.secure()
    for action in ("restart", "SWITCH", "Mic", "NOACTION"):
        assert rig.sms("RING=" + action) == "RING=%s - OK" % action.upper()
    rig.sms("RING=RESTART")
    assert rig.sms("RING?") == "RING=NOACTION,(RESTART),SWITCH,MIC"


def test_seclist(rig):
    assert rig.sms("SECLIST?") == "SECLIST=(OFF),ON"
    assert rig.sms("SECLIST=ON") == "No SECNUMBERs!"
    assert rig.sms("SECLIST=MAYBE") == "Incorrect value!"
    assert rig.sms("SECLIST=") == "Incorrect value!"
    rig.secure()
    assert rig.sms("SECLIST?") == "SECLIST=OFF,(ON)"
    assert rig.persist.stored[-1].seclist is True


def test_secnumber_add_remove_query(rig):
    assert rig.sms("SECNUMBER?") == "No SECNUMBERs!"
    assert rig.sms("SECNUMBER+00358401234567") == "SECNUMBER+358401234567 - OK"
    assert rig.sms("secnumber++447700900123") == "SECNUMBER+447700900123 - OK"
    assert rig.sms("SECNUMBER+358401234567") == "SECNUMBER+358401234567 - OK"  # no duplicate
    assert rig.sms("SECNUMBER?") == "SECNUMBERs 358401234567, 447700900123"
    for bad in (
        "SECNUMBER+12",
        "SECNUMBER+1234567890123456",
        "SECNUMBER+35840abc",
        "SECNUMBER+",
        "SECNUMBER-999",
        "SECNUMBER-x",
    ):
        assert rig.sms(bad) == "Incorrect value!", bad
    assert rig.sms("SECNUMBER-+447700900123") == "SECNUMBER-447700900123 - OK"
    assert rig.sms("SECNUMBER?") == "SECNUMBERs 358401234567"


def test_eleventh_number_is_refused(rig):
    for i in range(10):
        assert rig.sms("SECNUMBER+%d" % (1000 + i)) == "SECNUMBER+%d - OK" % (1000 + i)
    assert rig.sms("SECNUMBER+2000") == "List is full!"
    assert rig.sms("SECNUMBER+1005") == "SECNUMBER+1005 - OK"  # already there: fine
    assert len(rig.settings.secnumbers) == 10


def test_seclist_off_forces_noaction_and_drops_unprotected_renewal(rig):
    rig.secure()
    rig.sms("RING=SWITCH")
    rig.sms("RENEWINTERVALPW=123456abc")
    assert rig.sms("SECLIST=OFF") == "SECLIST=OFF - OK"
    stored = rig.persist.stored[-1]
    assert (stored.seclist, stored.ring, stored.renew_pw) == (False, "NOACTION", None)
    assert rig.sms("SECLIST=ON") == "SECLIST=ON - OK"
    assert rig.settings.ring == "NOACTION" and rig.settings.renew_pw is None  # nothing comes back


def test_seclist_off_keeps_renewal_while_a_password_protects(rig):
    rig.sms("PASSWORD=12abc")
    rig.sms("12abcSECNUMBER+" + OWNER_D)
    rig.sms("12abcSECLIST=ON")
    rig.sms("12abcRENEWINTERVALPW=123456abc")
    rig.sms("12abcSECLIST=OFF")
    assert rig.settings.renew_pw == "123456abc"
    rig.sms("12abcPASSWORD=NO")
    assert rig.settings.renew_pw is None


def test_password_no_keeps_renewal_while_seclist_protects(rig):
    rig.secure()
    rig.sms("PASSWORD=12abc")
    rig.sms("12abcRENEWINTERVALPW=123456abc")
    assert rig.sms("12abcPASSWORD=NO") == "PASSWORD=NO - OK"
    assert rig.settings.renew_pw == "123456abc"


@pytest.mark.parametrize("how", ["SECNUMBER-ALL", "SECNUMBER-" + OWNER_D])
def test_emptying_the_list_switches_seclist_off(rig, how):
    rig.secure()
    rig.sms("RING=RESTART")
    rig.sms("RENEWINTERVALPW=123456abc")
    assert rig.sms(how) == how + " - OK"  # a sender may remove its own number
    s = rig.persist.stored[-1]
    assert (s.secnumbers, s.seclist, s.ring, s.renew_pw) == ([], False, "NOACTION", None)
    assert rig.sms("ON", OTHER) == "Power socket ON"


def test_removing_one_of_several_keeps_seclist(rig):
    rig.secure((OWNER_D, OTHER_D))
    rig.sms("RING=SWITCH")
    assert rig.sms("SECNUMBER-" + OTHER_D) == "SECNUMBER-447700900123 - OK"
    assert rig.settings.seclist and rig.settings.ring == "SWITCH"


def test_alertnumbers(rig):
    assert rig.sms("ALERTNUMBER?") == "No ALERTNUMBERs!"
    assert rig.sms("ALERTNUMBER+00358401234567") == "ALERTNUMBER+358401234567 - OK"
    assert rig.sms("ALERTNUMBER+447700900123") == "ALERTNUMBER+447700900123 - OK"
    assert rig.sms("ALERTNUMBER?") == "ALERTNUMBERs: 358401234567, 447700900123"
    assert rig.sms("ALERTNUMBER-123") == "Incorrect value!"
    rig.settings.thermalert = True
    rig.settings.trisealert = 30
    rig.settings.tfallalert = 5
    assert rig.sms("ALERTNUMBER-358401234567") == "ALERTNUMBER-358401234567 - OK"
    assert rig.settings.trisealert == 30
    assert rig.sms("ALERTNUMBER-ALL") == "ALERTNUMBER-ALL - OK"
    s = rig.persist.stored[-1]
    assert (s.alertnumbers, s.thermalert, s.trisealert, s.tfallalert) == ([], False, None, None)
    for i in range(10):
        rig.sms("ALERTNUMBER+%d" % (5000 + i))
    assert rig.sms("ALERTNUMBER+6000") == "List is full!"


def test_removing_the_last_alert_number_turns_the_alerts_off(rig):
    rig.sms("ALERTNUMBER+358401234567")
    rig.settings.tfallalert = 5
    rig.sms("ALERTNUMBER-358401234567")
    assert rig.settings.tfallalert is None


@pytest.mark.parametrize(
    "name,factory,other",
    [
        ("SMSCONFIRM", "ON", "OFF"),
        ("RINGCONFIRM", "ON", "OFF"),
        ("ERROR", "ON", "OFF"),
        ("SMSCONFIRMUNAUTH", "OFF", "ON"),
    ],
)
def test_on_off_settings(rig, name, factory, other):
    assert rig.sms(name + "?") == "%s=(%s),%s" % (name, factory, other)
    assert rig.sms("%s=%s" % (name.lower(), other.lower())) == "%s=%s - OK" % (name, other)
    assert rig.sms(name + "?") == "%s=%s,(%s)" % (name, factory, other)
    rig.sms("SMSCONFIRM=ON")
    assert rig.sms(name + "=YES") in ("Incorrect value!", None)


def test_enumerated_settings(rig):
    assert rig.sms("RINGCONFIRMTYPE?") == "RINGCONFIRMTYPE=(SMS),CALL"
    assert rig.sms("ringconfirmtype=call") == "RINGCONFIRMTYPE=CALL - OK"
    assert rig.sms("RINGCONFIRMTYPE?") == "RINGCONFIRMTYPE=SMS,(CALL)"
    assert rig.sms("RINGCONFIRMTYPE=MIC") == "Incorrect value!"
    assert rig.sms("POWERSTATE?") == "POWERSTATE=(REMEMBER),ON,OFF"
    assert rig.sms("POWERSTATE=on") == "POWERSTATE=ON - OK"
    assert rig.sms("POWERSTATE?") == "POWERSTATE=REMEMBER,(ON),OFF"
    assert rig.sms("POWERSTATE=OFF") == "POWERSTATE=OFF - OK"
    assert rig.sms("POWERSTATE=MAYBE") == "Incorrect value!"
    assert rig.persist.stored[-1].powerstate == "OFF"


# --- execute, SMSCONFIRM, ERROR, persist (step 9) -------------------------------------------------


def test_smsconfirm_off(rig):
    rig.status.wall = (2026, 11, 23, 8, 0, 0, 8)
    assert rig.sms("SMSCONFIRM=OFF") == "SMSCONFIRM=OFF - OK"  # its own confirmation is sent
    assert rig.sms("ON") is None
    assert rig.relay.value is True
    assert rig.p.last_outcome == "executed ON (SMSCONFIRM=OFF: no reply)"
    assert rig.sms("RESTARTTIME=7") is None and rig.settings.restart_time == 7
    assert rig.sms("STATUS").startswith("Power socket ON")
    assert rig.sms("RUNTIME").startswith("Power socket is ON")
    assert rig.sms("SECNUMBER?") == "No SECNUMBERs!"
    assert rig.sms("SMSCONFIRM?") == "SMSCONFIRM=ON,(OFF)"
    assert rig.sms("RENEWINTERVAL?") == "Password not presented, renew impossible"
    assert rig.sms("RESTARTTIME=0") == "Incorrect value!"  # errors follow ERROR only
    assert rig.sms("SMSCONFIRM=ON") == "SMSCONFIRM=ON - OK"
    assert rig.sms("OFF") == "Power socket OFF"


def test_error_off_silences_every_error(rig):
    rig.sms("PASSWORD=12abc")
    assert rig.sms("12abcERROR=OFF") == "ERROR=OFF - OK"
    for text in ("ON", "12abcFOO", "12abcRESTARTTIME=0", "12abcRING=SWITCH", "12abc"):
        assert rig.sms(text) is None, text
    assert rig.p.last_outcome.startswith("refused silently (ERROR=OFF): ")
    rig.advance(WINDOW_MS)
    assert rig.sms("12abcRESTARTTIME=5") is None
    assert rig.sms("12abcERROR?") == "ERROR=ON,(OFF)"


def test_persist_before_confirmation_and_only_on_change(rig):
    rig.sms("SECNUMBER+" + OWNER_D)
    assert len(rig.persist.stored) == 1 and rig.persist.stored[0].secnumbers == [OWNER_D]
    rig.sms("SECNUMBER+" + OWNER_D)
    rig.sms("SECNUMBER?")
    rig.sms("POWERSTATE=REMEMBER")
    rig.sms("ON")
    assert len(rig.persist.stored) == 1


@pytest.mark.parametrize("failure", [False, "raise"])
def test_persist_failure_rolls_back(rig, failure):
    rig.sms("SECNUMBER+" + OWNER_D)
    rig.advance(20 * MIN)
    rig.persist.ok = failure
    assert rig.sms("SECLIST=ON") == "Execute error!"
    assert rig.p.last_outcome == "refused: Execute error! (settings not stored, change undone)"
    assert rig.settings.seclist is False
    assert rig.sms("SECNUMBER-ALL") == "Execute error!"
    assert rig.settings.secnumbers == [OWNER_D]
    rig.advance(10 * MIN)
    assert not rig.p.window_open(rig.now)  # a failed command does not extend the window
    rig.persist.ok = True
    assert rig.sms("ON") == "Power socket ON"


def test_settings_object_is_changed_in_place(rig):
    keep = rig.settings
    rig.persist.ok = False
    rig.sms("RESTARTTIME=5")
    assert rig.p.settings is keep and keep.restart_time == 10


def test_unexpected_failure_is_execute_error(rig):
    def broken(on, now):
        raise RuntimeError("relay driver")

    rig.socket.switch = broken
    assert rig.sms("ON") == "Execute error!"
    assert rig.p.last_outcome == "refused: Execute error! (ON: relay driver)"
    assert rig.console("ON") == "Execute error!"


# --- rate limit -----------------------------------------------------------------------------------


def test_at_most_five_error_replies_per_number_per_hour():
    rig = Rig(now=WRAP - 5 * MIN, errors_unlimited=False)
    for _ in range(5):
        assert rig.sms("FOO") == "FOO - Error!"
    assert rig.sms("FOO") is None
    assert rig.p.last_outcome == "refused silently (5 error replies this hour): FOO - Error!"
    assert rig.sms("ON") == "Power socket ON"  # confirmations are not limited
    assert rig.sms("FOO", OTHER) == "FOO - Error!"
    assert 0 < rig.p.next_deadline(rig.now) <= 60 * MIN
    rig.advance(60 * MIN)
    assert rig.sms("FOO") == "FOO - Error!"


def test_access_deny_is_rate_limited():
    rig = Rig(errors_unlimited=False)
    rig.secure()
    rig.sms("SMSCONFIRMUNAUTH=ON")
    replies = [rig.sms("ON", OTHER) for _ in range(7)]
    assert replies == ["Access deny!"] * 5 + [None, None]


# --- console --------------------------------------------------------------------------------------


def test_console_runs_as_the_owner():
    rig = Rig(window=False)
    rig.settings.password = "12abc"
    rig.settings.secnumbers = [OWNER_D]
    rig.settings.seclist = True
    rig.settings.error = False
    rig.settings.smsconfirm = False
    assert rig.console("restarttime=5") == "RESTARTTIME=5 - OK"  # no window, no password
    assert rig.persist.stored[-1].restart_time == 5
    assert not rig.p.window_open(rig.now)
    assert rig.console("ON") == "Power socket ON"
    assert rig.console("FOO") == "FOO - Error!"
    assert rig.p.last_outcome == "refused: FOO - Error!"
    assert rig.console("RESTARTTIME=0") == "Incorrect value!"
    assert rig.console("12abcON") == "12ABCON - Error!"
    assert rig.console("X" * 31) == "Dropped: command longer than 30 characters"
    assert rig.console("RING=SWITCH") == "RING=SWITCH - OK"


def test_console_renewinterval_opens_the_window():
    rig = Rig(window=False)
    rig.settings.password = "12abc"
    rig.console("RENEWINTERVALPW=123456abc")
    assert rig.console("RENEWINTERVAL123456abc") == "Configuration interval renewed"
    assert rig.p.window_open(rig.now)


# --- each step wins over the later ones -----------------------------------------------------


def _protected(**flags):
    rig = Rig()
    rig.secure()
    rig.sms("PASSWORD=12abc")
    for k, v in flags.items():
        setattr(rig.settings, k, v)
    return rig


@pytest.mark.parametrize(
    "sender,text,reply",
    [
        ("Shop", "12abcFOO" + "X" * 40, None),  # 1 sender filter before everything
        (OTHER, "x" * 36, None),  # 2 length before SECLIST
        (OTHER, "FOO", "Access deny!"),  # 3 SECLIST before password and parse
        (OWNER, "xxxxxFOO", "Invalid access password!"),  # 4 password before parse
        (OWNER, "12abcFOO=1", "FOO=1 - Error!"),  # 5 parse before window and value
        (OWNER, "12abcRESTARTTIME=0", "RESTARTTIME=0" + EXPIRED),  # 6 window before value
        (OWNER, "12abcRENEWINTERVALPW=short", "RENEWINTERVALPW=*********" + EXPIRED),
    ],
)
def test_a04_precedence_window_closed(sender, text, reply):
    rig = _protected(smsconfirmunauth=True)
    rig.advance(WINDOW_MS)
    assert rig.sms(text, sender) == reply


def test_a04_value_before_precondition():
    rig = Rig()
    assert rig.sms("RENEWINTERVALPW=1234") == "Incorrect value!"  # not "No security setup!"
    assert rig.sms("RING=FOO") == "Incorrect value!"  # not "SECLIST is not active!"
    assert rig.sms("SECNUMBER-12") == "Incorrect value!"


# --- robustness -----------------------------------------------------------------------------------

VOCAB = [
    "ON",
    "OFF",
    "ON5",
    "OFF720",
    "RESTART",
    "STATUS",
    "RUNTIME",
    "SECNUMBER+358401234567",
    "SECNUMBER+447700900123",
    "SECNUMBER-358401234567",
    "SECNUMBER-ALL",
    "SECNUMBER?",
    "SECLIST=ON",
    "SECLIST=OFF",
    "PASSWORD=12abc",
    "12abcPASSWORD=NO",
    "RENEWINTERVALPW=123456abc",
    "12abcRENEWINTERVALPW=123456abc",
    "RENEWINTERVAL123456abc",
    "RING=SWITCH",
    "RING=MIC",
    "RING=NOACTION",
    "ALERTNUMBER+358401234567",
    "ALERTNUMBER-ALL",
    "SMSCONFIRM=OFF",
    "SMSCONFIRM=ON",
    "ERROR=OFF",
    "ERROR=ON",
    "SMSCONFIRMUNAUTH=ON",
    "POWERSTATE=OFF",
    "RESTARTTIME=1",
    "12abcSECLIST=OFF",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([OWNER, OTHER, "Operator"]),
            st.sampled_from(VOCAB) | st.text(max_size=40),
            st.integers(0, 40 * MIN),
        ),
        max_size=25,
    ),
    st.sampled_from(["707", "706L"]),
    st.integers(0, WRAP - 1),
)
def test_any_message_sequence_keeps_settings_consistent(msgs, model, start):
    rig = Rig(model=model, now=start)
    for sender, text, wait in msgs:
        rig.advance(wait)
        reply = rig.sms(text, sender)
        assert reply is None or (isinstance(reply, str) and reply)
        assert not rig.p.last_outcome.startswith("failed")
        rig.settings.validate()
        assert reply != "Execute error!"
    for s in rig.persist.stored:
        s.validate()


@given(st.text(max_size=60), st.text(max_size=25))
def test_arbitrary_text_and_senders_never_raise(text, sender):
    rig = Rig()
    reply = rig.p.handle_sms(sender, text, rig.now)
    assert reply is None or isinstance(reply, str)
    assert isinstance(rig.p.handle_console(text, rig.now), str)
