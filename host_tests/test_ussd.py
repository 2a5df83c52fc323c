"""USSD (isocket.modem.ussd) against a fake UART fed the lines real modems printed.

Answer lines: 010 (Quectel M35: UCS2 hex labelled dcs 15, <m> 2 with the balance), 017
(SIM900: OK first, then ``+CUSD: 2`` without a text), 028 (SIM800L: CSCS HEX -> ``+CUSD: 2``;
IRA -> ``+CUSD: 0, "..."`` with a space, 8-bit bytes, dcs 2), 039 (SIM800 manual:
``+CUSD:4``), the SIM800 line ``+CUSD: 0, "Balance:40,60r", 15`` quoted in the emulator's
sources, and the Huawei-style packed request ``AA182C3602`` (asterisk-chan-dongle #116).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fakes"))  # adafruit_ticks needs no board

from host_tests.fake_log import TextLog as Log
from host_tests.fake_modem_port import FakePort
from isocket.command_processor import REPLY_LATER  # noqa: E402
from isocket.commands import EXECUTE_ERROR, INCORRECT_VALUE, Refusal  # noqa: E402
from isocket.modem import ussd as U  # noqa: E402
from isocket.modem import ussd_text as UT  # noqa: E402
from isocket.modem.at_engine import AtEngine  # noqa: E402
from isocket.modem.modem import READY, Modem  # noqa: E402
from isocket.saldo import MAX_JOBS, Saldo  # noqa: E402
from isocket.settings import Settings  # noqa: E402

OK = b"\r\nOK\r\n"
# 010, the +CUSD line as gammu logged it
HEX_010 = (
    "00480061007600690020006B0065007200650074003A0020003000460074002E002000460065006C007400F6006C"
    "007400F60074007400200065006700790065006E006C00650067003A0020003700370037003700460074002C0028"
    "00650062006200F6006C0020007600E0007300E00072006C00E000730072006100200069007300200066006F0072"
    "006400EC007400680061007400F2003A00200037003700370037004600740029002E0020004400EC006A00630073"
    "006F006D00610067003A002000420065006E0063007300F200200041002E00200055006A002000540065006C0065"
    "006B006F006D002000F6006E006B00690073007A006F006C006700E0006C00F2003A0020002A0031003100310023"
)
TEXT_010 = (
    "Havi keret: 0Ft. Feltöltött egyenleg: 7777Ft,(ebböl vàsàrlàsra is fordìthatò: 7777Ft). "
    "Dìjcsomag: Bencsò A. Uj Telekom önkiszolgàlò: *111#"
)
LINE_010 = '+CUSD: 2,"%s",15' % HEX_010
LINE_028 = '+CUSD: 0, "Votre cr\xe9dit  s\'\xe9l\xe8ve \xe0 CHF 3.75.", 2'
RUB = "Баланс: 100 руб."


def ucs2_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


# ---------------------------------------------------------------- parsing


def test_parse_real_answer_lines() -> None:
    assert UT.parse_cusd(LINE_010) == (2, HEX_010, 15)
    assert UT.parse_cusd("+CUSD: 2") == (2, None, None)  # 017, 028 with CSCS HEX
    assert UT.parse_cusd(LINE_028) == (0, "Votre cr\xe9dit  s'\xe9l\xe8ve \xe0 CHF 3.75.", 2)
    assert UT.parse_cusd("+CUSD:4") == (4, None, None)  # 039
    assert UT.parse_cusd('+CUSD: 0, "Balance:40,60r", 15') == (0, "Balance:40,60r", 15)
    assert UT.parse_cusd('+CUSD: 1,"Menu",72') == (1, "Menu", 72)
    assert UT.parse_cusd('+CUSD: 0, "He said "hi"", 15') == (0, 'He said "hi"', 15)
    assert UT.parse_cusd("+CUSD: 0,0041,72") == (0, "0041", 72)  # unquoted hex


def test_parse_garbage() -> None:
    for line in ("+CUSD:", "+CUSD: x", "+CUSD: 0 junk", "+CUSD: ,", "RING", "+CUSD 0", ""):
        assert UT.parse_cusd(line) is None, line
    assert UT.parse_cusd("+CUSD: 0,") == (0, None, None)
    assert UT.parse_cusd('+CUSD: 0, "cut sho') == (0, "cut sho", None)  # line cut / continued
    assert UT.parse_cusd('+CUSD: 0, "x", abc') == (0, "x", None)
    assert UT.parse_cusd('+CUSD: 0, "x", 999') == (0, "x", None)
    assert UT.parse_cusd('+CUSD: 0, "x", 15, 7') == (0, "x", None)
    assert UT.parse_cusd("+CUSD: 123") is None


def test_dcs_alphabets() -> None:
    assert UT.dcs_alphabet(None) == UT.GSM7
    for dcs in (0, 2, 15, 0x10, 0x20, 0x3F, 0x40, 0xF0, 0xF3, 0x12, 0xA0, 300):
        assert UT.dcs_alphabet(dcs) == UT.GSM7, dcs
    for dcs in (0x44, 0xF4, 0xF7, 0x94):
        assert UT.dcs_alphabet(dcs) == UT.BIT8, dcs
    for dcs in (72, 0x11, 0x98):
        assert UT.dcs_alphabet(dcs) == UT.UCS2, dcs
    assert UT.dcs_alphabet(0x60) == UT.UNREADABLE  # compressed
    assert UT.dcs_alphabet(0x68) == UT.UNREADABLE


# ---------------------------------------------------------------- decoding


def test_decode_ucs2_labelled_dcs15_in_ucs2_charset() -> None:
    # 010: the modem in UCS2 converts the 7-bit answer to UCS2 hex, as 27.007 says
    assert UT.decode(HEX_010, 15, "UCS2") == TEXT_010


def test_decode_ucs2_labelled_dcs15_in_ira() -> None:
    # the same hex while the firmware thinks the modem is in IRA: still read as UCS2
    assert UT.decode(HEX_010, 15, "IRA") == TEXT_010
    assert UT.decode(ucs2_hex(RUB), 15, "IRA") == RUB
    # ... but plain text that happens to be hex digits stays text
    assert UT.decode("12345678", 15, "IRA") == "12345678"
    assert UT.decode("00000000", 15, "IRA") == "00000000"
    assert UT.decode("CAFE", 15, "IRA") == "CAFE"


def test_decode_ira_text_and_latin1_bytes() -> None:
    assert UT.decode("Your balance is 5.00 EUR", 15, "IRA") == "Your balance is 5.00 EUR"
    # 028: 8-bit bytes in IRA are Latin-1
    assert UT.decode("Votre cr\xe9dit  s'\xe9l\xe8ve \xe0 CHF 3.75.", 2, "IRA") == (
        "Votre crédit  s'élève à CHF 3.75."
    )


def test_decode_ucs2_dcs72_in_every_charset() -> None:
    for cs in ("IRA", "GSM", "UCS2", "HEX"):
        assert UT.decode(ucs2_hex(RUB), 72, cs) == RUB
    assert UT.decode(ucs2_hex("Saldo 5 €"), 72, "UCS2") == "Saldo 5 €"
    assert UT.decode(ucs2_hex("ok 😀"), 72, "UCS2") == "ok 😀"  # a surrogate pair
    assert UT.decode("D83D", 72, "UCS2") == "?"  # a lone surrogate
    assert UT.decode("Already text", 72, "IRA") == "Already text"


def test_decode_ucs2_with_language_prefix() -> None:
    # dcs 0x11: two 7-bit language characters in two octets before the UCS2 text
    assert UT.decode("6531" + ucs2_hex("Hi"), 0x11, "UCS2") == "Hi"
    assert UT.decode("EN\rBalance 3", 0x10, "IRA") == "Balance 3"
    assert UT.decode(ucs2_hex("EN\rBalance 3"), 0x10, "UCS2") == "Balance 3"


def test_decode_8bit() -> None:
    assert UT.decode("536F6C646F20E9", 0x44, "IRA") == "Soldo é"
    assert UT.decode("536F6C646F", 0xF4, "UCS2") == "Soldo"
    assert UT.decode("not hex", 0x44, "IRA") == "not hex"


def test_decode_gsm7_hex_forms() -> None:
    # 27.007 "HEX": one 7-bit character per octet
    assert UT.decode("2A31303023", 15, "HEX") == "*100#"
    assert UT.decode("1B65", 15, "HEX") == "€"
    # packed septets, as Huawei sticks print them whatever the character set
    assert UT.decode("AA182C3602", 15, "HEX") == "*101#"
    assert UT.decode("AA180C3602", 15, "UCS2") == "*100#"
    # 7 characters in 7 octets: the spare septet is CR padding (23.038 §6.1.2.3.1), or zeros
    assert UT.decode("41E19058341E1B", 15, "HEX") == "ABCDEFG"
    assert UT.decode("41E19058341E01", 15, "HEX") == "ABCDEFG"


def test_decode_gsm_charset() -> None:
    assert UT.decode("Saldo {", 15, "GSM") == "Saldo ä"


def test_decode_cleans_and_bounds() -> None:
    assert UT.decode("a\r\nb\rc\nd\te\x07f\x1b", 15, "IRA") == "a\nb\nc\nd ef"
    assert UT.decode(ucs2_hex("  x\r\n"), 15, "UCS2") == "x"
    assert UT.decode("", 15, "UCS2") == ""
    assert UT.decode("0000", 15, "UCS2") == ""  # a control character only
    assert UT.decode("Z" * 5000, 15, "IRA") == "Z" * UT.MAX_TEXT
    assert UT.decode("41" * 3000, 15, "UCS2") is not None
    assert UT.decode("abc", 0x60, "IRA") is None  # compressed: unreadable


def test_encode_code() -> None:
    assert U.encode_code("*102#", "UCS2") == "002A0031003000320023"  # 010's request
    assert U.encode_code("*100#", "IRA") == "*100#"


# ---------------------------------------------------------------- the client


class Power:
    value = True


class Rig:
    """The real engine and the real supervisor's URC routing (its state machine held at READY)."""

    def __init__(self, now: int = 1000) -> None:
        self.port = FakePort()
        self.at = AtEngine(self.port)
        self.log = Log()
        self.now = now
        self.modem = Modem(self.at, Power(), self.log, self.now)
        self.modem.state = READY
        self.modem.registered = True
        self.ussd = U.Ussd(self.at, self.modem, self.log, self.now)

    def step(self, ms: int = 1, data: bytes = b"") -> None:
        """``ms`` later, with ``data`` on the UART; two passes, so a command queued is written."""
        self.now = (self.now + ms) & ((1 << 29) - 1)  # ticks_ms wraps
        self.port.rx += data
        for _ in range(2):
            self.at.poll(self.now)
            urc = self.at.pop_urc()
            while urc is not None:
                self.modem._on_urc(urc, self.now)
                urc = self.at.pop_urc()
            self.ussd.poll(self.now)

    def run(self, ms: int, step: int = 100) -> None:
        for _ in range(ms // step):
            self.step(step)

    def sent(self) -> list[str]:
        return self.port.take_lines()

    def start(self, code: str = "*100#") -> None:
        assert self.ussd.request(code, self.now)
        self.step()
        assert self.sent() == ['AT+CSCS="UCS2"']
        self.step(20, OK)
        assert self.sent() == ['AT+CUSD=1,"%s",15' % U.encode_code(code, "UCS2")]

    def restored(self) -> None:
        assert self.sent() == ['AT+CSCS="IRA"']
        self.step(20, OK)
        assert not self.ussd.busy and self.ussd.charset == "IRA"


def urc(line: str) -> bytes:
    return b"\r\n" + line.encode("latin-1") + b"\r\n"


def test_answer_after_ok_in_ucs2() -> None:
    r = Rig()
    r.start()
    r.step(50, OK)
    assert r.ussd.busy and r.ussd.take_result() is None
    r.step(3000, urc('+CUSD: 0, "%s", 15' % ucs2_hex("Your balance is 5.00 EUR")))
    assert r.ussd.take_result() == (True, "Your balance is 5.00 EUR")
    assert r.ussd.take_result() is None
    r.restored()


def test_quectel_answer_010_with_m2() -> None:
    r = Rig()
    r.start("*102#")
    r.step(50, OK + urc(LINE_010))
    assert r.ussd.take_result() == (True, TEXT_010)
    r.restored()


def test_answer_before_the_ok() -> None:
    r = Rig()
    r.start()
    r.step(50, urc('+CUSD: 0, "%s", 72' % ucs2_hex(RUB)) + OK)
    assert r.ussd.take_result() == (True, RUB)
    r.restored()


def test_answer_inside_another_commands_answer() -> None:
    r = Rig()
    r.start()
    r.step(50, OK)
    csq = r.at.submit("AT+CSQ", 3000, "+CSQ:")
    r.step()
    assert r.sent() == ["AT+CSQ"]
    r.step(20, b"\r\n+CSQ: 20,0\r\n" + urc('+CUSD: 0, "%s", 15' % ucs2_hex("Saldo 1 €")) + OK)
    assert csq.done and csq.ok and csq.info() == "20,0"
    assert r.ussd.take_result() == (True, "Saldo 1 €")
    r.restored()


def test_interactive_menu_is_closed() -> None:
    r = Rig()
    r.start()
    r.step(50, OK)
    menu = "1. Balance\n2. Bundles"
    r.step(2000, urc('+CUSD: 1, "%s", 15' % ucs2_hex(menu)))
    assert r.ussd.take_result() == (True, menu)
    assert r.sent() == ["AT+CUSD=2"]
    r.step(20, OK)
    r.restored()


def test_terminated_without_text_017() -> None:
    r = Rig()
    r.start()
    r.step(50, OK)
    r.step(1500, urc("+CUSD: 2"))
    ok, why = r.ussd.take_result()  # type: ignore[misc]
    assert not ok and "without a text" in why
    r.restored()


def test_not_supported_039_and_network_timeout() -> None:
    for line, word in (("+CUSD:4", "not supported"), ("+CUSD: 5", "time-out"), ("+CUSD: 3", "client")):
        r = Rig()
        r.start()
        r.step(50, OK + urc(line))
        ok, why = r.ussd.take_result()  # type: ignore[misc]
        assert not ok and word in why, line
        r.restored()


def test_empty_or_unreadable_text_fails() -> None:
    for line in ('+CUSD: 0, "", 15', '+CUSD: 0, "abc", 96', "+CUSD: 0"):
        r = Rig()
        r.start()
        r.step(50, OK + urc(line))
        ok, _ = r.ussd.take_result()  # type: ignore[misc]
        assert not ok, line
        r.restored()


@pytest.mark.parametrize("start", [1000, (1 << 29) - 10_000])
def test_no_answer_in_30_s(start: int) -> None:
    r = Rig(start)  # also across the ticks wrap
    r.start()
    r.step(50, OK)
    r.run(29_800)
    assert r.ussd.take_result() is None and r.sent() == []
    r.run(300)
    ok, why = r.ussd.take_result()  # type: ignore[misc]
    assert not ok and "30 s" in why
    assert r.sent() == ["AT+CUSD=2"]  # the session is cancelled
    r.step(20, OK)
    r.restored()
    # a late answer, to a request nobody waits for any more, is ignored
    r.step(1000, urc('+CUSD: 0, "%s", 15' % ucs2_hex("late")))
    assert r.ussd.take_result() is None and not r.ussd.busy


def test_error_to_the_request() -> None:
    r = Rig()
    r.start()
    r.step(50, b"\r\n+CME ERROR: no network service\r\n")
    ok, why = r.ussd.take_result()  # type: ignore[misc]
    assert not ok and "no network service" in why
    r.restored()


def test_modem_without_ucs2_asks_in_ira() -> None:
    r = Rig()
    assert r.ussd.request("*100#", r.now)
    r.step()
    assert r.sent() == ['AT+CSCS="UCS2"']
    r.step(20, b"\r\nERROR\r\n")
    assert r.sent() == ['AT+CUSD=1,"*100#",15']
    r.step(50, OK)
    # 028's shape; the line has line breaks in it, so it comes in several lines
    r.step(2000, b'\r\n+CUSD: 1, "Menu:\r\n1. Balance\r\n2. Bundles", 15\r\n')
    assert r.ussd.take_result() == (True, "Menu:\n1. Balance\n2. Bundles")
    assert r.sent() == ["AT+CUSD=2"]  # and no AT+CSCS: it stayed IRA
    r.step(20, OK)
    r.step(20)
    assert r.sent() == [] and not r.ussd.busy


def test_ira_text_whose_end_never_comes() -> None:
    r = Rig()
    r.at.submit('AT+CSCS="IRA"')  # pretend: keep the queue simple
    r.step()
    r.sent()
    r.step(10, OK)
    assert r.ussd.request("*100#", r.now)
    r.step()
    r.step(20, b"\r\nERROR\r\n")
    r.step(50, OK + b'\r\n+CUSD: 0, "Balance 3 EUR\r\nand then\r\n')
    assert r.ussd.take_result() is None
    r.run(600)
    assert r.ussd.take_result() == (True, "Balance 3 EUR\nand then")


def test_garbage_is_ignored_and_the_answer_still_taken() -> None:
    r = Rig()
    r.start()
    junk = b"\xff\x00+CUSD: x\r\n\r\n+CUSD\r\n+CUSD: ,,,\r\n\x1a\x1b\r\n" + bytes(range(256))
    r.step(50, OK + junk)
    assert r.ussd.take_result() is None and r.ussd.busy
    r.step(50, b"\r\n" + urc('+CUSD: 0, "%s", 15' % ucs2_hex("fine")))
    assert r.ussd.take_result() == (True, "fine")


def test_random_bytes_never_raise() -> None:
    import random

    rnd = random.Random(7)
    for _ in range(30):
        r = Rig()
        r.ussd.request("*100#", r.now)
        for _ in range(40):
            chunk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(60)))
            if rnd.random() < 0.3:
                chunk += b'\r\n+CUSD: %d, "%s' % (rnd.randrange(9), chunk.hex().encode())
            if rnd.random() < 0.3:
                chunk += OK
            r.step(rnd.randrange(2000), chunk)
        r.run(40_000, 1000)
        r.step(20, OK * 4)
        r.run(2000)
        assert not [x for x in r.log.lines if "internal error" in x]


