"""The scenario parser (host_tests/sim/scenario.py) against spec/SCENARIOS.md: syntax only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from host_tests.sim.scenario import (
    USAGE,
    ScenarioSyntaxError,
    Statement,
    parse_duration,
    parse_line,
    parse_scenario,
)


def one(text: str) -> Statement:
    st_ = parse_line(text, 1)
    assert st_ is not None
    return st_


def syntax_error(text: str, line_no: int = 1) -> ScenarioSyntaxError:
    with pytest.raises(ScenarioSyntaxError) as info:
        parse_line(text, line_no)
    assert info.value.line == line_no
    return info.value


# ----------------------------------------------------------------------------- every statement form

W = None  # "within" not given

FORMS: list[tuple[str, str, dict[str, Any]]] = [
    # the world before boot
    ("model 706", "model", {"model": "706"}),
    ("model 707", "model", {"model": "707"}),
    ("model 706L", "model", {"model": "706L"}),
    ("model 707l", "model", {"model": "707L"}),
    ("board pico_sim800l", "board", {"name": "pico_sim800l"}),
    ("modem sim800l", "modem_type", {"name": "sim800l"}),
    ("modem A7670", "modem_type", {"name": "a7670"}),
    (
        "phone owner +358401234567",
        "phone",
        {"name": "owner", "number": "+358401234567", "call_as": None, "withheld": False},
    ),
    (
        "phone A 0401234567 call-as 0401234567",
        "phone",
        {"name": "A", "number": "0401234567", "call_as": "0401234567", "withheld": False},
    ),
    ("phone B 123 withheld", "phone", {"name": "B", "number": "123", "call_as": None, "withheld": True}),
    (
        "phone Mum +358401234567 withheld call-as 0401234567",
        "phone",
        {"name": "Mum", "number": "+358401234567", "call_as": "0401234567", "withheld": True},
    ),
    (
        "phone x_1 +358401234567 call-as +358401234567 withheld",
        "phone",
        {"name": "x_1", "number": "+358401234567", "call_as": "+358401234567", "withheld": True},
    ),
    (
        "network-time 2026-11-23 08:00:00 +02:00",
        "network_time",
        {"time": (2026, 11, 23, 8, 0, 0), "zone_minutes": 120},
    ),
    (
        "network-time 2024-02-29 23:59:59 -05:30",
        "network_time",
        {"time": (2024, 2, 29, 23, 59, 59), "zone_minutes": -330},
    ),
    (
        "network-time 2026-01-01 00:00:00 +0545",
        "network_time",
        {"time": (2026, 1, 1, 0, 0, 0), "zone_minutes": 345},
    ),
    (
        "network-time 2026-01-01 00:00:00 -00:00",
        "network_time",
        {"time": (2026, 1, 1, 0, 0, 0), "zone_minutes": 0},
    ),
    ("network-time off", "network_time", {"time": None}),
    ("temp 21.5", "temp", {"celsius": 21.5}),
    ("temp -3", "temp", {"celsius": -3.0}),
    ("temp +4", "temp", {"celsius": 4.0}),
    ("temp -0.25", "temp", {"celsius": -0.25}),
    ("temp none", "temp", {"celsius": None}),
    ("sensor open", "sensor", {"closed": False}),
    ("sensor closed", "sensor", {"closed": True}),
    ("signal -67", "signal", {"dbm": -67}),
    ("signal -113", "signal", {"dbm": -113}),
    ("signal none", "signal", {"dbm": None}),
    ('ussd *100# "Your balance is 5.00 EUR"', "ussd", {"code": "*100#", "reply": "Your balance is 5.00 EUR"}),
    ('ussd "*100#" "Saldo"', "ussd", {"code": "*100#", "reply": "Saldo"}),
    ('ussd #123*1# ""', "ussd", {"code": "#123*1#", "reply": ""}),
    # acting on the device
    ("boot", "boot", {}),
    ("mains off", "mains", {"on": False}),
    ("mains on", "mains", {"on": True}),
    ("battery dead", "battery_dead", {}),
    ("reset-flash", "reset_flash", {}),
    ("mcu-reset", "mcu_reset", {}),
    ("power-cut during-flash-write", "power_cut", {"at_byte": None}),
    ("power-cut during-flash-write at 100", "power_cut", {"at_byte": 100}),
    ("power-cut during-flash-write at 0", "power_cut", {"at_byte": 0}),
    ("advance 30s", "advance", {"ms": 30_000}),
    ("advance 1h30m", "advance", {"ms": 5_400_000}),
    ('sms owner "on"', "sms", {"name": "owner", "text": "on", "ucs2": False, "parts": 1}),
    ('sms owner "Päälle" ucs2', "sms", {"name": "owner", "text": "Päälle", "ucs2": True, "parts": 1}),
    ('sms owner "x" parts 3', "sms", {"name": "owner", "text": "x", "ucs2": False, "parts": 3}),
    ('sms owner "x" parts 10 ucs2', "sms", {"name": "owner", "text": "x", "ucs2": True, "parts": 10}),
    ('sms owner "x" ucs2 parts 2', "sms", {"name": "owner", "text": "x", "ucs2": True, "parts": 2}),
    ("call owner", "call", {"name": "owner", "clip": True}),
    ("call owner no-clip", "call", {"name": "owner", "clip": False}),
    ("hangup owner", "hangup", {"name": "owner"}),
    ("answer owner", "answer", {"name": "owner"}),
    ("reject owner", "reject", {"name": "owner"}),
    ("button press", "button", {"hold_ms": None}),
    ("button hold 12s", "button", {"hold_ms": 12_000}),
    ("network lost", "network", {"up": False}),
    ("network back", "network", {"up": True}),
    ("modem hang", "modem_hang", {}),
    ("modem recover", "modem_recover", {}),
    ("modem reboot", "modem_reboot", {}),
    ("sim missing", "sim", {"state": "missing"}),
    ("sim pin", "sim", {"state": "pin"}),
    ("sim ok", "sim", {"state": "ok"}),
    # checking what the device does
    (
        'expect sms owner "Power socket ON"',
        "expect_sms",
        {"name": "owner", "text": "Power socket ON", "regex": None, "within": W},
    ),
    (
        'expect sms owner "Power socket ON" within 20s',
        "expect_sms",
        {"name": "owner", "text": "Power socket ON", "regex": None, "within": 20_000},
    ),
    (
        'expect sms owner ~ "Temp: -?[0-9]+C.*"',
        "expect_sms",
        {"name": "owner", "text": None, "regex": "Temp: -?[0-9]+C.*", "within": W},
    ),
    (
        'expect sms owner ~"x.*" within 2m',
        "expect_sms",
        {"name": "owner", "text": None, "regex": "x.*", "within": 120_000},
    ),
    ("expect no sms", "expect_no_sms", {"name": None, "within": W}),
    ("expect no sms within 2m", "expect_no_sms", {"name": None, "within": 120_000}),
    ("expect no sms stranger", "expect_no_sms", {"name": "stranger", "within": W}),
    ("expect no sms stranger within 5m", "expect_no_sms", {"name": "stranger", "within": 300_000}),
    ("expect call owner", "expect_call", {"name": "owner", "within": W}),
    ("expect call owner within 20s", "expect_call", {"name": "owner", "within": 20_000}),
    ("expect no call", "expect_no_call", {"name": None, "within": W}),
    ("expect no call owner within 1m", "expect_no_call", {"name": "owner", "within": 60_000}),
    ("expect no call within 1m", "expect_no_call", {"name": None, "within": 60_000}),
    ("expect answered owner", "expect_answered", {"name": "owner", "within": W}),
    ("expect answered owner within 5s", "expect_answered", {"name": "owner", "within": 5_000}),
    ("expect hangup owner within 40s", "expect_hangup", {"name": "owner", "within": 40_000}),
    ('expect ussd "*100#"', "expect_ussd", {"code": "*100#", "within": W}),
    ('expect ussd "*100#" within 30s', "expect_ussd", {"code": "*100#", "within": 30_000}),
    ("expect ussd *100# within 30s", "expect_ussd", {"code": "*100#", "within": 30_000}),
    ("expect relay on", "expect_relay", {"on": True, "within": W}),
    ("expect relay off within 3s", "expect_relay", {"on": False, "within": 3_000}),
    ("expect microrelay on", "expect_microrelay", {"on": True, "within": W}),
    ("expect microrelay off within 1s", "expect_microrelay", {"on": False, "within": 1_000}),
    ("expect steady relay on for 10m", "expect_steady_relay", {"on": True, "for_ms": 600_000}),
    ("expect steady relay off for 30s", "expect_steady_relay", {"on": False, "for_ms": 30_000}),
    ("expect mic on", "expect_mic", {"on": True, "within": W}),
    ("expect mic off within 2s", "expect_mic", {"on": False, "within": 2_000}),
    ("expect led POWER on", "expect_led", {"led": "POWER", "pattern": "on", "within": W}),
    ("expect led GSM blink-3s", "expect_led", {"led": "GSM", "pattern": "blink-3s", "within": W}),
    (
        "expect led gsm blink-1s within 20s",
        "expect_led",
        {"led": "GSM", "pattern": "blink-1s", "within": 20_000},
    ),
    ("expect led MIC off", "expect_led", {"led": "MIC", "pattern": "off", "within": W}),
    ("expect led Out fast", "expect_led", {"led": "OUT", "pattern": "fast", "within": W}),
    ("expect led POWER SIM-ERROR", "expect_led", {"led": "POWER", "pattern": "sim-error", "within": W}),
    ('expect console ~ "relay=1"', "expect_console", {"regex": "relay=1", "within": W}),
    ('expect console ~ "boot.*" within 1s', "expect_console", {"regex": "boot.*", "within": 1_000}),
    ("expect flash-erases <= 3", "expect_flash_erases", {"max": 3}),
    ("expect flash-erases <=0", "expect_flash_erases", {"max": 0}),
    ("allow unread", "allow_unread", {}),
    # playing the modem
    ('modem reply "AT\\\\+CSQ"', "modem_reply", {"regex": "AT\\+CSQ", "lines": [], "once": False}),
    (
        'modem reply "AT\\\\+CSQ" "+CSQ: 99,99" "OK"',
        "modem_reply",
        {"regex": "AT\\+CSQ", "lines": ["+CSQ: 99,99", "OK"], "once": False},
    ),
    ('modem reply-once "AT" "ERROR"', "modem_reply", {"regex": "AT", "lines": ["ERROR"], "once": True}),
    ('modem reply-once "AT"', "modem_reply", {"regex": "AT", "lines": [], "once": True}),
    (
        'modem interleave "AT\\\\+CMGS=.*" "+CMTI: \\"SM\\",3"',
        "modem_interleave",
        {"regex": "AT\\+CMGS=.*", "lines": ['+CMTI: "SM",3'], "once": False},
    ),
    (
        'modem interleave-once "ATD.*" "RING" "+CLIP: \\"+358401234567\\",145"',
        "modem_interleave",
        {"regex": "ATD.*", "lines": ["RING", '+CLIP: "+358401234567",145'], "once": True},
    ),
    ('modem urc "+CPIN: NOT READY"', "modem_urc", {"line": "+CPIN: NOT READY"}),
    ('modem raw "\\xff\\r\\nOK\\r\\n"', "modem_raw", {"data": b"\xff\r\nOK\r\n"}),
    ('modem raw ""', "modem_raw", {"data": b""}),
    ('expect at "AT\\\\+CMGS=.*"', "expect_at", {"regex": "AT\\+CMGS=.*", "within": W}),
    ('expect at "ATA" within 5s', "expect_at", {"regex": "ATA", "within": 5_000}),
    ('expect no at "ATD.*"', "expect_no_at", {"regex": "ATD.*", "within": W}),
    ('expect no at "ATD.*" within 1m', "expect_no_at", {"regex": "ATD.*", "within": 60_000}),
]


@pytest.mark.parametrize(("text", "kind", "args"), FORMS, ids=[f[0] for f in FORMS])
def test_every_form(text: str, kind: str, args: dict[str, Any]) -> None:
    st_ = parse_line(text, 7)
    assert st_ is not None
    assert st_.kind == kind
    assert st_.args == args
    assert st_.line == 7
    assert st_.source == text


def test_every_kind_is_covered() -> None:
    kinds = {f[1] for f in FORMS}
    assert kinds == {
        "model", "board", "modem_type", "phone", "network_time", "temp", "sensor", "signal",
        "ussd", "boot", "mains", "battery_dead", "reset_flash", "mcu_reset", "power_cut",
        "advance", "sms", "call", "hangup", "answer", "reject", "button", "network",
        "modem_hang", "modem_recover", "modem_reboot", "sim", "expect_sms", "expect_no_sms",
        "expect_call", "expect_no_call", "expect_answered", "expect_hangup", "expect_ussd",
        "expect_relay", "expect_microrelay", "expect_steady_relay", "expect_mic", "expect_led",
        "expect_console", "expect_flash_erases", "modem_reply", "modem_interleave", "modem_urc",
        "modem_raw", "expect_at", "expect_no_at", "allow_unread",
    }  # fmt: skip


def test_statement_is_a_plain_slotted_class() -> None:
    st_ = one('  sms owner "on"   # turn it on  ')
    assert Statement.__slots__ == ("kind", "args", "line", "source")
    assert not hasattr(st_, "__dict__")
    assert st_.source == 'sms owner "on"   # turn it on'
    assert "sms" in repr(st_)


def test_usage_lists_every_form() -> None:
    for key in ("advance", "modem reply", "expect sms", "expect no at", "expect steady"):
        assert key in USAGE
    assert "modem" not in USAGE and "expect" not in USAGE and "expect no" not in USAGE


# ----------------------------------------------------------------------------- case, comments, blanks


@pytest.mark.parametrize(
    ("text", "kind", "args"),
    [
        ("MODEL 707L", "model", {"model": "707L"}),
        ("Boot", "boot", {}),
        ("RESET-FLASH", "reset_flash", {}),
        ("Mains OFF", "mains", {"on": False}),
        ("Power-Cut During-Flash-Write AT 5", "power_cut", {"at_byte": 5}),
        ("EXPECT NO SMS WITHIN 2M", "expect_no_sms", {"name": None, "within": 120_000}),
        ("Expect Steady Relay ON For 1H", "expect_steady_relay", {"on": True, "for_ms": 3_600_000}),
        ("Network-Time OFF", "network_time", {"time": None}),
        ("TEMP None", "temp", {"celsius": None}),
        ("SIGNAL NONE", "signal", {"dbm": None}),
        ("Button HOLD 3S", "button", {"hold_ms": 3_000}),
        ('MODEM REPLY-ONCE "AT"', "modem_reply", {"regex": "AT", "lines": [], "once": True}),
        ("Modem SIM800L", "modem_type", {"name": "sim800l"}),
        ("SIM Missing", "sim", {"state": "missing"}),
        ("ALLOW UNREAD", "allow_unread", {}),
        ("Battery DEAD", "battery_dead", {}),
        ('SMS Owner "x" UCS2 PARTS 2', "sms", {"name": "Owner", "text": "x", "ucs2": True, "parts": 2}),
        ("CALL Owner NO-CLIP", "call", {"name": "Owner", "clip": False}),
        (
            "PHONE Owner +1 CALL-AS 1 WITHHELD",
            "phone",
            {"name": "Owner", "number": "+1", "call_as": "1", "withheld": True},
        ),
        ("expect LED power BLINK-1S", "expect_led", {"led": "POWER", "pattern": "blink-1s", "within": None}),
    ],
)
def test_keywords_are_case_insensitive_names_keep_case(text: str, kind: str, args: dict[str, Any]) -> None:
    st_ = one(text)
    assert (st_.kind, st_.args) == (kind, args)


@pytest.mark.parametrize("text", ["", "   ", "\t", "# a comment", "   # indented comment", "#", "\r"])
def test_blank_and_comment_lines(text: str) -> None:
    assert parse_line(text, 3) is None


def test_comments_after_statements_and_hash_inside_strings() -> None:
    assert one("advance 30s # let it settle").args == {"ms": 30_000}
    assert one("boot#no space before the comment").kind == "boot"
    assert one("expect relay on   # the relay # is on").args == {"on": True, "within": None}
    st_ = one('sms owner "PIN#1234 # not a comment" # but this is')
    assert st_.args["text"] == "PIN#1234 # not a comment"
    st_ = one('expect sms owner ~ "a#b" within 1s # c')
    assert st_.args == {"name": "owner", "text": None, "regex": "a#b", "within": 1_000}
    assert one('modem urc "#"').args == {"line": "#"}


def test_bare_ussd_codes_keep_their_hashes() -> None:
    assert one('ussd *100# "Saldo" # the balance').args == {"code": "*100#", "reply": "Saldo"}
    assert one('ussd #100# "x"').args == {"code": "#100#", "reply": "x"}
    assert one('USSD *#06#"x"').args == {"code": "*#06#", "reply": "x"}
    assert one("expect ussd *100# # comment").args == {"code": "*100#", "within": None}
    assert one("expect ussd #123# within 5s#c").args == {"code": "#123#", "within": 5_000}
    # '#' with no digit after ussd is still a comment
    assert "missing CODE" in syntax_error("ussd # nothing").message
    assert "missing CODE" in syntax_error("expect ussd # nothing").message


# ----------------------------------------------------------------------------- strings


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"a\nb"', "a\nb"),
        (r'"a\rb"', "a\rb"),
        (r'"a\tb"', "a\tb"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"back\\slash"', "back\\slash"),
        (r'"\\"', "\\"),
        (r'"\x41\x7e\xFF\x00"', "A~\xff\x00"),
        (r'"\u00e4\u20AC"', "ä€"),
        (r'"\uD83D\uDE00"', "\U0001f600"),
        (r'"\\n"', "\\n"),
        ('"€ literal UTF-8 ä"', "€ literal UTF-8 ä"),
        ('""', ""),
        ('"  spaces kept  "', "  spaces kept  "),
    ],
)
def test_escapes(literal: str, value: str) -> None:
    assert one(f"modem urc {literal}").args["line"] == value
    assert one(f"sms owner {literal}").args["text"] == value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (r'sms owner "a\qb"', "unknown escape \\q"),
        (r'sms owner "\a"', "unknown escape \\a"),
        (r'expect sms owner "\d"', "unknown escape \\d"),
        (r'modem urc "\0"', "unknown escape \\0"),
        (r'sms owner "\x4"', "\\x needs exactly two hex digits"),
        (r'sms owner "\xZZ"', "\\x needs exactly two hex digits"),
        (r'sms owner "\u12"', "\\u needs exactly four hex digits"),
        (r'sms owner "\u12G4"', "\\u needs exactly four hex digits"),
        (r'sms owner "\uD83D"', "lone UTF-16 surrogate"),
        (r'sms owner "\uD83Dx"', "lone UTF-16 surrogate"),
        (r'sms owner "\uDE00"', "lone UTF-16 surrogate"),
        ('sms owner "open', "unterminated string"),
        ('sms owner "open\\"', "unterminated string"),
        ('sms owner "open\\', "unterminated string"),
        ('modem urc "a" "b', "unterminated string"),
    ],
)
def test_string_errors(text: str, fragment: str) -> None:
    e = syntax_error(text, 12)
    assert fragment in e.message
    assert str(e).startswith("12: ")


def test_regex_arguments_keep_other_escapes_for_re() -> None:
    """``~ "\\d+"`` and ``~ "\\\\d+"`` are the same regex; ``\\n`` etc. are still decoded."""
    assert one(r'expect sms owner ~ "Temp \d+C"').args["regex"] == r"Temp \d+C"
    assert one(r'expect sms owner ~ "Temp \\d+C"').args["regex"] == r"Temp \d+C"
    assert one(r'expect at "AT\+CMGS=\"\+358.*\""').args["regex"] == r'AT\+CMGS="\+358.*"'
    assert one(r'expect no at "AT\+CHUP"').args["regex"] == r"AT\+CHUP"
    assert one(r'expect console ~ "a\.b\nc"').args["regex"] == "a\\.b\nc"
    assert one(r'modem reply "AT\+CSQ" "+CSQ: 20,0"').args["regex"] == r"AT\+CSQ"
    assert one(r'modem interleave-once "AT\+CMGS.*" "RING"').args["regex"] == r"AT\+CMGS.*"
    # ... but the LINEs of a modem reply are not regexes
    assert "unknown escape \\+" in syntax_error(r'modem reply "AT" "\+CSQ: 1"').message


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_any_text_survives_quoting(s: str) -> None:
    def quote(text: str) -> str:
        out = []
        for ch in text:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ord(ch) < 0x20 or ch.isspace() or not ch.isprintable():
                out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else ch)
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    assert one(f"modem urc {quote(s)}  # trailing comment").args["line"] == s


@given(st.binary(max_size=40))
def test_modem_raw_bytes_roundtrip(data: bytes) -> None:
    literal = "".join(f"\\x{b:02x}" for b in data)
    assert one(f'modem raw "{literal}"').args["data"] == data


def test_modem_raw_rejects_characters_above_ff() -> None:
    assert "U+0100" in syntax_error(r'modem raw "\u0100"').message
    assert "U+20AC" in syntax_error('modem raw "€"').message
    assert one('modem raw "ä"').args["data"] == b"\xe4"


# ----------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("token", "ms"),
    [
        ("250ms", 250),
        ("0s", 0),
        ("20s", 20_000),
        ("10m", 600_000),
        ("2h", 7_200_000),
        ("3d", 259_200_000),
        ("1h30m", 5_400_000),
        ("1m30s500ms", 90_500),
        ("1d2h3m4s5ms", 93_784_005),
        ("2d12h", 216_000_000),
        ("90s", 90_000),
        ("1500ms", 1_500),
        ("1H30M", 5_400_000),
        ("5MS", 5),
        ("007s", 7_000),
    ],
)
def test_parse_duration(token: str, ms: int) -> None:
    assert parse_duration(token) == ms
    assert one(f"advance {token}").args == {"ms": ms}


@pytest.mark.parametrize(
    "token",
    ["", "30", "s", "1.5s", "-5s", "+5s", "5 s", "30m1h", "1m1m", "1s1m", "5sec", "5min", "1h30", "1w", "x"],
)
def test_bad_durations(token: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(token)


@given(
    st.lists(st.integers(0, 10_000), min_size=5, max_size=5), st.lists(st.booleans(), min_size=5, max_size=5)
)
def test_chained_durations_add_up(values: list[int], present: list[bool]) -> None:
    units = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)]
    parts = [(v, unit, k) for v, (unit, k), keep in zip(values, units, present) if keep]
    if not parts:
        return
    token = "".join(f"{v}{unit}" for v, unit, _ in parts)
    assert parse_duration(token) == sum(v * k for v, _, k in parts)


def test_duration_errors_in_statements() -> None:
    assert "needs a unit" in syntax_error("advance 30").message
    assert "whole numbers" in syntax_error("advance 1.5s").message
    assert "largest to smallest" in syntax_error("expect relay on within 30s1m").message
    e = syntax_error("advance 1h 30m")
    assert "without spaces" in e.message and "'30m'" in e.message
    assert "DURATION" in syntax_error('advance "30s"').message


# ----------------------------------------------------------------------------- error classes


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        # unknown keywords
        ("frobnicate 3", "unknown statement 'frobnicate'"),
        ("bot", "did you mean 'boot'"),
        ('"boot"', "unknown statement string"),
        ("expect relya on", "did you mean 'relay'"),
        ("expect", "incomplete statement"),
        ("expect no", "incomplete statement"),
        ("expect no relay off", "unknown 'expect no' form 'relay'"),
        ("modem explode", "unknown 'modem' form 'explode'"),
        ("modem", "incomplete statement"),
        # missing arguments
        ("model", "missing MODEL"),
        ("board", "missing board NAME"),
        ("phone owner", "missing NUMBER"),
        ("phone", "missing NAME"),
        ("phone owner +1 call-as", "missing NUMBER2"),
        ("network-time", "missing DATE"),
        ("network-time 2026-01-01", "missing TIME"),
        ("network-time 2026-01-01 10:00:00", "missing ZONE"),
        ("temp", "missing CELSIUS"),
        ("sensor", "missing state"),
        ("signal", "missing DBM"),
        ("ussd *100#", "missing REPLY"),
        ("mains", "missing state"),
        ("battery", "missing 'dead'"),
        ("power-cut", "missing 'during-flash-write'"),
        ("power-cut during-flash-write at", "missing BYTE"),
        ("advance", "missing DURATION"),
        ("sms owner", "missing TEXT"),
        ("sms", "missing NAME"),
        ('sms owner "x" parts', "missing N"),
        ("call", "missing NAME"),
        ("hangup", "missing NAME"),
        ("answer", "missing NAME"),
        ("reject", "missing NAME"),
        ("button", "missing action"),
        ("button hold", "missing DURATION"),
        ("network", "missing state"),
        ("sim", "missing state"),
        ("allow", "missing 'unread'"),
        ("expect sms owner", 'missing "TEXT" or ~ "REGEX"'),
        ("expect sms owner ~", "missing REGEX"),
        ("expect sms", "missing NAME"),
        ("expect call", "missing NAME"),
        ("expect answered", "missing NAME"),
        ("expect hangup", "missing NAME"),
        ("expect ussd", "missing CODE"),
        ("expect relay", "missing state"),
        ("expect microrelay", "missing state"),
        ("expect mic", "missing state"),
        ("expect steady", "missing 'relay'"),
        ("expect steady relay on", "missing 'for DURATION'"),
        ("expect steady relay on for", "missing DURATION"),
        ("expect led", "missing LED"),
        ("expect led GSM", "missing PATTERN"),
        ("expect console", "missing '~'"),
        ("expect console ~", "missing REGEX"),
        ("expect flash-erases", "missing '<= N'"),
        ("expect flash-erases <=", "missing N"),
        ("expect at", "missing REGEX"),
        ("expect no at", "missing REGEX"),
        ("expect relay on within", "missing DURATION"),
        ("modem reply", "missing REGEX"),
        ("modem interleave", "missing REGEX"),
        ('modem interleave "AT"', "missing LINE"),
        ('modem interleave-once "AT"', "missing LINE"),
        ("modem urc", "missing LINE"),
        ("modem raw", "missing BYTES"),
        # extra arguments
        ("boot now", "unexpected extra 'now'"),
        ("reset-flash 1", "unexpected extra '1'"),
        ("mcu-reset x", "unexpected extra 'x'"),
        ("model 707 706", "unexpected extra '706'"),
        ("board a b", "unexpected extra 'b'"),
        ("modem sim800l a7670", "unexpected extra 'a7670'"),
        ("modem hang now", "unexpected extra 'now'"),
        ("network-time off now", "unexpected extra 'now'"),
        ("network-time 2026-01-01 10:00:00 +02:00 x", "unexpected extra 'x'"),
        ("temp 20 21", "unexpected extra '21'"),
        ("temp none 1", "unexpected extra '1'"),
        ("signal -67 x", "unexpected extra 'x'"),
        ('ussd *100# "a" "b"', 'unexpected extra string "b"'),
        ("mains on off", "unexpected extra 'off'"),
        ("battery dead x", "unexpected extra 'x'"),
        ("power-cut during-flash-write at 5 6", "unexpected extra '6'"),
        ("power-cut during-flash-write now", "expected 'at'"),
        ("advance 30s 30s", "unexpected extra '30s'"),
        ('sms owner "x" "y"', 'unexpected string "y"'),
        ('sms owner "x" fast', "unexpected 'fast'"),
        ("call owner again", "expected 'no-clip'"),
        ("call owner no-clip x", "unexpected extra 'x'"),
        ("hangup owner now", "unexpected extra 'now'"),
        ("button press 3s", "unexpected extra '3s'"),
        ("button hold 3s 4s", "unexpected extra '4s'"),
        ("network lost x", "unexpected extra 'x'"),
        ("sim ok x", "unexpected extra 'x'"),
        ("allow unread x", "unexpected extra 'x'"),
        ("phone A +1 loud", "unexpected 'loud'"),
        ('expect sms owner "x" soon', "unexpected extra 'soon'"),
        ('expect sms owner "x" "y"', 'unexpected extra string "y"'),
        ("expect no sms owner stranger", "unexpected extra 'stranger'"),
        ("expect call owner 20s", "unexpected extra '20s'"),
        ("expect relay on 5s", "unexpected extra '5s'"),
        ("expect steady relay on for 5s x", "unexpected 'x'"),
        ("expect flash-erases <= 3 within 1s", "unexpected extra 'within'"),
        ('modem urc "a" "b"', 'unexpected extra string "b"'),
        ('modem raw "a" "b"', 'unexpected extra string "b"'),
        ('modem reply "AT" OK', "expected LINE as a double-quoted string, got 'OK'"),
        # bad numbers
        ("phone A 12a", "expected NUMBER"),
        ("phone A +", "expected NUMBER"),
        ("phone A 123456789012345678901", "expected NUMBER"),
        ("phone A ++1", "expected NUMBER"),
        ('phone A "+1"', "expected NUMBER"),
        ("phone A +1 call-as x", "expected NUMBER2"),
        ("temp warm", "expected CELSIUS"),
        ("temp 21,5", "expected CELSIUS"),
        ("temp 1e3", "expected CELSIUS"),
        ("temp nan", "expected CELSIUS"),
        ("signal -67.5", "expected DBM"),
        ("signal strong", "expected DBM"),
        ('sms owner "x" parts 0', "parts must be 1..10"),
        ('sms owner "x" parts 11', "parts must be 1..10"),
        ('sms owner "x" parts two', "expected N after parts"),
        ("power-cut during-flash-write at -1", "expected BYTE"),
        ("expect flash-erases <= -1", "expected N"),
        ("expect flash-erases <= x", "expected N"),
        ("expect flash-erases <=x", "whole number after '<='"),
        ("expect flash-erases < 3", "expected '<= N'"),
        ('ussd 12ab "x"', "expected a USSD CODE"),
        ('ussd "" "x"', "empty USSD CODE"),
        # bad names
        ('sms 1owner "x"', "expected NAME"),
        ("call own-er", "expected NAME"),
        ('call "owner"', "expected NAME"),
        ("board pico-1", "expected board NAME"),
        ("expect no sms +358401234567", "expected NAME"),
        # bad enum words
        ("model 708", "expected MODEL (706|707|706l|707l), got '708'"),
        ("model", "missing MODEL"),
        ("modem sim900", "unknown 'modem' form 'sim900'"),
        ("sensor ajar", "expected state (open|closed)"),
        ("mains maybe", "expected state (off|on)"),
        ("button tap", "expected action (press|hold)"),
        ("network gone", "expected state (lost|back)"),
        ("sim locked", "expected state (missing|pin|ok)"),
        ("battery low", "expected 'dead'"),
        ("allow everything", "expected 'unread'"),
        ("expect relay 1", "expected state (on|off)"),
        ('expect relay "on"', "expected state (on|off)"),
        ("expect microrelay yes", "expected state (on|off)"),
        ("expect mic live", "expected state (on|off)"),
        ("expect steady microrelay on for 5s", "expected 'relay' after 'expect steady'"),
        ("expect steady relay maybe for 5s", "expected state (on|off)"),
        ("expect led BATTERY on", "expected LED (power|gsm|mic|out)"),
        ("expect led GSM blink", "expected PATTERN (off|on|blink-1s|blink-3s|fast|sim-error)"),
        ('expect console "x"', "expected '~' before the REGEX"),
        ("expect sms owner x", 'expected "TEXT" or ~ "REGEX" as a double-quoted string'),
        # bad regexes
        ('expect sms owner ~ "("', "bad regular expression"),
        ('expect console ~ "[a-"', "bad regular expression"),
        ('expect at "AT+++"', "bad regular expression"),
        ('expect no at "*"', "bad regular expression"),
        ('modem reply "(?P<x" "OK"', "bad regular expression"),
        ('modem reply-once "a{2,1}"', "bad regular expression"),
        ('modem interleave "\\\\" "RING"', "bad regular expression"),
        ('modem interleave-once "(" "RING"', "bad regular expression"),
        ("expect at AT", "expected REGEX as a double-quoted string"),
        # within given twice / steady without for
        ("expect relay on within 1s within 2s", "'within' given twice"),
        ('expect sms owner "x" within 1s within 1s', "'within' given twice"),
        ("expect no sms within 1m within 2m", "'within' given twice"),
        ("expect steady relay on within 5s", "takes 'for DURATION', not 'within'"),
        ("expect steady relay on for 5s for 6s", "'for' given twice"),
        # repeated options
        ("phone A +1 withheld withheld", "'withheld' given twice"),
        ("phone A +1 call-as 1 call-as 2", "'call-as' given twice"),
        ('sms owner "x" ucs2 ucs2', "'ucs2' given twice"),
        ('sms owner "x" parts 2 parts 3', "'parts' given twice"),
        # network time
        ("network-time 2026-02-29 00:00:00 +00:00", "not a real date"),
        ("network-time 2026-13-01 00:00:00 +00:00", "not a real date"),
        ("network-time 2026-04-31 00:00:00 +00:00", "not a real date"),
        ("network-time 2026-01-01 24:00:00 +00:00", "not a real date"),
        ("network-time 2026-01-01 12:60:00 +00:00", "not a real date"),
        ("network-time 2026-01-01 12:00:60 +00:00", "not a real date"),
        ("network-time 2026/01/01 12:00:00 +00:00", "expected DATE"),
        ("network-time 2026-01-01 12:00 +00:00", "expected TIME"),
        ("network-time 2026-01-01 12:00:00 02:00", "expected ZONE"),
        ("network-time 2026-01-01 12:00:00 +2:00", "expected ZONE"),
        ("network-time 2026-01-01 12:00:00 +02:60", "out of range"),
        ("network-time 2026-01-01 12:00:00 +15:00", "out of range"),
        ("network-time 2026-01-01 12:00:00 +02:10", "quarter hours"),
        ("network-time on", "expected DATE"),
    ],
)
def test_errors(text: str, fragment: str) -> None:
    e = syntax_error(text, 42)
    assert fragment in e.message, e.message
    assert str(e) == f"42: {e.message}"
    assert e.line == 42


def test_errors_name_what_was_expected() -> None:
    e = syntax_error("expect relay maybe")
    assert "usage: expect relay on|off [within D]" in e.message
    e = syntax_error("expect bogus")
    for word in ("sms", "no", "steady", "flash-erases"):
        assert word in e.message


def test_parse_scenario_reports_the_first_bad_line() -> None:
    text = "model 707\n\n# comment\nboot\nadvance 30s\nexpect relay sideways\nadvance forever\n"
    with pytest.raises(ScenarioSyntaxError) as info:
        parse_scenario(text)
    assert info.value.line == 6
    assert str(info.value).startswith("6: expected state (on|off)")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("boot\nfrob\n", 2),
        ('boot\n\n\nsms owner "unterminated\n', 4),
        ("# c\n  # c\nadvance 10\n", 3),
        ("boot\r\nadvance 1x\r\n", 2),
        ('\ufeffboot\nexpect at "("\n', 2),
        ("expect relay on within 1s within 1s", 1),
        ("boot\nexpect steady relay on\n", 2),
    ],
)
def test_error_line_numbers(text: str, line: int) -> None:
    with pytest.raises(ScenarioSyntaxError) as info:
        parse_scenario(text)
    assert info.value.line == line


def test_parse_scenario_lines_and_sources() -> None:
    text = '\ufeffmodel 707   \r\n\r\n   # c\r\n\tboot # power on\r\n  sms owner "a\\u2028b"\n'
    sts = parse_scenario(text)
    assert [(s.kind, s.line, s.source) for s in sts] == [
        ("model", 1, "model 707"),
        ("boot", 4, "boot # power on"),
        ("sms", 5, 'sms owner "a\\u2028b"'),
    ]
    assert sts[2].args["text"] == "a\u2028b"
    # a raw U+2028 inside a string is just a character, not a line break
    assert parse_scenario('boot\nsms owner "a\u2028b"\nboot')[2].line == 3


# ----------------------------------------------------------------------------- the spec's example

EXAMPLE = """\
model 707
phone owner +358401234567
phone stranger +447700900123
network-time 2026-11-23 08:00:00 +02:00
boot
advance 30s
sms owner "SECNUMBER+358401234567"
expect sms owner "SECNUMBER+358401234567 - OK"
sms owner "seclist=on"
expect sms owner "SECLIST=ON - OK"
sms stranger "ON"
expect no sms within 2m
expect relay off
sms owner "on"
expect sms owner "Power socket ON"
expect relay on
expect led OUT on
"""


def _check_example(sts: list[Statement]) -> None:
    got = [(s.line, s.kind, s.args) for s in sts]
    assert got == [
        (1, "model", {"model": "707"}),
        (2, "phone", {"name": "owner", "number": "+358401234567", "call_as": None, "withheld": False}),
        (3, "phone", {"name": "stranger", "number": "+447700900123", "call_as": None, "withheld": False}),
        (4, "network_time", {"time": (2026, 11, 23, 8, 0, 0), "zone_minutes": 120}),
        (5, "boot", {}),
        (6, "advance", {"ms": 30_000}),
        (7, "sms", {"name": "owner", "text": "SECNUMBER+358401234567", "ucs2": False, "parts": 1}),
        (
            8,
            "expect_sms",
            {"name": "owner", "text": "SECNUMBER+358401234567 - OK", "regex": None, "within": None},
        ),
        (9, "sms", {"name": "owner", "text": "seclist=on", "ucs2": False, "parts": 1}),
        (10, "expect_sms", {"name": "owner", "text": "SECLIST=ON - OK", "regex": None, "within": None}),
        (11, "sms", {"name": "stranger", "text": "ON", "ucs2": False, "parts": 1}),
        (12, "expect_no_sms", {"name": None, "within": 120_000}),
        (13, "expect_relay", {"on": False, "within": None}),
        (14, "sms", {"name": "owner", "text": "on", "ucs2": False, "parts": 1}),
        (15, "expect_sms", {"name": "owner", "text": "Power socket ON", "regex": None, "within": None}),
        (16, "expect_relay", {"on": True, "within": None}),
        (17, "expect_led", {"led": "OUT", "pattern": "on", "within": None}),
    ]


def test_spec_example() -> None:
    _check_example(parse_scenario(EXAMPLE))


def test_spec_example_file() -> None:
    # host_tests/scenarios/spec_example.scn is the example copied from spec/SCENARIOS.md.
    path = Path(__file__).resolve().parent / "scenarios" / "spec_example.scn"
    comment, body = path.read_text(encoding="utf-8").split("\n", 1)
    assert comment.startswith("#")
    _check_example(parse_scenario(body))
