"""USSD requests over the AT engine, one at a time (3GPP TS 27.007 +CUSD, TS 23.038 DCS).

``request(code, now)`` starts one; ``take_result()`` later gives ``(True, text)`` with the
network's answer or ``(False, reason)``. Nothing waits: ``poll(now)`` walks the steps.

Character set: while a request runs the modem is in ``AT+CSCS="UCS2"``; it is put back to
``"IRA"`` (the SIM800's power-on default, which the rest of the firmware assumes) as soon
as the answer is in. The evidence (shared/modem):

- ``"HEX"``: a SIM800L answered ``+CUSD: 2`` and dropped the text (028; TinyGSM #140 too);
- ``"IRA"``: the same SIM800L passed accented letters as raw 8-bit bytes (028), which the
  line assembler drops as non-text; GSM characters outside IRA (``€``) have no IRA form,
  and a text with line breaks arrives split over several lines;
- ``"UCS2"``: every answer is hex on one line whatever it holds. 27.007 has the modem
  convert a 7-bit answer into the TE character set, and 8-bit / UCS2 answers come as hex
  octets in every character set; the code goes as UCS2 hex too (010: a Quectel sent
  ``AT+CUSD=1,"002A0031003000320023",15`` and got its answer in UCS2 hex, labelled dcs 15).

The SIM800 manual (V1.09 §1.5) says the character set affects SMS text mode, cell
broadcast, phone book texts and SIM toolkit strings: SMS here are PDU mode and caller
numbers are no text, so the short UCS2 window leaves the rest of the firmware alone. A
modem that refuses UCS2 is asked in IRA, and its text decoded as text (lines after an
unclosed quote are joined: the modem supervisor routes them here).

The answer, ``+CUSD: <m>[,"<str>"[,<dcs>]]`` (a space after the commas, 028; ``+CUSD:4``,
039), may come before the OK or inside another command's answer: the engine routes it as
a URC. <m> 0: done; 1: the network wants more (an interactive menu: the first text is the
answer, the session is closed with AT+CUSD=2); 2: the network ended the session - with a
text that is the answer (a Quectel gave its balance so, 010), without one a failure (017,
028); 3 (another client answered), 4 (not supported, 039) and 5 (network time-out) are
failures. No answer within 30 s (A-53) is a failure and the session is closed.

Limit: in UCS2 a character takes 4 hex digits, so a line of ``lines.MAX_LINE`` (600) holds
146 of them; a longer answer (USSD allows 182 7-bit characters) arrives cut, and is
relayed cut to whole characters.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

_ANSWER_MS = const(30000)  # wait up to 30 s for the network's answer
CMD_MS = const(3000)
_CONTINUE_MS = const(500)  # an IRA text with an open quote: wait this long for its next lines
RETRY_MS = const(200)  # the AT queue was full
RESTORE_TRIES = const(3)
DEFAULT_CHARSET = "IRA"
_MAX_CODE = const(30)
_MAX_RAW = const(1200)  # one answer as received, joined lines included
CODE_CHARS = "0123456789*#+"

IDLE, CHARSET, SEND, WAIT, CLEANUP = range(5)


def encode_code(code: str, charset: str) -> str:
    """A string parameter as the modem reads it in ``charset`` (UCS2: 4 hex digits a character)."""
    if charset != "UCS2":
        return code
    return "".join(["%04X" % ord(c) for c in code])


def _is_code(code: object) -> bool:
    if not isinstance(code, str) or not 0 < len(code) <= _MAX_CODE:
        return False
    for c in code:
        if c not in CODE_CHARS:
            return False
    return True


def _show(text: str) -> str:
    return '"%s"' % text[:200].replace("\n", "\\n")


class Ussd:
    """One USSD request at a time; ``busy`` until its session is closed and the character
    set is back. ``take_result()`` gives each outcome once."""

    def __init__(self, engine, modem, log, now):
        self._at = engine
        self._modem = modem
        self._log = log
        self._state = IDLE
        self._cmd = None
        self._code = ""
        self._deadline = now
        self._charset = DEFAULT_CHARSET  # the modem's, as far as we know
        self._close = False  # a session is open at the network: AT+CUSD=2 before idling
        self._restore_tries = 0
        self._partial: str | None = None  # an answer whose text goes on over the next lines
        self._partial_until = now
        self._blocked_until = None  # the AT queue was full
        self._result: tuple | None = None
        self._restarts = modem.restarts

    @property
    def busy(self) -> bool:
        return self._state != IDLE

    @property
    def charset(self) -> str:
        return self._charset

    def request(self, code, now) -> bool:
        """Start asking ``code``; False when busy or not a code (0-9 * # +, 1..30 long).

        A modem that is not ready or not registered fails the request at once (the
        outcome is in ``take_result()``).
        """
        if self._state != IDLE or not _is_code(code):
            return False
        self._result = None
        self._code = code
        self._blocked_until = None  # an old stamp could read as future once ticks wrap
        if not self._modem.ready or not self._modem.registered:
            self._finish(False, "the modem is not ready or not registered")
            self._state = IDLE
            return True
        self._log.line("USSD", "request %s" % code)
        self._state = CHARSET
        self._cmd = None
        return True

    def take_result(self) -> tuple | None:
        """``(True, text)`` or ``(False, reason)`` once a request has ended, else None."""
        r = self._result
        self._result = None
        return r

    # -- loop ----------------------------------------------------------------
    def poll(self, now) -> None:
        try:
            self._poll(now)
        except Exception as e:  # nothing the modem sends may stop the loop
            self._log.line("USSD", "internal error: %s" % e)
            if self._state in (CHARSET, SEND, WAIT):
                self._finish(False, "internal error")
            self._state = IDLE
            self._cmd = None
            self._partial = None

    def next_deadline(self, now):
        waits = []
        if self._result is not None:
            return 0
        if self._partial is not None:
            waits.append(max(0, ticks_diff(self._partial_until, now)))
        st = self._state
        cmd = self._cmd
        if st == WAIT:
            waits.append(max(0, ticks_diff(self._deadline, now)))
        elif st != IDLE:
            if cmd is None:
                blocked = self._blocked_until
                waits.append(0 if blocked is None else max(0, ticks_diff(blocked, now)))
            elif cmd.done:
                waits.append(0)
        return min(waits) if waits else None

    def _poll(self, now) -> None:
        modem = self._modem
        if modem.restarts != self._restarts:
            self._restarts = modem.restarts
            self._charset = DEFAULT_CHARSET  # a restarted modem is back at its default
            self._close = False
            self._partial = None
            self._cmd = None
            if self._state in (CHARSET, SEND, WAIT):
                self._finish(False, "the modem restarted")
            self._state = IDLE
        urc = modem.take_ussd_urc()
        while urc is not None:
            self._on_line(urc, now)
            urc = modem.take_ussd_urc()
        if self._partial is not None and ticks_diff(now, self._partial_until) >= 0:
            line = self._partial
            self._partial = None
            self._answer(line)  # the rest never came: take it as it is
        self._step(now)

    def _on_line(self, line, now) -> None:
        if not line.startswith("+CUSD:"):
            # the next line of a text with line breaks (IRA); anything else is not ours
            if self._partial is not None:
                self._partial = (self._partial + "\n" + line)[:_MAX_RAW]
                if line.count('"') % 2:
                    joined = self._partial
                    self._partial = None
                    self._answer(joined)
            return
        if self._partial is not None:
            joined = self._partial
            self._partial = None
            self._answer(joined)
        line = line[:_MAX_RAW]
        if line.count('"') % 2 and self._charset != "UCS2":  # UCS2 hex has no line breaks
            self._partial = line
            self._partial_until = ticks_add(now, _CONTINUE_MS)
            return
        self._answer(line)

    def _answer(self, line) -> None:
        try:
            from isocket.modem.ussd_text import answer  # loaded with the first answer: rarely used
        except (ImportError, MemoryError) as e:
            self._log.line("USSD", "answer not read, its decoder is not loaded: %s" % e)
            if self._state in (SEND, WAIT):
                self._close = True
                self._finish(False, "+CUSD decoder not loaded")
            return
        answer(self, line)

    def _finish(self, ok, text) -> None:
        self._result = (ok, text)
        self._log.line("USSD", ("answer %s" if ok else "failed: %s") % (_show(text) if ok else text))
        self._state = CLEANUP
        self._cmd = None  # a command still in flight ends by itself

    def _submit(self, text, timeout, now) -> None:
        self._cmd = self._at.submit(text, timeout)
        self._blocked_until = None if self._cmd is not None else ticks_add(now, RETRY_MS)

    def _step(self, now) -> None:
        st = self._state
        if st == WAIT:
            if ticks_diff(now, self._deadline) < 0:
                return
            self._close = True
            self._finish(False, "no answer within %d s" % (_ANSWER_MS // 1000))
            st = CLEANUP
        if st == IDLE:
            return
        cmd = self._cmd
        if cmd is not None and not cmd.done:
            return
        if self._blocked_until is not None and ticks_diff(now, self._blocked_until) < 0:
            return
        if st == CHARSET:
            if cmd is None:
                self._submit('AT+CSCS="UCS2"', CMD_MS, now)
                return
            self._cmd = None
            if cmd.ok:
                self._charset = "UCS2"
            else:
                self._log.line("USSD", 'AT+CSCS="UCS2" -> %s: asking in IRA' % cmd.final)
            self._state = st = SEND
            cmd = None
        if st == SEND:
            if cmd is None:
                code = encode_code(self._code, self._charset)
                self._submit('AT+CUSD=1,"%s",15' % code, _ANSWER_MS, now)
                return
            self._cmd = None
            if cmd.ok:
                # the answer follows as +CUSD (017), within 30 s of the request going out
                self._deadline = ticks_add(cmd.started if cmd.started is not None else now, _ANSWER_MS)
                self._state = WAIT
                return
            self._finish(False, "AT+CUSD -> %s" % cmd.final)
            cmd = None
        # CLEANUP: close the session, then put the character set back
        if cmd is not None:
            self._cmd = None
            if cmd.text == "AT+CUSD=2":
                self._close = False
            elif cmd.ok:
                self._charset = DEFAULT_CHARSET
                self._restore_tries = 0
            else:
                self._restore_tries += 1
        if self._close:
            self._submit("AT+CUSD=2", CMD_MS, now)
        elif self._charset != DEFAULT_CHARSET and self._restore_tries < RESTORE_TRIES:
            # 27.007 has every string in the TE character set, this one too: a modem that
            # refuses "IRA" while in UCS2 is asked "004900520041"
            name = encode_code(DEFAULT_CHARSET, "UCS2" if self._restore_tries % 2 else "IRA")
            self._submit('AT+CSCS="%s"' % name, CMD_MS, now)
        else:
            if self._charset != DEFAULT_CHARSET:
                self._log.line("USSD", "could not set the character set back to %s" % DEFAULT_CHARSET)
            self._restore_tries = 0
            self._state = IDLE
