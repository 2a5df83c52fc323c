"""SIM800L emulator: byte-exact behaviour against the captured logs in shared/modem/."""

from __future__ import annotations

import pytest

from host_tests.sim.clock import Scheduler
from host_tests.sim.modem_console import run_console, split_input
from host_tests.sim.network import GsmNetwork
from host_tests.sim.pdu_host import encode_submit
from host_tests.sim.sim800l import SYNC_JUNK, Sim800l

OWNER = "+358401234567"


class Rig:
    """A modem on a network, with a recorded UART, driven like a careful host."""

    def __init__(
        self, boot: bool = True, sim: str = "ok", auto_power_on: bool = True, signal: int | None = -67
    ) -> None:
        self.s = Scheduler()
        self.n = GsmNetwork(self.s)
        self.n.add_phone("owner", OWNER)
        self.n.set_signal(signal)
        self.m = Sim800l(self.s, self.n, auto_power_on=auto_power_on)
        self.n.attach(self.m)
        self.m.set_sim(sim)
        self.out: list[tuple[int, bytes]] = []
        self.m.to_host = lambda b: self.out.append((self.s.now_ms, b))
        if boot:
            self.m.set_supply(True)
            self.run(20_000)
            self.take()

    def run(self, ms: int) -> None:
        self.s.advance_to(self.s.now_ms + ms)

    def take(self) -> bytes:
        data = b"".join(b for _, b in self.out)
        self.out.clear()
        return data

    def idle(self, limit: int = 120_000) -> None:
        end = self.s.now_ms + limit
        while not self.m.ready_for_input:
            nt = self.s.next_time()
            if nt is None or nt > end:
                return
            self.s.advance_to(nt)

    def send(self, data: bytes, after: int = 0) -> bytes:
        """Write ``data`` (paced as one burst), wait for the answer, return the bytes."""
        self.idle()
        self.m.from_host(data)
        self.run(1)
        self.idle()
        self.run(after)
        return self.take()


# ---------------------------------------------------------------- console, byte exact


def test_console_at() -> None:
    assert run_console(b"AT\r") == b"AT\r\r\nOK\r\n"


def test_console_ate0_then_at() -> None:
    assert run_console(b"ATE0\rAT\r") == b"ATE0\r\r\nOK\r\n\r\nOK\r\n"


def test_console_cgmm_echo_off_framing_like_log_033() -> None:
    # 033: "\r\n" "OK\r\n" / "\r\n" "SIMCOM_SIM800\r\n" "\r\n" "OK\r\n" (a SIM800; ours is an L)
    assert run_console(b"ATE0\rAT+CGMM\r") == (b"ATE0\r\r\nOK\r\n\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n")


def test_console_crlf_terminator_echoes_lf_then_blank_line() -> None:
    # SIM800 console pastes (003, 008) show echo, empty line, result
    assert run_console(b"AT\r\n") == b"AT\r\n\r\nOK\r\n"


def test_console_lf_only_terminator() -> None:
    assert run_console(b"AT\n") == b"AT\n\r\nOK\r\n"


def test_console_ati_and_chain() -> None:
    assert run_console(b"ATI\r") == b"ATI\r\r\nSIM800 R14.18\r\n\r\nOK\r\n"
    assert run_console(b"AT+CREG?;+CSQ\r") == (
        b"AT+CREG?;+CSQ\r\r\n+CREG: 0,1\r\n\r\n+CSQ: 23,0\r\n\r\nOK\r\n"
    )


def test_console_cpms_like_log_031() -> None:
    out = run_console(b'ATE0\rAT+CPMS="SM","SM","SM"\rAT+CPMS?\r')
    assert out == (
        b"ATE0\r\r\nOK\r\n\r\n+CPMS: 0,20,0,20,0,20\r\n\r\nOK\r\n"
        b'\r\n+CPMS: "SM",0,20,"SM",0,20,"SM",0,20\r\n\r\nOK\r\n'
    )


def test_console_split_input() -> None:
    assert split_input(b"AT\r\nATI\rX\x1aY\x1b\nZ") == [b"AT\r\n", b"ATI\r", b"X\x1a", b"Y\x1b", b"\n", b"Z"]


def test_console_cmgs_prompt_echo_and_result() -> None:
    pdu, n = encode_submit(OWNER, "Hi")
    out = run_console(b"AT+CMGS=%d\r" % n + pdu.encode() + b"\x1a")
    assert out == (b"AT+CMGS=%d\r\r\n> " % n + pdu.encode() + b"\x1a" + b"\r\n+CMGS: 1\r\n\r\nOK\r\n")


def test_console_cmgs_with_crlf_host() -> None:
    pdu, n = encode_submit(OWNER, "Hi")
    out = run_console(b"AT+CMGS=%d\r\n" % n + pdu.encode() + b"\x1a")
    assert out.startswith(b"AT+CMGS=%d\r\n\r\n> " % n + pdu.encode() + b"\x1a\r\n+CMGS: ")


