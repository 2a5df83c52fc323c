"""Keeps the modem alive and configured: power, start-up, SIM, registration, health.

States: POWER_OFF (supply cut for a power cycle) -> BOOTING (waiting for the modem to
answer ``AT``) -> INIT (echo off, PDU mode, URCs on) -> SIM_ERROR (no SIM / PIN: retry
every 30 s, never send a PIN) or SMS_WAIT (SMS storage not ready yet) -> READY
(periodic health checks). A modem that stops answering is power-cycled through the
board's supply switch, with back-off between repeated cycles, forever; a modem that
restarts by itself (boot messages, echo back on) is configured again.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.modem.at_engine import starts_with_any

OFF, POWER_OFF, BOOTING, INIT, SIM_ERROR, SMS_WAIT, READY = range(7)
STATE_NAMES = ("off", "power-off", "booting", "init", "sim-error", "sms-wait", "ready")

_POWER_OFF_MS = const(3000)  # supply off long enough to discharge the module
_BOOT_PROBE_MS = const(1000)  # "AT" every second while it starts
_BOOT_GIVE_UP_MS = const(30000)  # no answer for this long after power-on: cycle again
_HEALTH_MS = const(60000)
_PROBE_AGAIN_MS = const(2000)
_SIM_RETRY_MS = const(30000)
_SMS_WAIT_MS = const(2000)
_UNREGISTERED_CYCLE_MS = const(600000)  # 10 minutes without registration
_SILENT_MS = const(30000)  # no answer for this long: the OUT LED shows the error pattern
_MAX_TIMEOUTS = const(3)
_BACKOFF_MAX_MS = const(1800000)

BASE_COMMANDS = (
    "ATE0",  # echo off: the firmware reads only answers
    "AT+CMEE=2",  # verbose errors in the console log
)
# Sent once SMS storage answers: before "SMS Ready" the SIM800 refuses them.
SMS_COMMANDS = (
    "AT+CMGF=0",  # PDU mode: every encoding, no text-mode escaping
    "AT+CNMI=2,1,0,0,0",  # +CMTI on every new stored SMS
    "AT+CLIP=1",  # caller number with RING
    "AT+CREG=1",  # registration changes as URCs
    "AT+CLTS=1",  # network time URCs
)
_SIM_BUSY_RETRY_MS = const(2000)
_SIM_BUSY_TRIES = const(20)  # ~40 s of "SIM busy" before it counts as a SIM error
BOOT_URCS = ("RDY", "+CFUN: 1", "Call Ready", "SMS Ready", "+CPIN: READY")
POWER_DOWN_URCS = ("NORMAL POWER DOWN", "UNDER-VOLTAGE POWER DOWN", "OVER-VOLTAGE POWER DOWN")
_MAX_CMTI = const(32)
MAX_URCS = const(16)
CALL_URCS = (
    "RING",
    "+CLIP:",
    "NO CARRIER",
    "BUSY",
    "NO ANSWER",
    "NO DIALTONE",
    "+CLCC:",
    "MO RING",
    "MO CONNECTED",
    "+COLP:",
    "VOICE CALL:",
    "MISSED_CALL:",
    "+CRING:",
)
TIME_URCS = ("*PSUTTZ:", "+CTZV:", "DST:", "+CIEV:")
_MAX_CUSD_LINES = const(8)  # a USSD text in IRA with line breaks: at most this many more lines


def csq_to_dbm(info):
    """``+CSQ: <rssi>,<ber>`` payload -> dBm, or None when unknown (99)."""
    try:
        rssi = int(info.split(",")[0])
    except ValueError:
        return None
    if rssi == 99 or rssi < 0 or rssi > 31:
        return None
    return -113 + 2 * rssi


def creg_stat(info):
    """The <stat> of ``+CREG: [<n>,]<stat>[,...]``, or None."""
    parts = info.split(",")
    try:
        if len(parts) >= 2 and len(parts[1].strip()) == 1:
            return int(parts[1])
        return int(parts[0])
    except ValueError:
        return None


class Modem:
    """The modem's supervisor; other parts look at ``ready``, ``registered``, ``signal_dbm``."""

    def __init__(self, engine, power, log, now):
        self._at = engine
        self._power = power
        self._log = log
        self.state = OFF
        self._since = now
        self._cmd = None
        self._step = 0
        self._next = now
        self._cycles = 0
        self._unregistered_since = now
        self.first_init_done = False
        self.registered = False
        self.signal_dbm = None
        self.sim_state = "unknown"
        self.restarts = 0
        self.silent = False  # has not answered for SILENT_MS (A-56: OUT blinks fast)
        self.restart_expected = False  # a part asked the modem to restart (AT+CFUN=1,1)
        self._answered_at = now
        self.cmti = []
        self.call_urcs = []
        self.time_urcs = []
        self.ussd_urcs = []
        self._cusd_lines = 0  # lines still taken as the text of an open +CUSD string
        self._enter(BOOTING, now)

    @property
    def ready(self) -> bool:
        return self.state == READY

    def take_call_urc(self):
        """The oldest call-related URC (RING, +CLIP, NO CARRIER, +CLCC, ...), or None."""
        if self.call_urcs:
            return self.call_urcs.pop(0)
        return None

    def take_time_urc(self):
        """The oldest network-time URC (*PSUTTZ, +CTZV, DST, +CIEV), or None."""
        if self.time_urcs:
            return self.time_urcs.pop(0)
        return None

    def take_ussd_urc(self):
        """The oldest ``+CUSD:`` line, or a line that continues its text; or None."""
        if self.ussd_urcs:
            return self.ussd_urcs.pop(0)
        return None

    # -- loop ----------------------------------------------------------------
    def poll(self, now) -> None:
        urc = self._at.pop_urc()
        while urc is not None:
            self._on_urc(urc, now)
            urc = self._at.pop_urc()
        if self._at.timeouts_in_a_row >= _MAX_TIMEOUTS and self.state not in (OFF, POWER_OFF, BOOTING):
            self.power_cycle("modem does not answer", now)
        if self._at.echo_seen and self.state == READY:
            self._at.echo_seen = False
            self._restarted("echo is back on", now)
        if self.state in (POWER_OFF, BOOTING):
            if not self.silent and ticks_diff(now, self._answered_at) > _SILENT_MS:
                self.silent = True
                self._log.line("MODEM", "no answer for %d s" % (_SILENT_MS // 1000))
        else:
            self._answered_at = now  # past BOOTING: it answers
            self.silent = False
        step = (
            self._poll_power_off,
            self._poll_booting,
            self._poll_init,
            self._poll_sim_error,
            self._poll_sms_wait,
            self._poll_ready,
        )
        if self.state != OFF:
            step[self.state - 1](now)

    def next_deadline(self, now):
        if self._cmd is not None and not self._cmd.done:
            return None  # the engine's own timeout covers it
        return max(0, ticks_diff(self._next, now))

    def power_cycle(self, reason, now) -> None:
        """Cut the modem's supply, then start it again (after a back-off if this repeats)."""
        self._cycles += 1
        delay = 0 if self._cycles <= 1 else min(_BACKOFF_MAX_MS, 60000 << min(self._cycles - 2, 10))
        self._log.line("MODEM", "power-cycling (%s), cycle %d" % (reason, self._cycles))
        self._at.abort_all()
        self._at.timeouts_in_a_row = 0
        self._power.value = False
        self.registered = False
        self.restarts += 1
        self._enter(POWER_OFF, now, _POWER_OFF_MS + delay)

    # -- states --------------------------------------------------------------
    def _enter(self, state, now, wait=0) -> None:
        self.state = state
        self._since = now
        self._next = now if wait == 0 else ticks_add(now, wait)
        self._cmd = None
        self._step = 0

    def _due(self, now) -> bool:
        return ticks_diff(now, self._next) >= 0

    def _send(self, text, now, timeout=3000, prefix=None):
        self._cmd = self._at.submit(text, timeout, prefix)
        return self._cmd

    def _poll_power_off(self, now) -> None:
        if self._due(now):
            self._power.value = True
            self._log.line("MODEM", "supply on, starting")
            self._enter(BOOTING, now)

    def _poll_booting(self, now) -> None:
        cmd = self._cmd
        if cmd is not None and cmd.done:
            self._cmd = None
            if cmd.ok:
                self._enter(INIT, now)
                return
            self._next = ticks_add(now, _BOOT_PROBE_MS)
        if cmd is None and self._due(now):
            if ticks_diff(now, self._since) > _BOOT_GIVE_UP_MS:
                self.power_cycle("no answer after start", now)
                return
            self._send("AT", now, timeout=1000)

    def _poll_init(self, now) -> None:
        cmd = self._cmd
        if cmd is None:
            if self._due(now):
                if self._step < len(BASE_COMMANDS):
                    self._send(BASE_COMMANDS[self._step], now)
                else:
                    self._send("AT+CPIN?", now, 5000, "+CPIN:")
            return
        if not cmd.done:
            return
        self._cmd = None
        if cmd.final == "TIMEOUT":
            return  # resent; three time-outs in a row power-cycle the modem
        if self._step < len(BASE_COMMANDS):
            if not cmd.ok:
                self._log.line("MODEM", "%s -> %s" % (cmd.text, cmd.final))
            self._step += 1
            return
        self._sim_answer(cmd, now)

    def _sim_answer(self, cmd, now) -> None:
        info = cmd.info() if cmd.ok else None
        if info == "READY":
            self.sim_state = "ready"
            self._enter(SMS_WAIT, now)
            return
        final = cmd.final or ""
        locked = info is not None and ("PIN" in info or "PUK" in info)
        missing = "NOT INSERTED" in (info or "") or final in (
            "+CME ERROR: 10",
            "+CME ERROR: SIM not inserted",
        )
        if (
            not locked
            and not missing
            and self.state == INIT
            and self._step < len(BASE_COMMANDS) + _SIM_BUSY_TRIES
        ):
            self._step += 1  # SIM still starting ("SIM busy"): ask again shortly
            self._next = ticks_add(now, _SIM_BUSY_RETRY_MS)
            return
        self.sim_state = "pin" if locked else "missing"
        self._log.line("MODEM", "SIM not usable (%s): retry in 30 s" % (info or final))
        self._enter(SIM_ERROR, now, _SIM_RETRY_MS)

    def _poll_sim_error(self, now) -> None:
        cmd = self._cmd
        if cmd is not None and cmd.done:
            self._cmd = None
            if cmd.final != "TIMEOUT":
                self._sim_answer(cmd, now)
                return
        if cmd is None and self._due(now):
            self._send("AT+CPIN?", now, 5000, "+CPIN:")
            self._next = ticks_add(now, _SIM_RETRY_MS)

    def _poll_sms_wait(self, now) -> None:
        cmd = self._cmd
        if cmd is not None and cmd.done:
            self._cmd = None
            if cmd.final == "TIMEOUT":
                return
            if not cmd.ok:
                # Not ready yet: start the SMS set-up again in a moment.
                self._step = 0
                self._next = ticks_add(now, _SMS_WAIT_MS)
            elif self._step < len(SMS_COMMANDS):
                self._step += 1
            else:
                self._ready(now)
                return
        if self._cmd is None and self._due(now):
            if ticks_diff(now, self._since) > 120000:
                self.power_cycle("SMS storage never became ready", now)
                return
            if self._step == 0:
                self._send('AT+CPMS="SM","SM","SM"', now, 5000, "+CPMS:")
            else:
                self._send(SMS_COMMANDS[self._step - 1], now)

    def _ready(self, now) -> None:
        if not self.first_init_done:
            # Messages stored before this boot are never executed.
            self._at.submit("AT+CMGD=1,4", 25000)
            self._log.line("MODEM", "deleting messages stored before this boot")
        self.first_init_done = True
        self._at.echo_seen = False
        self._log.line("MODEM", "ready")
        self._enter(READY, now)
        if not self.registered:
            self._unregistered_since = now

    def _poll_ready(self, now) -> None:
        cmd = self._cmd
        if cmd is not None and cmd.done:
            self._cmd = None
            if cmd.final == "TIMEOUT":
                self._next = ticks_add(now, _PROBE_AGAIN_MS)  # confirm a hang quickly
            if cmd.ok and cmd.text == "AT+CSQ":
                self.signal_dbm = csq_to_dbm(cmd.info() or "")
                self._cmd = self._at.submit("AT+CREG?", 3000, "+CREG:")
                return
            if cmd.ok and cmd.text == "AT+CREG?":
                self._set_registration(creg_stat(cmd.info() or ""), now)
        if self._cmd is None and self._due(now):
            self._next = ticks_add(now, _HEALTH_MS)
            self._send("AT+CSQ", now, 3000, "+CSQ:")
        if not self.registered and ticks_diff(now, self._unregistered_since) > _UNREGISTERED_CYCLE_MS:
            self.power_cycle("not registered for 10 minutes", now)

    # -- unsolicited ---------------------------------------------------------
    def _on_urc(self, line, now) -> None:
        if line.startswith("+CMTI:"):
            try:
                index = int(line.split(",")[-1])
            except ValueError:
                return
            if index not in self.cmti and len(self.cmti) < _MAX_CMTI:
                self.cmti.append(index)
            return
        if line.startswith("+CREG:"):
            self._set_registration(creg_stat(line[6:]), now)
            return
        if line in BOOT_URCS or line.startswith("RDY"):
            if self.state == READY:
                self._restarted(line, now)
            return
        if line in POWER_DOWN_URCS:
            self._log.line("MODEM", line)
            self.power_cycle("modem powered down", now)
            return
        if line.startswith("+CUSD:"):
            _bounded_append(self.ussd_urcs, line)
            # an unclosed quote: the text has line breaks (IRA) and goes on over the next lines
            self._cusd_lines = _MAX_CUSD_LINES if line.count('"') % 2 else 0
        elif starts_with_any(line, CALL_URCS):
            _bounded_append(self.call_urcs, line)
        elif starts_with_any(line, TIME_URCS):
            _bounded_append(self.time_urcs, line)
        elif self._cusd_lines:
            _bounded_append(self.ussd_urcs, line)
            self._cusd_lines = 0 if line.count('"') % 2 else self._cusd_lines - 1

    def _set_registration(self, stat, now) -> None:
        registered = stat in (1, 5)
        if registered:
            self._cycles = 0
            if not self.registered and self.state == READY:
                self._next = now  # fresh signal strength for STATUS at once
        if registered != self.registered:
            self._log.line("MODEM", "registered" if registered else "not registered (stat %s)" % stat)
        if not registered and self.registered:
            self._unregistered_since = now
        self.registered = registered

    def _restarted(self, why, now) -> None:
        if self.restart_expected:  # asked for (the clock's AT+CFUN=1,1), not a fault
            self._log.line("MODEM", "modem restarted as asked (%s): configuring it again" % why)
        else:
            self._log.line("MODEM", "modem restarted by itself (%s): configuring it again" % why)
        self.restart_expected = False
        self._at.abort_all()
        self.registered = False
        self.restarts += 1
        self._unregistered_since = now
        self._enter(BOOTING, now)


def _bounded_append(queue, line) -> None:
    if len(queue) < MAX_URCS:
        queue.append(line)