def test_answer_cut_by_the_line_length_limit() -> None:
    # a 7-bit answer in UCS2 takes 4 hex digits a character: longer than a line may be
    r = Rig()
    r.start()
    text = "Balance 5.00 EUR. " * 10
    r.step(50, OK + urc('+CUSD: 0, "%s", 15' % ucs2_hex(text)) + b"\r\nSOMETHING ELSE\r\n")
    ok, got = r.ussd.take_result()  # type: ignore[misc]
    assert ok and text.startswith(got) and len(got) >= 140


def test_answer_with_no_request() -> None:
    r = Rig()
    r.step(10, urc('+CUSD: 0, "%s", 15' % ucs2_hex("hello")))
    assert r.ussd.take_result() is None and not r.ussd.busy and r.sent() == []
    # a network-initiated menu waits for a reply: the session is closed
    r.step(10, urc('+CUSD: 1, "%s", 15' % ucs2_hex("Reply 1 for news")))
    r.step()
    assert r.sent() == ["AT+CUSD=2"]
    r.step(20, OK)
    assert not r.ussd.busy


def test_modem_restart_fails_the_request() -> None:
    r = Rig()
    r.start()
    r.step(50, OK)
    r.modem.power_cycle("test", r.now)
    r.step()
    ok, why = r.ussd.take_result()  # type: ignore[misc]
    assert not ok and "restarted" in why
    assert not r.ussd.busy and r.ussd.charset == "IRA"
    assert r.sent() == []  # a restarted modem is back in IRA by itself


