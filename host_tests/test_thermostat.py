"""Thermostat: commands and replies, warm-up, the A-30 hysteresis table, THERMALERT, TEMPERATURE,
TEMPCAL, and switching that leaves the remembered socket state (flash) alone; across the ticks wrap."""

import pytest

from isocket.alerts import AlertSender
from isocket.command_processor import CommandProcessor
from isocket.main_socket import MainSocket
from isocket.rate_limit import ReplyLimiter
from isocket.settings import Settings
from isocket.temp_alerts import TempAlerts
from isocket.thermostat import SAMPLE_MS, WARMUP_MS, Thermostat, decide

WRAP = 1 << 29
SEC = 1000
MIN = 60_000
OWNER = "+358401234567"
OWNER_D = "358401234567"
EXPIRED = " - Time for configuration is expired (30min)!"


class FakeRelay:
    def __init__(self):
        self.value = None


class FakeStatus:
    """The calibrated temperature in tenths (``t``), or None; whole degrees as Status rounds."""

    def __init__(self):
        self.t = None
        self.signal_dbm = -67
        self.serial = 0  # good probe readings so far (FakeProbe)

    def temperature_x10(self):
        return self.t

    def reading_serial(self):
        return self.serial

    def temperature(self):
        t = self.t
        if t is None:
            return None
        return (t + 5) // 10 if t >= 0 else -((-t + 5) // 10)

    def wall_time(self, now):
        return None

    def micro_relay_on(self):
        return False

    def alarm_active(self):
        return False


class FakeAlerts:
    def __init__(self):
        self.sent = []

    def send(self, kind, text, now):
        self.sent.append((kind, text))
        return 1


class FakeSms:
    def __init__(self):
        self.out = []

    def send(self, number, text, prio):
        self.out.append((number, text))
        return True


class FakeLog:
    def __init__(self):
        self.lines = []

    def line(self, tag, text):
        self.lines.append((tag, text))


class FakeProbe:
    """A fresh reading at boot and then every minute, as isocket.hw.thermometer gives them."""

    def __init__(self, status, now):
        self.status = status
        self.next = now

    def poll(self, now):
        if (now - self.next) % WRAP < WRAP // 2:
            self.status.serial += 1
            self.next = (self.next + SAMPLE_MS) % WRAP

    def next_deadline(self, now):
        return (self.next - now) % WRAP if (self.next - now) % WRAP < WRAP // 2 else 0


class Rig:
    """Both temperature features behind a real processor, with the clock starting at ``boot``."""

    def __init__(self, boot=0, model="707", window=True, real_alerts=False):
        self.boot = boot % WRAP
        self.now = self.boot
        self.settings = Settings()
        self.relay = FakeRelay()
        self.socket = MainSocket(self.relay, self.now, False)
        self.stored = []
        self.status = FakeStatus()
        if real_alerts:
            self.sms_out = FakeSms()
            self.alerts = AlertSender(self.settings, self.sms_out, FakeLog())
        else:
            self.alerts = FakeAlerts()
        self.p = CommandProcessor(
            self.settings, self.socket, self._persist, self.status, model, self.now, window
        )
        self.p.limiter = ReplyLimiter(limit=10_000)
        self.thermostat = Thermostat(self.settings, self.socket, self.status, self.alerts, self.now)
        self.temp_alerts = TempAlerts(self.settings, self.status, self.alerts, self.now)
        self.probe = FakeProbe(self.status, self.now)
        self.parts = [self.probe, self.socket, self.p, self.thermostat, self.temp_alerts]
        for f in (self.thermostat, self.temp_alerts):
            self.p.register(f)

    def _persist(self, settings):
        self.stored.append(settings.copy())
        return True

    def sms(self, text):
        return self.p.handle_sms(OWNER, text, self.now)

    def since_boot(self):
        return (self.now - self.boot) % WRAP

    def run(self, ms):
        """Run the loop for ``ms``, polling at every deadline as the device loop does."""
        end = self.now + ms
        t = self.now
        while True:
            for part in self.parts:
                part.poll(t % WRAP)
            self.now = t % WRAP
            waits = [part.next_deadline(self.now) for part in self.parts]
            step = min(w for w in waits if w is not None)
            if t + max(step, 1) > end:
                break
            t += max(step, 1)
        self.now = end % WRAP
        for part in self.parts:
            part.poll(self.now)

    def run_to(self, since_boot):
        self.run(since_boot - self.since_boot())

    def warm(self):
        """Past the warm-up, just after the first decision."""
        self.run_to(WARMUP_MS + SEC)

    def with_alert_number(self):
        assert self.sms("ALERTNUMBER+" + OWNER_D) == "ALERTNUMBER+%s - OK" % OWNER_D


