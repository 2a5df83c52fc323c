"""Voice calls (isocket.modem.calls) against a fake UART fed the bytes a real SIM800 sends.

Byte sequences: RING / +CLIP framing from shared/modem 006 (SIM800L, TinyGSM #721), the
withheld +CLIP and the +CLCC layout as in the emulator's sources (sim800l_voice.py), the
ATD result codes with AT+COLP=0 from 037 (SIM800 AT manual V1.09 §2.2.3).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "fakes"))  # adafruit_ticks needs no board

from host_tests.fake_log import TextLog as Log
from host_tests.fake_modem_port import FakePort
from isocket.modem.at_engine import AtEngine, starts_with_any  # noqa: E402
from isocket.modem.calls import (  # noqa: E402
    Calls,
    dialable,
    parse_clcc,
    parse_clip,
    presented_number,
    split_fields,
)
from isocket.modem.modem import CALL_URCS  # noqa: E402

OWNER = "+358401234567"
RING = b"\r\nRING\r\n"
CLIP_OWNER = b'\r\n+CLIP: "+358401234567",145,"",0,"",0\r\n'  # 006
CLIP_WITHHELD = b'\r\n+CLIP: "",128,"",0,"",1\r\n'
OK = b"\r\nOK\r\n"


def clcc(direction: int, stat: int, number: str = OWNER, toa: int = 145) -> bytes:
    return b'\r\n+CLCC: 1,%d,%d,0,0,"%s",%d,""\r\n' % (direction, stat, number.encode(), toa)


class FakeModem:
    """The supervisor's part Calls uses: ``ready``, ``restarts`` and the call URC queue."""

    def __init__(self, at: AtEngine) -> None:
        self._at = at
        self.ready = True
        self.restarts = 0
        self.other_urcs: list[str] = []

    def take_call_urc(self) -> str | None:
        urc = self._at.pop_urc()
        while urc is not None and not starts_with_any(urc, CALL_URCS):
            self.other_urcs.append(urc)
            urc = self._at.pop_urc()
        return urc