def test_not_registered_fails_at_once_and_busy_refuses() -> None:
    r = Rig()
    r.modem.registered = False
    assert r.ussd.request("*100#", r.now)
    assert r.ussd.next_deadline(r.now) == 0
    ok, _ = r.ussd.take_result()  # type: ignore[misc]
    assert not ok and not r.ussd.busy
    r.modem.registered = True
    assert not r.ussd.request('*100#",1', r.now)  # never a quote into the command line
    assert not r.ussd.request("", r.now)
    assert r.ussd.request("*100#", r.now)
    assert not r.ussd.request("*101#", r.now)


def test_full_at_queue_is_retried() -> None:
    r = Rig()
    for _ in range(8):
        r.at.submit("AT")
    assert r.ussd.request("*100#", r.now)
    r.ussd.poll(r.now)
    assert r.ussd.next_deadline(r.now) == U.RETRY_MS
    for _ in range(30):
        r.step(20, OK)
    assert 'AT+CSCS="UCS2"' in r.sent()


def test_restore_is_retried_then_given_up() -> None:
    r = Rig()
    r.start()
    r.step(50, OK + urc('+CUSD: 0, "%s", 15' % ucs2_hex("x1")))
    for i in range(U.RESTORE_TRIES):
        assert r.sent() == ['AT+CSCS="004900520041"' if i % 2 else 'AT+CSCS="IRA"']
        r.step(20, b"\r\nERROR\r\n")
    assert not r.ussd.busy and r.ussd.charset == "UCS2"
    assert any("could not set the character set back" in x for x in r.log.lines)


