"""Voice calls, USSD and audio settings of the SIM800L emulator.

Formats and sources:

* incoming call: ``RING`` then, with AT+CLIP=1, ``+CLIP: "<num>",145,"",0,"",0``
  (006, SIM800L via TinyGSM #721), repeated while alerting; a withheld number is
  ``+CLIP: "",128,"",0,"",1`` (a SIM800 reported in babca/python-gsmmodem #24);
  the caller hanging up gives ``NO CARRIER``. RING period: 4 s (guess within the
  3-4 s seen on SIM800 consoles).
* ``AT+CLCC`` lines end with the (empty) alpha field:
  ``+CLCC: 1,0,2,0,0,"<number>",129,""`` (a SIM800C in faucamp/python-gsmmodem
  #112/#113). Withheld callers are listed as ``"",128,""`` (guess).
* ATD<n>; with the factory AT+COLP=0 answers OK straight after dialling; the
  outcome comes later as ``BUSY`` / ``NO ANSWER`` / ``NO CARRIER`` (manual §2.2.3,
  037). With AT+COLP=1 the OK waits for the answer and ``+COLP: ...`` precedes it.
  Not registered: ``NO CARRIER`` instead of OK (guess).
* ATA without an incoming call: ``NO CARRIER`` (guess, V.25ter behaviour).
* One final result code per command (V.25ter; SIM800 AT manual V1.09 §2.2.3, 037: with
  COLP=0 "TA returns OK immediately after dialing was completed, otherwise ... OK, BUSY,
  NO DIAL TONE, NO CARRIER"). So a call released while ATD's OK is still on its way ends
  ATD with BUSY / NO CARRIER / NO ANSWER instead of OK (never OK *and* BUSY), and a call
  answered with ATA prints ATA's OK before a NO CARRIER that follows it.
* USSD: ``AT+CUSD=1,"<code>"`` -> OK, the network answer later as
  ``+CUSD: 0, "<text>", 15`` - SIM800 puts a space after each comma (028 and
  several SIM800 projects: ``+CUSD: 0, "Balance:40,60r", 15``); a UCS2 answer is
  shown as hex with dcs 72 (``+CUSD: 0, "003200300030...", 72``, a SIM800 project
  log); with AT+CSCS="HEX" the SIM800L printed only ``+CUSD: 2`` (028).
  ``AT+CUSD=2`` cancels the session (27.007 §7.15, <n>=2 "cancel session"): an answer the
  network sends after that is not presented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .clock import Handle
from .network import NetCall
from .pdu_host import gsm7_encodable
from .sim800l_at import AtSyntaxError, Cmd, Resp, error, int_arg, ok, parse_args, pending

if TYPE_CHECKING:
    from .sim800l import Sim800l

RING_PERIOD_MS = 4000
ATA_MS = 200
ATH_MS = 100
ATD_MS = 100
CUSD_MS = 50
DIAL_CHARS = set("0123456789*#+ABCDabcd,pPwW")


@dataclass
class ModemCall:
    net: NetCall
    direction: int  # 0 MO, 1 MT
    stat: int  # 0 active, 2 dialing, 3 alerting, 4 incoming
    number: str
    toa: int
    withheld: bool = False

    def clcc(self, idx: int = 1) -> str:
        if self.withheld:
            return '+CLCC: %d,%d,%d,0,0,"",128,""' % (idx, self.direction, self.stat)
        return '+CLCC: %d,%d,%d,0,0,"%s",%d,""' % (idx, self.direction, self.stat, self.number, self.toa)


def _toa(number: str) -> int:
    return 145 if number.startswith("+") else 129


class VoiceService:
    def __init__(self, modem: Sim800l) -> None:
        self.m = modem
        self.call: ModemCall | None = None
        self._ring_timer: Handle | None = None
        self._colp_pending = False
        self._atd_pending = False  # COLP=0: ATD's OK is due once dialling completes
        self._ata_pending = False  # ATA's OK is due once the call is connected
        self.reset()

    def reset(self) -> None:
        self.clip = 0
        self.colp = 0
        self.moring = 0
        self.clcc_urc = 0
        self.cvhu = 0
        self.cusd_n = 0
        self.ussd_open = False  # a request was sent and neither answered nor cancelled
        self.clvl = 50
        self.cmic = [0, 0, 0, 0]
        self.chf = [0, 0]
        self.caas = 1
        self.call = None
        self._colp_pending = False
        self._atd_pending = False
        self._ata_pending = False
        self._stop_ring()

    def commands(self) -> dict[str, object]:
        return {
            "A": self.cmd_ata,
            "H": self.cmd_ath,
            "D": self.cmd_atd,
            "+CHUP": self.cmd_chup,
            "+CLCC": self.cmd_clcc,
            "+CLIP": self.cmd_clip,
            "+COLP": self.cmd_colp,
            "+MORING": self.cmd_moring,
            "+CVHU": self.cmd_cvhu,
            "+CMIC": self.cmd_cmic,
            "+CLVL": self.cmd_clvl,
            "+CHF": self.cmd_chf,
            "+CAAS": self.cmd_caas,
            "+CUSD": self.cmd_cusd,
        }

    # ------------------------------------------------------------ state helpers
    @property
    def mic_live(self) -> bool:
        return self.call is not None and self.call.stat == 0

    def _set_stat(self, stat: int) -> None:
        assert self.call is not None
        self.call.stat = stat
        if self.clcc_urc:
            self.m.urc(self.call.clcc())

    def _end_local(self) -> None:
        if self.call is not None and self.clcc_urc:
            self.call.stat = 6
            self.m.urc(self.call.clcc())
        self.call = None
        self._stop_ring()

    def _stop_ring(self) -> None:
        if self._ring_timer is not None:
            self._ring_timer.cancel()
            self._ring_timer = None

    def network_lost(self) -> None:
        """Registration lost during a call: the call drops with NO CARRIER."""
        call = self.call
        if call is None:
            return
        self.m.network.device_hangup(call.net)
        self._end_local()
        self._final_or_urc("NO CARRIER")

    def _final_or_urc(self, result: str) -> None:
        """The call ended: the result ends a dialling ATD, else it is a URC (after ATA's OK)."""
        self._flush_ata()
        if self._colp_pending or self._atd_pending:
            self._colp_pending = False
            self._atd_pending = False
            self.m.finish_pending(Resp([], result, 0))
        else:
            self.m.urc(result)

    def _flush_ata(self) -> None:
        if self._ata_pending:
            self._ata_pending = False
            self.m.finish_pending(ok(delay=0))

    def _atd_done(self) -> None:
        if self._atd_pending:
            self._atd_pending = False
            self.m.finish_pending(ok(delay=0))

    def drop_all(self) -> None:
        """Power loss / restart: calls vanish without any output."""
        self.call = None
        self._colp_pending = False
        self._atd_pending = False
        self._ata_pending = False
        self._stop_ring()

    # ------------------------------------------------------------ network side
    def incoming(self, net: NetCall) -> bool:
        if self.call is not None:
            return False
        self.call = ModemCall(net, 1, 4, net.number, _toa(net.number), net.withheld)
        if self.clcc_urc:
            self.m.urc(self.call.clcc())
        self._ring()
        return True

    def _ring(self) -> None:
        self._ring_timer = None
        c = self.call
        if c is None or c.stat != 4:
            return
        self.m.urc("RING")
        if self.clip and c.net.clip:
            if c.withheld:
                self.m.urc('+CLIP: "",128,"",0,"",1')
            else:
                self.m.urc('+CLIP: "%s",%d,"",0,"",0' % (c.number, c.toa))
        self._ring_timer = self.m.later(RING_PERIOD_MS, self._ring)

    def resume_ringing(self) -> None:
        """After the UART comes back (modem recover), an alerting call rings on."""
        if self.call is not None and self.call.stat == 4 and self._ring_timer is None:
            self._ring_timer = self.m.later(RING_PERIOD_MS, self._ring)

    def alerting(self, net: NetCall) -> None:
        if self.call is None or self.call.net is not net:
            return
        self._atd_done()  # it rings at the far end: dialling has completed
        self._set_stat(3)
        if self.moring:
            self.m.urc("MO RING")

    def answered(self, net: NetCall) -> None:
        c = self.call
        if c is None or c.net is not net:
            return
        self._atd_done()  # established: COLP=0's OK comes first (037)
        self._set_stat(0)
        if self._colp_pending:
            self._colp_pending = False
            self.m.finish_pending(Resp(['+COLP: "%s",%d,"",0,""' % (c.number, c.toa)], "OK", 0))
        if self.moring:
            self.m.urc("MO CONNECTED")

    def ended(self, net: NetCall, result: str) -> None:
        c = self.call
        if c is None or c.net is not net:
            return
        self._end_local()
        self._final_or_urc(result)

    def ussd_result(self, text: str) -> None:
        if not self.cusd_n or not self.ussd_open:
            return
        self.ussd_open = False
        cs = self.m.cscs
        if cs == "HEX":
            self.m.urc("+CUSD: 2")
            return
        if gsm7_encodable(text):
            if cs == "UCS2":
                shown = text.encode("utf-16-be").hex().upper()
            else:
                shown = self.m.charset_out(text)
            self.m.urc('+CUSD: 0, "%s", 15' % shown)
        else:
            self.m.urc('+CUSD: 0, "%s", 72' % text.encode("utf-16-be").hex().upper())

    # ------------------------------------------------------------ commands
    def cmd_ata(self, c: Cmd) -> Resp:
        call = self.call
        if call is None or call.direction != 1 or call.stat != 4:
            return Resp([], "NO CARRIER", ATA_MS)
        self._stop_ring()
        self.m.network.device_answer(call.net)
        self._set_stat(0)
        self._ata_pending = True
        self.m.later(ATA_MS, self._flush_ata)
        return pending()

    def _hangup(self) -> None:
        call = self.call
        if call is None:
            return
        self._colp_pending = False
        self.m.network.device_hangup(call.net)
        self._end_local()

    def cmd_ath(self, c: Cmd) -> Resp:
        if c.args not in ("", "0"):
            return error()
        self._hangup()
        return ok(delay=ATH_MS)

    def cmd_chup(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        if c.kind != "exec":
            return error()
        self._hangup()
        return ok(delay=ATH_MS)

    def cmd_atd(self, c: Cmd) -> Resp:
        s = c.args.strip()
        if not s or s.startswith(">"):
            return error()
        voice = s.endswith(";")
        number = s.rstrip(";").strip()
        while number and number[-1] in "iIgG":
            number = number[:-1]
        if not number or any(ch not in DIAL_CHARS for ch in number):
            return error()
        if self.call is not None:
            return error()
        if not self.m.registered:
            return Resp([], "NO CARRIER", ATD_MS)
        if not voice:
            return Resp([], "NO CARRIER", 1000)
        net = self.m.network.device_dial(number)
        self.call = ModemCall(net, 0, 2, number, _toa(number))
        if self.clcc_urc:
            self.m.urc(self.call.clcc())
        if self.colp:
            self._colp_pending = True
        else:
            self._atd_pending = True
            self.m.later(ATD_MS, self._atd_done)
        return pending()

    def cmd_clcc(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        if c.kind == "read":
            return ok("+CLCC: %d" % self.clcc_urc)
        if c.kind == "set":
            self.clcc_urc = int_arg(parse_args(c.args), 0, None, 0, 1)
            return ok()
        return ok(self.call.clcc()) if self.call is not None else ok()

    def _flag(self, c: Cmd, attr: str, read_fmt: str, hi: int = 1) -> Resp:
        if c.kind == "test":
            return ok("%s: (0-%d)" % (c.name, hi))
        if c.kind == "read":
            return ok(read_fmt % getattr(self, attr))
        if c.kind == "exec":
            return ok(read_fmt % getattr(self, attr))
        setattr(self, attr, int_arg(parse_args(c.args), 0, 0, 0, hi))
        return ok()

    def cmd_clip(self, c: Cmd) -> Resp:
        return self._flag(c, "clip", "+CLIP: %d,1")

    def cmd_colp(self, c: Cmd) -> Resp:
        return self._flag(c, "colp", "+COLP: %d,1")

    def cmd_moring(self, c: Cmd) -> Resp:
        return self._flag(c, "moring", "+MORING: %d")

    def cmd_cvhu(self, c: Cmd) -> Resp:
        return self._flag(c, "cvhu", "+CVHU: %d")

    def cmd_caas(self, c: Cmd) -> Resp:
        return self._flag(c, "caas", "+CAAS: %d", 2)

    def cmd_clvl(self, c: Cmd) -> Resp:
        return self._flag(c, "clvl", "+CLVL: %d", 100)

    def cmd_cmic(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CMIC: (0-3),(0-15)")
        if c.kind == "read":
            return ok("+CMIC: %d,%d,%d,%d" % tuple(self.cmic))
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        ch = int_arg(a, 0, None, 0, 3)
        gain = int_arg(a, 1, None, 0, 15)
        self.cmic[ch] = gain
        self.m.mic_gain = gain
        return ok()

    def cmd_chf(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CHF: (0,1),(0-2)")
        if c.kind == "read":
            return ok("+CHF: %d,%d" % tuple(self.chf))
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        self.chf = [int_arg(a, 0, None, 0, 1), int_arg(a, 1, self.chf[1], 0, 2)]
        return ok()

    def cmd_cusd(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CUSD: (0-2)")
        if c.kind == "read":
            return ok("+CUSD: %d" % self.cusd_n)
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        n = int_arg(a, 0, 0, 0, 2)
        code = a[1] if len(a) > 1 else None
        if code is not None and not isinstance(code, str):
            raise AtSyntaxError("USSD string must be quoted")
        if len(a) > 2:
            int_arg(a, 2, 15, 0, 255)
        if n == 2:
            self.ussd_open = False
            return ok(delay=CUSD_MS)
        self.cusd_n = n
        if code is None:
            return ok()
        if not self.m.registered:
            return self.m.cme(30)
        if self.m.cscs == "UCS2":
            try:
                code = bytes.fromhex(code).decode("utf-16-be")
            except (ValueError, UnicodeDecodeError):
                return error()
        self.ussd_open = True
        self.m.network.device_ussd(code)
        return ok(delay=CUSD_MS)
