"""Temperature notifier: TRISEALERT / TFALLALERT commands, A-37 firing and re-arming, the warm-up,
A-38 (no alert numbers) and A-39 (removing them), across the ticks wrap."""

import pytest

from host_tests.test_thermostat import OWNER, OWNER_D, SAMPLE_MS, WARMUP_MS, WRAP, Rig
from isocket.commands import Refusal
from isocket.temp_alerts import parse_temp

MIN = 60_000


def rise(t, x):
    return ("trise", "TEMPERATURE rise alert! TEMP: %dC (TRISEALERT=%d)" % (t, x))


def fall(t, x):
    return ("tfall", "TEMPERATURE fall alert! TEMP: %dC (TFALLALERT=%d)" % (t, x))


@pytest.fixture(params=[0, WRAP - 5 * MIN, WRAP - 11 * MIN], ids=["t0", "wrap-in-warmup", "wrap-after"])
def rig(request):
    r = Rig(boot=request.param)
    r.with_alert_number()
    return r


# --- commands ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["TRISEALERT", "TFALLALERT"])
def test_set_query_and_off(rig, name):
    assert rig.sms(name + "?") == name + "=OFF"
    assert rig.sms(name + "=35") == name + "=35 - OK"
    assert rig.sms(name + "?") == name + "=35"
    assert rig.sms(name.lower() + "=-10") == name + "=-10 - OK"
    assert rig.sms(name + "=050") == name + "=50 - OK"
    assert rig.sms(name + "=-0") == name + "=0 - OK"
    assert getattr(rig.stored[-1], name.lower()) == 0
    assert rig.sms(name + "=off") == name + "=OFF - OK"
    assert rig.sms(name + "?") == name + "=OFF"
    assert getattr(rig.stored[-1], name.lower()) is None


@pytest.mark.parametrize("name", ["TRISEALERT", "TFALLALERT"])
@pytest.mark.parametrize("value", ["51", "-11", "", "-", "--5", "+5", "3.5", "ON", "1e1"])
def test_out_of_range_or_malformed(rig, name, value):
    n = len(rig.stored)
    assert rig.sms(name + "=" + value) == "Incorrect value!"
    assert len(rig.stored) == n and getattr(rig.settings, name.lower()) is None


@pytest.mark.parametrize("name", ["TRISEALERT", "TFALLALERT"])
def test_no_alert_numbers(name):
    rig = Rig()
    assert rig.sms(name + "=20") == "No ALERTNUMBERs!"
    assert rig.sms(name + "=99") == "Incorrect value!"  # the value is checked first
    assert rig.sms(name + "=OFF") == name + "=OFF - OK"  # always allowed
    assert getattr(rig.settings, name.lower()) is None


def test_parse_temp():
    assert parse_temp("-10", -10, 50) == -10
    assert parse_temp("007", -10, 50) == 7
    for bad in (None, "", "-", "51", "-11", " 5", "5 "):
        with pytest.raises(Refusal):
            parse_temp(bad, -10, 50)


def test_alertnumber_all_turns_them_off_and_readding_does_not_revive(rig):
    rig.sms("TRISEALERT=30")
    rig.sms("TFALLALERT=5")
    rig.sms("THERMALERT=ON")
    assert rig.sms("ALERTNUMBER-ALL") == "ALERTNUMBER-ALL - OK"
    s = rig.stored[-1]
    assert (s.trisealert, s.tfallalert, s.thermalert) == (None, None, False)
    rig.with_alert_number()
    assert rig.sms("TRISEALERT?") == "TRISEALERT=OFF"
    assert rig.sms("TFALLALERT?") == "TFALLALERT=OFF"
    assert rig.sms("THERMALERT?") == "THERMALERT=(OFF),ON"
    rig.status.t = 400
    rig.run_to(WARMUP_MS + 5 * MIN)
    assert rig.alerts.sent == []


def test_removing_the_last_number_turns_them_off(rig):
    rig.sms("TFALLALERT=5")
    rig.sms("ALERTNUMBER-" + OWNER_D)
    assert rig.settings.tfallalert is None


# --- firing and re-arming ------------------------------------------------------------------------