@pytest.fixture(params=[0, WRAP - 5 * MIN], ids=["t0", "wrap-in-warmup"])
def rig(request):
    return Rig(boot=request.param)


# --- the A-30 table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, tempoff, t, want",
    [
        ("HEATING", 10, 100, False),  # reached: off
        ("HEATING", 10, 123, False),
        ("HEATING", 10, 99, None),  # inside the band
        ("HEATING", 10, 95, None),
        ("HEATING", 10, 94, True),  # below TEMPOFF - 0.5: on
        ("HEATING", 0, -6, True),
        ("HEATING", 0, -5, None),
        ("HEATING", 0, 0, False),
        ("COOLING", 22, 220, False),  # cooled down to it: off
        ("COOLING", 22, 150, False),
        ("COOLING", 22, 221, None),
        ("COOLING", 22, 225, None),
        ("COOLING", 22, 226, True),  # above TEMPOFF + 0.5: on
        ("COOLING", 50, 506, True),
    ],
)
def test_hysteresis_table(mode, tempoff, t, want):
    assert decide(mode, tempoff, t) is want


# --- commands ----------------------------------------------------------------------------------


def test_thermostat_on_off_replies_and_storage(rig):
    assert rig.sms("THERMOSTAT?") == "THERMOSTAT: Disabled\nTHERMOSTAT=HEATING\nTEMPOFF=10"
    assert rig.sms("THERMOSTATON") == (
        "THERMOSTATON - OK\nTHERMOSTAT=HEATING\nTEMPOFF=10\nAttention! Thermostat is working now!"
    )
    assert rig.settings.thermostat_on and rig.stored[-1].thermostat_on
    assert rig.sms("thermostat?") == "THERMOSTAT: Enabled\nTHERMOSTAT=HEATING\nTEMPOFF=10"
    n = len(rig.stored)
    assert rig.sms("ThermostatOn").startswith("THERMOSTATON - OK\n")
    assert len(rig.stored) == n  # unchanged: nothing written
    assert rig.sms("THERMOSTATOFF") == "THERMOSTATOFF - OK\nAttention! Thermostat was disabled!"
    assert not rig.settings.thermostat_on and not rig.stored[-1].thermostat_on


def test_mode_and_tempoff_replies(rig):
    assert rig.sms("THERMOSTAT=COOLING") == "THERMOSTAT=COOLING - OK\nTEMPOFF=10\nTHERMOSTAT: Disabled"
    assert rig.sms("TEMPOFF=22") == "TEMPOFF=22 - OK\nTHERMOSTAT=COOLING\nTHERMOSTAT: Disabled"
    rig.sms("THERMOSTATON")
    assert rig.sms("thermostat=heating") == "THERMOSTAT=HEATING - OK\nTEMPOFF=22\nTHERMOSTAT: Enabled"
    assert rig.sms("TEMPOFF=007") == "TEMPOFF=7 - OK\nTHERMOSTAT=HEATING\nTHERMOSTAT: Enabled"
    assert rig.sms("TEMPOFF=0").startswith("TEMPOFF=0 - OK")
    assert rig.sms("TEMPOFF=50").startswith("TEMPOFF=50 - OK")
    assert rig.sms("THERMOSTAT?") == "THERMOSTAT: Enabled\nTHERMOSTAT=HEATING\nTEMPOFF=50"
    s = rig.stored[-1]
    assert (s.tempoff, s.thermostat_mode) == (50, "HEATING")


@pytest.mark.parametrize("text", ["TEMPOFF=51", "TEMPOFF=-1", "TEMPOFF=", "TEMPOFF=1x", "TEMPOFF=+5"])
def test_tempoff_out_of_range(rig, text):
    n = len(rig.stored)
    assert rig.sms(text) == "Incorrect value!"
    assert rig.settings.tempoff == 10 and len(rig.stored) == n