def test_console_rejects_other_modems() -> None:
    with pytest.raises(ValueError):
        run_console(b"AT\r", "a7670")


# ---------------------------------------------------------------- start-up


def test_boot_sequence_bytes_and_timing() -> None:
    r = Rig(boot=False)
    r.m.set_supply(True)
    r.run(20_000)
    t0 = r.out[0][0]
    seq = [(t - t0, b) for t, b in r.out]
    assert seq[0] == (0, SYNC_JUNK)
    assert [b for _, b in seq[1:]] == [
        b"\r\nRDY\r\n",
        b"\r\n+CFUN: 1\r\n",
        b"\r\n+CPIN: READY\r\n",
        b"\r\nCall Ready\r\n",
        b"\r\nSMS Ready\r\n",
    ]
    rdy = seq[1][0]
    assert seq[2][0] == rdy  # RDY and +CFUN: 1 together (001)
    assert 800 <= seq[3][0] - rdy <= 2000  # +CPIN: READY ~1-2 s later
    assert 4500 <= seq[5][0] - rdy <= 5500  # SMS Ready ~5 s after RDY
    assert r.m.registered and r.n.device_registered


def test_no_answer_before_rdy() -> None:
    r = Rig(boot=False)
    r.m.set_supply(True)
    r.run(500)
    r.m.from_host(b"AT\r")
    r.run(100)
    assert r.take() == b""
    assert r.m.powered and not r.m.booted


def test_sms_commands_before_sms_ready() -> None:
    r = Rig(boot=False)
    r.m.set_supply(True)
    r.s.advance_to(3000)  # after RDY, before SMS Ready
    r.take()
    assert r.send(b"AT+CMGF=0\r") == b"AT+CMGF=0\r\r\nERROR\r\n"
    assert r.send(b"AT+CPIN?\r") == b"AT+CPIN?\r\r\nERROR\r\n"  # SIM still busy
    r.send(b"AT+CMEE=2\r")
    assert r.send(b"AT+CMGF=0\r") == b"AT+CMGF=0\r\r\n+CME ERROR: operation not allowed\r\n"
    assert r.send(b"AT+CPIN?\r") == b"AT+CPIN?\r\r\n+CME ERROR: SIM busy\r\n"


def test_sim_missing_like_log_008() -> None:
    r = Rig(boot=False, sim="missing")
    r.m.set_supply(True)
    r.run(20_000)
    boot = r.take()
    assert b"\r\n+CPIN: NOT INSERTED\r\n" in boot
    assert b"SMS Ready" not in boot
    assert r.send(b"AT\r") == b"AT\r\r\nOK\r\n"
    assert r.send(b"AT+CPIN?\r") == b"AT+CPIN?\r\r\nERROR\r\n"
    assert r.send(b"AT+CMEE=1\r") == b"AT+CMEE=1\r\r\nOK\r\n"
    assert r.send(b"AT+CPIN?\r") == b"AT+CPIN?\r\r\n+CME ERROR: 10\r\n"
    assert r.send(b"AT+CMEE=2\r") == b"AT+CMEE=2\r\r\nOK\r\n"
    assert r.send(b"AT+CPIN?\r") == b"AT+CPIN?\r\r\n+CME ERROR: SIM not inserted\r\n"
    assert r.send(b"AT+CREG?\r") == b"AT+CREG?\r\r\n+CREG: 0,0\r\n\r\nOK\r\n"
    assert not r.m.registered


def test_sim_pin() -> None:
    r = Rig(boot=False, sim="pin")
    r.m.set_supply(True)
    r.run(20_000)
    boot = r.take()
    assert boot.endswith(b"\r\n+CPIN: SIM PIN\r\n")
    assert r.send(b"AT+CPIN?\r") == b"AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    assert r.send(b"AT+CREG?\r") == b"AT+CREG?\r\r\n+CREG: 0,2\r\n\r\nOK\r\n"
    r.run(40_000)
    assert r.send(b"AT+CREG?\r") == b"AT+CREG?\r\r\n+CREG: 0,0\r\n\r\nOK\r\n"  # 003
    out = r.send(b'AT+CPIN="1234"\r', after=10_000)
    assert out == (
        b'AT+CPIN="1234"\r\r\nOK\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n'
    )  # 021
    r.run(10_000)
    assert r.m.registered


def test_sim_state_applies_at_next_start() -> None:
    r = Rig()
    r.m.set_sim("missing")
    assert r.send(b"AT+CPIN?\r") == b"AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n"
    r.m.reboot()
    r.run(20_000)
    assert b"+CPIN: NOT INSERTED" in r.take()