def test_nothing_before_minute_ten_then_one_alert_when_already_beyond(rig):
    rig.sms("TRISEALERT=30")
    rig.status.t = 350
    rig.run_to(WARMUP_MS - 1)
    assert rig.alerts.sent == []
    rig.run(1)
    assert rig.alerts.sent == [rise(35, 30)]
    rig.run(30 * MIN)
    assert rig.alerts.sent == [rise(35, 30)]  # once


def test_rise_rearms_one_degree_below(rig):
    rig.sms("TRISEALERT=30")
    rig.status.t = 250
    rig.run_to(WARMUP_MS + 1)
    for t, n in ((299, 0), (300, 1), (320, 1), (291, 1), (300, 1), (290, 1), (304, 2), (305, 2)):
        rig.status.t = t
        rig.run(SAMPLE_MS)
        assert len(rig.alerts.sent) == n, t
    assert rig.alerts.sent == [rise(30, 30), rise(30, 30)]


def test_fall_rearms_one_degree_above(rig):
    rig.sms("TFALLALERT=-5")
    rig.status.t = 0
    rig.run_to(WARMUP_MS + 1)
    for t, n in ((-49, 0), (-50, 1), (-80, 1), (-41, 1), (-50, 1), (-40, 1), (-55, 2)):
        rig.status.t = t
        rig.run(SAMPLE_MS)
        assert len(rig.alerts.sent) == n, t
    assert rig.alerts.sent == [fall(-5, -5), fall(-6, -5)]


def test_setting_a_threshold_already_passed_alerts_once_within_a_minute(rig):
    rig.status.t = 120
    rig.run_to(WARMUP_MS + 10 * MIN)
    rig.sms("TFALLALERT=15")
    rig.run(SAMPLE_MS)
    assert rig.alerts.sent == [fall(12, 15)]
    rig.run(10 * MIN)
    assert len(rig.alerts.sent) == 1
    rig.sms("TFALLALERT=14")  # set again: armed again, one more alert
    rig.run(SAMPLE_MS)
    assert rig.alerts.sent == [fall(12, 15), fall(12, 14)]


def test_rise_and_fall_are_independent(rig):
    rig.sms("TRISEALERT=10")
    rig.sms("TFALLALERT=20")  # no check between them
    rig.status.t = 150
    rig.run_to(WARMUP_MS + 1)
    assert sorted(rig.alerts.sent) == sorted([rise(15, 10), fall(15, 20)])


def test_no_reading_keeps_the_state(rig):
    rig.sms("TRISEALERT=30")
    rig.status.t = None
    rig.run_to(WARMUP_MS + 10 * MIN)
    assert rig.alerts.sent == []
    rig.status.t = 310  # the first valid reading is beyond: one alert
    rig.run(SAMPLE_MS)
    assert rig.alerts.sent == [rise(31, 30)]
    rig.status.t = None
    rig.run(10 * MIN)
    rig.status.t = 310  # still disarmed: the probe coming back does not repeat it
    rig.run(SAMPLE_MS)
    assert len(rig.alerts.sent) == 1


def test_off_then_on_again_starts_armed(rig):
    rig.sms("TRISEALERT=30")
    rig.status.t = 310
    rig.run_to(WARMUP_MS + 1)
    assert len(rig.alerts.sent) == 1
    rig.sms("TRISEALERT=OFF")
    rig.run(5 * MIN)
    assert len(rig.alerts.sent) == 1
    rig.sms("TRISEALERT=30")
    rig.run(SAMPLE_MS)
    assert rig.alerts.sent == [rise(31, 30)] * 2


def test_alert_budget_six_an_hour_per_kind():
    rig = Rig(real_alerts=True)
    rig.with_alert_number()
    rig.sms("TRISEALERT=30")
    rig.warm()
    counts = []
    for i in range(80):  # crossing the threshold every other minute for 80 minutes: 40 events
        rig.status.t = 300 if i % 2 == 0 else 290
        rig.run(SAMPLE_MS)
        counts.append(len(rig.sms_out.out))
    assert counts[59] == 6  # the first hour: 6, the rest only logged
    texts = [t for _n, t in rig.sms_out.out]
    assert texts == [rise(30, 30)[1]] * 12  # a sliding hour: 6 more once the first ones age out
    assert {n for n, _t in rig.sms_out.out} == {OWNER}