@pytest.mark.parametrize("text", ["THERMOSTAT=WARM", "THERMOSTAT=", "THERMOSTAT=HEAT"])
def test_bad_mode(rig, text):
    assert rig.sms(text) == "Incorrect value!"
    assert rig.settings.thermostat_mode == "HEATING"


def test_conf_commands_need_the_window_ctrl_and_queries_do_not():
    rig = Rig(window=False)
    assert rig.sms("THERMOSTAT=COOLING") == "THERMOSTAT=COOLING" + EXPIRED
    assert rig.sms("TEMPOFF=20") == "TEMPOFF=20" + EXPIRED
    assert rig.sms("THERMALERT=OFF") == "THERMALERT=OFF" + EXPIRED
    assert rig.sms("TEMPCAL=3") == "TEMPCAL=3" + EXPIRED
    assert rig.sms("TRISEALERT=30") == "TRISEALERT=30" + EXPIRED
    assert rig.sms("TFALLALERT=OFF") == "TFALLALERT=OFF" + EXPIRED
    assert rig.sms("THERMOSTATON").startswith("THERMOSTATON - OK")
    assert rig.sms("THERMOSTAT?").startswith("THERMOSTAT: Enabled")
    assert rig.sms("TEMPCAL?") == "TEMPCAL=5"
    assert rig.sms("TEMPERATURE") == "TEMPERATURE: N/A"
    assert rig.p.handle_console("TEMPOFF=20", rig.now).startswith("TEMPOFF=20 - OK")  # the console may


@pytest.mark.parametrize(
    "text",
    ["THERMOSTATON", "THERMOSTAT?", "TEMPERATURE", "TEMPCAL?", "THERMALERT?", "TRISEALERT?", "TEMPOFF=5"],
)
def test_light_models_do_not_know_the_commands(text):
    rig = Rig(model="706L")
    assert rig.sms(text) == text + " - Error!"


def test_thermalert_needs_alert_numbers(rig):
    assert rig.sms("THERMALERT?") == "THERMALERT=(OFF),ON"
    assert rig.sms("THERMALERT=ON") == "No ALERTNUMBERs!"
    assert not rig.settings.thermalert and rig.stored == []
    assert rig.sms("THERMALERT=OFF") == "THERMALERT=OFF - OK"  # always allowed
    assert rig.sms("THERMALERT=MAYBE") == "Incorrect value!"
    rig.with_alert_number()
    assert rig.sms("thermalert=on") == "THERMALERT=ON - OK"
    assert rig.stored[-1].thermalert
    assert rig.sms("THERMALERT?") == "THERMALERT=OFF,(ON)"


def test_temperature_reply(rig):
    assert rig.sms("TEMPERATURE") == "TEMPERATURE: N/A"  # no reading yet
    for t, shown in ((200, "20"), (204, "20"), (205, "21"), (-25, "-3"), (-24, "-2"), (0, "0")):
        rig.status.t = t
        assert rig.sms("temperature") == "TEMPERATURE: %sC" % shown


def test_temperature_reply_is_sent_with_smsconfirm_off(rig):
    rig.status.t = 215
    assert rig.sms("SMSCONFIRM=OFF") == "SMSCONFIRM=OFF - OK"
    assert rig.sms("TEMPERATURE") == "TEMPERATURE: 22C"
    assert rig.sms("THERMOSTATON") is None


def test_tempcal(rig):
    assert rig.sms("TEMPCAL?") == "TEMPCAL=5"
    assert rig.sms("TEMPCAL=1") == "TEMPCAL=1 - OK"
    assert rig.settings.tempcal == 1 and rig.stored[-1].tempcal == 1
    assert rig.sms("tempcal=9") == "TEMPCAL=9 - OK"
    assert rig.sms("TEMPCAL?") == "TEMPCAL=9"
    for bad in ("TEMPCAL=0", "TEMPCAL=10", "TEMPCAL=-1", "TEMPCAL=", "TEMPCAL=5C"):
        assert rig.sms(bad) == "Incorrect value!"
    assert rig.settings.tempcal == 9


# --- decisions -----------------------------------------------------------------------------------