def test_reboot_restores_defaults_and_prints_boot() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.send(b"AT+CMGF=1\r")
    r.send(b"AT+CLIP=1\r")
    r.m.reboot()
    r.run(20_000)
    boot = r.take()
    assert boot.startswith(SYNC_JUNK + b"\r\nRDY\r\n")
    assert r.send(b"AT\r") == b"AT\r\r\nOK\r\n"  # echo is back on
    assert r.send(b"AT+CMGF?\r") == b"AT+CMGF?\r\r\n+CMGF: 0\r\n\r\nOK\r\n"
    assert r.send(b"AT+CLIP?\r") == b"AT+CLIP?\r\r\n+CLIP: 0,1\r\n\r\nOK\r\n"
    assert r.send(b"AT+CNMI?\r") == b"AT+CNMI?\r\r\n+CNMI: 2,1,0,0,0\r\n\r\nOK\r\n"


def test_atz_restores_saved_profile() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    assert r.send(b"ATZ\r") == b"\r\nOK\r\n"
    assert r.send(b"AT\r") == b"AT\r\r\nOK\r\n"


def test_at_w_saves_echo_and_clts() -> None:
    r = Rig()
    r.send(b"AT+CLTS=1\r")
    r.send(b"ATE0\r")
    assert r.send(b"AT&W\r") == b"\r\nOK\r\n"
    r.send(b"AT+CFUN=1,1\r")
    r.run(20_000)
    r.take()
    assert r.send(b"AT\r") == b"\r\nOK\r\n"
    assert r.send(b"AT+CLTS?\r") == b"\r\n+CLTS: 1\r\n\r\nOK\r\n"


def test_cfun_reset_answers_ok_then_restarts() -> None:
    r = Rig()
    out = r.send(b"AT+CFUN=1,1\r", after=20_000)
    assert out.startswith(b"AT+CFUN=1,1\r\r\nOK\r\n" + SYNC_JUNK + b"\r\nRDY\r\n")


def test_cfun0_then_1_like_sim800l_log() -> None:
    r = Rig()
    t = r.s.now_ms
    out = r.send(b"AT+CFUN=0\r")
    assert out == b"AT+CFUN=0\r\r\n+CPIN: NOT READY\r\n\r\nOK\r\n"
    assert r.s.now_ms - t >= 5000
    assert not r.m.registered
    out = r.send(b"AT+CFUN=1\r", after=15_000)
    assert out == (b"AT+CFUN=1\r\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nSMS Ready\r\n\r\nCall Ready\r\n")
    assert r.m.registered


def test_supply_off_is_instant_and_silent() -> None:
    r = Rig()
    r.m.set_supply(False)
    assert not r.m.powered and not r.m.booted and not r.n.device_registered
    r.m.from_host(b"AT\r")
    r.run(100)
    assert r.take() == b""


def test_pwrkey_toggles_power() -> None:
    r = Rig(boot=False, auto_power_on=False)
    r.m.set_supply(True)
    r.run(5000)
    assert not r.m.powered and r.take() == b""
    r.m.set_pwrkey(True)
    r.run(1200)
    r.m.set_pwrkey(False)
    r.run(20_000)
    assert r.m.powered and r.m.registered
    assert r.take().startswith(SYNC_JUNK)
    r.m.set_pwrkey(True)
    r.run(500)
    r.m.set_pwrkey(False)  # too short: nothing
    assert r.m.powered
    r.m.set_pwrkey(True)
    r.run(1500)
    r.m.set_pwrkey(False)
    assert not r.m.powered
    assert r.take() == b"\r\nNORMAL POWER DOWN\r\n"


def test_cpowd() -> None:
    r = Rig()
    assert r.send(b"AT+CPOWD=1\r") == b"AT+CPOWD=1\r\r\nNORMAL POWER DOWN\r\n"
    assert not r.m.powered


def test_hang_and_recover() -> None:
    r = Rig()
    r.m.hang()
    r.m.from_host(b"AT\r")
    r.run(1000)
    assert r.take() == b""
    r.m.recover()
    assert r.send(b"AT\r") == b"AT\r\r\nOK\r\n"


def test_hang_cleared_by_supply_cycle() -> None:
    r = Rig()
    r.m.hang()
    r.m.set_supply(False)
    r.m.set_supply(True)
    r.run(20_000)
    assert r.take().startswith(SYNC_JUNK)
    assert r.send(b"AT\r") == b"AT\r\r\nOK\r\n"


# ---------------------------------------------------------------- general commands


def test_error_forms_for_unknown_and_bad_commands() -> None:
    r = Rig()
    assert r.send(b"AT+FOO\r") == b"AT+FOO\r\r\nERROR\r\n"
    r.send(b"AT+CMEE=1\r")
    assert r.send(b"AT+FOO\r") == b"AT+FOO\r\r\n+CME ERROR: 100\r\n"
    assert r.send(b"AT+CMGF=7\r") == b"AT+CMGF=7\r\r\nERROR\r\n"  # bad parameter: bare (012)
    r.send(b"AT+CMEE=2\r")
    assert r.send(b"AT+FOO\r") == b"AT+FOO\r\r\n+CME ERROR: unknown\r\n"
    assert r.send(b'AT+CPIN="12\r') == b'AT+CPIN="12\r\r\nERROR\r\n'


