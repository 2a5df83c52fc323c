"""Reading a ``+CUSD`` answer: its fields and its text (23.038 alphabets, the modem's
character set). Apart from ``isocket.modem.ussd`` so it is loaded only with the first answer."""

from micropython import const

from isocket.modem import gsm7
from isocket.modem.sms_pdu import _ucs2_decode, from_hex, latin1_decode, unpack7
from isocket.modem.ussd import CLEANUP, IDLE, SEND, WAIT, _show

_MAX_RAW = const(1200)  # one answer as received, joined lines included (as isocket.modem.ussd)
MAX_TEXT = const(400)  # decoded; a USSD text holds at most 182 characters

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
        return gsm7.decode(data)
    count = len(data) * 8 // 7
    septets = unpack7(data, count)
    if count % 8 == 0 and septets and septets[-1] in (0, 0x0D):
        septets = septets[:-1]  # 7 spare bits: padding (CR, or zeros from a careless sender)
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
    s = s[:_MAX_RAW]
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
            text = latin1_decode(data)
    return clean(text)


def clean(text: str) -> str:
    """Line ends as LF, tabs as spaces, other control characters dropped, at most MAX_TEXT."""
    out = bytearray()
    n = 0
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
        gsm7.put_utf8(out, ord(c))
        n += 1
        if n >= MAX_TEXT:
            break
    return out.decode().strip()


def answer(u, line) -> None:
    """One ``+CUSD`` answer for ``Ussd`` ``u`` (its ``_answer``): the outcome of the request it
    waits for, or a session to close."""
    p = parse_cusd(line)
    if p is None:
        u._log.line("USSD", "unreadable answer ignored: %s" % _show(line))
        return
    m, raw, dcs = p
    if raw is not None and line.count('"') % 2 and u._charset == "UCS2":
        raw = raw[: len(raw) - len(raw) % 4]  # a line cut short: whole characters only
    if u._state not in (SEND, WAIT):
        u._log.line("USSD", "answer to no request ignored (+CUSD: %d)" % m)
        if m == 1:  # the network waits for a reply that will not come: end the session
            u._close = True
            if u._state == IDLE:
                u._blocked_until = None
                u._state = CLEANUP
        return
    if m == 1:
        u._close = True
    if m in _FAILURES:
        u._finish(False, "+CUSD: %d (%s)" % (m, _FAILURES[m]))
    elif m > 2:
        u._finish(False, "+CUSD: %d" % m)
    elif raw is None:
        u._finish(False, "+CUSD: %d without a text" % m)
    else:
        text = decode(raw, dcs, u._charset)
        if text:
            u._finish(True, text)
        else:
            u._finish(False, "+CUSD: %d, text empty or unreadable (dcs %s)" % (m, dcs))
