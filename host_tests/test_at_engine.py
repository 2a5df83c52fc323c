"""The modem line assembler and AT engine, fed like a real UART feeds them."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "fakes"))  # adafruit_ticks needs no board

from host_tests.fake_modem_port import FakePort
from isocket.modem.at_engine import AtEngine  # noqa: E402
from isocket.modem.lines import PROMPT, LineAssembler  # noqa: E402

STREAM = (
    b"\x00IIII\xff\xff\xff\xff\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n"
    b'AT+CSQ\r\r\n+CSQ: 17,0\r\n\r\nOK\r\n\r\n+CMTI: "SM",3\r\n\r\n> '
)
# The SIM800 power-on sync string 00 49 49 49 49 FF FF FF FF leaves "IIII": an unknown line, ignored.
LINES = ["IIII", "RDY", "+CFUN: 1", "+CPIN: READY", "AT+CSQ", "+CSQ: 17,0", "OK", '+CMTI: "SM",3', PROMPT]


def drain(la: LineAssembler) -> list[str]:
    out = []
    item = la.pop()
    while item is not None:
        out.append(item)
        item = la.pop()
    return out


def test_whole_stream() -> None:
    la = LineAssembler(max_lines=64)
    la.feed(STREAM)
    assert drain(la) == LINES


def test_byte_by_byte() -> None:
    la = LineAssembler(max_lines=64)
    out = []
    for b in STREAM:
        la.feed(bytes([b]))
        out += drain(la)
    assert out == LINES


@given(st.lists(st.integers(min_value=1, max_value=len(STREAM)), max_size=20))
def test_random_chunks(cuts: list[int]) -> None:
    la = LineAssembler(max_lines=64)
    out = []
    bounds = sorted(set(cuts)) + [len(STREAM)]
    start = 0
    for end in bounds:
        la.feed(STREAM[start:end])
        out += drain(la)
        start = end
    assert out == LINES


@settings(max_examples=200)
@given(st.binary(max_size=2000))
def test_garbage_never_breaks_it(data: bytes) -> None:
    la = LineAssembler(max_lines=8)
    la.feed(data)
    for item in drain(la):
        assert item == PROMPT or (0 < len(item) <= 800 and item.isprintable())


def test_overlong_line_is_cut() -> None:
    la = LineAssembler()
    la.feed(b"A" * 5000 + b"\r\nOK\r\n")
    assert drain(la) == ["A" * 800, "OK"]


def test_urc_inside_a_command_answer() -> None:
    port = FakePort(chunk=100)
    at = AtEngine(port)
    cmd = at.submit("AT+CSQ", 1000, "+CSQ:")
    at.poll(0)
    assert port.written == b"AT+CSQ\r"
    port.rx += b'\r\n+CMTI: "SM",1\r\n\r\n+CSQ: 20,0\r\nRING\r\n\r\nOK\r\n'
    at.poll(5)
    assert cmd.done and cmd.ok and cmd.info() == "20,0"
    assert at.pop_urc() == '+CMTI: "SM",1'
    assert at.pop_urc() == "RING"
    assert at.pop_urc() is None


def test_prompt_gets_the_pdu_and_errors_end_the_command() -> None:
    port = FakePort(chunk=100)
    at = AtEngine(port)
    cmd = at.submit("AT+CMGS=20", 60000, "+CMGS:", data=b"0011\x1a")
    at.poll(0)
    port.rx += b"\r\n> "
    at.poll(1)
    assert port.written.endswith(b"0011\x1a")
    port.rx += b"\r\n+CMS ERROR: 500\r\n"
    at.poll(2)
    assert cmd.done and not cmd.ok and cmd.final == "+CMS ERROR: 500"


def test_timeout_and_echo_detection() -> None:
    port = FakePort(chunk=100)
    at = AtEngine(port)
    cmd = at.submit("AT", 1000)
    at.poll(0)
    at.poll(999)
    assert not cmd.done
    at.poll(1000)
    assert cmd.final == "TIMEOUT" and at.timeouts_in_a_row == 1
    cmd2 = at.submit("AT", 1000)
    at.poll(1001)
    port.rx += b"AT\r\r\nOK\r\n"
    at.poll(1002)
    assert cmd2.ok and at.echo_seen and at.timeouts_in_a_row == 0


def test_ticks_wrap() -> None:
    port = FakePort(chunk=100)
    at = AtEngine(port)
    start = (1 << 29) - 300
    cmd = at.submit("AT", 1000)
    at.poll(start)
    at.poll(100)  # wrapped: 400 ms later
    assert not cmd.done
    at.poll(701)
    assert cmd.final == "TIMEOUT"


def test_queue_is_bounded() -> None:
    at = AtEngine(FakePort(chunk=100))
    cmds = [at.submit("AT") for _ in range(20)]
    assert cmds.count(None) == 12
