"""Voice calls over the modem, one at a time: who is calling, answer, reject, dial, hang up.

Nothing waits: the API methods only record what is wanted; ``poll(now)`` sends the AT
commands one by one and reads the call URCs the modem supervisor sets aside.

How a SIM800 signals calls (shared/modem 006, 025, 037; SIM800 AT manual V1.09 §2.2.3):

- Incoming: ``RING`` and, with AT+CLIP=1, ``+CLIP: "<number>",<type>,"",0,"",<validity>``,
  repeated every 3-4 s while it rings; ``NO CARRIER`` when the caller gives up. The caller is
  identified once per call. A modem that sends RING alone is asked with ``AT+CLCC``. An
  empty number or CLI validity 1 (withheld) / 2 (unavailable) is reported as "".
- Outgoing: ``ATD<number>;`` answers ``OK`` right after dialling (factory AT+COLP=0); the
  outcome comes later as ``BUSY``, ``NO ANSWER`` or ``NO CARRIER``, but by default nothing says
  the callee picked up, so ``AT+CLCC`` is asked every second: <stat> 2 dialling, 3 alerting,
  0 active.
  AT+MORING=1 (sent once per modem start, before the first ATD) adds ``MO RING`` and
  ``MO CONNECTED`` (manual V1.09 pp. 351-352), which tell it at once. ``+COLP:`` is not taken
  as an answer: an A7672 printed it at ringback (027).
- ``ATA`` answers; ``ATH`` rejects a ringing call (the caller hears busy and is not charged)
  or ends any other. A call in progress is checked with AT+CLCC every 10 s, so a lost
  ``NO CARRIER`` cannot leave the device "in a call" for ever.

Microphone gain (A-48): MICLEVEL 0..15 is sent as ``AT+CMIC=0,<level>``: channel 0 is the
SIM800's main microphone input, whose gain has the same 16 steps 0..15 (0 lowest, not mute;
15 highest), so the linear map is the identity. It is sent once per modem start and after
each change, before the next ATA/ATD, or at once while a call is up.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

IDLE = "idle"
INCOMING = "incoming"
DIALLING = "dialling"
TALKING = "talking"

_CLIP_WAIT_MS = const(300)  # RING without +CLIP in the same burst: ask AT+CLCC after this
_DIAL_POLL_MS = const(1000)  # AT+CLCC while an outgoing call is not answered yet
_CHECK_MS = const(10000)  # AT+CLCC while ringing in or talking: a lost NO CARRIER ends the call
_SETUP_MS = const(15000)  # longest wait for the far end to start ringing (ATD: 20 s max)
_CALL_CMD_MS = const(20000)  # ATD / ATA / ATH: SIM800 maximum response time 20 s
CMD_MS = const(3000)
_HANGUP_RETRY_MS = const(1000)  # ATH failed: look again (AT+CLCC), hang up again if the call is there
RETRY_MS = const(200)  # the AT queue was full: try again shortly
_MIC_CHANNEL = const(0)  # the SIM800's main audio channel
_MAX_NUMBER = const(20)


def split_fields(text: str, limit: int = 8) -> list:
    """Comma-separated fields, commas inside double quotes kept, quotes removed; at most ``limit``."""
    out: list = []
    cur: list = []
    quoted = False
    for c in text:
        if c == '"':
            quoted = not quoted
        elif c == "," and not quoted:
            out.append("".join(cur).strip())
            cur = []
            if len(out) >= limit:
                return out
        else:
            cur.append(c)
    out.append("".join(cur).strip())
    return out


def presented_number(number: str, toa: str = "") -> str:
    """A number as the network presents it, checked: "" when empty, withheld or malformed."""
    number = number.strip()
    if number.startswith("+"):
        body = number[1:]
    else:
        body = number
        if toa == "145" and number:
            number = "+" + number  # international type without the sign
    if not body or len(body) > _MAX_NUMBER:
        return ""
    for c in body:
        if c < "0" or c > "9":
            return ""
    return number


def parse_clip(payload: str) -> str:
    """The caller of ``+CLIP: "<number>",<type>,"<subaddr>",<satype>,"<alpha>",<validity>``."""
    f = split_fields(payload)
    if len(f) >= 6 and f[5] in ("1", "2"):
        return ""  # withheld by the caller / not available
    return presented_number(f[0], f[1] if len(f) > 1 else "")


def parse_clcc(payload: str) -> tuple | None:
    """``+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>[,"<number>",<type>[,"<alpha>"]]`` ->
    (dir, stat, number) of a voice call, or None for anything else."""
    f = split_fields(payload)
    if len(f) < 5:
        return None
    try:
        direction = int(f[1])
        stat = int(f[2])
        mode = int(f[3])
    except ValueError:
        return None
    if mode != 0:
        return None  # data or fax
    number = presented_number(f[5], f[6] if len(f) > 6 else "") if len(f) > 5 else ""
    return direction, stat, number


def dialable(number: object) -> bool:
    """True for what ATD may carry: an optional leading + and 3..20 digits, nothing else."""
    if not isinstance(number, str):
        return False
    body = number[1:] if number.startswith("+") else number
    if not 3 <= len(body) <= _MAX_NUMBER:
        return False
    for c in body:
        if c < "0" or c > "9":
            return False
    return True


class Calls:
    """The one voice call the device can have, driven through the AT engine.

    ``state`` is "idle", "incoming" (ringing in), "dialling" (outgoing, not answered) or
    "talking" (connected, either direction). ``outcome`` is the result of the last
    ``dial()``: None while dialling, then "answered", "rejected" (busy), "no-answer" (the
    device hung up after ``ring_ms`` of ringing, or ``hangup()`` before an answer; also the
    network's NO ANSWER) or "failed" (no carrier, not registered, an error).
    ``ended_by_remote`` says the last talking call was ended by the other side.
    """

    def __init__(self, engine, modem, log, now):
        self._at = engine
        self._modem = modem
        self._log = log
        self._now = now
        self.state = IDLE
        self.outcome = None
        self.ended_by_remote = False
        self._caller = None  # the identified number of the ringing call
        self._caller_new = False
        self._todo = None  # "ATA", "ATH" or "ATD": sent by poll
        self._ending = False  # until the call is known to be gone: its RINGs are stale
        self._number = ""
        self._ring_ms = 0
        self._deadline = None  # dialling: hang up when it passes
        self._alerting = False
        self._clcc_at = None  # when AT+CLCC is due
        self._retry_at = None
        self._cmd = None
        self._cmd_kind = None
        self._cmd_gen = 0
        self._gen = 0  # changes with every call state change: older AT+CLCC answers are stale
        self._mic_level = None
        self._mic_dirty = False
        self._moring_dirty = True  # AT+MORING=1 not sent since the modem started
        self._restarts = modem.restarts

    # -- clients -------------------------------------------------------------
    @property
    def mic_live(self) -> bool:
        return self.state == TALKING

    def take_caller(self):
        """The ringing call's number, once per call when known ("" if withheld); else None."""
        if self._caller_new and self.state == INCOMING:
            self._caller_new = False
            return self._caller
        return None

    def answer(self) -> None:
        """Pick up the ringing call (ATA): incoming -> talking."""
        if self.state != INCOMING:
            return
        self._log.line("CALL", "answering %s" % _shown(self._caller))
        self._set(TALKING)
        self.ended_by_remote = False
        self._todo = "ATA"
        self._kick()

    def reject(self) -> None:
        """Refuse the ringing call (ATH): the caller hears busy and pays nothing."""
        if self.state != INCOMING:
            return
        self._log.line("CALL", "rejecting %s" % _shown(self._caller))
        self._set(IDLE)
        self._want_hangup()
        self._kick()

    def dial(self, number: str, ring_ms: int) -> bool:
        """Call ``number`` (ATD<number>;) and let it ring ``ring_ms`` once it rings at the far
        end; False when a call is up or being ended, the modem is not ready, or the number
        is not dialable."""
        if self.state != IDLE or self._ending or self._todo is not None or not self._modem.ready:
            return False
        if not dialable(number):
            self._log.line("CALL", "not dialling %r: not a dialable number" % number)
            return False
        self._set(DIALLING)
        self.outcome = None
        self.ended_by_remote = False
        self._number = number
        self._ring_ms = min(600000, max(0, int(ring_ms)))
        self._deadline = None
        self._alerting = False
        self._todo = "ATD"
        self._kick()
        return True

    def hangup(self) -> None:
        """End whatever call there is (ATH); any state -> idle."""
        if self.state == IDLE:
            return
        was = self.state
        self._log.line("CALL", "hanging up (%s)" % was)
        self._set(IDLE)
        if was == DIALLING and self.outcome is None:
            self.outcome = "no-answer"
        if self._todo == "ATD":
            self._todo = None  # never dialled: nothing to hang up
            return
        self._want_hangup()
        self._kick()

    def set_mic_level(self, level: int) -> None:
        """MICLEVEL 0..15 -> AT+CMIC=0,<level> (A-48), applied before the next call."""
        level = min(15, max(0, int(level)))
        if level != self._mic_level:
            self._mic_level = level
            self._mic_dirty = True

    # -- loop ----------------------------------------------------------------
    def poll(self, now) -> None:
        self._now = now
        if self._modem.restarts != self._restarts:
            self._modem_restarted()
        urc = self._modem.take_call_urc()
        while urc is not None:
            self._on_urc(urc, now)
            urc = self._modem.take_call_urc()
        cmd = self._cmd
        if cmd is not None and cmd.done:
            self._cmd = None
            self._finish(cmd, now)
        if self.state == DIALLING and self._deadline is not None and ticks_diff(now, self._deadline) >= 0:
            self._log.line("CALL", "%s did not answer: hanging up" % self._number)
            self.outcome = "no-answer"
            self._set(IDLE)
            self._want_hangup()
        if self._cmd is None and self._modem.ready:
            if self._retry_at is None or ticks_diff(now, self._retry_at) >= 0:
                self._retry_at = None
                self._next_command(now)

    def next_deadline(self, now):
        waits = []
        if self.state == DIALLING and self._deadline is not None:
            waits.append(ticks_diff(self._deadline, now))
        cmd = self._cmd
        if cmd is not None:
            if cmd.done:
                return 0
        elif not self._modem.ready:
            pass  # a restart ends every call; nothing to send meanwhile
        elif self._retry_at is not None:
            waits.append(ticks_diff(self._retry_at, now))
        elif self._todo is not None or (self._mic_dirty and self.state == TALKING):
            return 0
        elif self._clcc_at is not None:
            waits.append(ticks_diff(self._clcc_at, now))
        if not waits:
            return None
        return max(0, min(waits))

    # -- internals -----------------------------------------------------------
    def _set(self, state) -> None:
        self.state = state
        self._gen += 1
        if state == IDLE:
            self._caller = None
            self._caller_new = False
            self._clcc_at = None
            self._deadline = None
            if self._todo == "ATA":
                self._todo = None

    def _kick(self) -> None:
        # queue the command at once: ahead of an SMS that the same loop pass may queue
        if self._cmd is None and self._retry_at is None and self._modem.ready:
            self._next_command(self._now)

    def _want_hangup(self) -> None:
        self._todo = "ATH"
        self._ending = True

    def _modem_restarted(self) -> None:
        self._restarts = self._modem.restarts
        self._cmd = None  # the engine has failed it already
        self._todo = None
        self._ending = False
        self._retry_at = None
        self._mic_dirty = self._mic_level is not None
        self._moring_dirty = True
        if self.state != IDLE:
            self._log.line("CALL", "the modem restarted: the call is gone")
            if self.state == DIALLING and self.outcome is None:
                self.outcome = "failed"
            self._set(IDLE)

    def _send(self, text, kind, timeout, prefix=None, call=False) -> bool:
        cmd = self._at.submit(text, timeout, prefix, call=call)
        if cmd is None:
            self._retry_at = ticks_add(self._now, RETRY_MS)
            return False
        self._cmd = cmd
        self._cmd_kind = kind
        self._cmd_gen = self._gen
        return True

    def _next_command(self, now) -> None:
        todo = self._todo
        mic = self._mic_dirty and self._mic_level is not None
        if todo == "ATH":
            if self._send("ATH", "ATH", _CALL_CMD_MS):
                self._todo = None
        elif todo is not None and mic:
            self._send_mic()
        elif todo == "ATA":
            if self._send("ATA", "ATA", _CALL_CMD_MS, call=True):
                self._todo = None
        elif todo == "ATD" and self._moring_dirty:
            self._send("AT+MORING=1", "MORING", CMD_MS)
        elif todo == "ATD":
            if self._send("ATD%s;" % self._number, "ATD", _CALL_CMD_MS, call=True):
                self._todo = None
                self._log.line("CALL", "dialling %s" % self._number)
        elif mic and self.state == TALKING:
            self._send_mic()
        elif self._clcc_at is not None and ticks_diff(now, self._clcc_at) >= 0:
            self._clcc_at = None
            self._send("AT+CLCC", "CLCC", CMD_MS, "+CLCC:")

    def _send_mic(self) -> None:
        level = self._mic_level
        if level is not None:
            self._send("AT+CMIC=%d,%d" % (_MIC_CHANNEL, level), "CMIC", CMD_MS)

    def _finish(self, cmd, now) -> None:
        kind = self._cmd_kind
        if kind == "ATH":
            if cmd.ok:
                self._ending = False
            else:
                # is the call still there? It must not ring on as a "new" call, nor listen on
                self._log.line("CALL", "ATH -> %s" % cmd.final)
                self._clcc_at = ticks_add(now, _HANGUP_RETRY_MS)
        elif kind == "MORING":
            self._moring_dirty = False  # once: without it AT+CLCC still tells the answer
        elif kind == "CMIC":
            self._mic_dirty = False  # once: a modem that refuses it must not loop
            if not cmd.ok:
                self._log.line("CALL", "%s -> %s" % (cmd.text, cmd.final))
        elif kind == "ATA":
            if cmd.ok:
                if self.state == TALKING and self._cmd_gen == self._gen:
                    self._log.line("CALL", "talking: microphone live")
                    self._clcc_at = ticks_add(now, _CHECK_MS)
            elif self.state == TALKING and self._cmd_gen == self._gen:
                self._log.line("CALL", "answering failed (%s)" % cmd.final)
                self._set(IDLE)
        elif kind == "ATD":
            self._dial_result(cmd, now)
        elif kind == "CLCC" and self._cmd_gen == self._gen:
            self._clcc_result(cmd, now)

    def _dial_result(self, cmd, now) -> None:
        if self._cmd_gen != self._gen or self.state != DIALLING:
            return  # hung up meanwhile: the ATH queued after it ends the call
        final = cmd.final
        if final == "OK":
            self._deadline = ticks_add(now, self._ring_ms + _SETUP_MS)
            self._clcc_at = ticks_add(now, _DIAL_POLL_MS)
            return
        if final == "BUSY":
            self._dial_ended("rejected", final)
        elif final == "NO ANSWER":
            self._dial_ended("no-answer", final)
        else:
            self._dial_ended("failed", final)

    def _dial_ended(self, outcome, why) -> None:
        self._log.line("CALL", "call to %s: %s (%s)" % (self._number, outcome, why))
        self.outcome = outcome
        self._set(IDLE)

    def _clcc_result(self, cmd, now) -> None:
        if not cmd.ok:
            if self.state == IDLE and not self._ending:
                return
            slow = self.state != DIALLING and not self._ending
            self._clcc_at = ticks_add(now, _CHECK_MS if slow else _DIAL_POLL_MS)
            return
        mo = None
        mt = None
        for line in cmd.lines:
            call = parse_clcc(line[6:])
            if call is None:
                continue
            if call[0] == 0 and mo is None:
                mo = call
            elif call[0] == 1 and mt is None:
                mt = call
        state = self.state
        if state == IDLE:
            if mo is None and mt is None:
                self._ending = False  # the call we hung up on is gone
            elif self._ending:
                self._want_hangup()
        elif state == DIALLING:
            if mo is None:
                self._dial_ended("failed", "the call is gone")
                return
            if mo[1] == 0:
                self._answered()
                return
            if mo[1] == 3:
                self._alert(now)
            self._clcc_at = ticks_add(now, _DIAL_POLL_MS)
        elif state == INCOMING:
            if mt is None:
                self._log.line("CALL", "the incoming call is gone")
                self._set(IDLE)
                return
            if self._caller is None:
                self._identified(mt[2])
            self._clcc_at = ticks_add(now, _CHECK_MS)
        elif state == TALKING:
            if mo is None and mt is None:
                self._log.line("CALL", "the call is gone")
                self.ended_by_remote = True
                self._set(IDLE)
                return
            self._clcc_at = ticks_add(now, _CHECK_MS)

    def _alert(self, now) -> None:
        if not self._alerting:
            self._alerting = True
            self._deadline = ticks_add(now, self._ring_ms)  # let it ring ring_ms from here

    def _answered(self) -> None:
        self._log.line("CALL", "%s answered: microphone live" % self._number)
        self.outcome = "answered"
        self._set(TALKING)
        self._clcc_at = ticks_add(self._now, _CHECK_MS)

    def _identified(self, number) -> None:
        self._caller = number
        self._caller_new = True
        self._log.line("CALL", "incoming call from %s" % _shown(number))

    def _on_urc(self, line, now) -> None:
        state = self.state
        if line == "RING" or line.startswith("+CRING:"):
            if self._ending or state not in (IDLE, INCOMING):
                return  # the call being ended, or one the network should not have offered
            if state == IDLE:
                self._ringing(now)
            return
        if line.startswith("+CLIP:"):
            if self._ending or state not in (IDLE, INCOMING):
                return
            if state == IDLE:
                self._ringing(now)
            if self._caller is None:
                self._identified(parse_clip(line[6:]))
                self._clcc_at = ticks_add(now, _CHECK_MS)
            return
        if line == "NO CARRIER" or line.startswith("VOICE CALL: END") or line.startswith("MISSED_CALL:"):
            self._remote_end(line)
        elif line in ("BUSY", "NO ANSWER", "NO DIALTONE", "NO DIAL TONE"):
            if state == DIALLING:
                outcome = "rejected" if line == "BUSY" else ("no-answer" if line == "NO ANSWER" else "failed")
                self._dial_ended(outcome, line)
        elif line == "MO CONNECTED":
            if state == DIALLING:
                self._answered()
        elif line == "MO RING":
            if state == DIALLING:
                self._alert(now)

    def _ringing(self, now) -> None:
        self._set(INCOMING)
        self.ended_by_remote = False
        self._clcc_at = ticks_add(now, _CLIP_WAIT_MS)

    def _remote_end(self, why) -> None:
        state = self.state
        if state == INCOMING:
            self._log.line("CALL", "%s stopped calling" % _shown(self._caller))
            self._set(IDLE)
        elif state == DIALLING:
            self._dial_ended("failed", why)
        elif state == TALKING:
            self._log.line("CALL", "the other side hung up: microphone off")
            self.ended_by_remote = True
            self._set(IDLE)


def _shown(number) -> str:
    if number is None:
        return "an unidentified caller"
    return number or "a withheld number"