def test_identification() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    assert r.send(b"AT+CGMI\r") == b"\r\nSIMCOM_Ltd\r\n\r\nOK\r\n"
    imei = r.send(b"AT+GSN\r").split(b"\r\n")[1]
    assert len(imei) == 15 and imei.isdigit()
    assert r.send(b"AT+CGMR\r") == b"\r\nRevision:1418B04SIM800L24\r\n\r\nOK\r\n"


def test_csq_follows_signal() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    assert r.send(b"AT+CSQ\r") == b"\r\n+CSQ: 23,0\r\n\r\nOK\r\n"
    r.n.set_signal(-51)
    assert r.send(b"AT+CSQ\r") == b"\r\n+CSQ: 31,0\r\n\r\nOK\r\n"
    r.n.set_signal(-120)
    assert r.send(b"AT+CSQ\r") == b"\r\n+CSQ: 0,0\r\n\r\nOK\r\n"
    r.n.set_signal(None)
    assert r.send(b"AT+CSQ\r") == b"\r\n+CSQ: 99,99\r\n\r\nOK\r\n"


def test_creg_urcs_on_coverage_changes() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.send(b"AT+CREG=1\r")
    r.n.set_signal(None)
    r.run(100)
    assert r.take() == b"\r\n+CREG: 2\r\n"
    assert not r.n.device_registered
    r.run(60_000)
    assert r.send(b"AT+CREG?\r") == b"\r\n+CREG: 1,2\r\n\r\nOK\r\n"
    r.n.set_signal(-80)
    r.run(5000)
    assert r.take() == b"\r\n+CREG: 1\r\n"
    r.n.lost()
    r.run(10)
    r.n.back()
    r.run(5000)
    assert r.take() == b"\r\n+CREG: 2\r\n\r\n+CREG: 1\r\n"
    r.send(b"AT+CREG=2\r")
    assert r.send(b"AT+CREG?\r") == b'\r\n+CREG: 2,1,"1A2B","3C4D"\r\n\r\nOK\r\n'


def test_no_coverage_at_boot_stays_searching() -> None:
    r = Rig(signal=None)
    assert not r.m.registered
    assert r.send(b"AT+CREG?\r") == b"AT+CREG?\r\r\n+CREG: 0,2\r\n\r\nOK\r\n"


def test_cclk_reset_value_runs_from_supply_on() -> None:
    r = Rig()
    out = r.send(b"AT+CCLK?\r")
    assert out == b'AT+CCLK?\r\r\n+CCLK: "04/01/01,00:00:20+00"\r\n\r\nOK\r\n'


def test_network_time_urcs_with_clts() -> None:
    r = Rig()
    r.n.set_time((2026, 11, 23, 8, 0, 0), 120)
    r.send(b"AT+CLTS=1\r")
    assert r.take() == b""  # takes effect at the next registration
    r.send(b"AT&W\r")
    out = r.send(b"AT+CFUN=1,1\r", after=20_000)
    tail = out[out.index(b"SMS Ready\r\n") + len(b"SMS Ready\r\n") :]
    assert tail == (
        b"\r\n+CTZV: +8,0\r\n"
        b'\r\n*PSUTTZ: 2026,11,23,6,0,13,"+8",0\r\n'
        b"\r\nDST: 0\r\n"
        b'\r\n+CIEV: 10,"00101","TestNet","TestNet", 0, 0\r\n'
    )
    assert r.send(b"ATE0\r")
    assert r.send(b"AT+CCLK?\r") == b'\r\n+CCLK: "26/11/23,08:00:20+08"\r\n\r\nOK\r\n'


def test_network_time_negative_zone_and_later_updates() -> None:
    r = Rig()
    r.send(b"ATE0;+CLTS=1;&W\r")
    r.m.reboot()
    r.run(20_000)
    r.take()
    r.n.set_time((2026, 3, 1, 23, 30, 0), -300)
    r.run(1000)
    assert r.take() == (
        b'\r\n+CTZV: -20,0\r\n\r\n*PSUTTZ: 2026,3,2,4,30,0,"-20",0\r\n'
        b'\r\nDST: 0\r\n\r\n+CIEV: 10,"00101","TestNet","TestNet", 0, 0\r\n'
    )
    assert r.send(b"AT+CCLK?\r") == b'\r\n+CCLK: "26/03/01,23:30:01-20"\r\n\r\nOK\r\n'
    r.n.set_time(None)
    r.run(1000)
    assert r.take() == b""


def test_no_network_time_without_clts() -> None:
    r = Rig()
    r.m.reboot()
    r.run(20_000)
    assert b"PSUTTZ" not in r.take()
    assert r.send(b"AT+CCLK?\r").startswith(b'AT+CCLK?\r\r\n+CCLK: "04/01/01,')


def test_numeric_results_with_atv0() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    assert r.send(b"ATV0\r") == b"0\r"
    assert r.send(b"AT+CSQ\r") == b"+CSQ: 23,0\r\n0\r"
    assert r.send(b"AT+FOO\r") == b"4\r"


