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

from adafruit_ticks import ticks_add, ticks_diff

from isocket.modem import gsm7
from isocket.modem.sms_pdu import _ucs2_decode, from_hex, unpack7

ANSWER_MS = 30000  # wait up to 30 s for the network's answer
CMD_MS = 3000
CONTINUE_MS = 500  # an IRA text with an open quote: wait this long for its next lines
RETRY_MS = 200  # the AT queue was full
RESTORE_TRIES = 3
DEFAULT_CHARSET = "IRA"
MAX_CODE = 30
MAX_RAW = 1200  # one answer as received, joined lines included
MAX_TEXT = 400  # decoded; a USSD text holds at most 182 characters
CODE_CHARS = "0123456789*#+"

IDLE, CHARSET, SEND, WAIT, CLEANUP = range(5)
GSM7, BIT8, UCS2, UNREADABLE = range(4)
_FAILURES = {3: "another client answered", 4: "not supported", 5: "network time-out"}


def parse_cusd(line: str) -> tuple | None:
    """``+CUSD: <m>[,<str>[,<dcs>]]`` -> (m, str or None, dcs or None); None if unreadable.

    The string runs to the last double quote, so a quote inside it survives; without a
    closing quote (a line cut short, or continued on the next line) it runs to the end.
    """
    if not line.startswith("+CUSD:"):
        return None
    rest = line[6:].lstrip(" ")
    i = 0
    while i < len(rest) and i < 2 and "0" <= rest[i] <= "9":
        i += 1
    if i == 0:
        return None
    m = int(rest[:i])
    rest = rest[i:].lstrip(" ")
    if not rest:
        return m, None, None
    if rest[0] != ",":
        return None
    rest = rest[1:].lstrip(" ")
    if not rest:
        return m, None, None
    if rest[0] == '"':
        end = rest.rfind('"')
        if end <= 0:
            return m, rest[1:], None
        text = rest[1:end]
        tail = rest[end + 1 :]
    else:  # unquoted, as some modems print hex
        comma = rest.find(",")
        text = (rest if comma < 0 else rest[:comma]).strip(" ")
        tail = "" if comma < 0 else rest[comma:]
    tail = tail.strip(" ")
    dcs = None
    if tail[:1] == ",":
        d = tail[1:].strip(" ")
        if 0 < len(d) <= 3 and d.isdigit() and int(d) <= 255:
            dcs = int(d)
    return m, text, dcs


def dcs_alphabet(dcs: int | None) -> int:
    """The alphabet a USSD/CBS data coding scheme names (23.038 §5): GSM7, BIT8, UCS2 or
    UNREADABLE (compressed); reserved values read as the 7-bit default alphabet, as 23.038 says."""
    if dcs is None or not 0 <= dcs <= 255:
        return GSM7
    group = dcs >> 4
    if dcs == 0x11:
        return UCS2  # UCS2, preceded by a language indication
    if 4 <= group <= 7 or group == 9:  # general data coding / message with a header
        if group != 9 and dcs & 0x20:
            return UNREADABLE
        return (GSM7, BIT8, UCS2, GSM7)[(dcs >> 2) & 3]
    if group == 15:
        return BIT8 if dcs & 4 else GSM7
    return GSM7


def _hex(s: str):
    if not s or len(s) & 1:
        return None
    try:
        return from_hex(s)
    except ValueError:
        return None


def _latin1(data) -> str:
    return "".join([chr(b) for b in data])


def _looks_ucs2(data) -> bool:
    # 7-bit-labelled hex in IRA is UCS2 only if it reads as text in one script plus ASCII
    n = len(data) // 2
    if n < 2 or len(data) & 1:
        return False
    script = -1
    same = 0
    ascii_seen = False
    for i in range(n):
        hi = data[2 * i]
        u = hi << 8 | data[2 * i + 1]
        if (u < 0x20 and u not in (0x0A, 0x0D)) or u >= 0xFFFE:
            return False
        if hi == 0:
            ascii_seen = True
            same += 1
        elif script < 0 or hi == script:
            script = hi
            same += 1
    return ascii_seen and 4 * same >= 3 * n


def _septets(data) -> str:
    # GSM 7-bit as hex: one septet per octet (27.007 "HEX"), or packed (23.038 §6.1.2.3)
    packed = False
    for b in data:
        if b > 0x7F:
            packed = True
    if not packed:
        return gsm7.decode(list(data))
    count = len(data) * 8 // 7
    septets = unpack7(data, count)
    if count % 8 == 0 and septets and septets[-1] in (0, 0x0D):
        septets.pop()  # 7 spare bits: padding (CR, or zeros from a careless sender)
    return gsm7.decode(septets)


