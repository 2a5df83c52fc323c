"""The simulated GSM network and the host PDU codec, seen through the emulated SIM800L."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_tests.sim.network import DAY_MS, number_digits
from host_tests.sim.pdu_host import (
    GSM7_BASIC,
    GSM7_EXT,
    Concat,
    PduError,
    Timestamp,
    decode_deliver,
    decode_submit,
    encode_deliver,
    encode_submit,
    gsm7_encodable,
    pack_septets,
    split_text,
    unpack_septets,
)
from host_tests.test_sim800l import OWNER, Rig

# ---------------------------------------------------------------- PDU codec


def test_pack_septets_known_vector() -> None:
    # "hellohello" -> E8 32 9B FD 46 97 D9 EC 37 (23.038 example used everywhere)
    assert pack_septets([ord(c) for c in "hellohello"]).hex().upper() == "E8329BFD4697D9EC37"


def test_decode_real_deliver_from_log_016() -> None:
    d = decode_deliver("07914346220050F0040B914326764060F60000524072319385800C31D98C062ACFE961F21B04")
    assert d.smsc == "+34642200050"
    assert d.oa == "+34626704066" and d.toa == 0x91
    assert d.scts == Timestamp(2025, 4, 27, 13, 39, 58, 8)
    assert d.text == "1234 estado "
    pdu, tlen = encode_deliver(d.oa, d.text, d.scts, smsc=d.smsc)
    assert pdu == "07914346220050F0040B914326764060F60000524072319385800C31D98C062ACFE961F21B04"
    assert tlen == 30  # +CMGRD: 0,"",30


def test_decode_submit_from_gnokii_log() -> None:
    # A real AT+CMGS=22 frame (gnokii-users 2003-01): SMSC +12063130004, DA 2833219 (national)
    s = decode_submit("07912160130300F411000781823312F90000AA0331D90C")
    assert s.smsc == "+12063130004"
    assert s.da == "2833219" and s.toa == 0x81
    assert s.text == "123" and s.tpdu_len == 15


def test_submit_without_smsc_and_with_udh() -> None:
    pdu, n = encode_submit("+358401234567", "part two", concat=Concat(0x42, 2, 2))
    s = decode_submit(pdu)
    assert s.smsc is None and s.concat == Concat(0x42, 2, 2) and s.text == "part two"
    assert s.tpdu_len == n


def test_submit_16bit_concat_reference_and_8bit_text() -> None:
    # UDH with IEI 08 (16-bit reference), 8-bit data
    tpdu = bytes(
        [
            0x41,
            0x00,
            0x04,
            0x81,
            0x21,
            0x43,
            0x00,
            0x04,
            0x0A,
            0x06,
            0x08,
            0x04,
            0x12,
            0x34,
            0x03,
            0x01,
            ord("a"),
            ord("b"),
            ord("c"),
        ]
    )
    s = decode_submit("00" + tpdu.hex())
    assert s.concat == Concat(0x1234, 3, 1) and s.text == "abc"


@pytest.mark.parametrize(
    "bad",
    ["", "0", "00", "0011", "00110004812143000000", "zz", "0011000C915348103254760000A70AD2329C9D07D1CB78"],
)
def test_malformed_submit_rejected(bad: str) -> None:
    with pytest.raises(PduError):
        decode_submit(bad)


def test_deliver_rejected_as_submit() -> None:
    pdu, _ = encode_deliver("+358401234567", "x", Timestamp(2026, 1, 1, 0, 0, 0, 0))
    with pytest.raises(PduError):
        decode_submit(pdu)


def test_negative_zone_semi_octets() -> None:
    ts = Timestamp(2026, 3, 1, 23, 30, 0, -20)
    pdu, _ = encode_deliver("+1555", "x", ts)
    assert decode_deliver(pdu).scts == ts
    assert ts.text() == "26/03/01,23:30:00-20"


def test_alphanumeric_sender() -> None:
    pdu, _ = encode_deliver("Play", "hi", Timestamp(2023, 2, 9, 13, 7, 4, 4))
    d = decode_deliver(pdu)
    assert d.oa == "Play" and d.toa == 0xD0


def test_split_text_limits() -> None:
    assert split_text("short") == ["short"]
    assert split_text("a" * 160) == ["a" * 160]
    parts = split_text("a" * 161)
    assert len(parts) == 2 and "".join(parts) == "a" * 161
    assert all(len(p) <= 153 for p in parts)
    assert split_text("€" * 80) == ["€" * 80]  # 160 septets: one SMS
    euro = split_text("€" * 81)
    assert len(euro) == 2 and all(2 * len(p) <= 153 for p in euro)
    u = split_text("ж" * 71)
    assert len(u) == 2 and all(len(p) <= 67 for p in u)
    assert len(split_text("abc", parts=3)) == 3
    emoji = split_text("😀" * 40, ucs2=True)  # surrogate pairs are never cut
    assert "".join(emoji) == "😀" * 40 and all(len(p.encode("utf-16-be")) <= 134 for p in emoji)


_gsm_chars = st.sampled_from([c for c in GSM7_BASIC if c != "\x1b"] + list(GSM7_EXT.values()))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_gsm_chars, max_size=153).map("".join),
    st.one_of(st.none(), st.tuples(st.integers(0, 255), st.integers(2, 5))),
)
def test_gsm7_roundtrip_property(text: str, cc: tuple[int, int] | None) -> None:
    if len(text) and sum(2 if c in GSM7_EXT.values() else 1 for c in text) > 153:
        return
    concat = Concat(cc[0], cc[1], 1) if cc else None
    pdu, n = encode_submit("+44123", text, concat=concat)
    s = decode_submit(pdu)
    assert s.text == text and s.concat == concat and s.tpdu_len == n
    dpdu, _ = encode_deliver("+44123", text, Timestamp(2026, 5, 6, 7, 8, 9, -3), concat=concat)
    assert decode_deliver(dpdu).text == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_ucs2_roundtrip_property(text: str) -> None:
    if len(text.encode("utf-16-be")) > 134:
        return
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return
    pdu, _ = encode_submit("123", text, ucs2=True, concat=Concat(1, 2, 2))
    assert decode_submit(pdu).text == text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 127), max_size=200), st.integers(0, 6))
def test_septet_pack_roundtrip(septets: list[int], fill: int) -> None:
    assert unpack_septets(pack_septets(septets, fill), len(septets), fill) == septets


def test_gsm7_encodable() -> None:
    assert gsm7_encodable("Hello {€} ÄÖ@")
    assert not gsm7_encodable("Привет")


# ---------------------------------------------------------------- helpers


def _read(r: Rig, index: int) -> str:
    out = r.send(b"AT+CMGR=%d\r" % index)
    lines = out.split(b"\r\n")
    head = [i for i, x in enumerate(lines) if x.startswith(b"+CMGR:")][0]
    length = int(lines[head].split(b",")[-1])
    pdu = lines[head + 1].decode()
    assert len(bytes.fromhex(pdu)) - (int(pdu[:2], 16) + 1) == length
    return pdu


def _cmti(data: bytes) -> list[int]:
    return [int(x.split(b",")[1]) for x in data.split(b"\r\n") if x.startswith(b"+CMTI:")]


# ---------------------------------------------------------------- SMS to the device


def test_phone_sms_cmti_cmgr_decodes() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.set_time((2026, 11, 23, 8, 0, 0), 120)
    r.n.phone_sms("owner", "SECNUMBER+358401234567")
    r.run(1900)
    assert r.take() == b""
    r.run(200)
    assert r.take() == b'\r\n+CMTI: "SM",1\r\n'
    d = decode_deliver(_read(r, 1))
    assert d.text == "SECNUMBER+358401234567"
    assert d.oa == OWNER and d.toa == 0x91
    assert d.scts == Timestamp(2026, 11, 23, 8, 0, 0, 8)
    assert d.smsc == r.n.smsc_number


def test_national_sender_toa() -> None:
    r = Rig()
    r.n.add_phone("nat", "0401234567")
    r.n.phone_sms("nat", "x")
    r.run(5000)
    r.take()
    d = decode_deliver(_read(r, 1))
    assert d.oa == "0401234567" and d.toa == 0xA1


def test_concatenated_parts() -> None:
    r = Rig()
    text = "".join("line %03d; " % i for i in range(40))  # 400 chars
    r.n.phone_sms("owner", text, parts=3)
    r.run(10_000)
    assert _cmti(r.take()) == [1, 2, 3]
    ds = [decode_deliver(_read(r, i)) for i in (1, 2, 3)]
    assert [d.concat.seq for d in ds if d.concat] == [1, 2, 3]
    assert len({(d.concat.ref, d.concat.total) for d in ds if d.concat}) == 1
    assert "".join(d.text for d in ds) == text


def test_concat_forced_parts_short_text() -> None:
    r = Rig()
    r.n.phone_sms("owner", "ON", parts=2)
    r.run(10_000)
    assert _cmti(r.take()) == [1, 2]
    ds = [decode_deliver(_read(r, i)) for i in (1, 2)]
    assert "".join(d.text for d in ds) == "ON" and all(d.concat for d in ds)


def test_ucs2_sms() -> None:
    r = Rig()
    r.n.phone_sms("owner", "on", ucs2=True)
    r.n.phone_sms("owner", "Привет 😀")
    r.run(10_000)
    d1, d2 = decode_deliver(_read(r, 1)), decode_deliver(_read(r, 2))
    assert d1.dcs == 0x08 and d1.text == "on"
    assert d2.dcs == 0x08 and d2.text == "Привет 😀"


@pytest.mark.parametrize("how", ["off", "hung", "unregistered", "lost"])
def test_store_and_forward(how: str) -> None:
    r = Rig()
    if how == "off":
        r.m.set_supply(False)
    elif how == "hung":
        r.m.hang()
    elif how == "unregistered":
        r.n.set_signal(None)
    else:
        r.n.lost()
    r.n.phone_sms("owner", "while away")
    r.run(600_000)
    assert r.n.smsc_pending == 1
    assert b"+CMTI" not in r.take()
    if how == "off":
        r.m.set_supply(True)
    elif how == "hung":
        r.m.recover()
    elif how == "unregistered":
        r.n.set_signal(-70)
    else:
        r.n.back()
    r.run(30_000)
    assert b'+CMTI: "SM",1' in r.take()
    assert r.n.smsc_pending == 0
    assert decode_deliver(_read(r, 1)).text == "while away"


def test_sms_expires_after_24h() -> None:
    r = Rig()
    r.m.set_supply(False)
    r.n.phone_sms("owner", "too late")
    r.run(DAY_MS + 1000)
    r.m.set_supply(True)
    r.run(30_000)
    assert b"+CMTI" not in r.take()
    assert r.n.smsc_pending == 0


def test_storage_full_holds_at_smsc_until_freed() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    for i in range(21):
        r.n.phone_sms("owner", "n%d" % i)
    r.run(60_000)
    assert _cmti(r.take()) == list(range(1, 21))
    assert r.n.smsc_pending == 1
    assert r.send(b"AT+CMGD=5\r") == b"\r\nOK\r\n"
    r.run(10_000)
    assert r.take() == b'\r\n+CMTI: "SM",5\r\n'
    assert decode_deliver(_read(r, 5)).text == "n20"


# ---------------------------------------------------------------- SMS from the device


def _cmgs(r: Rig, pdu: str, n: int) -> bytes:
    r.send(b"AT+CMGS=%d\r" % n)
    return r.send(pdu.encode() + b"\x1a")


def test_device_sms_to_phone_inbox() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    pdu, n = encode_submit("+358401234567", "Power socket ON")
    assert _cmgs(r, pdu, n) == b"\r\n+CMGS: 1\r\n\r\nOK\r\n"
    [msg] = r.n.inbox["owner"]
    assert msg.text == "Power socket ON" and not msg.read and msg.t_ms == r.s.now_ms


def test_device_concatenated_sms_joined() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    text = "Status: " + "x" * 200 + " Привет"
    parts = split_text(text, ucs2=True)
    for i, chunk in enumerate(parts):
        pdu, n = encode_submit("00358401234567", chunk, concat=Concat(9, len(parts), i + 1))
        _cmgs(r, pdu, n)
        if i < len(parts) - 1:
            assert r.n.inbox["owner"] == []
    [msg] = r.n.inbox["owner"]
    assert msg.text == text and msg.parts == len(parts)


def test_device_sms_to_unknown_number_and_call_as_match() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.add_phone("wife", "+358501111111", call_as="0501111111")
    pdu, n = encode_submit("+447700900123", "who?")
    _cmgs(r, pdu, n)
    assert r.n.unknown_sms == [(r.s.now_ms, "+447700900123", "who?")]
    pdu, n = encode_submit("0501111111", "local form")
    _cmgs(r, pdu, n)
    assert r.n.inbox["wife"][0].text == "local form"


def test_number_digits() -> None:
    assert number_digits("+358401234567") == number_digits("00358401234567") == "358401234567"
    assert number_digits("0401234567") == "0401234567"


# ---------------------------------------------------------------- calls and USSD


def test_call_events_both_directions() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.phone_call("owner")
    r.run(1500)
    r.send(b"ATA\r")
    assert r.m.mic_live
    r.n.phone_hangup("owner")
    r.run(10)
    assert not r.m.mic_live
    r.send(b"ATD+358401234567;\r")
    r.run(2000)
    r.n.phone_answer("owner")
    r.run(10)
    r.send(b"ATH\r")
    assert [(k, n) for _, k, n in r.n.events] == [
        ("answered", "owner"),
        ("hangup", "owner"),
        ("dial", "owner"),
        ("answered", "owner"),
        ("hangup", "owner"),
    ]


def test_call_to_unreachable_device_is_lost() -> None:
    r = Rig()
    r.m.set_supply(False)
    r.n.phone_call("owner")
    r.run(10_000)
    r.m.set_supply(True)
    r.run(30_000)
    assert b"RING" not in r.take()
    assert r.n.events == []


def test_power_loss_during_call_ends_it() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.send(b"ATD+358401234567;\r")
    r.run(2000)
    r.n.phone_answer("owner")
    r.m.set_supply(False)
    assert not r.m.mic_live
    assert r.n.events[-1][1:] == ("hangup", "owner")


def test_coverage_loss_drops_call_with_no_carrier() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.phone_call("owner")
    r.run(1500)
    r.send(b"ATA\r")
    r.n.set_signal(None)
    r.run(10)
    assert r.take() == b"\r\nNO CARRIER\r\n"
    assert r.n.events[-1][1:] == ("hangup", "owner")


def test_ussd_log_and_no_reply_by_default() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.send(b'AT+CUSD=1,"*100#"\r')
    r.run(30_000)
    assert r.take() == b""
    assert r.n.ussd_log == [(r.n.ussd_log[0][0], "*100#")]


def test_ussd_not_registered() -> None:
    r = Rig()
    r.send(b"ATE0;+CMEE=2\r")
    r.n.set_signal(None)
    assert r.send(b'AT+CUSD=1,"*100#"\r') == b"\r\n+CME ERROR: no network service\r\n"
    assert r.n.ussd_log == []