def test_restore_in_the_ucs2_form_when_the_plain_one_is_refused() -> None:
    r = Rig()
    r.start()
    r.step(50, OK + urc('+CUSD: 0, "%s", 15' % ucs2_hex("x1")))
    assert r.sent() == ['AT+CSCS="IRA"']
    r.step(20, b"\r\n+CME ERROR: operation not allowed\r\n")
    assert r.sent() == ['AT+CSCS="004900520041"']
    r.step(20, OK)
    assert not r.ussd.busy and r.ussd.charset == "IRA"


def test_deadlines() -> None:
    r = Rig()
    assert r.ussd.next_deadline(r.now) is None
    r.start()
    assert r.ussd.next_deadline(r.now) is None  # the engine's time-out covers the command
    r.step(50, OK)
    left = r.ussd.next_deadline(r.now)
    assert left is not None and 29_000 < left <= 30_000


# ---------------------------------------------------------------- the feature


class FakeUssd:
    def __init__(self) -> None:
        self.asked: list[str] = []
        self.result: tuple | None = None
        self.busy = False

    def request(self, code: str, now: int) -> bool:
        self.asked.append(code)
        self.busy = True
        return True

    def take_result(self) -> tuple | None:
        r, self.result = self.result, None
        if r is not None:
            self.busy = False
        return r

    def poll(self, now: int) -> None:
        pass

    def next_deadline(self, now: int) -> int | None:
        return None


