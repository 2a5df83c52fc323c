"""SMS PDU codec: real PDUs, SUBMIT checked by an independent decoder, fuzzing, round trips.

Sources of the real PDUs (hex copied verbatim):
  shared/modem/016          SIM800-family capture (A7670G, LilyGo-Modem-Series #264)
  oFono unit/test-sms.c     simple_deliver, alnum_sender, unicode_deliver, assembly_pdu1-3,
                            wap_push_1, simple_mwi, simple_submit, charset UDs
  python-gsmmodem test_pdu  Test2, "It is easy...", '@{tést}!', concatenated airtime notice,
                            status report, 'Hello World!' / CJK / Lorem-ipsum SUBMITs
  smspdudecoder (qotto)     alphanumeric addresses MMoney / Design@Home, 'TEST' deliver
  9cbs.com PDU tutorial     China Mobile read example ('zzf', tz +8h)
  esphome/issues #1865      UCS2 user data from a SIM800L: "Fire" + U+1F525 (surrogate pair)
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isocket.modem import gsm7
from isocket.modem.sms_pdu import (
    SmsDeliver,
    decode_deliver,
    encode_submit,
    from_hex,
    number_from_semi_octets,
    pack7,
    semi_octets,
    to_hex,
    unpack7,
)

# --------------------------------------------------------------------------------------------
# Independent test-side helpers (do not use the module under test)

# 3GPP TS 23.038 6.2.1, column by column (0x00-0x0F, 0x10-0x1F, ...); ESC shown as None.
_T_COLUMNS = [
    "@£$¥èéùìòÇ\nØø\rÅå",
    "Δ_ΦΓΛΩΠΨΣΘΞ\x00ÆæßÉ",
    " !\"#¤%&'()*+,-./",
    "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO",
    "PQRSTUVWXYZÄÖÑÜ§",
    "¿abcdefghijklmno",
    "pqrstuvwxyzäöñüà",
]
_T_BASIC = {i * 16 + j: ch for i, col in enumerate(_T_COLUMNS) for j, ch in enumerate(col)}
del _T_BASIC[0x1B]
_T_EXT = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
_T_CHAR_COST = {ch: 1 for ch in _T_BASIC.values()} | {ch: 2 for ch in _T_EXT.values()}


def t_gsm_decode(septets: list[int]) -> str:
    out, i = [], 0
    while i < len(septets):
        if septets[i] == 0x1B:
            out.append(_T_EXT[septets[i + 1]])  # the encoder must never emit an unknown escape
            i += 2
        else:
            out.append(_T_BASIC[septets[i]])
            i += 1
    return "".join(out)


def t_parse_submit(hex_pdu: str) -> dict:
    """Decode our SMS-SUBMIT with plain CPython tools; asserts structural invariants."""
    assert hex_pdu == hex_pdu.upper()
    b = bytes.fromhex(hex_pdu)
    assert b[0] == 0, "SMSC must be 00 (use the SIM's)"
    t = b[1:]
    fo, mr, dal, toa = t[0], t[1], t[2], t[3]
    assert fo & 0x03 == 1 and (fo >> 3) & 3 == 2  # SMS-SUBMIT, relative VP
    n = (dal + 1) // 2
    nibbles = "".join("%d%d" % (x & 15, x >> 4) if (x >> 4) < 10 else "%d" % (x & 15) for x in t[4 : 4 + n])
    if dal & 1:
        assert t[3 + n] >> 4 == 0xF
    digits = nibbles[:dal]
    p = 4 + n
    pid, dcs, vp, udl = t[p], t[p + 1], t[p + 2], t[p + 3]
    ud = t[p + 4 :]
    concat, head = None, 0
    if fo & 0x40:
        hl = ud[0]
        assert hl == 5 and ud[1] == 0 and ud[2] == 3
        concat = (ud[3], ud[4], ud[5])
        head = hl + 1
    if dcs == 0:
        assert len(ud) == (udl * 7 + 7) // 8 and udl <= 160
        v = int.from_bytes(ud, "little")
        septets = [(v >> (7 * i)) & 0x7F for i in range(udl)]
        skip = (head * 8 + 6) // 7
        text_septets = septets[skip:]
        escapes = 0
        for s in text_septets:  # a part never ends inside an escape sequence
            escapes = 0 if escapes else int(s == 0x1B)
        assert not escapes
        text = t_gsm_decode(text_septets)
    else:
        assert dcs == 8 and len(ud) == udl and udl <= 140
        text = ud[head:].decode("utf-16-be")  # strict: a split surrogate pair raises here
    return {
        "fo": fo,
        "mr": mr,
        "toa": toa,
        "digits": digits,
        "pid": pid,
        "dcs": dcs,
        "vp": vp,
        "udl": udl,
        "concat": concat,
        "text": text,
        "tpdu_len": len(t),
    }


def t_deliver(ud_hex: str, udl: int, dcs: int = 0, fo: int = 0x04, oa: str = "0B914326764060F6") -> str:
    """A DELIVER around a given user data: SMSC and timestamp of the 016 capture."""
    return "07914346220050F0%02X%s00%02X52407231938580%02X%s" % (fo, oa, dcs, udl, ud_hex)


def t_cost(ch: str, gsm: bool) -> int:
    return _T_CHAR_COST[ch] if gsm else (2 if ord(ch) > 0xFFFF else 1)


def t_fits(text: str, gsm: bool, parts: int) -> bool:
    """Whether ``text`` fits ``parts`` parts, greedy, never splitting a character."""
    single, per = (160, 153) if gsm else (70, 67)
    if sum(t_cost(c, gsm) for c in text) <= single:
        return True
    used, count = 0, 1
    for c in text:
        k = t_cost(c, gsm)
        if used + k > per:
            count, used = count + 1, 0
        used += k
    return count <= parts


# --------------------------------------------------------------------------------------------
# Real SMS-DELIVER PDUs

CAPTURE_016 = "07914346220050F0040B914326764060F60000524072319385800C31D98C062ACFE961F21B04"

OFONO_SIMPLE = "07911326040000F0040B911346610089F60000208062917314480CC8F71D14969741F977FD07"
OFONO_ALNUM = "0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9"
OFONO_UNICODE = (
    "04819999990414D0FBFD7EBFDFEFF77BFE1E001"
    "9512090801361807E00DC00FC00C400E400D600F600C500E500D800F800C"
    "600E600C700E700C900E900CA00EA00DF003100320033003400350036003"
    "7003800390030002000540068006900730020006D0065007300730061006"
    "7006500200069007300200036003300200075006E00690063006F0064006"
    "5002000630068006100720073002E"
)
OFONO_ASSEMBLY = [
    "038121F340048155550119906041001222048C0500"
    "031E0301041804420430043A002C002004100"
    "43B0435043A04410430043D04340440002000"
    "200441043B044304480430043B00200437043"
    "000200434043204350440044C044E00200020"
    "04380020002004320441043500200431043E0"
    "43B044C044804350020043F04400435043804"
    "41043F043E043B043D044F043B0441044F002"
    "000200433043D0435",
    "038121F340048155550119906041001222048C0500"
    "031E03020432043E043C002E000A041D04300"
    "43A043E043D04350446002C0020043D043500"
    "200432002004410438043B043004450020043"
    "40430043B043504350020044204350440043F"
    "04350442044C002C0020043E043D002004410"
    "44204400435043C043804420435043B044C04"
    "3D043E002004320431043504360430043B002"
    "004320020043A043E",
    "038121F340048155550119906041001222044A0500"
    "031E0303043C043D043004420443002C00200"
    "43F043E043704300431044B0432000A043404"
    "3004360435002C002004470442043E0020002"
    "00431044B043B0020043D04300433002E",
]
OFONO_WAP_PUSH = (
    "0791947122725014440185F039F501801140311480720605040B8423F00106"
    "246170706C69636174696F6E2F766E642E7761702E6D6D732D6D657373616"
    "76500AF84B4868C82984F67514B4B42008D9089088045726F74696B009650"
    "696E2D557073008A808E0240008805810303F48083687474703A2F2F65707"
    "3332E64652F4F2F5A39495A4F00"
)
OFONO_MWI = "07913366002020F8040B913366600600F100C83180706174148000"
GSMMODEM_TEST2 = "06917228195339040B917228214365F700003130805120618005D4F29C2E03"
GSMMODEM_EASY = (
    "07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF2"
    "7C1E3E97E7207B3A0C0A5241E377BB1D7693E72E"
)
GSMMODEM_EXT = "06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910"
GSMMODEM_CONCAT = (
    "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB0603"
    "19A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068B"
    "CD5C20"
)
GSMMODEM_STATUS_REPORT = "0006D60B911326880736F4111011719551401110117195714000"
QOTTO_TEST = "07916407058099F9040B916407950303F100008921222140140004D4E2940A"
CHINA_ZZF = "0891683108100005F0040D91683119111797F6000040609260452223037ABD19"

REAL_DELIVERS = [
    CAPTURE_016,
    OFONO_SIMPLE,
    OFONO_ALNUM,
    OFONO_UNICODE,
    OFONO_WAP_PUSH,
    OFONO_MWI,
    GSMMODEM_TEST2,
    GSMMODEM_EASY,
    GSMMODEM_EXT,
    GSMMODEM_CONCAT,
    QOTTO_TEST,
    CHINA_ZZF,
    *OFONO_ASSEMBLY,
]


def test_capture_016_sim800_family():
    m = decode_deliver(CAPTURE_016)
    assert isinstance(m, SmsDeliver)
    assert m.mti == 0
    assert m.sender == "+34626704066" and m.sender_is_numeric and m.sender_toa == 0x91
    assert m.scts == (25, 4, 27, 13, 39, 58, 8)
    assert (m.pid, m.dcs, m.text, m.concat, m.is_flash) == (0, 0, "1234 estado ", None, False)


def test_capture_016_with_line_noise_around():
    assert decode_deliver("  " + CAPTURE_016.lower() + "\r\n").text == "1234 estado "


@pytest.mark.parametrize(
    "pdu, sender, scts, text",
    [
        (OFONO_SIMPLE, "+31641600986", (2, 8, 26, 19, 37, 41, -4), "How are you?"),
        (GSMMODEM_TEST2, "+27821234567", (13, 3, 8, 15, 2, 16, 8), "Test2"),
        (
            GSMMODEM_EASY,
            "+85291234567",
            (7, 4, 12, 23, 25, 42, 32),
            "It is easy to read text messages via AT commands.",
        ),
        (GSMMODEM_EXT, "+27821234567", (13, 3, 26, 13, 35, 25, 8), "@{tést}!"),
        (QOTTO_TEST, "+46705930301", (98, 12, 22, 12, 4, 41, 0), "TEST"),
        (CHINA_ZZF, "+8613911171796", (4, 6, 29, 6, 54, 22, 32), "zzf"),
    ],
)
def test_real_gsm7_delivers(pdu, sender, scts, text):
    m = decode_deliver(pdu)
    assert (m.sender, m.sender_is_numeric, m.scts, m.text, m.concat) == (sender, True, scts, text, None)


def test_alphanumeric_sender():
    m = decode_deliver(OFONO_ALNUM)
    assert m.sender == "sipgate" and not m.sender_is_numeric and m.sender_toa == 0xD0
    assert m.scts == (8, 8, 13, 12, 7, 22, 4)
    assert m.text == "Testmail"


@pytest.mark.parametrize(
    "addr, name", [("0BD0CDE6DB5DCE03", "MMoney"), ("14D0C4F23C7D760390EF7619", "Design@Home")]
)
def test_alphanumeric_sender_qotto(addr, name):
    m = decode_deliver(t_deliver("31D98C06", 4, oa=addr))
    assert (m.sender, m.sender_is_numeric, m.text) == (name, False, "1234")


def test_ucs2_deliver_class1():
    m = decode_deliver(OFONO_UNICODE)
    assert m.dcs == 0x19 and not m.is_flash
    assert m.text == "ÜüÄäÖöÅåØøÆæÇçÉéÊêß1234567890 This message is 63 unicode chars."
    assert not m.sender_is_numeric  # alphanumeric (D0)


def test_ucs2_concatenated_parts_russian():
    parts = [decode_deliver(p) for p in OFONO_ASSEMBLY]
    assert [p.concat for p in parts] == [(0x1E, 3, 1), (0x1E, 3, 2), (0x1E, 3, 3)]
    assert all(p.sender == "5555" and p.sender_is_numeric and p.sender_toa == 0x81 for p in parts)
    whole = "".join(p.text for p in parts)
    # independent decode of the same user data
    expect = "".join(bytes.fromhex(p[38 + 12 :]).decode("utf-16-be") for p in OFONO_ASSEMBLY)
    assert whole == expect
    assert whole.startswith("Итак, Александр") and whole.endswith("был наг.")


def test_gsm7_concatenated_udh_fill_bits():
    m = decode_deliver(GSMMODEM_CONCAT)
    assert m.sender == "2781188" and m.sender_toa == 0x81 and m.sender_is_numeric
    assert m.concat == (0xC3, 1, 1)
    assert m.text == "Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. "


def test_8bit_with_port_udh_is_not_concat():
    m = decode_deliver(OFONO_WAP_PUSH)
    assert m.dcs == 0xF5 and m.concat is None and not m.is_flash
    assert m.sender == "0" and m.pid == 0x39
    assert "application/vnd.wap.mms-message" in m.text and m.text.endswith("http://eps3.de/O/Z9IZO\x00")


def test_message_waiting_group_decodes_empty_text():
    m = decode_deliver(OFONO_MWI)
    assert (m.dcs, m.text, m.sender, m.scts) == (0xC8, "", "+33660660001", (13, 8, 7, 16, 47, 41, 8))


def test_emoji_surrogate_pair_from_sim800l():
    # UD as a SIM800L printed it (esphome/issues #1865), wrapped in a DELIVER header.
    m = decode_deliver(t_deliver("0046006900720065D83DDD25", 12, dcs=0x08))
    assert m.text == "Fire\U0001f525"


@pytest.mark.parametrize(
    "ud, text",
    [
        ("D83D0041", "?A"),
        ("DC00", "?"),
        ("0041D83D", "A?"),
        ("D83DD83DDE00", "?\U0001f600"),
        ("DE00D83D", "??"),
        ("", ""),
    ],
)
def test_unpaired_surrogates(ud, text):
    assert decode_deliver(t_deliver(ud, len(ud) // 2, dcs=0x08)).text == text


def test_default_alphabet_and_extension_table_ofono():
    # oFono sms_charset_default / _ext user data (all 128 septets in order; the extension set).
    all_ud = (
        "808060402818"
        "0E888462C168381E90886442A9582E988C06C4E9783EA09068442A994EA8946AC56AB95EB0986C46ABD9"
        "6EB89C6EC7EBF97EC0A070482C1A8FC8A472C96C3A9FD0A8744AAD5AAFD8AC76CBED7ABFE0B0784C2E9BCFE8B47ACD6E"
        "BBDFF0B87C4EAFDBEFF8BC7ECFEFFBFF"
    )
    text = decode_deliver(t_deliver(all_ud, 128)).text
    # oFono's data carries a space where the escape code would be.
    assert text == (
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    ext = decode_deliver(t_deliver("1BC58602DAA036A9CD6BC3DBF436BE0D705306", 0x15)).text
    assert ext == "\f^ {}\\[~]|€"


def test_8bit_latin1():
    m = decode_deliver(t_deliver("48656C6C6FE9FF", 7, dcs=0x04))
    assert m.text == "Helloéÿ"


@pytest.mark.parametrize(
    "dcs, flash",
    [
        (0x10, True),
        (0xF0, True),
        (0x18, True),
        (0x11, False),
        (0x00, False),
        (0xF1, False),
        (0x14, True),
        (0x40, False),
    ],
)
def test_flash_class0(dcs, flash):
    alphabet = (dcs >> 2) & 3 if dcs < 0xF0 else (dcs >> 2) & 1
    ud = {0: "31D98C06", 1: "31323334", 2: "0031003200330034"}[alphabet]
    m = decode_deliver(t_deliver(ud, 4 if len(ud) == 8 else 8, dcs=dcs))
    assert m.is_flash is flash and m.text == "1234"


def test_concat_16bit_reference_and_invalid_ie_ignored():
    # UDH: 16-bit concat IE (python-gsmmodem vector 08 04 0180 04 02), then 8-bit text "hi".
    m = decode_deliver(t_deliver("0608040180040268 69".replace(" ", ""), 9, dcs=0x04, fo=0x44))
    assert m.concat == (384, 4, 2) and m.text == "hi"
    m = decode_deliver(t_deliver("05000307030068", 7, dcs=0x04, fo=0x44))  # seq 0
    assert m.concat is None and m.text == "h"
    m = decode_deliver(t_deliver("05000307020368", 7, dcs=0x04, fo=0x44))  # seq > total
    assert m.concat is None


def test_numeric_sender_variants():
    assert decode_deliver(t_deliver("31", 1, oa="03A121F3")).sender == "123"
    m = decode_deliver(t_deliver("31", 1, oa="0481A1B2"))  # '*' '#' digits
    assert m.sender == "1*2#" and not m.sender_is_numeric
    m = decode_deliver(t_deliver("31", 1, oa="0091"))
    assert m.sender == "" and not m.sender_is_numeric


# --------------------------------------------------------------------------------------------
# Rejection: only ValueError


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0",
        "ZZ",
        "07914346220050F",
        "0791434622005 0F0",
        "€€",
        "0C" + "00" * 40,
        GSMMODEM_STATUS_REPORT,  # SMS-STATUS-REPORT
        "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",  # SMS-SUBMIT (oFono simple_submit)
        "07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701",  # SUBMIT
        t_deliver("31D98C06", 4, dcs=0x20),  # compressed
        t_deliver("31D98C06", 4, dcs=0x0C),  # reserved alphabet
        t_deliver("31D98C06", 4, dcs=0x84),  # reserved coding group
        t_deliver("31D98C06", 4, dcs=0xB0),
        t_deliver("003100", 3, dcs=0x08),  # odd UCS2 length
        t_deliver("31D98C06", 5),  # UDL past the end
        t_deliver("00" * 141, 141, dcs=0x04),  # longer than 140 octets
        t_deliver("00" * 141, 161),  # more than 160 septets
        t_deliver("0500030102", 5, dcs=0x04, fo=0x44),  # UDH longer than the UD
        t_deliver("0300050100", 5, dcs=0x04, fo=0x44),  # IE runs past the UDH
        t_deliver("", 0, dcs=0x04, fo=0x44),  # UDHI with no user data
        t_deliver("31", 1, oa="1591" + "00" * 11),  # sender longer than 20 digits
        t_deliver("31", 1, oa="0391F1F3"),  # filler inside the number
        "0C" + CAPTURE_016[2:],  # SMSC length beyond 11
    ],
)
def test_malformed_raises_value_error(bad):
    with pytest.raises(ValueError):
        decode_deliver(bad)


def test_non_str_raises_value_error():
    for bad in (None, b"0791", 7, ["07"]):
        with pytest.raises(ValueError):
            decode_deliver(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("pdu", REAL_DELIVERS)
def test_every_truncation_raises(pdu):
    decode_deliver(pdu)
    for cut in range(len(pdu)):
        with pytest.raises(ValueError):
            decode_deliver(pdu[:cut])


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes_only_value_error(data):
    try:
        decode_deliver(data.hex())
    except ValueError:
        pass


@settings(max_examples=300)
@given(st.text(max_size=120))
def test_random_text_only_value_error(text):
    try:
        decode_deliver(text)
    except ValueError:
        pass


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(REAL_DELIVERS),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), min_size=1, max_size=6),
    st.integers(0, 200),
)
def test_mutated_real_pdus_only_value_error(pdu, edits, cut):
    b = bytearray(bytes.fromhex(pdu))
    for pos, val in edits:
        if pos < len(b):
            b[pos] = val
    try:
        m = decode_deliver(bytes(b[: len(b) - cut % 4]).hex())
    except ValueError:
        return
    assert isinstance(m.text, str) and isinstance(m.sender, str) and len(m.scts) == 7


# --------------------------------------------------------------------------------------------
# Helpers of the module


def test_hex_helpers():
    assert from_hex("0aFf00") == bytearray(b"\x0a\xff\x00")
    assert to_hex(b"\x0a\xff\x00") == "0AFF00"
    for bad in ("0", "0g", "٠٠", " 0"):
        with pytest.raises(ValueError):
            from_hex(bad)


def test_semi_octets_python_gsmmodem_vectors():
    assert semi_octets("15125551234") == bytearray([0x51, 0x21, 0x55, 0x15, 0x32, 0xF4])
    assert semi_octets("123") == bytearray([0x21, 0xF3])
    assert semi_octets("1234") == bytearray([0x21, 0x43])
    assert number_from_semi_octets(bytes([0x51, 0x21, 0x55, 0x15, 0x32, 0xF4]), 11) == "15125551234"


@pytest.mark.parametrize(
    "text, packed",
    [
        ("Hello World!", [200, 50, 155, 253, 6, 93, 223, 114, 54, 57, 4]),
        ("[{abc}]~", [27, 222, 6, 21, 22, 143, 55, 169, 141, 111, 211, 3]),
        ("a[]{}€", [225, 13, 111, 227, 219, 160, 54, 169, 77, 25]),
        ("{åΦΓΛΩΠΨΣΘ€}", [27, 212, 67, 50, 161, 84, 44, 23, 76, 102, 83, 222, 164, 0]),
        ("123456789", [49, 217, 140, 86, 179, 221, 112, 57]),
    ],
)
def test_gsm7_pack_python_gsmmodem_vectors(text, packed):
    septets = gsm7.encode(text)
    assert pack7(septets) == bytearray(packed)
    assert gsm7.decode(unpack7(bytes(packed), len(septets))) == text


def test_gsm7_table_anchor_points():
    assert gsm7.encode("@£$Δ_¤¡§¿àÇ") == bytes(
        [0x00, 0x01, 0x02, 0x10, 0x11, 0x24, 0x40, 0x5F, 0x60, 0x7F, 0x09]
    )
    assert gsm7.encode("€^{}\\[~]|\f") == bytes(
        [
            27,
            0x65,
            27,
            0x14,
            27,
            0x28,
            27,
            0x29,
            27,
            0x2F,
            27,
            0x3C,
            27,
            0x3D,
            27,
            0x3E,
            27,
            0x40,
            27,
            0x0A,
        ]
    )
    for code, ch in _T_BASIC.items():
        assert gsm7.encode(ch) == bytes([code]) and gsm7.decode([code]) == ch
    for code, ch in _T_EXT.items():
        assert gsm7.encode(ch) == bytes([0x1B, code]) and gsm7.decode([0x1B, code]) == ch


def test_gsm7_fits_and_lengths():
    assert gsm7.fits_gsm7("Hello @ 12:00, [ok] €5") and gsm7.fits_gsm7("")
    for ch in ("ç", "\x1b", "😀", "ж", "`", "\t"):
        assert not gsm7.fits_gsm7("a" + ch)
        assert gsm7.encode("a" + ch) is None and gsm7.septet_len("a" + ch) is None
    assert gsm7.septet_len("a€[]") == 7
    assert gsm7.decode([0x1B, 0x41, 0x41]) == "?A" and gsm7.decode([0x41, 0x1B]) == "A?"
    assert gsm7.decode([0x1B, 0x1B]) == "?"


# --------------------------------------------------------------------------------------------
# SMS-SUBMIT


def test_submit_ofono_hellohello_exact():
    expect = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
    assert encode_submit("+46708251358", "hellohello") == [(23, expect)]


def test_submit_python_gsmmodem_single_parts():
    # Their PDUs have no validity period (FO 01): compare our header and their user data.
    [(n, pdu)] = encode_submit("+27820001111", "Hello World!")
    assert pdu == "0011000B917228001011F10000AA0C" + "C8329BFD065DDF72363904" and n == len(pdu) // 2 - 1
    [(n, pdu)] = encode_submit("+123456789", "世界您好！")
    assert pdu == "0011000991214365" + "87F9" + "0008AA0A" + "4E16754C60A8597DFF01"
    p = t_parse_submit(pdu)
    assert (p["digits"], p["toa"], p["dcs"], p["text"]) == ("123456789", 0x91, 8, "世界您好！")


LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua.Ut enim ad minim veniam, quinostrud exercitation ullamco laboris nisi ut aliquip ex "
    "ea commodo consequat.Duis aute irure dolor in reprehenderit in voluptate velit esse cillum doloe eu "
    "fugiat nulla pariatur.Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia "
    "deserunt mollit anim id est laborum"
)
LOREM_PDUS = [  # python-gsmmodem test_encodeSmsSubmit_concatenated (FO 45, no VP)
    "0045000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0799A0E0AB7CB741668FC76CFCB637A9"
    "95E9783C2E4343C3D4F8FD3EE33A8CC4ED359A079990C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C26D7DD74509D0E62"
    "87C56F791954A683C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B642FBBD3E1360B14AFA7DD",
    "0045000B915121551532F40000A0050003000302DE73BABC4E0695F165F9384D0FD3D36F37A8CE6687DBE337881D16BFE5E939C"
    "89D9EA741753A28CC4EC7EB6938A88C0795C3A0F1BBDD7E93DFA0F1DB3D2FC7EB61BA8B584FCF41E13ABD0C4ACBEBF23288FC66"
    "BFE5A0B41B242FC3E56574D94D2ECBD37450DA0DB2BFD975383D4C2F83EC65769A0E2ACFE765D038CD66D7DB20F29BFD2E83CA",
    "0045000B915121551532F400008C050003000303EA2073FD9C0ED341EE3A9B1D06C1C3F274985E97BB8AF871194E2FD7E5A079D"
    "A4D07BDC7E370791CA683C675789A1CA687E920F7DB0D82CBDF6972D94D6781E675371D947683C675363C0C8AD7D3A0B7D99C1E"
    "A7C32072795E96D7DD7450FBCD66A7E9A0B03BDD06A5C9A0F29C0E6287C56F79BD0D",
]


def test_submit_concatenated_matches_python_gsmmodem_user_data():
    out = encode_submit("+15125551234", LOREM, ref=0)
    assert len(out) == 3
    head = "0045000B915121551532F40000"
    for (n, ours), theirs in zip(out, LOREM_PDUS, strict=True):
        assert ours == "0051000B915121551532F40000AA" + theirs[len(head) :]
        assert n == len(ours) // 2 - 1
    assert "".join(t_parse_submit(p)["text"] for _, p in out) == LOREM


def test_submit_number_forms():
    p = t_parse_submit(encode_submit("0612345678", "x")[0][1])
    assert (p["toa"], p["digits"]) == (0x81, "0612345678")
    p = t_parse_submit(encode_submit("+358478400241", "x")[0][1])
    assert (p["toa"], p["digits"]) == (0x91, "358478400241")
    for bad in ("", "+", "++1", "12a", "+12 34", "1" * 21, "٣", None):
        with pytest.raises(ValueError):
            encode_submit(bad, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode_submit("123", "x", max_parts=0)


def test_submit_fields_and_limits():
    for text, dcs, parts in [
        ("a" * 160, 0, 1),
        ("a" * 161, 0, 2),
        ("€" * 80, 0, 1),
        ("€" * 81, 0, 2),
        ("a" * 159 + "€", 0, 2),
        ("ж" * 70, 8, 1),
        ("ж" * 71, 8, 2),
        ("😀" * 35, 8, 1),
        ("😀" * 36, 8, 2),
        ("", 0, 1),
        ("a" * 459, 0, 3),
        ("ж" * 201, 8, 3),
    ]:
        out = encode_submit("+34626704066", text, ref=0x1A7)
        assert len(out) == parts, (text[:3], len(text))
        got = [t_parse_submit(p) for _, p in out]
        for i, (n, pdu) in enumerate(out):
            g = got[i]
            assert n == g["tpdu_len"] == len(pdu) // 2 - 1
            assert (g["mr"], g["pid"], g["vp"], g["dcs"]) == (0, 0, 0xAA, dcs)
            assert g["fo"] == (0x51 if parts > 1 else 0x11)
            assert g["concat"] == ((0xA7, parts, i + 1) if parts > 1 else None)
        assert "".join(g["text"] for g in got) == text


def test_submit_never_splits_escape_or_surrogate():
    out = encode_submit("+1", "a" * 152 + "€" + "b" * 10)
    assert [t_parse_submit(p)["text"] for _, p in out] == ["a" * 152, "€" + "b" * 10]
    out = encode_submit("+1", "ж" * 66 + "😀" + "xxx")
    assert [t_parse_submit(p)["text"] for _, p in out] == ["ж" * 66, "😀xxx"]


def test_submit_truncation_at_item_boundary():
    nums = ", ".join("+3462670406%d%04d" % (i, i) for i in range(10))  # ~179 chars
    [(_, pdu)] = encode_submit("+1", "SECNUMBER: " + nums, max_parts=1)
    text = t_parse_submit(pdu)["text"]
    assert text.endswith(", ...") and len(text) <= 160
    assert ("SECNUMBER: " + nums).startswith(text[:-3])
    # fits in 2 parts: no cut
    assert "".join(t_parse_submit(p)["text"] for _, p in encode_submit("+1", "SECNUMBER: " + nums)) == (
        "SECNUMBER: " + nums
    )


def test_submit_truncation_at_line_boundary_and_hard_cut():
    lines = "\n".join("25/04/%02d:13:39:58" % (i % 28 + 1) for i in range(40))
    out = encode_submit("+1", lines, max_parts=3)
    text = "".join(t_parse_submit(p)["text"] for _, p in out)
    assert len(out) == 3 and text.endswith("\n...") and lines.startswith(text[:-3])
    last = t_parse_submit(out[-1][1])["text"]
    assert len(last) <= 153
    hard = "x" * 1000
    out = encode_submit("+1", hard, max_parts=2)
    assert [t_parse_submit(p)["text"] for _, p in out] == ["x" * 153, "x" * 150 + "..."]
    out = encode_submit("+1", hard, max_parts=1)
    assert [t_parse_submit(p)["text"] for _, p in out] == ["x" * 157 + "..."]
    out = encode_submit("+1", "ж" * 500, max_parts=3)
    assert [t_parse_submit(p)["text"] for _, p in out] == ["ж" * 67, "ж" * 67, "ж" * 64 + "..."]


def test_submit_is_deterministic():
    text = "Status: ON\n" * 40 + "ж😀"
    assert encode_submit("+34626704066", text, ref=9) == encode_submit("+34626704066", text, ref=9)


# --------------------------------------------------------------------------------------------
# Round trips

_PIECES = st.sampled_from(
    list("abcXYZ 019@£$èΔ_ÆÉ¤§¿äöñüà\r\n-.:")
    + [
        "€",
        "[",
        "]",
        "{",
        "}",
        "~",
        "^",
        "\\",
        "|",
        "\f",
        ", ",
        "\n",
        "😀",
        "🔥",
        "ж",
        "中",
        "ç",
        "\x1b",
        "`",
    ]
)
_TEXTS = st.one_of(
    st.lists(_PIECES, max_size=500).map("".join),
    st.lists(st.sampled_from(list("ab ,\n€[") + [", "]), max_size=600).map("".join),
    st.text(max_size=250),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS, st.integers(1, 3), st.integers(0, 255), st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True))
def test_round_trip(text, max_parts, ref, number):
    out = encode_submit(number, text, ref=ref, max_parts=max_parts)
    gsm = gsm7.fits_gsm7(text)
    parsed = [t_parse_submit(p) for _, p in out]
    assert 1 <= len(out) <= max_parts
    for i, ((n, _), p) in enumerate(zip(out, parsed, strict=True)):
        assert n == p["tpdu_len"]
        assert p["digits"] == number.lstrip("+") and p["toa"] == (0x91 if number[0] == "+" else 0x81)
        assert p["dcs"] == (0 if gsm else 8)
        assert p["concat"] == ((ref, len(out), i + 1) if len(out) > 1 else None)
        limit = (160 if gsm else 140) if len(out) == 1 else (153 if gsm else 134)
        body = p["udl"] - (0 if len(out) == 1 else (7 if gsm else 6))
        assert body <= limit
    joined = "".join(p["text"] for p in parsed)
    clean = "".join("?" if 0xD800 <= ord(c) < 0xE000 else c for c in text)
    if t_fits(clean, gsm, max_parts):
        assert joined == clean
        return
    # cut: the first parts are as full as possible, the last ends with '...'
    assert len(out) == max_parts and joined.endswith("...")
    kept = joined[:-3]
    assert clean.startswith(kept)
    last = parsed[-1]["text"][:-3]
    if not last.endswith(("\n", ", ")):
        assert "\n" not in last and ", " not in last  # hard cut only without a boundary
        per = (160 if gsm else 70) if max_parts == 1 else (153 if gsm else 67)
        nxt = clean[len(kept)]
        assert sum(t_cost(c, gsm) for c in last) + 3 + t_cost(nxt, gsm) > per


def test_gsm7_ascii_shortcut_agrees_with_the_basic_table():
    for o in range(128):
        i = gsm7._BASIC.find(chr(o))
        want = i if i >= 0 and i != gsm7.ESC else 0x80
        assert gsm7._ASCII[o] == want, hex(o)
    assert len(gsm7._ASCII) == 128
