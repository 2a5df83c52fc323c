"""The simulated GSM network: phones, SMS centre, calls, USSD, network time, coverage.

Everything happens on the shared virtual clock (``clock.Scheduler``). The network
talks to one attached modem through a small interface (methods starting with
``net_``, implemented by ``sim800l.Sim800l``):

    net_reachable() -> bool             registered, powered, answering (not hung)
    net_deliver_sms(pdu_hex, tpdu_len) -> bool   False: could not store (refused)
    net_incoming_call(call) -> bool     False: the device is busy / unreachable
    net_call_alerting(call)             the device's outgoing call rings at the far end
    net_call_answered(call)             the far end answered the device's call
    net_call_ended(call, result)        the far end ended / refused: "NO CARRIER",
                                        "BUSY", "NO ANSWER"
    net_ussd_result(text)               operator answer to the last USSD request
    net_coverage_changed()              signal / registration conditions changed
    net_time_changed()                  the network broadcasts its time again (NITZ)

and the modem calls back ``device_*`` / ``modem_*`` methods here.

Modelling choices (documented because real networks vary):

* SMS from a phone reach the SMS centre at once and are offered to the device
  2 s later (concatenated parts 0.7 s apart). While the device cannot take them
  (off, hung, unregistered, storage full) they wait at the SMS centre and are
  offered again 2 s after the device registers / recovers / frees storage; they
  expire 24 h after submission. The SMS centre time stamp is the network clock
  at submission.
* A call from a phone is offered to the device 1 s after ``phone_call``. A call
  the device makes alerts the far end 1.5 s after dialling; an unknown number is
  released with NO CARRIER after 4 s; a phone already in a call is BUSY after 3 s;
  an unanswered call is released with NO ANSWER 60 s after dialling.
* Network time: local time and zone, running on the virtual clock; NITZ is sent
  on registration and again when the scenario sets a new time while the device is
  registered (an MM INFORMATION message).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import Handle, Scheduler
from .pdu_host import Concat, Submit, Timestamp, encode_deliver, split_text

DAY_MS = 24 * 3600 * 1000

SMSC_NUMBER = "+358405202000"
OPERATOR_MCCMNC = "00101"
OPERATOR_NAME = "TestNet"

SMS_OFFER_DELAY_MS = 2000
SMS_PART_GAP_MS = 700
SMS_RETRY_AFTER_REGISTER_MS = 2000
CALL_OFFER_DELAY_MS = 1000
CALL_ALERT_DELAY_MS = 1500
CALL_UNKNOWN_RELEASE_MS = 4000
CALL_BUSY_RELEASE_MS = 3000
CALL_NO_ANSWER_MS = 60000
USSD_REPLY_DELAY_MS = 3000


def number_digits(number: str) -> str:
    """Digits used for matching: a leading '+' or '00' is ignored."""
    n = number.strip()
    if n.startswith("+"):
        n = n[1:]
    elif n.startswith("00"):
        n = n[2:]
    return n


@dataclass
class Phone:
    name: str
    number: str
    call_as: str | None = None
    withheld: bool = False
    concat_ref: int = 0

    def matches(self, number: str) -> bool:
        d = number_digits(number)
        if not d:
            return False
        if d == number_digits(self.number):
            return True
        return self.call_as is not None and d == number_digits(self.call_as)

    @property
    def presented_number(self) -> str:
        return self.call_as if self.call_as else self.number


@dataclass
class Received:
    """An SMS the device sent (concatenated parts joined)."""

    text: str
    t_ms: int
    read: bool = False
    number: str = ""
    parts: int = 1


@dataclass
class NetCall:
    """A voice call between the device and a phone (or an unknown number)."""

    direction: str  # "mt": phone -> device; "mo": device -> phone
    phone: Phone | None
    number: str  # presented (mt) or dialled (mo) number
    clip: bool = True
    withheld: bool = False
    state: str = "setup"  # setup, ringing, active, ended
    offered: bool = False  # mt: the device has been told
    timers: list[Handle] = field(default_factory=list)

    def cancel_timers(self) -> None:
        for h in self.timers:
            h.cancel()
        self.timers.clear()


@dataclass
class _PendingSms:
    phone: Phone
    pdu_hex: str
    tpdu_len: int
    submitted_ms: int
    ready_ms: int


class GsmNetwork:
    def __init__(self, sched: Scheduler) -> None:
        self.sched = sched
        self.modem: Any = None
        self.listener: Callable[[str], None] | None = None  # the world's timeline
        self.own_number = "+358000000001"
        self.phones: dict[str, Phone] = {}
        self.inbox: dict[str, list[Received]] = {}
        self.unknown_sms: list[tuple[int, str, str]] = []
        self.events: list[tuple[int, str, str]] = []
        self.ussd_log: list[tuple[int, str]] = []
        self.ussd_replies: dict[str, str] = {}
        self.signal_dbm: int | None = -67
        self.registration_lost = False
        self.smsc_number = SMSC_NUMBER
        self.operator_mccmnc = OPERATOR_MCCMNC
        self.operator_name = OPERATOR_NAME
        self.calls: list[NetCall] = []
        self._smsc_queue: list[_PendingSms] = []
        self._smsc_timer: Handle | None = None
        self._parts: dict[tuple[str, int, int], dict[int, str]] = {}
        # network clock: local time base + zone (minutes); runs on virtual time
        self._time_base = _dt.datetime(2026, 1, 1, 0, 0, 0)
        self._time_base_ms = sched.now_ms
        self.zone_minutes = 0
        self.nitz_enabled = True

    # ------------------------------------------------------------------ wiring
    def attach(self, modem: Any, own_number: str = "+358000000001") -> None:
        self.modem = modem
        self.own_number = own_number

    def add_phone(self, name: str, number: str, call_as: str | None = None, withheld: bool = False) -> Phone:
        p = Phone(name, number, call_as, withheld)
        self.phones[name] = p
        self.inbox.setdefault(name, [])
        return p

    def phones_by_name(self) -> dict[str, Phone]:
        return dict(self.phones)

    def find_phone(self, number: str) -> Phone | None:
        for p in self.phones.values():
            if p.matches(number):
                return p
        return None

    @property
    def device_registered(self) -> bool:
        return bool(self.modem is not None and getattr(self.modem, "registered", False))

    def _later(self, ms: int, fn: Any, *args: Any) -> Handle:
        return self.sched.call_later(ms, fn, *args)

    def _event(self, kind: str, phone: Phone | None) -> None:
        if phone is not None:
            self.events.append((self.sched.now_ms, kind, phone.name))
            self._note("call %s: %s" % (kind, phone.name))

    def _note(self, text: str) -> None:
        if self.listener is not None:
            self.listener(text)

    # ------------------------------------------------------------------ time
    def set_time(self, t: tuple[int, int, int, int, int, int] | None, zone_minutes: int = 0) -> None:
        if t is None:
            # keep the SMSC clock running where it is; stop broadcasting NITZ
            self._time_base = self.local_now()
            self._time_base_ms = self.sched.now_ms
            self.nitz_enabled = False
            return
        self._time_base = _dt.datetime(*t)
        self._time_base_ms = self.sched.now_ms
        self.zone_minutes = zone_minutes
        self.nitz_enabled = True
        if self.modem is not None and self.device_registered:
            self.modem.net_time_changed()

    def local_now(self) -> _dt.datetime:
        return self._time_base + _dt.timedelta(milliseconds=self.sched.now_ms - self._time_base_ms)

    @property
    def zone_quarters(self) -> int:
        return int(round(self.zone_minutes / 15))

    def utc_now(self) -> _dt.datetime:
        return self.local_now() - _dt.timedelta(minutes=self.zone_minutes)

    def nitz(self) -> tuple[_dt.datetime, int] | None:
        """(UTC time, zone in quarter hours) the network broadcasts, or None."""
        if not self.nitz_enabled:
            return None
        return self.utc_now(), self.zone_quarters

    def smsc_timestamp(self) -> Timestamp:
        t = self.local_now()
        return Timestamp(t.year, t.month, t.day, t.hour, t.minute, t.second, self.zone_quarters)

    # ------------------------------------------------------------------ coverage
    @property
    def coverage(self) -> bool:
        return self.signal_dbm is not None and not self.registration_lost

    def set_signal(self, dbm: int | None) -> None:
        self.signal_dbm = dbm
        self._coverage_changed()

    def lost(self) -> None:
        self.registration_lost = True
        self._coverage_changed()

    def back(self) -> None:
        self.registration_lost = False
        self._coverage_changed()

    def _coverage_changed(self) -> None:
        if self.modem is not None:
            self.modem.net_coverage_changed()

    # ------------------------------------------------------------------ SMS in
    def phone_sms(self, name: str, text: str, ucs2: bool = False, parts: int = 1) -> None:
        phone = self.phones[name]
        chunks = split_text(text, parts, ucs2)
        ts = self.smsc_timestamp()
        now = self.sched.now_ms
        total = len(chunks)
        concat_ref = None
        if total > 1:
            phone.concat_ref = (phone.concat_ref + 1) & 0xFF
            concat_ref = phone.concat_ref
        for i, chunk in enumerate(chunks):
            concat = Concat(concat_ref, total, i + 1) if concat_ref is not None else None
            pdu, tlen = encode_deliver(
                phone.number, chunk, ts, ucs2=ucs2, concat=concat, smsc=self.smsc_number
            )
            self._smsc_queue.append(
                _PendingSms(phone, pdu, tlen, now, now + SMS_OFFER_DELAY_MS + i * SMS_PART_GAP_MS)
            )
        self._kick_smsc(SMS_OFFER_DELAY_MS)

    def _kick_smsc(self, delay: int) -> None:
        when = self.sched.now_ms + delay
        if self._smsc_timer is not None and not self._smsc_timer.cancelled:
            if self._smsc_timer.t_ms <= when:
                return
            self._smsc_timer.cancel()
        self._smsc_timer = self.sched.call_at(when, self._smsc_run)

    def _smsc_run(self) -> None:
        self._smsc_timer = None
        now = self.sched.now_ms
        self._smsc_queue = [p for p in self._smsc_queue if now - p.submitted_ms < DAY_MS]
        if not self._smsc_queue:
            return
        head = self._smsc_queue[0]
        if head.ready_ms > now:
            self._kick_smsc(head.ready_ms - now)
            return
        m = self.modem
        if m is None or not m.net_reachable():
            return  # retried on registration / recovery
        if not m.net_deliver_sms(head.pdu_hex, head.tpdu_len):
            return  # storage full: retried when the device frees memory
        self._smsc_queue.pop(0)
        if self._smsc_queue:
            nxt = self._smsc_queue[0]
            self._kick_smsc(max(SMS_PART_GAP_MS, nxt.ready_ms - now))

    @property
    def smsc_pending(self) -> int:
        return len(self._smsc_queue)

    def modem_registered(self) -> None:
        """The device (re)registered or recovered: the SMS centre tries again."""
        if self._smsc_queue:
            self._kick_smsc(SMS_RETRY_AFTER_REGISTER_MS)

    def modem_memory_available(self) -> None:
        if self._smsc_queue:
            self._kick_smsc(SMS_RETRY_AFTER_REGISTER_MS)

    # ------------------------------------------------------------------ SMS out
    def device_submit(self, submit: Submit) -> None:
        """The device sent one SMS-SUBMIT (one part) and the network accepted it."""
        now = self.sched.now_ms
        phone = self.find_phone(submit.da)
        key_num = number_digits(submit.da)
        c = submit.concat
        if c is not None and c.total > 1:
            key = (key_num, c.ref, c.total)
            got = self._parts.setdefault(key, {})
            got[c.seq] = submit.text
            if len(got) < c.total or any(i not in got for i in range(1, c.total + 1)):
                return
            del self._parts[key]
            text = "".join(got[i] for i in range(1, c.total + 1))
            nparts = c.total
        else:
            text = submit.text
            nparts = 1
        if phone is not None:
            self.inbox.setdefault(phone.name, []).append(Received(text, now, False, submit.da, nparts))
            self._note("SMS to %s: %r" % (phone.name, text))
        else:
            self.unknown_sms.append((now, submit.da, text))
            self._note("SMS to unknown number %s: %r" % (submit.da, text))

    # ------------------------------------------------------------------ calls
    def _call_of(self, phone: Phone, direction: str | None = None) -> NetCall | None:
        for c in self.calls:
            if c.phone is phone and c.state != "ended" and (direction is None or c.direction == direction):
                return c
        return None

    def _end(self, call: NetCall) -> None:
        call.state = "ended"
        call.cancel_timers()
        if call in self.calls:
            self.calls.remove(call)

    def phone_call(self, name: str, clip: bool = True) -> None:
        phone = self.phones[name]
        if self._call_of(phone) is not None:
            return
        call = NetCall("mt", phone, phone.presented_number, clip, phone.withheld)
        self.calls.append(call)
        call.timers.append(self._later(CALL_OFFER_DELAY_MS, self._offer_call, call))

    def _offer_call(self, call: NetCall) -> None:
        if call.state == "ended":
            return
        m = self.modem
        busy = any(
            c is not call and c.state != "ended" and (c.direction == "mo" or c.offered) for c in self.calls
        )
        if m is None or busy or not m.net_reachable() or not m.net_incoming_call(call):
            self._end(call)  # caller hears "not reachable" / busy
            return
        call.offered = True
        call.state = "ringing"

    def phone_hangup(self, name: str) -> None:
        phone = self.phones[name]
        call = self._call_of(phone)
        if call is None:
            return
        seen = call.direction == "mo" or call.offered
        self._end(call)
        if seen:
            self._event("hangup", phone)
            if self.modem is not None:
                self.modem.net_call_ended(call, "NO CARRIER")

    def phone_answer(self, name: str) -> None:
        phone = self.phones[name]
        call = self._call_of(phone, "mo")
        if call is None or call.state not in ("setup", "ringing"):
            return
        call.cancel_timers()
        call.state = "active"
        self._event("answered", phone)
        if self.modem is not None:
            self.modem.net_call_answered(call)

    def phone_reject(self, name: str) -> None:
        phone = self.phones[name]
        call = self._call_of(phone, "mo")
        if call is None or call.state not in ("setup", "ringing"):
            return
        self._end(call)
        self._event("rejected", phone)
        self._event("hangup", phone)
        if self.modem is not None:
            self.modem.net_call_ended(call, "BUSY")

    # device side (called by the modem)
    def device_dial(self, number: str) -> NetCall:
        phone = self.find_phone(number)
        call = NetCall("mo", phone, number)
        self.calls.append(call)
        if phone is None:
            call.timers.append(self._later(CALL_UNKNOWN_RELEASE_MS, self._release, call, "NO CARRIER"))
            return call
        self._event("dial", phone)
        if any(c is not call and c.phone is phone and c.state != "ended" for c in self.calls):
            call.timers.append(self._later(CALL_BUSY_RELEASE_MS, self._release, call, "BUSY", True))
            return call
        call.timers.append(self._later(CALL_ALERT_DELAY_MS, self._alert, call))
        call.timers.append(self._later(CALL_NO_ANSWER_MS, self._release, call, "NO ANSWER", True))
        return call

    def _alert(self, call: NetCall) -> None:
        if call.state != "setup":
            return
        call.state = "ringing"
        if self.modem is not None:
            self.modem.net_call_alerting(call)

    def _release(self, call: NetCall, result: str, hangup_event: bool = False) -> None:
        if call.state == "ended":
            return
        self._end(call)
        if hangup_event:
            self._event("hangup", call.phone)
        if self.modem is not None:
            self.modem.net_call_ended(call, result)

    def device_answer(self, call: NetCall) -> None:
        if call.state == "ended":
            return
        call.state = "active"
        self._event("answered", call.phone)

    def device_hangup(self, call: NetCall) -> None:
        if call.state == "ended":
            return
        rejected = call.direction == "mt" and call.state == "ringing"
        self._end(call)
        if rejected:
            self._event("rejected", call.phone)
        self._event("hangup", call.phone)

    def device_gone(self) -> None:
        """The device lost power / restarted: every call it was part of drops."""
        for call in list(self.calls):
            if call.direction == "mo" or call.offered:
                self._end(call)
                self._event("hangup", call.phone)

    # ------------------------------------------------------------------ USSD
    def set_ussd(self, code: str, reply: str) -> None:
        self.ussd_replies[code] = reply

    def device_ussd(self, code: str) -> None:
        self.ussd_log.append((self.sched.now_ms, code))
        reply = self.ussd_replies.get(code)
        if reply is None:
            return  # the operator answers nothing
        self._later(USSD_REPLY_DELAY_MS, self._ussd_answer, reply)

    def _ussd_answer(self, reply: str) -> None:
        if self.modem is not None and self.modem.net_reachable():
            self.modem.net_ussd_result(reply)