def _gsm7_text(s: str, charset: str) -> str:
    data = _hex(s)
    if charset == "UCS2":
        if data is None:
            return s  # the modem sent text after all
        if len(data) % 2 == 0:
            return _ucs2_decode(data)
        return _septets(data)
    if charset == "HEX":
        return s if data is None else _septets(data)
    if data is not None and len(data) >= 4 and _looks_ucs2(data):
        return _ucs2_decode(data)  # UCS2 hex labelled 7-bit (010)
    if charset == "GSM":
        return gsm7.decode([ord(c) & 0x7F for c in s])
    return s  # IRA and the like: text as is, 8-bit bytes taken as Latin-1 (028)


def decode(s: str, dcs: int | None, charset: str) -> str | None:
    """The text of a ``+CUSD`` <str> by its DCS and the character set in force, cleaned up;
    None when it cannot be read (a compressed text)."""
    alphabet = dcs_alphabet(dcs)
    if alphabet == UNREADABLE:
        return None
    s = s[:MAX_RAW]
    if alphabet == GSM7:
        text = _gsm7_text(s, charset)
        if dcs == 0x10 and len(text) >= 2:  # "EN" and CR before the text (23.038 §5)
            text = text[2:]
    else:
        data = _hex(s)
        if data is None:
            text = s  # the modem converted it to text itself
        elif alphabet == UCS2:
            text = _ucs2_decode(data[2:] if dcs == 0x11 else data)
        else:
            text = _latin1(data)
    return clean(text)


def clean(text: str) -> str:
    """Line ends as LF, tabs as spaces, other control characters dropped, at most MAX_TEXT."""
    out = []
    cr = False
    for c in text:
        if c == "\n" and cr:
            cr = False
            continue
        cr = c == "\r"
        if cr:
            c = "\n"
        elif c == "\t":
            c = " "
        elif c != "\n" and (c < " " or "\x7f" <= c < "\xa0"):
            continue
        out.append(c)
        if len(out) >= MAX_TEXT:
            break
    return "".join(out).strip()


def encode_code(code: str, charset: str) -> str:
    """A string parameter as the modem reads it in ``charset`` (UCS2: 4 hex digits a character)."""
    if charset != "UCS2":
        return code
    return "".join(["%04X" % ord(c) for c in code])


def _is_code(code: object) -> bool:
    if not isinstance(code, str) or not 0 < len(code) <= MAX_CODE:
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
                self._partial = (self._partial + "\n" + line)[:MAX_RAW]
                if line.count('"') % 2:
                    joined = self._partial
                    self._partial = None
                    self._answer(joined)
            return
        if self._partial is not None:
            joined = self._partial
            self._partial = None
            self._answer(joined)
        line = line[:MAX_RAW]
        if line.count('"') % 2 and self._charset != "UCS2":  # UCS2 hex has no line breaks
            self._partial = line
            self._partial_until = ticks_add(now, CONTINUE_MS)
            return
        self._answer(line)

    def _answer(self, line) -> None:
        p = parse_cusd(line)
        if p is None:
            self._log.line("USSD", "unreadable answer ignored: %s" % _show(line))
            return
        m, raw, dcs = p
        if raw is not None and line.count('"') % 2 and self._charset == "UCS2":
            raw = raw[: len(raw) - len(raw) % 4]  # a line cut short: whole characters only
        if self._state not in (SEND, WAIT):
            self._log.line("USSD", "answer to no request ignored (+CUSD: %d)" % m)
            if m == 1:  # the network waits for a reply that will not come: end the session
                self._close = True
                if self._state == IDLE:
                    self._blocked_until = None
                    self._state = CLEANUP
            return
        if m == 1:
            self._close = True
        if m in _FAILURES:
            self._finish(False, "+CUSD: %d (%s)" % (m, _FAILURES[m]))
        elif m > 2:
            self._finish(False, "+CUSD: %d" % m)
        elif raw is None:
            self._finish(False, "+CUSD: %d without a text" % m)
        else:
            text = decode(raw, dcs, self._charset)
            if text:
                self._finish(True, text)
            else:
                self._finish(False, "+CUSD: %d, text empty or unreadable (dcs %s)" % (m, dcs))

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
            self._finish(False, "no answer within %d s" % (ANSWER_MS // 1000))
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
                self._submit('AT+CUSD=1,"%s",15' % code, ANSWER_MS, now)
                return
            self._cmd = None
            if cmd.ok:
                # the answer follows as +CUSD (017), within 30 s of the request going out
                self._deadline = ticks_add(cmd.started if cmd.started is not None else now, ANSWER_MS)
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