class FakeSms:
    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def send(self, number: str, text: str, prio: int) -> bool:
        self.sent.append((number, text))
        return True


class FakeProcessor:
    def __init__(self) -> None:
        self.sender: str | None = "+358401234567"
        self.last_outcome = ""
        self.refused: list[tuple] = []

    def refuse(self, text: str, number: str | None, now: int) -> str | None:
        self.refused.append((text, number))
        return text


def feature() -> tuple[Saldo, Settings, FakeUssd, FakeSms, FakeProcessor]:
    s = Settings()
    u, sms, p = FakeUssd(), FakeSms(), FakeProcessor()
    return Saldo(s, u, sms, p, Log()), s, u, sms, p


def refusal(fn, *args) -> str:
    try:
        fn(None, *args)
    except Refusal as e:
        return e.text
    raise AssertionError("no refusal")


def test_saldoums_values() -> None:
    f, s, *_ = feature()
    assert f.do_saldoums_query(None, None, 0) == "SALDOUMS: NO"
    assert f.do_saldoums(None, "*100#", 0) == "SALDOUMS=*100# - OK"
    assert s.saldoums == "*100#"
    assert f.do_saldoums_query(None, None, 0) == "SALDOUMS: *100#"
    assert f.do_saldoums(None, "#12*3#", 0) == "SALDOUMS=#12*3# - OK"
    for bad in ("100#", "*100", "*", "#", "*1a#", "*" + "1" * 19 + "#", "", "*10 0#", "NOPE", "*100#;"):
        assert refusal(f.do_saldoums, bad, 0) == INCORRECT_VALUE, bad
    assert s.saldoums == "#12*3#"
    assert f.do_saldoums(None, "*" + "1" * 18 + "#", 0).startswith("SALDOUMS=*111")  # 20 long
    assert f.do_saldoums(None, "no", 0) == "SALDOUMS=NO - OK"
    assert s.saldoums is None
    assert f.do_saldoums(None, "##", 0) == "SALDOUMS=## - OK"  # 2 long


