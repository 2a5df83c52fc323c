"""SMS part of the SIM800L emulator: message storage and the 27.005 commands.

Formats (SIM800 R14.18, PDU mode is the power-on default, AT+CMGF=0):

* ``+CMTI: "SM",<index>`` on arrival with the default AT+CNMI=2,1,0,0,0
  (SIM800 shows +CMTI without any CNMI set-up);
* ``+CMGR: <stat>,"",<tpdu length>`` then the PDU (SMSC address first), e.g.
  ``+CMGR: 0,"",38`` - real captures of SIMCom modems (016 and public parsers);
  an empty index answers just ``OK``; an index outside 1..capacity
  ``+CMS ERROR: 321``;
* ``+CMGL: <index>,<stat>,"",<length>`` per message (PDU), or the text-mode
  ``+CMGL: 96,"REC READ","Play","","23/02/09,13:07:04+04"`` (005);
* ``AT+CPMS?`` after power-on shows ``"SM_P"`` (SIM, preferred) as every storage:
  ``+CPMS: "SM_P",0,20,"SM_P",0,20,"SM_P",0,20`` (fixture recorded from a SIM800C
  1418B04 and a micro:bit SIM800 project); ``AT+CPMS="SM","SM","SM"`` answers
  ``+CPMS: 0,20,0,20,0,20`` (031);
* ``AT+CMGS=<len>`` -> ``\\r\\n> `` with no line end (3 ms after the command line;
  an LF following its CR is echoed before it); the PDU and the Ctrl-Z are echoed
  when echo is on (019); the network answers ``+CMGS: <mr>`` then OK 2.5 s later;
* SMS commands before "SMS Ready" fail with ``+CME ERROR: 3`` (seen on a SIM800L
  as "+CME ERROR: operation not allowed" for AT+CMGF=1 during start-up,
  raspberry-pi-sim800l-gsm-module issue #4; bare ERROR with AT+CMEE=0, Seeed
  GPRS_SIM900 issue #39);
* +CMS errors follow AT+CMEE like +CME errors: a SIM800L user reports bare
  "ERROR" from AT+CMGS with CMEE=0 and "+CMS ERROR: 305" after AT+CMEE=1
  (Stack Overflow question 70916113).

Guesses (no capture found): ESC in the prompt answers ``OK``; a malformed PDU or a
length that does not match answers ``+CMS ERROR: 304`` at once; sending while not
registered answers ``+CMS ERROR: 331`` after 1 s; a ``"SM_P"`` storage is reported as
``"SM"`` in +CMTI; AT+CMGS with a quoted number in PDU mode answers
``+CMS ERROR: 765`` ("invalid input value").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .pdu_host import (
    ALPHABET_8BIT,
    ALPHABET_UCS2,
    Deliver,
    PduError,
    Submit,
    dcs_alphabet,
    decode_deliver,
    decode_smsc,
    decode_submit,
    gsm7_decode_septets,
    gsm7_septets,
)
from .sim800l_at import AtSyntaxError, Cmd, Resp, error, int_arg, ok, parse_args, pending, str_arg

if TYPE_CHECKING:
    from .sim800l import Sim800l

CMGS_NETWORK_MS = 2500  # Ctrl-Z -> +CMGS (network round trip)
CMGS_NO_NETWORK_MS = 1000  # Ctrl-Z -> +CMS ERROR: 331 when not registered
CMGR_MS = 40
CMGL_MS = 40
CMGL_PER_MESSAGE_MS = 15
CMGD_MS = 60
CPMS_MS = 30
PROMPT = b"\r\n> "

STAT_TEXT = ("REC UNREAD", "REC READ", "STO UNSENT", "STO SENT")
DELALL_TEXT = {"DEL READ": 1, "DEL UNREAD": 2, "DEL SENT": 3, "DEL UNSENT": 4, "DEL INBOX": 5, "DEL ALL": 6}
ME_CAPACITY = 50  # SIM800 manual: 50 messages in the module's own memory


@dataclass
class StoredSms:
    stat: int  # 0 REC UNREAD, 1 REC READ, 2 STO UNSENT, 3 STO SENT
    pdu_hex: str  # SMSC field + TPDU, as +CMGR shows it
    tpdu_len: int


class SmsStore:
    """One message memory ("SM" on the SIM card, or "ME"); indices start at 1."""

    def __init__(self, capacity: int) -> None:
        self.slots: list[StoredSms | None] = [None] * capacity

    @property
    def capacity(self) -> int:
        return len(self.slots)

    @property
    def used(self) -> int:
        return sum(1 for s in self.slots if s is not None)

    def put(self, sms: StoredSms) -> int | None:
        for i, s in enumerate(self.slots):
            if s is None:
                self.slots[i] = sms
                return i + 1
        return None

    def get(self, index: int) -> StoredSms | None:
        return self.slots[index - 1]

    def delete(self, index: int) -> None:
        self.slots[index - 1] = None

    def items(self) -> list[tuple[int, StoredSms]]:
        return [(i + 1, s) for i, s in enumerate(self.slots) if s is not None]


def _mem_name(mem: str) -> str:
    return "ME" if mem.startswith("ME") else "SM"


class SmsService:
    """27.005 commands and message arrival for one Sim800l."""

    def __init__(self, modem: Sim800l) -> None:
        self.m = modem
        self.me_store = SmsStore(ME_CAPACITY)
        self.reset()

    # power-on defaults (SIM800 does not keep these across a restart)
    def reset(self) -> None:
        self.cmgf = 0
        self.cnmi = [2, 1, 0, 0, 0]
        self.mems = ["SM_P", "SM_P", "SM_P"]
        self.csmp = [17, 167, 0, 0]
        self.csdh = 0
        self._prompt_da: tuple[str, int] | None = None
        self._prompt_len = 0

    def commands(self) -> dict[str, object]:
        return {
            "+CMGF": self.cmd_cmgf,
            "+CNMI": self.cmd_cnmi,
            "+CPMS": self.cmd_cpms,
            "+CMGR": self.cmd_cmgr,
            "+CMGL": self.cmd_cmgl,
            "+CMGD": self.cmd_cmgd,
            "+CMGDA": self.cmd_cmgda,
            "+CMGS": self.cmd_cmgs,
            "+CSCA": self.cmd_csca,
            "+CSMP": self.cmd_csmp,
            "+CSDH": self.cmd_csdh,
            "+CSMS": self.cmd_csms,
        }

    # ------------------------------------------------------------ storage helpers
    def store(self, mem: str) -> SmsStore:
        return self.me_store if _mem_name(mem) == "ME" else self.m.sim.store

    def _not_ready(self) -> Resp | None:
        m = self.m
        if m.sms_ready:
            return None
        if m.sim_active == "missing":
            return m.cme(10)
        if m.sim_active == "pin":
            return m.cme(11)
        return m.cme(3)

    # ------------------------------------------------------------ arrival
    def deliver(self, pdu_hex: str, tpdu_len: int) -> bool:
        """The network offers an SMS-DELIVER; False when it cannot be stored."""
        mt = self.cnmi[1] if self.cnmi[0] != 0 else 1
        if mt in (2, 3):
            self._urc_cmt(pdu_hex, tpdu_len)
            return True
        store = self.store(self.mems[2])
        index = store.put(StoredSms(0, pdu_hex, tpdu_len))
        if index is None:
            return False
        if mt == 1 and self.cnmi[0] != 0:
            self.m.urc('+CMTI: "%s",%d' % (_mem_name(self.mems[2]), index))
        return True

    def _urc_cmt(self, pdu_hex: str, tpdu_len: int) -> None:
        if self.cmgf == 0:
            self.m.urc_lines(['+CMT: "",%d' % tpdu_len, pdu_hex])
            return
        d = decode_deliver(pdu_hex)
        head = '+CMT: "%s","","%s"' % (self.m.charset_out(d.oa), d.scts.text())
        if self.csdh:
            head += self._csdh_fields(d, tpdu_len)
        self.m.urc_lines([head, self._body_text(d)])

    # ------------------------------------------------------------ text mode views
    def _body_text(self, d: Deliver) -> str:
        alpha = d.alphabet
        if alpha == ALPHABET_UCS2:
            return d.text.encode("utf-16-be").hex().upper()
        if alpha == ALPHABET_8BIT:
            return d.text.encode("latin-1").hex().upper()
        return self.m.charset_out(d.text)

    def _csdh_fields(self, d: Deliver, tpdu_len: int) -> str:
        smsc = d.smsc or ""
        return ',%d,%d,%d,%d,"%s",%d,%d' % (
            d.toa,
            d.first_octet,
            d.pid,
            d.dcs,
            smsc,
            145 if smsc.startswith("+") else 129,
            len(d.text.encode("utf-16-be")) if d.alphabet == ALPHABET_UCS2 else len(d.text),
        )

    def _text_header(self, index: int | None, s: StoredSms) -> tuple[str, str]:
        d = decode_deliver(s.pdu_hex)
        fields = '"%s","%s","","%s"' % (STAT_TEXT[s.stat], self.m.charset_out(d.oa), d.scts.text())
        if self.csdh:
            fields += self._csdh_fields(d, s.tpdu_len)
        prefix = "+CMGR: " if index is None else "+CMGL: %d," % index
        return prefix + fields, self._body_text(d)

    # ------------------------------------------------------------ commands
    def cmd_cmgf(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CMGF: (0,1)")
        nr = self._not_ready()
        if nr:
            return nr
        if c.kind == "read":
            return ok("+CMGF: %d" % self.cmgf)
        if c.kind == "exec":
            self.cmgf = 0
            return ok()
        self.cmgf = int_arg(parse_args(c.args), 0, None, 0, 1)
        return ok()

    def cmd_cnmi(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)")
        nr = self._not_ready()
        if nr:
            return nr
        if c.kind == "read":
            return ok("+CNMI: %d,%d,%d,%d,%d" % tuple(self.cnmi))
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        limits = [(0, 3), (0, 3), (0, 3), (0, 2), (0, 1)]
        new = list(self.cnmi)
        for k in range(min(len(a), 5)):
            if a[k] is not None:
                new[k] = int_arg(a, k, None, *limits[k])
        if len(a) > 5 or new[2] == 1:
            return error()
        self.cnmi = new
        return ok()

    def _cpms_counts(self) -> list[str]:
        out = []
        for mem in self.mems:
            st = self.store(mem)
            out.append("%d,%d" % (st.used, st.capacity))
        return out

    def cmd_cpms(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok(
                '+CPMS: ("SM","ME","SM_P","ME_P","MT"),("SM","ME","SM_P","ME_P","MT"),'
                '("SM","ME","SM_P","ME_P","MT")'
            )
        nr = self._not_ready()
        if nr:
            return nr
        if c.kind == "read":
            parts = ['"%s",%s' % (mem, cnt) for mem, cnt in zip(self.mems, self._cpms_counts())]
            return ok("+CPMS: " + ",".join(parts), delay=CPMS_MS)
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        if not 1 <= len(a) <= 3:
            return error()
        new = list(self.mems)
        for k, v in enumerate(a):
            if v is None:
                continue
            if not isinstance(v, str) or v.upper() not in ("SM", "ME", "SM_P", "ME_P"):
                return self.m.cms(302)
            new[k] = v.upper()
        self.mems = new
        return ok("+CPMS: " + ",".join(self._cpms_counts()), delay=CPMS_MS)

    def _index_arg(self, a: list[str | int | None], store: SmsStore) -> int | Resp:
        v = a[0] if a else None
        if not isinstance(v, int):
            raise AtSyntaxError("index")
        if not 1 <= v <= store.capacity:
            return self.m.cms(321)
        return v

    def cmd_cmgr(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        nr = self._not_ready()
        if nr:
            return nr
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        store = self.store(self.mems[0])
        index = self._index_arg(a, store)
        if isinstance(index, Resp):
            return index
        mode = int_arg(a, 1, 0, 0, 1)
        s = store.get(index)
        if s is None:
            return ok(delay=CMGR_MS)
        if self.cmgf == 0:
            info = ['+CMGR: %d,"",%d' % (s.stat, s.tpdu_len), s.pdu_hex]
        else:
            info = list(self._text_header(None, s))
        if s.stat == 0 and mode == 0:
            s.stat = 1
        return ok(*info, delay=CMGR_MS)

    def cmd_cmgl(self, c: Cmd) -> Resp:
        if c.kind == "test":
            if self.cmgf == 0:
                return ok("+CMGL: (0-4)")
            return ok('+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")')
        nr = self._not_ready()
        if nr:
            return nr
        if c.kind == "read":
            return error()
        a: list[str | int | None] = parse_args(c.args) if c.kind == "set" else [None]
        want: int
        if self.cmgf == 0:
            want = int_arg(a, 0, 0, 0, 4)
        else:
            v = a[0]
            if v is None:
                want = 0
            elif isinstance(v, str) and (v.upper() in STAT_TEXT or v.upper() == "ALL"):
                want = 4 if v.upper() == "ALL" else STAT_TEXT.index(v.upper())
            else:
                return error()
        mode = int_arg(a, 1, 0, 0, 1)
        store = self.store(self.mems[0])
        info: list[str] = []
        for index, s in store.items():
            if want != 4 and s.stat != want:
                continue
            if self.cmgf == 0:
                info += ['+CMGL: %d,%d,"",%d' % (index, s.stat, s.tpdu_len), s.pdu_hex]
            else:
                info += list(self._text_header(index, s))
            if s.stat == 0 and mode == 0:
                s.stat = 1
        return ok(*info, delay=CMGL_MS + CMGL_PER_MESSAGE_MS * (len(info) // 2))

    def _freed(self, before_full: bool) -> None:
        if before_full:
            self.m.network.modem_memory_available()

    def cmd_cmgd(self, c: Cmd) -> Resp:
        if c.kind == "test":
            store = self.store(self.mems[0])
            idx = ",".join(str(i) for i, _ in store.items())
            return ok("+CMGD: (%s),(0-4)" % idx)
        nr = self._not_ready()
        if nr:
            return nr
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        store = self.store(self.mems[0])
        flag = int_arg(a, 1, 0, 0, 4)
        full = store.used == store.capacity
        if flag == 0:
            index = self._index_arg(a, store)
            if isinstance(index, Resp):
                return index
            store.delete(index)
            self._freed(full)
            return ok(delay=CMGD_MS)
        if not isinstance(a[0], int):
            raise AtSyntaxError("index")
        keep = {1: (0, 2, 3), 2: (0, 2), 3: (0,), 4: ()}[flag]
        n = 0
        for index, s in store.items():
            if s.stat not in keep:
                store.delete(index)
                n += 1
        self._freed(full and n > 0)
        return ok(delay=CMGD_MS + 10 * n)

    def cmd_cmgda(self, c: Cmd) -> Resp:
        if c.kind == "test":
            if self.cmgf == 0:
                return ok("+CMGDA: (1-6)")
            return ok('+CMGDA: ("DEL READ","DEL UNREAD","DEL SENT","DEL UNSENT","DEL INBOX","DEL ALL")')
        nr = self._not_ready()
        if nr:
            return nr
        if c.kind != "set":
            return error()
        v = parse_args(c.args)[0]
        if self.cmgf == 0:
            if not isinstance(v, int) or not 1 <= v <= 6:
                return error()
            typ = v
        else:
            if not isinstance(v, str) or v.upper() not in DELALL_TEXT:
                return error()
            typ = DELALL_TEXT[v.upper()]
        gone = {1: (1,), 2: (0,), 3: (3,), 4: (2,), 5: (0, 1), 6: (0, 1, 2, 3)}[typ]
        store = self.store(self.mems[0])
        full = store.used == store.capacity
        n = 0
        for index, s in store.items():
            if s.stat in gone:
                store.delete(index)
                n += 1
        self._freed(full and n > 0)
        return ok(delay=CMGD_MS + 10 * n)

    def cmd_csca(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        if c.kind == "read":
            num = self.m.sim.smsc
            return ok('+CSCA: "%s",%d' % (num, 145 if num.startswith("+") else 129))
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        self.m.sim.smsc = str_arg(a, 0)
        return ok()

    def cmd_csmp(self, c: Cmd) -> Resp:
        if c.kind == "read":
            return ok("+CSMP: %d,%d,%d,%d" % tuple(self.csmp))
        if c.kind == "test":
            return ok()
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        new = list(self.csmp)
        for k in range(min(len(a), 4)):
            if a[k] is not None:
                new[k] = int_arg(a, k, None, 0, 255)
        self.csmp = new
        return ok()

    def cmd_csdh(self, c: Cmd) -> Resp:
        if c.kind == "read":
            return ok("+CSDH: %d" % self.csdh)
        if c.kind == "test":
            return ok("+CSDH: (0,1)")
        self.csdh = int_arg(parse_args(c.args), 0, 0, 0, 1)
        return ok()

    def cmd_csms(self, c: Cmd) -> Resp:
        if c.kind == "read":
            return ok("+CSMS: 0,1,1,1")
        if c.kind == "test":
            return ok("+CSMS: (0,1)")
        int_arg(parse_args(c.args), 0, None, 0, 1)
        return ok("+CSMS: 1,1,1")

    # ------------------------------------------------------------ sending
    def cmd_cmgs(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        nr = self._not_ready()
        if nr:
            return nr
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        if self.cmgf == 0:
            if not isinstance(a[0], int) or len(a) != 1:
                return self.m.cms(765)
            if not 7 <= a[0] <= 164:
                return self.m.cms(304)
            self._prompt_len = a[0]
            self._prompt_da = None
        else:
            da = a[0]
            if not isinstance(da, str) or da == "":
                return self.m.cms(765)
            da = self.m.charset_in(da)
            toda = int_arg(a, 1, 145 if da.startswith("+") else 129, 0, 255)
            self._prompt_da = (da, toda)
        self.m.enter_prompt()
        return pending()

    def prompt_done(self, data: str) -> None:
        """Ctrl-Z received: ``data`` is what the TE typed after the prompt."""
        if self.cmgf == 0:
            try:
                submit = self._check_pdu(data)
            except PduError:
                self.m.finish_pending(self.m.cms(304))
                return
        else:
            assert self._prompt_da is not None
            da, toda = self._prompt_da
            try:
                text = self._text_in(data)
            except (ValueError, UnicodeDecodeError):
                self.m.finish_pending(self.m.cms(305))
                return
            submit = Submit(None, da, toda, 0, self.csmp[2], self.csmp[3], text)
        if not self.m.registered:
            self.m.later(CMGS_NO_NETWORK_MS, self.m.finish_pending, self.m.cms(331))
            return
        mr = self.m.sim.next_mr()
        self.m.later(CMGS_NETWORK_MS, self._sent, submit, mr)

    def _sent(self, submit: Submit, mr: int) -> None:
        self.m.network.device_submit(submit)
        self.m.finish_pending(Resp(["+CMGS: %d" % mr], "OK", 0))

    def prompt_aborted(self) -> None:
        self.m.finish_pending(Resp([], "OK", 0))

    def _check_pdu(self, data: str) -> Submit:
        hexs = "".join(ch for ch in data if ch not in " \r\n")
        if len(hexs) % 2 or any(ch not in "0123456789abcdefABCDEF" for ch in hexs):
            raise PduError("not hexadecimal")
        raw = bytes.fromhex(hexs)
        _, sc_len = decode_smsc(raw)
        if len(raw) - sc_len != self._prompt_len:
            raise PduError("length does not match")
        return decode_submit(hexs)

    def _text_in(self, data: str) -> str:
        """Text typed in text mode, per AT+CSCS and the AT+CSMP coding."""
        alpha = dcs_alphabet(self.csmp[3])
        if alpha == ALPHABET_UCS2:
            return bytes.fromhex(data).decode("utf-16-be")
        if alpha == ALPHABET_8BIT:
            return bytes.fromhex(data).decode("latin-1")
        return self.m.charset_in(data)


def gsm_bytes(text: str) -> str:
    """Text as GSM 7-bit codes, one char per septet (AT+CSCS="GSM" on the wire)."""
    try:
        return "".join(chr(s) for s in gsm7_septets(text))
    except ValueError:
        return "".join(chr(s) if s < 128 else "?" for s in (ord(c) for c in text))


def gsm_text(raw: str) -> str:
    return gsm7_decode_septets([ord(c) & 0x7F for c in raw])
