"""SIMCom SIM800L emulator: the UART, power, start-up, registration, time, AT engine.

SMS commands live in ``sim800l_sms.py``, calls/USSD/audio in ``sim800l_voice.py``,
the other commands in ``sim800l_general.py``, the command-line syntax in
``sim800l_at.py``. Everything runs on the shared virtual clock; nothing sleeps and
nothing is random.

Power: ``set_supply(True)`` starts the module at once when ``auto_power_on`` (the
default: breakout boards tie PWRKEY low); otherwise PWRKEY held low for 1 s
(``set_pwrkey``) toggles it, printing ``NORMAL POWER DOWN`` when switching off.
The SIM (its SMS storage, the message-reference counter) survives everything;
the RTC runs while the supply is on.

Behaviour and where it comes from (log numbers are files in shared/modem/):

* Byte level: with echo on (ATE1, the power-on default) every received byte is
  echoed as it arrives, CR and a following LF included (SIM800 console pastes 003,
  008 show the echo, an empty line, then the result). A line ends at CR, or at an
  LF that does not follow a CR (ESPHome sends LF only, 005). Results use V.25ter
  framing ``\\r\\n<text>\\r\\n`` (033); ``ATV0`` gives numeric codes.
* Power-on (039, 001): the sync bytes ``00 49 49 49 49 FF FF FF FF``, then RDY and
  +CFUN: 1 together, +CPIN: READY ~1.8 s later, Call Ready and SMS Ready ~5 s after
  RDY. RDY and friends appear only with a fixed baud rate (AT+IPR != 0); this
  emulated module has 115200 saved. Before RDY the UART is dead.
* SIM missing: ``+CPIN: NOT INSERTED``; AT+CPIN? gives ERROR / +CME ERROR: 10 /
  +CME ERROR: SIM not inserted (008). SIM PIN: ``+CPIN: SIM PIN``, AT+CREG? 0,2
  then 0,0 (003). Between RDY and +CPIN: READY, AT+CPIN? answers
  +CME ERROR: 14 "SIM busy" (SIM800L, raspberry-pi-sim800l-gsm-module #4).
* Unknown commands: ERROR with AT+CMEE=0, ``+CME ERROR: 100`` with AT+CMEE=1
  (a SIM800C answered AT+CLAC and AT^CVOICE=? this way, babca/python-gsmmodem #64),
  ``+CME ERROR: unknown`` with AT+CMEE=2 (27.007 text for 100). A parameter or
  syntax error of a known command is always a bare ERROR (012).
* Registration: +CREG stat 2 while searching, 1 about 4.5 s after SMS Ready; with
  no coverage it stays 2.
* Network time with AT+CLTS=1 (saved by AT&W, acted on at the next registration,
  as in a SIM800L log where the clock stayed at 04/01/01 until a CFUN cycle): on
  registration the module prints, each CRLF-framed, in this order
      +CTZV: +8,0
      *PSUTTZ: 2024,7,24,14,4,19,"+8",0
      DST: 0
      +CIEV: 10,"26003","Orange","Orange", 0, 0
  *PSUTTZ carries UTC without zero padding and without the spaces the manual
  shows; the zone is in quarter hours, sign always present, no padding; +CTZV is
  unquoted zone,dst. Sources: kang test fixture (kang.sim800 test_readsms_unsolicited:
  +CTZV: +4,0 / *PSUTTZ: 2020,12,16,18,3,45,"+4",0 / DST: 0 / +CIEV: 10,"20801",
  "Orange F","Orange F", 0, 0), a SIM800L Python log (*PSUTTZ: 2024,7,24,14,4,19,
  "+8",1 / DST: 1 / +CIEV: ...; that firmware omitted +CTZV), a VinaPhone log
  (+CTZV: +28,0 then *PSUTTZ ... "+28",0 / DST: 0 / +CIEV). Afterwards AT+CCLK?
  gives local time, ``+CCLK: "24/07/24,16:05:01+08"``.
* AT+CCLK? before any network time: the RTC reset value ``04/01/01,00:00:00+00``
  counting from supply-on (SIM800 logs show "04/01/01,00:01:56+08" etc.).
* AT+CFUN=0: +CPIN: NOT READY inside the response, OK ~5 s later; AT+CFUN=1:
  +CPIN: READY and OK ~1.15 s later, then SMS Ready, Call Ready (SIM800L log);
  AT+CFUN=1,1: OK, the module restarts 0.8 s later (003 shows it answering a few
  more commands first).
* AT&W saves echo, ATV, AT+CMEE, AT+CLTS and AT+IPR (AT+CLIP is NO_SAVE per the
  SIM800 manual V1.05); every restart restores them, everything else returns to its
  power-on default (CMGF 0, CNMI 2,1,0,0,0, CLIP 0, CREG 0, CSCS "IRA").
* ATI ``SIM800 R14.18`` (031), AT+CGMM ``SIMCOM_SIM800L`` (TinyGSM reports
  "SIMCOM SIM800L" from CGMI+GMM), AT+CGMR ``Revision:1418B04SIM800L24`` (a
  SIM800L log).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import Handle, Scheduler
from .network import GsmNetwork, NetCall
from .pdu_host import gsm7_decode_septets, gsm7_encodable, gsm7_septets
from .sim800l_at import (
    CME_TEXT,
    CMS_TEXT,
    NUMERIC_CODES,
    AtSyntaxError,
    Cmd,
    Resp,
    error,
    split_line,
)
from .sim800l_general import CELL, DEFAULT_MS, LAC, REGISTER_AGAIN_MS, GeneralCommands
from .sim800l_sms import PROMPT, SmsService, SmsStore
from .sim800l_voice import VoiceService

SYNC_JUNK = b"\x00\x49\x49\x49\x49\xff\xff\xff\xff"
JUNK_MS = 1100  # power applied -> sync bytes
RDY_MS = 2800  # power applied -> RDY / +CFUN: 1
CPIN_AFTER_RDY_MS = 1800
CALL_READY_AFTER_CPIN_MS = 3200
SMS_READY_AFTER_CPIN_MS = 3220
REGISTER_AFTER_SMS_READY_MS = 4500
NITZ_AFTER_REGISTER_MS = 300
PIN_SEARCH_GIVE_UP_MS = 30000  # SIM PIN: CREG 0,2 then 0,0 (003)
PWRKEY_HOLD_MS = 1000
PROMPT_MS = 3  # command line end -> "> " (an LF after the CR is echoed first)
LINE_MAX = 556
RTC_RESET = _dt.datetime(2004, 1, 1, 0, 0, 0)

FACTORY_PROFILE = {"echo": 1, "verbose": 1, "cmee": 0, "clts": 0, "ipr": 115200}


class SimCard:
    """What lives on the SIM and survives any power loss: SMS storage, MR counter."""

    def __init__(self, capacity: int, smsc: str) -> None:
        self.store = SmsStore(capacity)
        self.smsc = smsc
        self.iccid = "89358012345678901233"
        self.imsi = "001010123456789"
        self._mr = 0

    def next_mr(self) -> int:
        self._mr = self._mr % 255 + 1
        return self._mr


@dataclass
class _Override:
    regex: str
    lines: list[str]
    once: bool
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.regex, re.S)


class Sim800l:
    ATI = "SIM800 R14.18"
    CGMI = "SIMCOM_Ltd"
    CGMM = "SIMCOM_SIM800L"
    CGMR = "Revision:1418B04SIM800L24"
    IMEI = "869170031234561"

    def __init__(
        self, sched: Scheduler, network: GsmNetwork, sim_capacity: int = 20, auto_power_on: bool = True
    ) -> None:
        self.sched = sched
        self.network = network
        self._busy = False
        self._pending = False
        self._prompt = False
        self._prompt_shown = False
        self._prompt_timer: Handle | None = None
        self._prompt_buf: list[str] = []
        self.to_host: Callable[[bytes], None] | None = None
        self.auto_power_on = auto_power_on
        self.at_log: list[tuple[int, str]] = []
        self.mic_gain: int | None = None
        self.powered = False
        self.booted = False
        self.sms_ready = False
        self.sim_ready = False
        self.hung = False
        self.registered = False
        self.creg_stat = 0
        self.sim = SimCard(sim_capacity, network.smsc_number)
        self.sim_active = "ok"
        self._sim_next = "ok"
        self.profile = dict(FACTORY_PROFILE)
        self._supply = False
        self._pwrkey = False
        self._pwrkey_timer: Handle | None = None
        self._gen = 0
        self._reg_timer: Handle | None = None
        self._replies: list[_Override] = []
        self._interleaves: list[_Override] = []
        self._rtc_base = RTC_RESET
        self._rtc_base_ms = sched.now_ms
        self._rtc_tz = 0
        self.sms = SmsService(self)
        self.voice = VoiceService(self)
        self._commands: dict[str, Callable[[Cmd], Resp]] = {}
        self.general = GeneralCommands(self)
        self._commands.update(self.general.commands())
        self._commands.update(self.sms.commands())  # type: ignore[arg-type]
        self._commands.update(self.voice.commands())  # type: ignore[arg-type]
        self._reset_volatile()

    # ================================================================ public API
    @property
    def mic_live(self) -> bool:
        return self.powered and self.voice.mic_live

    @property
    def busy(self) -> bool:
        """A command line is being executed (its final result is not out yet)."""
        return self._busy and not self._prompt

    @property
    def ready_for_input(self) -> bool:
        """Idle at the command prompt, or showing the SMS '> ' prompt."""
        return (
            self.powered
            and self.booted
            and not self.hung
            and (self._prompt_shown if self._prompt else not self._busy)
        )

    def set_supply(self, on: bool) -> None:
        if on == self._supply:
            return
        self._supply = on
        if not on:
            self._power_down()
            return
        self._rtc_reset()
        if self.auto_power_on or self._pwrkey:
            self._start()

    def set_pwrkey(self, pressed: bool) -> None:
        if pressed == self._pwrkey:
            return
        self._pwrkey = pressed
        if self._pwrkey_timer is not None:
            self._pwrkey_timer.cancel()
            self._pwrkey_timer = None
        if pressed and self._supply:
            self._pwrkey_timer = self.sched.call_later(PWRKEY_HOLD_MS, self._pwrkey_held)

    def hang(self) -> None:
        if self.powered:
            self.hung = True

    def recover(self) -> None:
        if not self.hung:
            return
        self.hung = False
        self.voice.resume_ringing()
        if self.registered:
            self.network.modem_registered()

    def reboot(self) -> None:
        if self._supply and self.powered:
            self._start(soft=True)

    def set_sim(self, state: str) -> None:
        if state not in ("ok", "missing", "pin"):
            raise ValueError("sim state must be ok, missing or pin")
        self._sim_next = state

    def add_reply(self, regex: str, lines: list[str], once: bool = False) -> None:
        self._replies.append(_Override(regex, list(lines), once))

    def add_interleave(self, regex: str, lines: list[str], once: bool = False) -> None:
        self._interleaves.append(_Override(regex, list(lines), once))

    def urc(self, line: str) -> None:
        """An unsolicited line, framed as this modem frames URCs."""
        if self.verbose:
            self._emit(b"\r\n" + _b(line) + b"\r\n")
        else:
            code = NUMERIC_CODES.get(line)
            self._emit(_b(code) + b"\r" if code is not None else _b(line) + b"\r\n")

    def urc_lines(self, lines: list[str]) -> None:
        """One unsolicited block of several lines (+CMT header and PDU)."""
        if self.verbose:
            self._emit(b"\r\n" + b"\r\n".join(_b(x) for x in lines) + b"\r\n")
        else:
            self._emit(b"".join(_b(x) + b"\r\n" for x in lines))

    def raw(self, data: bytes) -> None:
        if self.to_host is not None:
            self.to_host(bytes(data))

    def from_host(self, data: bytes) -> None:
        for b in data:
            self._rx_byte(b)

    # ================================================================ helpers for services
    def later(self, ms: int, fn: Callable[..., Any], *args: Any) -> Handle:
        gen = self._gen

        def run() -> None:
            if gen == self._gen:
                fn(*args)

        return self.sched.call_later(ms, run)

    def cme(self, n: int) -> Resp:
        return Resp([], self._err_text("+CME ERROR: ", n, CME_TEXT), DEFAULT_MS)

    def cms(self, n: int) -> Resp:
        return Resp([], self._err_text("+CMS ERROR: ", n, CMS_TEXT), DEFAULT_MS)

    def _err_text(self, prefix: str, n: int, table: dict[int, str]) -> str:
        if self.cmee == 0:
            return "ERROR"
        if self.cmee == 1:
            return prefix + str(n)
        return prefix + table.get(n, "unknown")

    def enter_prompt(self) -> None:
        """Switch to SMS text input; the '> ' prompt follows a few ms later."""
        self._prompt = True
        self._prompt_shown = False
        self._prompt_buf.clear()
        self._prompt_cr = False
        self._prompt_timer = self.later(PROMPT_MS, self._show_prompt)

    def _show_prompt(self) -> None:
        self._prompt_timer = None
        if self._prompt:
            self._prompt_shown = True
            self._emit(PROMPT)

    def _leave_prompt(self) -> None:
        self._prompt = False
        if self._prompt_timer is not None:
            self._prompt_timer.cancel()
            self._prompt_timer = None

    def finish_pending(self, resp: Resp) -> None:
        """A command that answered later (CMGS, ATD with COLP, CFUN) completes."""
        if not self._pending:
            return
        self._pending = False
        if resp.delay:
            self.later(resp.delay, self._cmd_done, resp)
        else:
            self._cmd_done(resp)

    def charset_out(self, text: str) -> str:
        """Text as the TE receives it under AT+CSCS (one str char per wire byte)."""
        cs = self.cscs
        if cs == "UCS2":
            return text.encode("utf-16-be").hex().upper()
        if cs in ("GSM", "HEX"):
            codes: list[int] = []
            for ch in text:
                codes += gsm7_septets(ch) if gsm7_encodable(ch) else [0x3F]
            if cs == "HEX":
                return bytes(codes).hex().upper()
            return "".join(chr(c) for c in codes)
        return "".join(ch if ord(ch) < 0x100 else "?" for ch in text)

    def charset_in(self, s: str) -> str:
        cs = self.cscs
        if cs == "UCS2":
            return bytes.fromhex(s).decode("utf-16-be")
        if cs == "HEX":
            return gsm7_decode_septets([b & 0x7F for b in bytes.fromhex(s)])
        if cs == "GSM":
            return gsm7_decode_septets([ord(c) & 0x7F for c in s])
        return s

    # ================================================================ network interface
    def net_reachable(self) -> bool:
        return self.powered and self.booted and not self.hung and self.registered

    def net_deliver_sms(self, pdu_hex: str, tpdu_len: int) -> bool:
        if not self.net_reachable() or not self.sms_ready:
            return False
        return self.sms.deliver(pdu_hex, tpdu_len)

    def net_incoming_call(self, call: NetCall) -> bool:
        if not self.net_reachable():
            return False
        return self.voice.incoming(call)

    def net_call_alerting(self, call: NetCall) -> None:
        self.voice.alerting(call)

    def net_call_answered(self, call: NetCall) -> None:
        self.voice.answered(call)

    def net_call_ended(self, call: NetCall, result: str) -> None:
        self.voice.ended(call, result)

    def net_ussd_result(self, text: str) -> None:
        self.voice.ussd_result(text)

    def net_coverage_changed(self) -> None:
        if not self.powered or not self.booted:
            return
        if self.registered and not self.network.coverage:
            self._deregister(2)
        elif not self.registered:
            self._try_register(REGISTER_AGAIN_MS)

    def net_time_changed(self) -> None:
        if self.registered and self.clts:
            self.later(NITZ_AFTER_REGISTER_MS, self._nitz)

    # ================================================================ power / start-up
    def _reset_volatile(self) -> None:
        p = self.profile
        self.echo = p["echo"]
        self.verbose = p["verbose"]
        self.cmee = p["cmee"]
        self.clts = p["clts"]
        self.ipr = p["ipr"]
        self.cscs = "IRA"
        self.cfun = 1
        self.creg_n = 0
        self.cgreg_n = 0
        self.csclk = 0
        self.ciurc = 1
        self.s0 = 0
        self._buf = ""
        self._after_cr = False
        self._last_line = ""
        self._busy = False
        self._pending = False
        self._cmds: list[Cmd] = []
        self._queue: list[str] = []
        self._leave_prompt()
        self._prompt_shown = False
        self._prompt_buf.clear()
        self._prompt_cr = False
        self.sms.reset()
        self.voice.reset()

    def _start(self, soft: bool = False) -> None:
        if self.powered:
            self._drop_radio()
        self._gen += 1
        self.powered = True
        self.booted = False
        self.sms_ready = False
        self.sim_ready = False
        self.hung = False
        self.creg_stat = 0
        self.sim_active = self._sim_next
        self._reset_volatile()
        self.later(JUNK_MS, self._emit, SYNC_JUNK)
        self.later(RDY_MS, self._rdy)

    def _drop_radio(self) -> None:
        if self._reg_timer is not None:
            self._reg_timer.cancel()
            self._reg_timer = None
        self.registered = False
        self.voice.drop_all()
        self.network.device_gone()

    def _power_down(self) -> None:
        if self.powered:
            self._drop_radio()
        self._gen += 1
        self.powered = False
        self.booted = False
        self.sms_ready = False
        self.sim_ready = False
        self.hung = False
        self.creg_stat = 0
        self._busy = False
        self._leave_prompt()

    def _normal_power_down(self) -> None:
        self.urc("NORMAL POWER DOWN")
        self._power_down()

    def _pwrkey_held(self) -> None:
        self._pwrkey_timer = None
        if not (self._pwrkey and self._supply):
            return
        if self.powered:
            self._normal_power_down()
        else:
            self._start()

    def _rdy(self) -> None:
        self.booted = True
        if self.ipr:
            self.urc("RDY")
            self.urc("+CFUN: 1")
        self.later(CPIN_AFTER_RDY_MS, self._sim_up)

    def _sim_up(self) -> None:
        if self.sim_active == "ok":
            self.sim_ready = True
            if self.ipr:
                self.urc("+CPIN: READY")
            self.creg_stat = 2
            self.later(CALL_READY_AFTER_CPIN_MS, self._call_ready)
            self.later(SMS_READY_AFTER_CPIN_MS, self._sms_up)
        elif self.sim_active == "missing":
            if self.ipr:
                self.urc("+CPIN: NOT INSERTED")
        else:
            if self.ipr:
                self.urc("+CPIN: SIM PIN")
            self.creg_stat = 2
            self.later(PIN_SEARCH_GIVE_UP_MS, self._pin_give_up)

    def _pin_give_up(self) -> None:
        if self.sim_active == "pin":
            self._set_creg(0)

    def _call_ready(self) -> None:
        if self.ciurc:
            self.urc("Call Ready")

    def _sms_up(self) -> None:
        self.sms_ready = True
        self.urc("SMS Ready")
        self._try_register(REGISTER_AFTER_SMS_READY_MS)

    # ================================================================ registration / time
    def _can_register(self) -> bool:
        return (
            self.powered
            and self.booted
            and self.sim_active == "ok"
            and self.sim_ready
            and self.cfun == 1
            and self.network.coverage
        )

    def _try_register(self, delay: int) -> None:
        if self.registered or (self._reg_timer is not None and not self._reg_timer.cancelled):
            return
        if not self._can_register():
            return
        self._reg_timer = self.later(delay, self._register)

    def _register(self) -> None:
        self._reg_timer = None
        if not self._can_register() or self.registered:
            return
        self.registered = True
        self._set_creg(1)
        self.network.modem_registered()
        if self.clts:
            self.later(NITZ_AFTER_REGISTER_MS, self._nitz)

    def _deregister(self, stat: int) -> None:
        if self._reg_timer is not None:
            self._reg_timer.cancel()
            self._reg_timer = None
        if self.registered:
            self.registered = False
            self.voice.network_lost()
        self._set_creg(stat)

    def _set_creg(self, stat: int) -> None:
        if stat == self.creg_stat:
            return
        self.creg_stat = stat
        if self.creg_n == 1:
            self.urc("+CREG: %d" % stat)
        elif self.creg_n == 2:
            self.urc("+CREG: %d" % stat + (',"%s","%s"' % (LAC, CELL) if stat in (1, 5) else ""))

    def _nitz(self) -> None:
        if not (self.registered and self.clts):
            return
        nz = self.network.nitz()
        if nz is None:
            return
        utc, q = nz
        self._rtc_set(utc + _dt.timedelta(minutes=15 * q), q)
        tz = "%+d" % q
        name = self.network.operator_name
        self.urc("+CTZV: %s,0" % tz)
        self.urc(
            '*PSUTTZ: %d,%d,%d,%d,%d,%d,"%s",0'
            % (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, tz)
        )
        self.urc("DST: 0")
        self.urc('+CIEV: 10,"%s","%s","%s", 0, 0' % (self.network.operator_mccmnc, name, name))

    def _rtc_reset(self) -> None:
        self._rtc_set(RTC_RESET, 0)

    def _rtc_set(self, local: _dt.datetime, tz: int) -> None:
        self._rtc_base = local
        self._rtc_base_ms = self.sched.now_ms
        self._rtc_tz = tz

    def rtc_now(self) -> tuple[_dt.datetime, int]:
        t = self._rtc_base + _dt.timedelta(milliseconds=self.sched.now_ms - self._rtc_base_ms)
        return t.replace(microsecond=0), self._rtc_tz

    # ================================================================ UART receive
    def _emit(self, data: bytes) -> None:
        if self.powered and not self.hung and self.to_host is not None and data:
            self.to_host(data)

    def _rx_byte(self, b: int) -> None:
        if not self.powered or not self.booted or self.hung:
            return
        if self._prompt:
            self._prompt_byte(b)
            return
        if self.echo:
            self._emit(bytes((b,)))
        if b == 0x0D:
            line, self._buf = self._buf, ""
            self._after_cr = True
            self._line_end(line)
            return
        if b == 0x0A:
            if self._after_cr:
                self._after_cr = False
                return
            line, self._buf = self._buf, ""
            self._line_end(line)
            return
        self._after_cr = False
        if b == 0x08:
            self._buf = self._buf[:-1]
            return
        if len(self._buf) < LINE_MAX:
            self._buf += chr(b)
        if len(self._buf) == 2 and self._buf.upper() == "A/":
            self._buf = ""
            if self._last_line:
                self._line_end(self._last_line)

    def _prompt_byte(self, b: int) -> None:
        if self.echo:
            self._emit(bytes((b,)))
        cr, self._prompt_cr = self._prompt_cr, False
        if b == 0x0A and self._after_cr and not self._prompt_shown:
            self._after_cr = False  # the LF of the command line's CR LF
            return
        self._after_cr = False
        if b == 0x1A:
            self._leave_prompt()
            self.sms.prompt_done("".join(self._prompt_buf))
        elif b == 0x1B:
            self._leave_prompt()
            self.sms.prompt_aborted()
        elif b == 0x08:
            if self._prompt_buf:
                self._prompt_buf.pop()
        elif b == 0x0D:
            self._prompt_cr = True
            if self.sms.cmgf == 1:
                self._prompt_buf.append("\n")
                self._emit(PROMPT)
        elif b == 0x0A:
            if not cr and self._prompt_buf and self.sms.cmgf == 1:
                self._prompt_buf.append("\n")
        elif len(self._prompt_buf) < 1024:
            self._prompt_buf.append(chr(b))

    def _line_end(self, line: str) -> None:
        if line.strip() == "":
            return
        self.at_log.append((self.sched.now_ms, line))
        if self._busy:
            if len(self._queue) < 16:
                self._queue.append(line)
            return
        self._start_line(line)

    # ================================================================ command execution
    @staticmethod
    def _match(rules: list[_Override], line: str) -> _Override | None:
        for rule in reversed(rules):
            if rule.pattern.fullmatch(line):
                if rule.once:
                    rules.remove(rule)
                return rule
        return None

    def _start_line(self, line: str) -> None:
        self._busy = True
        rule = self._match(self._replies, line)
        if rule is not None:
            self.later(DEFAULT_MS, self._replay, rule.lines)
            return
        rule = self._match(self._interleaves, line)
        if rule is not None:
            for text in rule.lines:
                self.urc(text)
        idx = line.upper().find("AT")
        if idx < 0:
            self._end_line()  # no "AT" prefix: the module ignores the line
            return
        self._last_line = line
        try:
            self._cmds = split_line(line[idx + 2 :])
        except AtSyntaxError:
            self._cmds = []
            self.later(DEFAULT_MS, self._cmd_done, error())
            return
        if not self._cmds:
            self.later(DEFAULT_MS, self._run_next)
        else:
            self._run_next()

    def _replay(self, lines: list[str]) -> None:
        for text in lines:
            self._emit(b"\r\n" + _b(text) + b"\r\n")
        self._end_line()

    def _run_next(self) -> None:
        if not self._cmds:
            self._send_final("OK")
            self._end_line()
            return
        cmd = self._cmds.pop(0)
        handler = self._commands.get(cmd.name)
        try:
            resp = handler(cmd) if handler is not None else self.cme(100)
        except AtSyntaxError:
            resp = error()
        if resp.pending:
            self._pending = True
            return
        self.later(resp.delay, self._cmd_done, resp)

    def _cmd_done(self, resp: Resp) -> None:
        if resp.info:
            self._send_info(resp.info)
        if resp.final is None:
            self._end_line()
        elif resp.final != "OK":
            self._send_final(resp.final)
            self._end_line()
        else:
            self._run_next()

    def _end_line(self) -> None:
        self._busy = False
        self._pending = False
        self._cmds = []
        if self._queue and self.powered:
            self._start_line(self._queue.pop(0))

    def _send_info(self, lines: list[str]) -> None:
        if self.verbose:
            self._emit(b"\r\n" + b"\r\n".join(_b(x) for x in lines) + b"\r\n")
        else:
            self._emit(b"".join(_b(x) + b"\r\n" for x in lines))

    def _send_final(self, code: str) -> None:
        if self.verbose:
            self._emit(b"\r\n" + _b(code) + b"\r\n")
        elif code in NUMERIC_CODES:
            self._emit(_b(NUMERIC_CODES[code]) + b"\r")
        else:
            self._emit(_b(code) + b"\r\n")


def _b(text: str) -> bytes:
    return text.encode("latin-1", "replace")