def test_warm_up_then_on_every_fresh_reading(rig):
    rig.sms("THERMOSTATON")
    rig.status.t = 50  # far below TEMPOFF=10: wants ON
    assert rig.thermostat.next_deadline(rig.now) == WARMUP_MS
    rig.run_to(WARMUP_MS - 1)
    assert not rig.socket.on  # nothing during the warm-up (R76)
    rig.run(1)
    assert rig.socket.on and rig.since_boot() == WARMUP_MS
    assert rig.thermostat.next_deadline(rig.now) is None  # from now on fresh readings wake it
    rig.status.t = 100
    rig.run(SAMPLE_MS - 1)
    assert rig.socket.on
    rig.run(1)
    assert not rig.socket.on


def test_enabled_later_decides_within_a_minute(rig):
    rig.status.t = 50
    rig.run_to(WARMUP_MS + 30 * SEC)
    assert not rig.socket.on  # disabled: nothing
    rig.sms("THERMOSTATON")
    rig.run(SAMPLE_MS - 30 * SEC - 1)
    assert not rig.socket.on
    rig.run(1)
    assert rig.socket.on


def test_enabled_during_the_warm_up_decides_at_minute_ten(rig):
    rig.status.t = 50
    rig.run_to(3 * MIN)
    rig.sms("THERMOSTATON")
    rig.run_to(WARMUP_MS - 1)
    assert not rig.socket.on
    rig.run(1)
    assert rig.socket.on


def test_heating_cycle_and_band(rig):
    rig.sms("THERMOSTATON")  # HEATING, TEMPOFF=10
    rig.status.t = 80
    rig.warm()
    assert rig.socket.on
    for t, on in ((95, True), (99, True), (100, False), (120, False), (96, False), (95, False), (94, True)):
        rig.status.t = t
        rig.run(SAMPLE_MS)
        assert rig.socket.on is on, t


def test_cooling_cycle_and_band(rig):
    rig.sms("THERMOSTAT=COOLING")
    rig.sms("TEMPOFF=22")
    rig.sms("THERMOSTATON")
    rig.status.t = 300
    rig.warm()
    assert rig.socket.on
    for t, on in (
        (225, True),
        (221, True),
        (220, False),
        (150, False),
        (224, False),
        (225, False),
        (226, True),
    ):
        rig.status.t = t
        rig.run(SAMPLE_MS)
        assert rig.socket.on is on, t


def test_users_change_stands_inside_the_band_and_is_overridden_at_a_threshold(rig):
    rig.sms("THERMOSTATON")
    rig.status.t = 97  # inside the band
    rig.warm()
    assert not rig.socket.on
    assert rig.sms("ON") == "Power socket ON"
    rig.run(10 * MIN)
    assert rig.socket.on  # stands
    rig.status.t = 100
    rig.run(SAMPLE_MS)
    assert not rig.socket.on  # TEMPOFF reached: off
    assert rig.sms("ON30") == "Power ON for 30 min"
    rig.run(SAMPLE_MS)
    assert not rig.socket.on  # overridden at the next reading, and the timer is gone
    rig.status.t = 97
    rig.run(40 * MIN)
    assert not rig.socket.on


def test_no_reading_leaves_the_socket_as_it_is(rig):
    rig.sms("THERMOSTATON")
    rig.status.t = 50
    rig.warm()
    assert rig.socket.on
    rig.status.t = None  # the probe is gone
    rig.run(30 * MIN)
    assert rig.socket.on
    rig.status.t = 150
    rig.run(SAMPLE_MS)
    assert not rig.socket.on


def test_thermostatoff_leaves_the_socket_as_it_is(rig):
    rig.sms("THERMOSTATON")
    rig.status.t = 50
    rig.warm()
    assert rig.socket.on
    rig.sms("THERMOSTATOFF")
    rig.status.t = 300
    rig.run(10 * MIN)
    assert rig.socket.on


def test_tempoff_change_takes_effect_at_the_next_reading(rig):
    rig.sms("THERMOSTATON")
    rig.status.t = 150
    rig.warm()
    assert not rig.socket.on
    rig.sms("TEMPOFF=20")
    rig.run(SAMPLE_MS)
    assert rig.socket.on


def test_thermostat_switching_leaves_the_remembered_state_alone(rig):
    rig.sms("THERMOSTATON")
    rig.warm()
    assert rig.socket.settled is False
    for i in range(20):
        rig.status.t = 50 if i % 2 == 0 else 150
        rig.run(SAMPLE_MS)
        assert rig.socket.on is (i % 2 == 0)
        assert rig.socket.settled is False  # what POWERSTATE=REMEMBER would store: unchanged
    rig.sms("ON")
    assert rig.socket.settled is True  # a user action is remembered