def test_saldo_needs_a_code_and_queues() -> None:
    f, s, u, sms, p = feature()
    assert refusal(f.do_saldo, None, 0) == EXECUTE_ERROR
    s.saldoums = "*100#"
    assert f.do_saldo(None, None, 0) is REPLY_LATER
    assert f.next_deadline(0) == 0
    f.poll(0)
    assert u.asked == ["*100#"]
    u.result = (True, "Balance 5 EUR")
    f.poll(10)
    assert sms.sent == [("+358401234567", "Balance 5 EUR")]


def test_simcard_and_one_request_at_a_time() -> None:
    f, s, u, sms, p = feature()
    assert refusal(f.do_simcard, "*12", 0) == INCORRECT_VALUE
    assert refusal(f.do_simcard, "", 0) == INCORRECT_VALUE
    assert f.do_simcard(None, "*123#", 0) is REPLY_LATER
    p.sender = "+447700900123"
    assert f.do_simcard(None, "*124#", 0) is REPLY_LATER
    p.sender = None  # the console
    assert f.do_simcard(None, "*125#", 0) is REPLY_LATER
    assert refusal(f.do_simcard, "*126#", 0) == EXECUTE_ERROR  # MAX_JOBS waiting
    assert MAX_JOBS == 3
    f.poll(0)
    f.poll(1)
    assert u.asked == ["*123#"]  # the second waits for the first
    u.result = (False, "no answer within 30 s")
    f.poll(30_000)
    assert sms.sent == [("+358401234567", EXECUTE_ERROR)]
    assert p.refused == [(EXECUTE_ERROR, "358401234567")]
    f.poll(30_001)
    assert u.asked == ["*123#", "*124#"]
    u.result = (True, RUB)
    f.poll(31_000)
    assert sms.sent[-1] == ("+447700900123", RUB)
    f.poll(31_001)
    u.result = (True, "console answer")
    f.poll(32_000)
    assert len(sms.sent) == 2  # the console's answer is logged, not texted
    assert any("console answer" in x for x in f._log.lines)