def test_repeat_last_command() -> None:
    r = Rig()
    r.send(b"ATI\r")
    assert r.send(b"A/") == b"A/\r\nSIM800 R14.18\r\n\r\nOK\r\n"


def test_line_without_at_is_ignored() -> None:
    r = Rig()
    assert r.send(b"HELLO\r", after=100) == b"HELLO\r"


def test_junk_before_at_is_skipped() -> None:
    r = Rig()
    assert r.send(b"\x00\xffAT\r") == b"\x00\xffAT\r\r\nOK\r\n"


# ---------------------------------------------------------------- scenario overrides


def test_reply_override_and_at_log() -> None:
    r = Rig()
    r.m.add_reply(r"AT\+CSQ", ["+CSQ: 5,0", "OK"], once=True)
    assert r.send(b"AT+CSQ\r") == b"AT+CSQ\r\r\n+CSQ: 5,0\r\n\r\nOK\r\n"
    assert r.send(b"AT+CSQ\r") == b"AT+CSQ\r\r\n+CSQ: 23,0\r\n\r\nOK\r\n"
    r.m.add_reply(r"AT\+CPIN\?", [], once=False)
    assert r.send(b"AT+CPIN?\r", after=1000) == b"AT+CPIN?\r"
    assert r.send(b"AT+CPIN?\r", after=1000) == b"AT+CPIN?\r"
    assert [line for _, line in r.m.at_log[-4:]] == ["AT+CSQ", "AT+CSQ", "AT+CPIN?", "AT+CPIN?"]


def test_interleave_override() -> None:
    r = Rig()
    r.m.add_interleave(r"AT\+CMGR=.*", ["+CTZV: +8,0", "DST: 0"], once=True)
    r.send(b"AT+CMEE=1\r")
    assert r.send(b"AT+CMGR=1\r") == b"AT+CMGR=1\r\r\n+CTZV: +8,0\r\n\r\nDST: 0\r\n\r\nOK\r\n"
    assert r.send(b"AT+CMGR=1\r") == b"AT+CMGR=1\r\r\nOK\r\n"


def test_urc_and_raw() -> None:
    r = Rig()
    r.m.urc("UNDER-VOLTAGE WARNNING")
    r.m.raw(b"\xff\xf0junk")
    assert r.take() == b"\r\nUNDER-VOLTAGE WARNNING\r\n\xff\xf0junk"


# ---------------------------------------------------------------- SMS commands


def test_cmgs_pdu_prompt_echo_like_log_019() -> None:
    r = Rig()
    pdu, n = encode_submit(OWNER, "Text here lol")
    assert r.send(b"AT+CMGS=%d\r" % n) == b"AT+CMGS=%d\r\r\n> " % n
    t = r.s.now_ms
    out = r.send(pdu.encode() + b"\x1a")
    assert out == pdu.encode() + b"\x1a\r\n+CMGS: 1\r\n\r\nOK\r\n"
    assert 2000 <= r.s.now_ms - t <= 4000
    assert [m.text for m in r.n.inbox["owner"]] == ["Text here lol"]


def test_cmgs_without_echo_and_mr_increments() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    for mr in (1, 2):
        pdu, n = encode_submit(OWNER, "x%d" % mr)
        assert r.send(b"AT+CMGS=%d\r" % n) == b"\r\n> "
        assert r.send(pdu.encode() + b"\x1a") == b"\r\n+CMGS: %d\r\n\r\nOK\r\n" % mr


def test_cmgs_bad_pdu_and_length_mismatch() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    pdu, n = encode_submit(OWNER, "Hello")
    r.send(b"AT+CMGS=%d\r" % (n + 1))
    assert r.send(pdu.encode() + b"\x1a") == b"\r\nERROR\r\n"
    r.send(b"AT+CMEE=1\r")
    r.send(b"AT+CMGS=%d\r" % n)
    assert r.send(b"00ZZ\x1a") == b"\r\n+CMS ERROR: 304\r\n"
    r.send(b"AT+CMGS=%d\r" % n)
    assert r.send(pdu[:-2].encode() + b"\x1a") == b"\r\n+CMS ERROR: 304\r\n"
    assert r.n.inbox["owner"] == []


def test_cmgs_escape_aborts() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.send(b"AT+CMGS=20\r")
    assert r.send(b"0011\x1b") == b"\r\nOK\r\n"
    assert r.send(b"AT\r") == b"\r\nOK\r\n"
    assert r.n.inbox["owner"] == []


def test_cmgs_not_registered() -> None:
    r = Rig()
    r.send(b"ATE0;+CMEE=1\r")
    r.n.set_signal(None)
    pdu, n = encode_submit(OWNER, "Hello")
    r.send(b"AT+CMGS=%d\r" % n)
    assert r.send(pdu.encode() + b"\x1a") == b"\r\n+CMS ERROR: 331\r\n"