# --- THERMALERT ------------------------------------------------------------------------------------


THERMALERT_TEXT = "THERMALERT: TEMPOFF=10 reached, Power socket OFF"


def test_thermalert_on_each_switch_off(rig):
    rig.with_alert_number()
    rig.sms("THERMALERT=ON")
    rig.sms("THERMOSTATON")
    rig.status.t = 120
    rig.warm()
    assert rig.alerts.sent == []  # already off: the thermostat switched nothing off
    rig.status.t = 50
    rig.run(SAMPLE_MS)
    rig.status.t = 100
    rig.run(SAMPLE_MS)
    assert rig.alerts.sent == [("thermalert", THERMALERT_TEXT)]
    rig.run(5 * SAMPLE_MS)
    assert len(rig.alerts.sent) == 1  # staying off: no repeat
    rig.sms("ON")  # the user switches on; the thermostat switches off again: one more alert
    rig.run(SAMPLE_MS)
    assert rig.alerts.sent == [("thermalert", THERMALERT_TEXT)] * 2


def test_thermalert_in_cooling_mode_names_tempoff(rig):
    rig.with_alert_number()
    rig.sms("THERMALERT=ON")
    rig.sms("THERMOSTAT=COOLING")
    rig.sms("TEMPOFF=22")
    rig.sms("THERMOSTATON")
    rig.status.t = 250
    rig.warm()
    rig.status.t = 219
    rig.run(SAMPLE_MS)
    assert rig.alerts.sent == [("thermalert", "THERMALERT: TEMPOFF=22 reached, Power socket OFF")]


def test_no_thermalert_when_off_or_disabled(rig):
    rig.with_alert_number()
    rig.sms("THERMOSTATON")
    rig.status.t = 50
    rig.warm()
    rig.status.t = 100
    rig.run(SAMPLE_MS)
    assert not rig.socket.on and rig.alerts.sent == []  # THERMALERT=OFF
    rig.sms("THERMALERT=ON")
    rig.sms("THERMOSTATOFF")
    rig.sms("ON")
    rig.run(5 * SAMPLE_MS)
    assert rig.socket.on and rig.alerts.sent == []  # thermostat disabled: nothing switches


def test_alert_number_removal_turns_thermalert_off(rig):
    rig.with_alert_number()
    rig.sms("THERMALERT=ON")
    assert rig.sms("ALERTNUMBER-" + OWNER_D) == "ALERTNUMBER-%s - OK" % OWNER_D
    assert rig.sms("THERMALERT?") == "THERMALERT=(OFF),ON"
    rig.with_alert_number()
    assert rig.sms("THERMALERT?") == "THERMALERT=(OFF),ON"  # not revived


def test_thermalert_budget_six_an_hour():
    rig = Rig(real_alerts=True)
    rig.with_alert_number()
    rig.sms("THERMALERT=ON")
    rig.sms("THERMOSTATON")
    rig.warm()
    offs = 0
    for i in range(60):  # on and off every minute for an hour: 30 switch-offs
        rig.status.t = 50 if i % 2 == 0 else 150
        rig.run(SAMPLE_MS)
        offs += i % 2
    assert offs == 30
    texts = [t for _n, t in rig.sms_out.out]
    assert texts == [THERMALERT_TEXT] * 6
    assert {n for n, _t in rig.sms_out.out} == {OWNER}


def test_decides_on_the_fresh_reading_not_a_stale_one(rig):
    rig.sms("THERMOSTATON")
    rig.status.t = 50
    rig.warm()
    assert rig.socket.on
    # The room passes TEMPOFF just after a reading: the next reading (within a minute)
    # switches the socket off at once, not a minute later.
    rig.run(5 * SEC)
    rig.status.t = 120
    rig.run(SAMPLE_MS - 7 * SEC)  # just before the next reading (a minute after the last)
    assert rig.socket.on
    rig.run(SEC)
    assert not rig.socket.on
    # No new reading (a probe that stopped answering): no decision, whatever the value.
    serial = rig.status.serial
    rig.probe.next = (rig.probe.next + 10 * SAMPLE_MS) % WRAP
    rig.status.t = 50
    rig.run(5 * SAMPLE_MS)
    assert rig.status.serial == serial and not rig.socket.on