class Rig:
    def __init__(self) -> None:
        self.port = FakePort()
        self.at = AtEngine(self.port)
        self.modem = FakeModem(self.at)
        self.log = Log()
        self.now = 1000
        self.calls = Calls(self.at, self.modem, self.log, self.now)

    def step(self, ms: int = 1, data: bytes = b"") -> None:
        """``ms`` later, with ``data`` arrived on the UART; one loop pass (two, so a command
        queued by this pass is written)."""
        self.now += ms
        self.port.rx += data
        for _ in range(2):
            self.at.poll(self.now)
            self.calls.poll(self.now)

    def run(self, ms: int, step: int = 100) -> None:
        for _ in range(ms // step):
            self.step(step)

    def sent(self) -> list[str]:
        return self.port.take_lines()


# ---------------------------------------------------------------- parsing


def test_field_and_number_parsing() -> None:
    assert split_fields('1,0,2,0,0,"+35840",145,"Doe, John"') == [
        "1",
        "0",
        "2",
        "0",
        "0",
        "+35840",
        "145",
        "Doe, John",
    ]
    assert parse_clip(' "+358401234567",145,"",0,"",0') == OWNER
    assert parse_clip(' "0401234567",129,"",0,"",0') == "0401234567"
    assert parse_clip(' "358401234567",145,"",0,"",0') == OWNER  # international type, no sign
    assert parse_clip(' "",128,"",0,"",1') == ""
    assert parse_clip(' "+358401234567",145,"",0,"",2') == ""  # not available
    assert parse_clip(' "+35840;ATH",145') == ""  # garbage is never a number
    assert parse_clip("") == ""
    assert parse_clcc(' 1,1,4,0,0,"+358401234567",145,""') == (1, 4, OWNER)
    assert parse_clcc(" 1,1,4,0,0") == (1, 4, "")
    assert parse_clcc(' 1,0,0,1,0,"123",129') is None  # a data call
    assert parse_clcc(" x,y") is None
    assert presented_number("+" + "1" * 21) == ""
    assert dialable("+358401234567") and dialable("0401234567")
    assert not dialable("+35") and not dialable("040;H") and not dialable("") and not dialable(None)


# ---------------------------------------------------------------- incoming


def test_clip_identifies_the_caller_once_per_call() -> None:
    r = Rig()
    r.step(1, RING + CLIP_OWNER)
    assert r.calls.state == "incoming"
    assert r.calls.take_caller() == OWNER
    assert r.calls.take_caller() is None
    for _ in range(3):  # the same call rings on every 3-4 s
        r.step(4000, RING + CLIP_OWNER)
        assert r.calls.take_caller() is None
    assert r.calls.state == "incoming"
    r.step(500, b"\r\nNO CARRIER\r\n")
    assert r.calls.state == "idle" and not r.calls.ended_by_remote
    r.step(5000, RING + CLIP_OWNER)  # a new call
    assert r.calls.take_caller() == OWNER


def test_clip_split_across_reads_and_clcc_not_needed() -> None:
    r = Rig()
    r.step(1, RING + CLIP_OWNER[:12])
    assert r.calls.take_caller() is None
    r.step(5, CLIP_OWNER[12:])
    assert r.calls.take_caller() == OWNER
    r.run(2000)
    assert r.sent() == []  # identified by +CLIP: no AT+CLCC


def test_ring_without_clip_asks_clcc() -> None:
    r = Rig()
    r.step(1, RING)
    assert r.calls.take_caller() is None
    r.run(400)
    assert r.sent() == ["AT+CLCC"]
    r.step(20, clcc(1, 4) + OK)
    assert r.calls.take_caller() == OWNER
    r.step(4000, RING)
    assert r.calls.take_caller() is None
    assert r.sent() == []


def test_withheld_caller_is_empty_string() -> None:
    r = Rig()
    r.step(1, RING + CLIP_WITHHELD)
    assert r.calls.take_caller() == ""
    r.step(10, b"\r\nNO CARRIER\r\n")
    r.step(5000, RING)
    r.run(400)
    assert r.sent() == ["AT+CLCC"]
    r.step(20, b'\r\n+CLCC: 1,1,4,0,0,"",128,""\r\n' + OK)
    assert r.calls.take_caller() == ""


def test_clcc_shows_no_call_any_more() -> None:
    r = Rig()
    r.step(1, RING)
    r.run(400)
    r.sent()
    r.step(20, OK)  # the caller gave up and the NO CARRIER was lost
    assert r.calls.state == "idle"
    assert r.calls.take_caller() is None


def test_reject_hangs_up_and_ignores_the_rest_of_that_call() -> None:
    r = Rig()
    r.step(1, RING + CLIP_OWNER)
    assert r.calls.take_caller() == OWNER
    r.calls.reject()
    assert r.calls.state == "idle"
    r.step(1)
    assert r.sent() == ["ATH"]
    r.step(10, RING + CLIP_OWNER)  # printed before the modem ran ATH
    assert r.calls.take_caller() is None and r.calls.state == "idle"
    assert not r.calls.dial(OWNER, 10000)  # the line is not free yet
    r.step(10, OK)
    r.step(3000, RING + CLIP_OWNER)  # a new call
    assert r.calls.take_caller() == OWNER


def test_reject_that_fails_is_repeated_until_the_call_is_gone() -> None:
    r = Rig()
    r.step(1, RING + CLIP_OWNER)
    r.calls.take_caller()
    r.calls.reject()
    r.step(1)
    assert r.sent() == ["ATH"]
    r.step(10, b"\r\nERROR\r\n")
    r.step(2000, RING + CLIP_OWNER)  # it rings on: still the same call
    assert r.calls.take_caller() is None
    r.run(1000)
    assert r.sent() == ["AT+CLCC"]
    r.step(10, clcc(1, 4) + OK)
    r.step(1)
    assert r.sent() == ["ATH"]
    r.step(10, OK)
    r.step(3000, RING + CLIP_OWNER)
    assert r.calls.take_caller() == OWNER


def test_answer_talk_remote_hangs_up() -> None:
    r = Rig()
    r.calls.set_mic_level(9)
    r.step(1, RING + CLIP_OWNER)
    r.calls.take_caller()
    r.calls.answer()
    assert r.calls.state == "talking" and r.calls.mic_live
    r.step(1)
    assert r.sent() == ["AT+CMIC=0,9"]
    r.step(10, OK)
    assert r.sent() == ["ATA"]
    r.step(200, OK)
    r.step(3000, RING)  # stale: the call is up
    assert r.calls.state == "talking"
    r.run(10000)
    assert r.sent() == ["AT+CLCC"]  # is it still up?
    r.step(20, clcc(1, 0) + OK)
    assert r.calls.state == "talking"
    r.step(100, b"\r\nNO CARRIER\r\n")
    assert r.calls.state == "idle" and r.calls.ended_by_remote and not r.calls.mic_live


def test_answer_too_late() -> None:
    r = Rig()
    r.step(1, RING + CLIP_OWNER)
    r.calls.answer()
    r.step(1)
    assert r.sent() == ["ATA"]
    r.step(50, b"\r\nNO CARRIER\r\n")  # the caller hung up first: ATA's final result
    assert r.calls.state == "idle"


def test_lost_no_carrier_while_talking() -> None:
    r = Rig()
    r.step(1, RING + CLIP_OWNER)
    r.calls.answer()
    r.step(1)
    r.step(100, OK)
    r.sent()
    r.run(10000)
    assert r.sent() == ["AT+CLCC"]
    r.step(20, OK)
    assert r.calls.state == "idle" and r.calls.ended_by_remote


def test_take_caller_after_the_call_ended_is_none() -> None:
    r = Rig()
    r.step(1, RING + CLIP_OWNER + b"\r\nNO CARRIER\r\n")
    assert r.calls.take_caller() is None


# ---------------------------------------------------------------- outgoing


def start_dial(r: Rig, number: str = OWNER, ring_ms: int = 10000) -> None:
    """dial() until ATD is on the wire (AT+MORING=1 first after a modem start)."""
    assert r.calls.dial(number, ring_ms)
    assert r.calls.state == "dialling" and r.calls.outcome is None
    r.step(1)
    sent = r.sent()
    if sent == ["AT+MORING=1"]:
        r.step(10, OK)
        sent = r.sent()
    assert sent == ["ATD%s;" % number]


def dial(r: Rig, number: str = OWNER, ring_ms: int = 10000) -> None:
    start_dial(r, number, ring_ms)
    r.step(100, OK)  # COLP=0: OK straight after dialling (037)


def test_moring_once_per_modem_start() -> None:
    r = Rig()
    assert r.calls.dial(OWNER, 10000)
    r.step(1)
    assert r.sent() == ["AT+MORING=1"]
    r.step(10, b"\r\nERROR\r\n")  # a modem without it: AT+CLCC still tells
    assert r.sent() == ["ATD+358401234567;"]
    r.step(10, OK)
    r.calls.hangup()
    r.step(1)
    r.step(10, OK)
    r.sent()
    dial(r)  # not again
    r.modem.restarts += 1
    r.at.abort_all()
    r.step(1)
    assert r.calls.dial(OWNER, 10000)
    r.step(1)
    assert r.sent() == ["AT+MORING=1"]  # the restarted modem forgot it


def test_dial_answered_seen_by_clcc() -> None:
    r = Rig()
    dial(r)
    r.run(1000)
    assert r.sent() == ["AT+CLCC"]
    r.step(10, clcc(0, 2) + OK)
    r.run(1000)
    r.sent()
    r.step(10, clcc(0, 3) + OK)
    r.run(1000)
    r.sent()
    r.step(10, clcc(0, 0) + OK)
    assert r.calls.outcome == "answered" and r.calls.state == "talking" and r.calls.mic_live
    r.calls.hangup()
    assert r.calls.state == "idle" and r.calls.outcome == "answered"
    r.step(1)
    assert r.sent() == ["ATH"]
    r.step(10, OK)
    assert not r.calls.ended_by_remote


def test_dial_answered_seen_by_mo_connected() -> None:
    r = Rig()
    dial(r)
    r.step(1500, b"\r\nMO RING\r\n")
    r.step(3000, b"\r\nMO CONNECTED\r\n")
    assert r.calls.outcome == "answered" and r.calls.state == "talking"


def test_dial_busy_no_answer_no_carrier() -> None:
    for line, outcome in (("BUSY", "rejected"), ("NO ANSWER", "no-answer"), ("NO CARRIER", "failed")):
        r = Rig()
        dial(r)
        r.step(2000, b"\r\n%s\r\n" % line.encode())
        assert r.calls.outcome == outcome and r.calls.state == "idle", line


def test_busy_is_not_lost_inside_another_answer() -> None:
    r = Rig()
    dial(r)
    r.at.submit("AT+CMGL=4", 20000, "+CMGL:", collect_all=True)
    r.step(1)
    r.step(10, b"\r\n+CMGL: 1,0,,23\r\n07911326040000F0\r\n\r\nBUSY\r\n\r\nOK\r\n")
    assert r.calls.outcome == "rejected"


def test_dial_not_registered_and_errors() -> None:
    r = Rig()
    start_dial(r)
    r.step(100, b"\r\nNO CARRIER\r\n")  # ATD's own final result
    assert r.calls.outcome == "failed" and r.calls.state == "idle"
    start_dial(r)
    r.step(100, b"\r\n+CME ERROR: operation not allowed\r\n")
    assert r.calls.outcome == "failed"


def test_dial_rings_ring_ms_then_hangs_up() -> None:
    r = Rig()
    dial(r, ring_ms=10000)
    r.run(1000)
    r.sent()
    r.step(10, clcc(0, 3) + OK)  # alerting: 10 s from here
    alert_at = r.now
    while r.calls.state == "dialling":
        r.step(100)
        if r.port.written.endswith(b"AT+CLCC\r"):
            r.sent()
            r.step(10, clcc(0, 3) + OK)
    assert r.calls.outcome == "no-answer"
    assert 10000 <= r.now - alert_at <= 10300
    r.step(1)
    assert "ATH" in r.sent()


def test_dial_gives_up_when_it_never_rings() -> None:
    r = Rig()
    dial(r, ring_ms=10000)
    start = r.now
    while r.calls.state == "dialling":
        r.step(100)
        if r.port.written.endswith(b"AT+CLCC\r"):
            r.sent()
            r.step(10, clcc(0, 2) + OK)
    assert r.calls.outcome == "no-answer"
    assert r.now - start <= 25300


def test_hangup_before_dialling() -> None:
    r = Rig()
    r.calls.set_mic_level(15)
    assert r.calls.dial(OWNER, 10000)
    r.step(1)
    assert r.sent() == ["AT+CMIC=0,15"]
    r.step(10, OK)
    assert r.sent() == ["AT+MORING=1"]
    r.calls.hangup()  # ATD not sent yet: it never will be
    assert r.calls.state == "idle" and r.calls.outcome == "no-answer"
    r.step(10, OK)
    r.run(3000)
    assert r.sent() == []
    assert r.calls.dial(OWNER, 10000)


def test_hangup_while_atd_is_queued() -> None:
    r = Rig()
    r.calls._moring_dirty = False
    r.port.sending = True  # the ATD waits in the engine
    assert r.calls.dial(OWNER, 10000)
    r.calls.hangup()
    r.port.sending = False
    r.step(1)
    assert r.sent() == ["ATD+358401234567;"]
    r.step(100, OK)
    assert r.sent() == ["ATH"]  # the call that was dialled after all is ended
    r.step(100, OK)
    assert r.calls.state == "idle" and r.calls.outcome == "no-answer"
    assert r.calls.dial(OWNER, 10000)


def test_dial_refusals() -> None:
    r = Rig()
    assert not r.calls.dial("12;ATH", 10000)
    assert not r.calls.dial("+12", 10000)
    r.modem.ready = False
    assert not r.calls.dial(OWNER, 10000)
    r.modem.ready = True
    r.step(1, RING + CLIP_OWNER)
    assert not r.calls.dial(OWNER, 10000)  # ringing in
    assert r.calls.state == "incoming"


def test_incoming_ring_while_dialling_is_ignored() -> None:
    r = Rig()
    dial(r)
    r.step(500, RING + CLIP_OWNER)
    assert r.calls.state == "dialling" and r.calls.take_caller() is None


def test_mic_level_before_the_call_and_during_it() -> None:
    r = Rig()
    r.calls.set_mic_level(7)
    assert r.calls.dial(OWNER, 10000)
    r.step(1)
    assert r.sent() == ["AT+CMIC=0,7"]
    r.step(10, OK)
    assert r.sent() == ["AT+MORING=1"]
    r.step(10, OK)
    assert r.sent() == ["ATD+358401234567;"]
    r.step(10, OK)
    r.step(10, b"\r\nMO CONNECTED\r\n")
    r.calls.set_mic_level(20)  # clamped
    r.step(1)
    assert r.sent() == ["AT+CMIC=0,15"]
    r.step(10, OK)
    r.calls.set_mic_level(15)  # no change: nothing sent
    r.run(500)
    assert r.sent() == []


def test_modem_restart_ends_everything() -> None:
    r = Rig()
    dial(r)
    r.modem.restarts += 1
    r.at.abort_all()
    r.step(1)
    assert r.calls.state == "idle" and r.calls.outcome == "failed"
    assert r.calls.next_deadline(r.now) is None


def test_next_deadline() -> None:
    r = Rig()
    assert r.calls.next_deadline(r.now) is None
    dial(r)
    assert 0 < r.calls.next_deadline(r.now) <= 1000
    r.step(1, RING)  # ignored
    r.run(1000)
    # AT+CLCC in flight (the engine's time-out covers it): only the ring deadline is left
    assert r.calls.next_deadline(r.now) > 20000