def test_cmgs_text_mode_like_log_038() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    assert r.send(b"AT+CMGF=1\r") == b"\r\nOK\r\n"
    assert r.send(b'AT+CMGS="+358401234567"\r') == b"\r\n> "
    assert r.send(b"Hello\x1a") == b"\r\n+CMGS: 1\r\n\r\nOK\r\n"
    assert r.n.inbox["owner"][0].text == "Hello"


def test_cmgr_empty_invalid_and_status() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    assert r.send(b"AT+CMGR=1\r") == b"\r\nOK\r\n"
    assert r.send(b"AT+CMGR=21\r") == b"\r\nERROR\r\n"
    r.send(b"AT+CMEE=1\r")
    assert r.send(b"AT+CMGR=0\r") == b"\r\n+CMS ERROR: 321\r\n"
    r.n.phone_sms("owner", "hi")
    r.run(5000)
    assert r.take() == b'\r\n+CMTI: "SM",1\r\n'
    first = r.send(b"AT+CMGR=1\r")
    assert first.startswith(b'\r\n+CMGR: 0,"",')
    second = r.send(b"AT+CMGR=1\r")
    assert second.startswith(b'\r\n+CMGR: 1,"",')
    assert first.split(b"\r\n")[2] == second.split(b"\r\n")[2]
    assert r.send(b"AT+CMGL=4\r").startswith(b'\r\n+CMGL: 1,1,"",')
    assert r.send(b"AT+CMGD=1\r") == b"\r\nOK\r\n"
    assert r.send(b"AT+CMGR=1\r") == b"\r\nOK\r\n"


def test_cmgl_text_mode_like_log_005() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.phone_sms("owner", "first")
    r.n.phone_sms("owner", "second")
    r.run(10_000)
    r.take()
    r.send(b"AT+CMGF=1\r")
    out = r.send(b'AT+CMGL="ALL"\r')
    assert out == (
        b'\r\n+CMGL: 1,"REC UNREAD","+358401234567","","26/01/01,00:00:20+00"\r\n'
        b"first\r\n"
        b'+CMGL: 2,"REC UNREAD","+358401234567","","26/01/01,00:00:20+00"\r\n'
        b"second\r\n\r\nOK\r\n"
    )
    out = r.send(b"AT+CMGR=2\r")
    assert out == (b'\r\n+CMGR: "REC READ","+358401234567","","26/01/01,00:00:20+00"\r\nsecond\r\n\r\nOK\r\n')
    assert r.send(b"AT+CMGL=4\r") == b"\r\nERROR\r\n"  # PDU form in text mode


def test_cmgd_flags_and_cmgda() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    for i in range(3):
        r.n.phone_sms("owner", "m%d" % i)
    r.run(10_000)
    r.take()
    r.send(b"AT+CMGR=2\r")
    assert r.send(b"AT+CMGD=1,1\r") == b"\r\nOK\r\n"  # read ones
    assert r.send(b"AT+CPMS?\r") == b'\r\n+CPMS: "SM_P",2,20,"SM_P",2,20,"SM_P",2,20\r\n\r\nOK\r\n'
    assert r.send(b'AT+CMGDA="DEL ALL"\r') == b"\r\nERROR\r\n"  # text form in PDU mode
    assert r.send(b"AT+CMGDA=6\r") == b"\r\nOK\r\n"
    assert r.send(b"AT+CPMS?\r") == b'\r\n+CPMS: "SM_P",0,20,"SM_P",0,20,"SM_P",0,20\r\n\r\nOK\r\n'


def test_sms_storage_survives_power_cycle() -> None:
    r = Rig()
    r.n.phone_sms("owner", "kept")
    r.run(5000)
    r.m.set_supply(False)
    r.m.set_supply(True)
    r.run(20_000)
    r.take()
    assert r.send(b"AT+CMGR=1\r").startswith(b'AT+CMGR=1\r\r\n+CMGR: 0,"",')


def test_cnmi_direct_delivery() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.send(b"AT+CNMI=2,2,0,0,0\r")
    r.n.phone_sms("owner", "direct")
    r.run(5000)
    out = r.take()
    assert out.startswith(b'\r\n+CMT: "",')
    r.send(b"AT+CMGF=1\r")
    r.n.phone_sms("owner", "Test")
    r.run(5000)
    assert r.take() == b'\r\n+CMT: "+358401234567","","26/01/01,00:00:25+00"\r\nTest\r\n'
    assert r.send(b"AT+CPMS?\r").startswith(b'\r\n+CPMS: "SM_P",0,20')
    r.send(b"AT+CNMI=2,0,0,0,0\r")
    r.n.phone_sms("owner", "quiet")
    r.run(5000)
    assert r.take() == b""
    assert r.send(b"AT+CPMS?\r").startswith(b'\r\n+CPMS: "SM_P",1,20')


# ---------------------------------------------------------------- calls


CLIP_OWNER = b'\r\nRING\r\n\r\n+CLIP: "+358401234567",145,"",0,"",0\r\n'