def test_processor_sends_nothing_now_and_the_feature_answers_later() -> None:
    # imported here: the simulator's tests purge isocket.* from sys.modules between boots,
    # and REPLY_LATER is compared by identity
    from isocket.command_processor import CommandProcessor
    from isocket.main_socket import MainSocket
    from isocket.saldo import Saldo
    from isocket.settings import Settings

    class Relay:
        value = None

    settings = Settings()
    p = CommandProcessor(settings, MainSocket(Relay(), 0, False), lambda s: True, None, "707", 0, True)
    u, sms, log = FakeUssd(), FakeSms(), Log()
    f = Saldo(settings, u, sms, p, log)
    p.register(f)
    assert p.handle_sms("+358401234567", "SALDOUMS=*100#", 0) == "SALDOUMS=*100# - OK"
    assert p.handle_sms("+358401234567", "SMSCONFIRM=OFF", 0) == "SMSCONFIRM=OFF - OK"
    assert p.handle_sms("+358401234567", "saldo", 10) is None  # no reply now ...
    assert "reply follows" in p.last_outcome
    f.poll(10)
    u.result = (True, "Balance 1 EUR")
    f.poll(3000)
    assert sms.sent == [("+358401234567", "Balance 1 EUR")]  # ... but later, SMSCONFIRM=OFF or not
    assert p.handle_console("SIMCARD*101#", 4000) == "(the reply follows)"
    f.poll(4000)
    assert u.asked == ["*100#", "*101#"]
    u.result = (False, "+CUSD: 4 (not supported)")
    f.poll(5000)
    assert len(sms.sent) == 1 and any("USSD SIMCARD: Execute error!" in x for x in log.lines)
    # the error reply follows ERROR and the rate limit
    assert p.handle_sms("+358401234567", "ERROR=OFF", 6000) is None  # SMSCONFIRM=OFF
    assert p.handle_sms("+358401234567", "SALDO", 6000) is None
    f.poll(6000)
    u.result = (False, "no answer within 30 s")
    f.poll(40_000)
    assert len(sms.sent) == 1 and "ERROR=OFF" in p.last_outcome


