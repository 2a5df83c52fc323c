"""Settings: factory values, pack/unpack round trip, rejection of corrupt flash bodies."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isocket.settings import ENUMS, FLAGS, LAYOUT_VERSION, Settings

DIGITS = "0123456789"
ALNUM = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def test_factory_values_are_r140():
    s = Settings()
    assert (s.restart_time, s.ring, s.seclist, s.password, s.renew_pw) == (10, "NOACTION", False, None, None)
    assert (s.smsconfirm, s.ringconfirm, s.ringconfirm_type, s.error, s.smsconfirmunauth) == (
        True,
        True,
        "SMS",
        True,
        False,
    )
    assert (s.thermostat_on, s.thermostat_mode, s.tempoff, s.thermalert) == (False, "HEATING", 10, False)
    assert (s.trisealert, s.tfallalert, s.tempcal, s.microrelay_time) == (None, None, 5, 0)
    assert (s.sensortype, s.alert, s.miclevel) == ("NO", "SMS", 15)
    assert (s.powerstate, s.saldoums) == ("REMEMBER", None)
    assert s.secnumbers == [] and s.alertnumbers == [] and s.alarm_armed is False
    for name, values in ENUMS.items():
        assert getattr(s, name) == values[0]  # the first value listed is the factory value (R141)


def test_factory_body_bytes():
    body = Settings().pack()
    assert body == bytes(
        [LAYOUT_VERSION, 0, 10, 0b00001110, 0, 0, 0, 0, 0, 0, 10, 0xFF, 0xFF, 5, 0, 0, 15, 0, 0, 0, 0, 0]
    )
    assert Settings.unpack(body) == Settings()


numbers = st.lists(st.text(DIGITS, min_size=3, max_size=15), max_size=10, unique=True)


@st.composite
def settings(draw):
    s = Settings()
    s.restart_time = draw(st.integers(1, 600))
    for name in FLAGS:
        setattr(s, name, draw(st.booleans()))
    for name, values in ENUMS.items():
        setattr(s, name, draw(st.sampled_from(values)))
    s.tempoff = draw(st.integers(0, 50))
    s.trisealert = draw(st.none() | st.integers(-10, 50))
    s.tfallalert = draw(st.none() | st.integers(-10, 50))
    s.tempcal = draw(st.integers(1, 9))
    s.microrelay_time = draw(st.integers(0, 900))
    s.miclevel = draw(st.integers(0, 15))
    s.secnumbers = draw(numbers)
    s.alertnumbers = draw(numbers)
    s.password = draw(st.none() | st.text(ALNUM, min_size=5, max_size=5))
    s.renew_pw = draw(st.none() | st.text(ALNUM, min_size=9, max_size=9))
    s.saldoums = draw(
        st.none()
        | st.builds(lambda a, b: a + b + "#", st.sampled_from("*#"), st.text(DIGITS + "*#", max_size=18))
    )
    # keep the combination the commands can produce
    if not s.secnumbers:
        s.seclist = False
    if not s.seclist:
        s.ring = "NOACTION"
        if s.password is None:
            s.renew_pw = None
    if not s.alertnumbers:
        s.thermalert, s.trisealert, s.tfallalert = False, None, None
    return s


@given(settings())
def test_round_trip(s):
    body = s.pack()
    assert len(body) <= 376
    back = Settings.unpack(body)
    assert back == s and back.pack() == body
    assert Settings.unpack(bytearray(body)) == s
    assert Settings.unpack(memoryview(body)) == s


@given(st.binary(max_size=400))
def test_random_bytes_only_raise_value_error(body):
    try:
        s = Settings.unpack(body)
    except ValueError:
        return
    assert s.pack() == body  # whatever is accepted is exactly what pack would write


@given(settings(), st.data())
def test_mutated_bodies_only_raise_value_error(s, data):
    body = bytearray(s.pack())
    i = data.draw(st.integers(0, len(body) - 1))
    body[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(body) + 2))
    body = body[:cut] if cut <= len(body) else body + b"\x00" * (cut - len(body))
    try:
        back = Settings.unpack(bytes(body))
    except ValueError:
        return
    assert back.pack() == bytes(body)


def _corrupt(offset, value):
    body = bytearray(Settings().pack())
    body[offset] = value
    return bytes(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x01",
        _corrupt(0, 2),
        _corrupt(0, 0),
        _corrupt(2, 0),
        bytes([1, 2, 89]) + Settings().pack()[3:],  # restart_time 0, 601
        _corrupt(4, 4),
        _corrupt(5, 2),
        _corrupt(6, 3),
        _corrupt(7, 2),
        _corrupt(8, 2),
        _corrupt(9, 4),
        _corrupt(10, 51),
        _corrupt(11, 61),
        _corrupt(12, 0xFE),
        _corrupt(13, 0),
        _corrupt(13, 10),
        Settings().pack()[:14] + bytes([3, 133]) + Settings().pack()[16:],  # microrelay_time 901
        _corrupt(16, 16),
        _corrupt(17, 11),
        _corrupt(17, 1),
        Settings().pack() + b"\x00",
        Settings().pack()[:-1],
        None,
        "text",
        12,
    ],
)
def test_corrupt_bodies_are_rejected(body):
    with pytest.raises(ValueError):
        Settings.unpack(body)


def _with(**changes):
    s = Settings()
    s.secnumbers = ["358401234567"]
    s.alertnumbers = ["358401234567"]
    for k, v in changes.items():
        setattr(s, k, v)
    return s


@pytest.mark.parametrize(
    "s",
    [
        _with(secnumbers=["12"]),
        _with(secnumbers=["12a45"]),
        _with(secnumbers=["123", "123"]),
        _with(secnumbers=[str(100 + i) for i in range(11)]),
        _with(password="abcd"),
        _with(password="ab cd"),
        _with(renew_pw="12345678"),
        _with(saldoums="100#"),
        _with(saldoums="*100"),
        _with(ring="LOUD"),
        _with(seclist=True, secnumbers=[]),
        _with(ring="SWITCH"),
        _with(renew_pw="123456abc"),
        _with(thermalert=True, alertnumbers=[]),
        _with(trisealert=30, alertnumbers=[]),
        _with(tempcal=0),
        _with(smsconfirm=1),
        _with(trisealert=51),
        _with(miclevel=True),
    ],
)
def test_pack_refuses_what_unpack_would_refuse(s):
    with pytest.raises(ValueError):
        s.pack()


def test_a_body_with_an_inconsistent_combination_is_rejected():
    s = _with(seclist=True, ring="SWITCH")
    body = bytearray(s.pack())
    body[3] &= 0xFE  # SECLIST off, RING still SWITCH
    with pytest.raises(ValueError):
        Settings.unpack(bytes(body))


def test_copy_update_from_and_equality():
    a = _with(password="12abc")
    b = a.copy()
    assert a == b and not (a != b)
    b.secnumbers.append("447700900123")
    assert a.secnumbers == ["358401234567"] and a != b
    a.update_from(b)
    assert a == b and a.secnumbers is not b.secnumbers
    assert a != "settings"