def test_incoming_call_ring_clip_like_log_006() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.send(b"AT+CLIP=1\r")
    r.n.phone_call("owner")
    r.run(1000)
    assert r.take() == CLIP_OWNER
    r.run(4000)
    assert r.take() == CLIP_OWNER
    assert r.send(b"AT+CLCC\r") == (b'\r\n+CLCC: 1,1,4,0,0,"+358401234567",145,""\r\n\r\nOK\r\n')
    r.n.phone_hangup("owner")
    r.run(10)
    assert r.take() == b"\r\nNO CARRIER\r\n"
    r.run(10_000)
    assert r.take() == b""
    assert [e[1] for e in r.n.events] == ["hangup"]


def test_incoming_call_without_clip_setting_rings_only() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.phone_call("owner")
    r.run(1000)
    assert r.take() == b"\r\nRING\r\n"


def test_withheld_and_no_clip_and_call_as() -> None:
    r = Rig()
    r.n.add_phone("anon", "+358409999999", withheld=True)
    r.n.add_phone("local", "+358501111111", call_as="0501111111")
    r.send(b"ATE0;+CLIP=1\r")
    r.n.phone_call("anon")
    r.run(1000)
    assert r.take() == b'\r\nRING\r\n\r\n+CLIP: "",128,"",0,"",1\r\n'
    r.n.phone_hangup("anon")
    r.run(10)
    r.take()
    r.n.phone_call("local")
    r.run(1000)
    assert r.take() == b'\r\nRING\r\n\r\n+CLIP: "0501111111",129,"",0,"",0\r\n'
    r.n.phone_hangup("local")
    r.run(10)
    r.take()
    r.n.phone_call("owner", clip=False)
    r.run(1000)
    assert r.take() == b"\r\nRING\r\n"
    assert b'"+358401234567",145' in r.send(b"AT+CLCC\r")


def test_answer_and_hang_up_incoming() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.phone_call("owner")
    r.run(1500)
    r.take()
    assert r.send(b"ATA\r") == b"\r\nOK\r\n"
    assert r.m.mic_live
    assert r.send(b"AT+CLCC\r") == b'\r\n+CLCC: 1,1,0,0,0,"+358401234567",145,""\r\n\r\nOK\r\n'
    r.run(10_000)
    assert r.take() == b""  # no more RING once answered
    assert r.send(b"ATH\r") == b"\r\nOK\r\n"
    assert not r.m.mic_live
    assert [e[1] for e in r.n.events] == ["answered", "hangup"]


def test_reject_incoming() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.phone_call("owner")
    r.run(1500)
    assert r.take() == b"\r\nRING\r\n"
    assert r.send(b"ATH\r") == b"\r\nOK\r\n"
    assert [e[1] for e in r.n.events] == ["rejected", "hangup"]
    assert r.send(b"ATA\r") == b"\r\nNO CARRIER\r\n"


def test_outgoing_call_result_codes_like_log_037() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    # busy
    assert r.send(b"ATD+358401234567;\r") == b"\r\nOK\r\n"
    r.run(2000)
    r.n.phone_reject("owner")
    r.run(10)
    assert r.take() == b"\r\nBUSY\r\n"
    # no answer
    assert r.send(b"ATD+358401234567;\r") == b"\r\nOK\r\n"
    r.run(65_000)
    assert r.take() == b"\r\nNO ANSWER\r\n"
    # unknown number
    assert r.send(b"ATD+4470000000;\r") == b"\r\nOK\r\n"
    r.run(10_000)
    assert r.take() == b"\r\nNO CARRIER\r\n"
    # answered, then the far end hangs up
    assert r.send(b"ATD+358401234567;\r") == b"\r\nOK\r\n"
    r.run(2000)
    assert r.send(b"AT+CLCC\r") == b'\r\n+CLCC: 1,0,3,0,0,"+358401234567",145,""\r\n\r\nOK\r\n'
    r.n.phone_answer("owner")
    r.run(10)
    assert r.take() == b""  # COLP=0: nothing on answer
    assert r.m.mic_live
    r.n.phone_hangup("owner")
    r.run(10)
    assert r.take() == b"\r\nNO CARRIER\r\n"
    kinds = [e[1] for e in r.n.events]
    assert kinds == ["dial", "rejected", "hangup", "dial", "hangup", "dial", "answered", "hangup"]


def test_outgoing_call_not_registered_and_colp() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.send(b"AT+COLP=1\r")
    r.m.from_host(b"ATD+358401234567;\r")
    r.run(2000)
    assert r.take() == b""  # OK waits for the answer with COLP=1
    r.n.phone_answer("owner")
    r.run(100)
    assert r.take() == b'\r\n+COLP: "+358401234567",145,"",0,""\r\n\r\nOK\r\n'
    r.send(b"ATH\r")
    r.n.set_signal(None)
    assert r.send(b"ATD+358401234567;\r") == b"\r\nNO CARRIER\r\n"