# ---------------------------------------------------------------- the emulator


def test_emulator_answers_per_character_set() -> None:
    from host_tests.test_sim800l import Rig as ModemRig

    r = ModemRig()
    r.n.set_ussd("*100#", "Saldo 5 €")
    r.n.set_ussd("*101#", RUB)
    r.send(b"ATE0\r")
    assert r.send(b'AT+CSCS="UCS2"\r') == OK
    assert r.send(b'AT+CUSD=1,"002A0031003000300023",15\r') == OK
    r.run(5000)
    line = r.take().decode().strip()
    assert line == '+CUSD: 0, "%s", 15' % ucs2_hex("Saldo 5 €")
    m, raw, dcs = UT.parse_cusd(line)  # type: ignore[misc]
    assert UT.decode(raw, dcs, "UCS2") == "Saldo 5 €"
    r.send(b'AT+CSCS="IRA"\r')
    r.send(b'AT+CUSD=1,"*101#",15\r')
    r.run(5000)
    assert r.take().decode().strip() == '+CUSD: 0, "%s", 72' % ucs2_hex(RUB)
    r.send(b'AT+CSCS="HEX"\r')
    r.send(b'AT+CUSD=1,"*100#",15\r')
    r.run(5000)
    assert r.take() == b"\r\n+CUSD: 2\r\n"  # 028


def test_emulator_cancelled_session_presents_no_answer() -> None:
    from host_tests.test_sim800l import Rig as ModemRig

    r = ModemRig()
    r.n.set_ussd("*100#", "Saldo")
    r.send(b"ATE0\r")
    assert r.send(b'AT+CUSD=1,"*100#",15\r') == OK
    assert r.send(b"AT+CUSD=2\r") == OK
    r.run(5000)
    assert r.take() == b""
    assert r.n.ussd_log[-1][1] == "*100#"
