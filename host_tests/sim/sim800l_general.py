"""General (non-SMS, non-call) commands of the SIM800L emulator.

Identification, error reporting, echo/profile, SIM status, signal, registration,
functionality, clock, power and character set. Formats: SIM800 AT manual V1.09
and the captures listed in ``sim800l.py``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .sim800l_at import AtSyntaxError, Cmd, Resp, error, int_arg, ok, parse_args, pending, str_arg

if TYPE_CHECKING:
    from .sim800l import Sim800l

DEFAULT_MS = 10
REGISTER_AGAIN_MS = 3000  # coverage back / COPS=0 / CFUN=1 -> registered
CFUN_RESET_MS = 800
CFUN0_NOT_READY_MS = 260
CFUN0_OK_MS = 5000
CFUN1_OK_MS = 1150
CFUN1_SMS_READY_MS = 2050  # after +CPIN: READY (SIM800L log: SMS Ready, then Call Ready)
CFUN1_CALL_READY_MS = 2090
LAC, CELL = "1A2B", "3C4D"
IPR_RATES = (0, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800)
CHARSETS = ("IRA", "GSM", "UCS2", "HEX", "PCCP", "PCDN", "8859-1")


class GeneralCommands:
    def __init__(self, modem: Sim800l) -> None:
        self.m = modem

    def commands(self) -> dict[str, Callable[[Cmd], Resp]]:
        return {
            "E": self._c_echo,
            "V": self._c_verbose,
            "Q": self._c_basic_ok,
            "X": self._c_basic_ok,
            "&C": self._c_basic_ok,
            "&D": self._c_basic_ok,
            "Z": self._c_z,
            "&F": self._c_factory,
            "&W": self._c_w,
            "I": self._c_ati,
            "S0": self._c_s0,
            "+GSN": self._c_imei,
            "+CGSN": self._c_imei,
            "+CGMM": self._c_fixed(self.m.CGMM),
            "+GMM": self._c_fixed(self.m.CGMM),
            "+CGMI": self._c_fixed(self.m.CGMI),
            "+GMI": self._c_fixed(self.m.CGMI),
            "+CGMR": self._c_fixed(self.m.CGMR),
            "+GMR": self._c_fixed(self.m.CGMR),
            "+GCAP": self._c_fixed("+GCAP: +CGSM"),
            "+CIMI": self._c_cimi,
            "+CCID": self._c_ccid,
            "+CMEE": self._c_cmee,
            "+CPIN": self._c_cpin,
            "+CSQ": self._c_csq,
            "+CREG": self._c_creg,
            "+CGREG": self._c_cgreg,
            "+COPS": self._c_cops,
            "+CFUN": self._c_cfun,
            "+CCLK": self._c_cclk,
            "+CLTS": self._c_clts,
            "+CSCLK": self._c_csclk,
            "+IPR": self._c_ipr,
            "+CPOWD": self._c_cpowd,
            "+CSCS": self._c_cscs,
            "+CBC": self._c_cbc,
            "+CNUM": self._c_cnum,
            "+CIURC": self._c_ciurc,
            "+CSMINS": self._c_csmins,
        }

    def _c_basic_ok(self, c: Cmd) -> Resp:
        return ok() if c.kind == "exec" else error()

    def _digit(self, c: Cmd, hi: int) -> int:
        if c.kind != "exec":
            raise AtSyntaxError("basic command form")
        v = int(c.args) if c.args else 0
        if v > hi:
            raise AtSyntaxError("out of range")
        return v

    def _c_echo(self, c: Cmd) -> Resp:
        self.m.echo = self._digit(c, 1)
        return ok()

    def _c_verbose(self, c: Cmd) -> Resp:
        self.m.verbose = self._digit(c, 1)
        return ok()

    def _c_z(self, c: Cmd) -> Resp:
        self._digit(c, 0)
        for k in ("echo", "verbose", "cmee", "clts"):
            setattr(self.m, k, self.m.profile[k])
        return ok()

    def _c_factory(self, c: Cmd) -> Resp:
        self._digit(c, 0)
        self.m.echo, self.m.verbose, self.m.cmee = 1, 1, 0
        self.m.clts = 0
        return ok()

    def _c_w(self, c: Cmd) -> Resp:
        self._digit(c, 0)
        self.m.profile.update(
            echo=self.m.echo, verbose=self.m.verbose, cmee=self.m.cmee, clts=self.m.clts, ipr=self.m.ipr
        )
        return ok()

    def _c_ati(self, c: Cmd) -> Resp:
        self._digit(c, 0)
        return ok(self.m.ATI)

    def _c_s0(self, c: Cmd) -> Resp:
        if c.kind == "read":
            return ok("%03d" % self.m.s0)
        if c.kind == "exec":
            self.m.s0 = self._digit(c, 255)
            return ok()
        return error()

    def _c_fixed(self, text: str) -> Callable[[Cmd], Resp]:
        def handler(c: Cmd) -> Resp:
            if c.kind == "test":
                return ok()
            return ok(text) if c.kind == "exec" else error()

        return handler

    def _c_imei(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        return ok(self.m.IMEI) if c.kind == "exec" else error()

    def _sim_error(self) -> Resp | None:
        if self.m.sim_active == "missing":
            return self.m.cme(10)
        if self.m.sim_active == "pin":
            return self.m.cme(11)
        if not self.m.sim_ready:
            return self.m.cme(14)
        return None

    def _c_cimi(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        if c.kind != "exec":
            return error()
        return self._sim_error() or ok(self.m.sim.imsi)

    def _c_ccid(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        if c.kind != "exec":
            return error()
        if self.m.sim_active == "missing" or not self.m.sim_ready and self.m.sim_active == "ok":
            return self._sim_error() or error()
        return ok(self.m.sim.iccid)

    def _c_cmee(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CMEE: (0-2)")
        if c.kind == "read":
            return ok("+CMEE: %d" % self.m.cmee)
        if c.kind == "exec":
            self.m.cmee = 0
            return ok()
        self.m.cmee = int_arg(parse_args(c.args), 0, 0, 0, 2)
        return ok()

    def _c_cpin(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        if c.kind == "read":
            if self.m.sim_active == "missing":
                return self.m.cme(10)
            if self.m.sim_active == "pin":
                return ok("+CPIN: SIM PIN")
            if not self.m.sim_ready:
                return self.m.cme(14)
            return ok("+CPIN: READY")
        if c.kind != "set":
            return error()
        pin = str_arg(parse_args(c.args), 0)
        if self.m.sim_active == "missing":
            return self.m.cme(10)
        if self.m.sim_active != "pin":
            return self.m.cme(3)
        if not (4 <= len(pin) <= 8 and pin.isdigit()):
            return self.m.cme(16)
        self.m.sim_active = "ok"
        self.m.later(500, self.m._sim_up)
        return ok()

    def _c_csq(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CSQ: (0-31,99),(0-7,99)")
        if c.kind != "exec":
            return error()
        dbm = self.m.network.signal_dbm
        if dbm is None or self.m.cfun != 1:
            return ok("+CSQ: 99,99")
        return ok("+CSQ: %d,0" % max(0, min(31, (dbm + 113) // 2)))

    def _creg_read(self, name: str, n: int, stat: int) -> str:
        s = "%s: %d,%d" % (name, n, stat)
        if n == 2 and stat in (1, 5):
            s += ',"%s","%s"' % (LAC, CELL)
        return s

    def _c_creg(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CREG: (0-2)")
        if c.kind == "read":
            return ok(self._creg_read("+CREG", self.m.creg_n, self.m.creg_stat))
        if c.kind != "set":
            return error()
        self.m.creg_n = int_arg(parse_args(c.args), 0, 0, 0, 2)
        return ok()

    def _c_cgreg(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CGREG: (0-2)")
        if c.kind == "read":
            return ok(self._creg_read("+CGREG", self.m.cgreg_n, self.m.creg_stat))
        if c.kind != "set":
            return error()
        self.m.cgreg_n = int_arg(parse_args(c.args), 0, 0, 0, 2)
        return ok()

    def _c_cops(self, c: Cmd) -> Resp:
        name = self.m.network.operator_name
        if c.kind == "test":
            return ok(
                '+COPS: (2,"%s","%s","%s"),,(0-4),(0-2)' % (name, name, self.m.network.operator_mccmnc),
                delay=3000,
            )
        if c.kind == "read":
            return ok('+COPS: 0,0,"%s"' % name if self.m.registered else "+COPS: 0")
        if c.kind != "set":
            return error()
        mode = int_arg(parse_args(c.args), 0, 0, 0, 4)
        if mode == 2:
            self.m._deregister(0)
        elif mode in (0, 1, 4):
            self.m._try_register(REGISTER_AGAIN_MS)
        return ok()

    def _c_cfun(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CFUN: (0,1,4),(0,1)")
        if c.kind == "read":
            return ok("+CFUN: %d" % self.m.cfun)
        if c.kind != "set":
            return error()
        a = parse_args(c.args)
        fun = int_arg(a, 0, None, 0, 4)
        rst = int_arg(a, 1, 0, 0, 1)
        if fun not in (0, 1, 4):
            return error()
        if rst:
            self.m.later(CFUN_RESET_MS, self.m._start, True)
            return ok()
        if fun == self.m.cfun:
            return ok()
        old, self.m.cfun = self.m.cfun, fun
        if fun == 4:
            self.m._deregister(0)
            return ok()
        if fun == 0:
            self.m._deregister(0)
            self.m.sms_ready = False
            self.m.sim_ready = False
            self.m.later(CFUN0_NOT_READY_MS, self.m.urc, "+CPIN: NOT READY")
            self.m.later(CFUN0_OK_MS, self.m.finish_pending, ok(delay=0))
            return pending()
        if old == 4:
            self.m._try_register(REGISTER_AGAIN_MS)
            return ok()
        self.m.later(CFUN1_OK_MS, self._cfun1_up)
        return pending()

    def _cfun1_up(self) -> None:
        if self.m.sim_active == "ok":
            self.m.sim_ready = True
            self.m.urc("+CPIN: READY")
            self.m.creg_stat = 2
            self.m.later(CFUN1_SMS_READY_MS, self.m._sms_up)
            self.m.later(CFUN1_CALL_READY_MS, self.m._call_ready)
        elif self.m.sim_active == "missing":
            self.m.urc("+CPIN: NOT INSERTED")
        else:
            self.m.urc("+CPIN: SIM PIN")
        self.m.finish_pending(ok(delay=0))

    def _c_cclk(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        if c.kind == "read":
            t, q = self.m.rtc_now()
            return ok(
                '+CCLK: "%02d/%02d/%02d,%02d:%02d:%02d%s%02d"'
                % (t.year % 100, t.month, t.day, t.hour, t.minute, t.second, "-" if q < 0 else "+", abs(q))
            )
        if c.kind != "set":
            return error()
        s = str_arg(parse_args(c.args), 0)
        m = re.fullmatch(r"(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d\d?)", s)
        if not m:
            return error()
        try:
            t = _dt.datetime(
                2000 + int(m.group(1)),
                int(m.group(2)),
                int(m.group(3)),
                int(m.group(4)),
                int(m.group(5)),
                int(m.group(6)),
            )
        except ValueError:
            return error()
        self.m._rtc_set(t, int(m.group(7)))
        return ok()

    def _flag(self, c: Cmd, attr: str, name: str, hi: int) -> Resp:
        if c.kind == "test":
            return ok("%s: (0-%d)" % (name, hi))
        if c.kind == "read":
            return ok("%s: %d" % (name, getattr(self.m, attr)))
        if c.kind != "set":
            return error()
        setattr(self.m, attr, int_arg(parse_args(c.args), 0, None, 0, hi))
        return ok()

    def _c_clts(self, c: Cmd) -> Resp:
        return self._flag(c, "clts", "+CLTS", 1)

    def _c_csclk(self, c: Cmd) -> Resp:
        return self._flag(c, "csclk", "+CSCLK", 2)

    def _c_ciurc(self, c: Cmd) -> Resp:
        return self._flag(c, "ciurc", "+CIURC", 1)

    def _c_csmins(self, c: Cmd) -> Resp:
        if c.kind == "read":
            return ok("+CSMINS: 0,%d" % (0 if self.m.sim_active == "missing" else 1))
        return ok() if c.kind in ("set", "test") else error()

    def _c_ipr(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+IPR: (),(%s)" % ",".join(str(r) for r in IPR_RATES))
        if c.kind == "read":
            return ok("+IPR: %d" % self.m.ipr)
        if c.kind != "set":
            return error()
        rate = int_arg(parse_args(c.args), 0, None)
        if rate not in IPR_RATES:
            return error()
        self.m.ipr = rate  # the emulated link itself stays at its configured speed
        return ok()

    def _c_cpowd(self, c: Cmd) -> Resp:
        if c.kind != "set":
            return error()
        mode = int_arg(parse_args(c.args), 0, None, 0, 1)
        self.m.later(DEFAULT_MS, self.m._normal_power_down if mode else self.m._power_down)
        return pending()

    def _c_cscs(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CSCS: (%s)" % ",".join('"%s"' % s for s in CHARSETS))
        if c.kind == "read":
            return ok('+CSCS: "%s"' % self.m.cscs)
        if c.kind != "set":
            return error()
        v = parse_args(c.args)[0]
        if not isinstance(v, str) or v.upper() not in CHARSETS:
            return error()
        self.m.cscs = v.upper()
        return ok()

    def _c_cbc(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok("+CBC: (0-2),(1-100),(voltage)")
        return ok("+CBC: 0,85,4100") if c.kind == "exec" else error()

    def _c_cnum(self, c: Cmd) -> Resp:
        if c.kind == "test":
            return ok()
        if c.kind != "exec":
            return error()
        err = self._sim_error()
        if err:
            return err
        num = self.m.network.own_number
        return ok('+CNUM: "","%s",%d' % (num, 145 if num.startswith("+") else 129))