def test_one_final_result_per_call_command() -> None:
    # V.25ter / manual §2.2.3 (037): a call released before ATD's OK ends ATD with that result
    r = Rig()
    r.send(b"ATE0\r")
    r.m.from_host(b"ATD+358401234567;\r")
    r.run(1)
    r.n.phone_reject("owner")
    r.run(500)
    assert r.take() == b"\r\nBUSY\r\n"
    # answered at once: OK (dialling completed) comes before anything about the answer
    r.send(b"AT+MORING=1\r")
    r.m.from_host(b"ATD+358401234567;\r")
    r.run(1)
    r.n.phone_answer("owner")
    r.n.phone_hangup("owner")
    r.run(500)
    assert r.take() == b"\r\nOK\r\n\r\nMO CONNECTED\r\n\r\nNO CARRIER\r\n"
    # ATA's OK comes before a NO CARRIER that follows the answer
    r.n.phone_call("owner")
    r.run(1500)
    r.take()
    r.m.from_host(b"ATA\r")
    r.run(1)
    r.n.phone_hangup("owner")
    r.run(500)
    assert r.take() == b"\r\nOK\r\n\r\nNO CARRIER\r\n"


def test_cmic_and_audio_commands_like_log_040() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    for cmd in (b"AT+CLVL=100\r", b"AT+CMIC=1,15\r", b"AT+CAAS=0\r", b"AT+CHF=0,1\r"):
        assert r.send(cmd) == b"\r\nOK\r\n"
    assert r.m.mic_gain == 15
    assert r.send(b"AT+CMIC=1,16\r") == b"\r\nERROR\r\n"


# ---------------------------------------------------------------- USSD


def test_ussd_reply_format() -> None:
    r = Rig()
    r.send(b"ATE0\r")
    r.n.set_ussd("*100#", "Balance 5,00 EUR")
    assert r.send(b'AT+CUSD=1,"*100#"\r') == b"\r\nOK\r\n"
    r.run(5000)
    assert r.take() == b'\r\n+CUSD: 0, "Balance 5,00 EUR", 15\r\n'
    r.n.set_ussd("*101#", "Баланс")
    r.send(b'AT+CUSD=1,"*101#",15\r')
    r.run(5000)
    assert r.take() == b'\r\n+CUSD: 0, "04110430043B0430043D0441", 72\r\n'
    r.send(b'AT+CUSD=1,"*999#"\r')
    r.run(60_000)
    assert r.take() == b""
    assert [c for _, c in r.n.ussd_log] == ["*100#", "*101#", "*999#"]


def test_random_traffic_never_breaks_the_emulator() -> None:
    import random

    r = Rig()
    rng = random.Random(7)
    noise = b'AT+CMGSRDLFQ=?;,"0123456789\r\n\x1a\x1b\x08 *#&WEVZIHDX/'
    cmds = [
        b"AT+CMGS=23\r",
        b"AT+CMGF=1\r",
        b"AT+CMGF=0\r",
        b"ATD+358401234567;\r",
        b"ATA\r",
        b"ATH\r",
        b'AT+CUSD=1,"*1#"\r',
        b"AT+CFUN=1,1\r",
        b"AT+CFUN=0\r",
        b"AT+CFUN=1\r",
        b"AT+CMGL=4\r",
        b'AT+CMGL="ALL"\r',
        b"AT+CMGR=1\r",
        b"AT+CMGD=1,4\r",
        b"ATE0\r",
        b"ATV0\r",
        b"ATZ\r",
        b'AT+CSCS="UCS2"\r',
        b'AT+CSCS="GSM"\r',
        b"AT+CNMI=2,2,0,0,0\r",
        b"AT+CLCC=1\r",
        b"AT+CREG=2\r",
        b"AT+COLP=1\r",
    ]
    for _ in range(3000):
        c = rng.random()
        if c < 0.3:
            r.m.from_host(bytes(rng.choice(noise) for _ in range(rng.randint(1, 20))))
        elif c < 0.6:
            r.m.from_host(rng.choice(cmds))
        elif c < 0.65:
            r.n.phone_sms(
                "owner", "x" * rng.randint(0, 300), ucs2=rng.random() < 0.3, parts=rng.randint(1, 3)
            )
        elif c < 0.68:
            r.n.phone_call("owner", clip=rng.random() < 0.5)
        elif c < 0.70:
            r.n.phone_hangup("owner")
        elif c < 0.71:
            r.n.phone_answer("owner")
        elif c < 0.72:
            r.n.phone_reject("owner")
        elif c < 0.73:
            r.m.set_supply(rng.random() < 0.8)
        elif c < 0.735:
            r.m.hang()
        elif c < 0.745:
            r.m.recover()
        elif c < 0.75:
            r.m.reboot()
        elif c < 0.76:
            r.n.set_signal(rng.choice([None, -70, -100]))
        r.run(rng.choice([0, 1, 5, 50, 500, 3000, 20000]))
        r.take()
    r.m.set_supply(False)
    r.m.set_supply(True)
    r.run(30_000)
    r.take()
    assert r.send(b"ATE1\r") and r.send(b"AT\r") == b"AT\r\r\nOK\r\n"
