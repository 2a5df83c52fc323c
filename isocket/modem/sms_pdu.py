"""SMS PDU codec (3GPP TS 23.040): decode SMS-DELIVER, encode SMS-SUBMIT.

PDUs are hex strings as the modem prints and reads them in PDU mode (AT+CMGF=0), with the
SMSC address in front. Every malformed input raises ValueError, nothing else.
"""

from binascii import hexlify
from micropython import const

from isocket.modem import gsm7

_HEX_IN = "0123456789abcdef0123456789ABCDEF"
_DIGITS = "0123456789*#abc"  # semi-octet values 0..14; 15 is the filler
_MAX_HEX = const(2 * (12 + 176))  # SMSC address + the longest TPDU, with room to spare


def from_hex(text: str) -> bytearray:
    """Parse a hex string (either case) into bytes; ValueError if odd length or not hex."""
    if not isinstance(text, str) or len(text) & 1:
        raise ValueError("bad hex length")
    out = bytearray(len(text) // 2)
    i = 0
    for ch in text:
        v = _HEX_IN.find(ch)
        if v < 0:
            raise ValueError("not hex")
        out[i >> 1] = (out[i >> 1] << 4) | (v & 15)
        i += 1
    return out


def to_hex(data) -> str:
    """Format bytes as upper-case hex."""
    return hexlify(data).decode().upper()  # in C: not one small string per byte on the heap


def semi_octets(digits: str) -> bytearray:
    """Digits as swapped-nibble BCD, odd length padded with F ('123' -> 21 F3)."""
    out = bytearray((len(digits) + 1) // 2)
    for i in range(len(digits)):
        v = "0123456789".find(digits[i])
        if v < 0:
            raise ValueError("not a digit")
        out[i >> 1] |= v << 4 if i & 1 else v
    if len(digits) & 1:
        out[-1] |= 0xF0
    return out


def number_from_semi_octets(data, count: int) -> str:
    """The first ``count`` semi-octets of ``data`` as characters (0-9 * # a b c)."""
    out = []
    for i in range(count):
        v = data[i >> 1] >> 4 if i & 1 else data[i >> 1] & 15
        if v > 14:
            raise ValueError("filler inside a number")
        out.append(_DIGITS[v])
    return "".join(out)


def pack7(septets, fill: int = 0) -> bytearray:
    """Pack septets LSB-first into octets, after ``fill`` zero bits."""
    out = bytearray()
    acc = 0
    bits = fill
    for s in septets:
        acc |= (s & 0x7F) << bits
        bits += 7
        while bits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            bits -= 8
    if bits:
        out.append(acc & 0xFF)
    return out


def unpack7(data, count: int) -> bytearray:
    """Unpack ``count`` septets, one a byte, from the start of ``data`` (caller checks the length)."""
    out = bytearray()
    acc = 0
    bits = 0
    i = 0
    for _ in range(count):
        if bits < 7:
            acc |= data[i] << bits
            i += 1
            bits += 8
        out.append(acc & 0x7F)
        acc >>= 7
        bits -= 7
    return out


def _bcd(b: int) -> int:
    # Swapped nibbles, not validated: a bad timestamp must not cost the message.
    return (b & 15) * 10 + (b >> 4)


def latin1_decode(data) -> str:
    """Bytes as ISO 8859-1 text (8-bit data shown as characters)."""
    out = bytearray()
    for b in data:
        gsm7.put_utf8(out, b)
    return out.decode()


def _ucs2_decode(data) -> str:
    # Big-endian UTF-16: surrogate pairs give one char, an unpaired surrogate gives '?'.
    out = bytearray()
    i = 0
    n = len(data) - 1
    while i < n:
        u = data[i] << 8 | data[i + 1]
        i += 2
        if 0xD800 <= u < 0xDC00 and i < n:
            lo = data[i] << 8 | data[i + 1]
            if 0xDC00 <= lo < 0xE000:
                i += 2
                gsm7.put_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00))
                continue
        gsm7.put_utf8(out, 0x3F if 0xD800 <= u < 0xE000 else u)  # 0x3F: "?"
    return out.decode()


def _ucs2_encode(text: str) -> bytearray:
    out = bytearray()
    for ch in text:
        c = ord(ch)
        if c >= 0x10000:
            c -= 0x10000
            hi = 0xD800 | c >> 10
            lo = 0xDC00 | (c & 0x3FF)
            out.extend(bytes((hi >> 8, hi & 0xFF, lo >> 8, lo & 0xFF)))
        else:
            if 0xD800 <= c < 0xE000:
                c = 0x3F  # a lone surrogate cannot be sent; '?' instead
            out.extend(bytes((c >> 8, c & 0xFF)))
    return out


def _coding(dcs: int) -> tuple:
    """(alphabet 0=GSM7 1=8-bit 2=UCS2, message class or -1) for a TP-DCS value."""
    group = dcs >> 4
    if group < 8:  # general data coding, also "marked for automatic deletion"
        if dcs & 0x20:
            raise ValueError("compressed SMS")
        alphabet = (dcs >> 2) & 3
        if alphabet == 3:
            raise ValueError("reserved alphabet")
        return alphabet, (dcs & 3) if dcs & 0x10 else -1
    if group == 0xF:
        return (1 if dcs & 4 else 0), dcs & 3
    if group in (0xC, 0xD):  # message waiting indication, GSM 7-bit
        return 0, -1
    if group == 0xE:  # message waiting indication, UCS2
        return 2, -1
    raise ValueError("reserved DCS")


class SmsDeliver:
    """A decoded SMS-DELIVER: sender, timestamp, coding and text of one received part."""

    def __init__(self) -> None:
        self.mti = 0
        self.sender = ""
        self.sender_is_numeric = False
        self.sender_toa = 0
        self.pid = 0
        self.dcs = 0
        self.scts = (0, 0, 0, 0, 0, 0, 0)
        self.text = ""
        self.concat: tuple | None = None  # (ref, total, seq) of a concatenated message
        self.is_flash = False


def decode_deliver(hex_pdu: str) -> SmsDeliver:
    """Decode an SMS-DELIVER PDU (SMSC address first); ValueError on anything malformed."""
    if not isinstance(hex_pdu, str):
        raise ValueError("PDU must be a str")
    hex_pdu = hex_pdu.strip()
    if len(hex_pdu) > _MAX_HEX:
        raise ValueError("PDU too long")
    b = from_hex(hex_pdu)
    n = len(b)
    if n < 1 or b[0] > 11:
        raise ValueError("bad SMSC length")
    p = 1 + b[0]
    if p + 3 > n:
        raise ValueError("truncated")
    fo = b[p]
    if fo & 3:
        raise ValueError("not an SMS-DELIVER")
    m = SmsDeliver()
    digits = b[p + 1]
    m.sender_toa = toa = b[p + 2]
    p += 3
    if digits > 20:
        raise ValueError("bad sender length")
    end = p + (digits + 1) // 2
    if end + 10 > n:  # sender, PID, DCS, SCTS, UDL
        raise ValueError("truncated")
    if (toa >> 4) & 7 == 5:  # alphanumeric sender, GSM 7-bit packed
        m.sender = gsm7.decode(unpack7(b[p:end], digits * 4 // 7))
    else:
        m.sender = number_from_semi_octets(b[p:end], digits)
        m.sender_is_numeric = digits > 0 and m.sender.isdigit()
        if digits and (toa >> 4) & 7 == 1:
            m.sender = "+" + m.sender
    p = end
    m.pid = b[p]
    m.dcs = b[p + 1]
    alphabet, klass = _coding(m.dcs)
    m.is_flash = klass == 0
    t = b[p + 2 : p + 9]
    tz = (t[6] & 7) * 10 + (t[6] >> 4)
    m.scts = (_bcd(t[0]), _bcd(t[1]), _bcd(t[2]), _bcd(t[3]), _bcd(t[4]), _bcd(t[5]), -tz if t[6] & 8 else tz)
    udl = b[p + 9]
    ud = b[p + 10 :]
    size = (udl * 7 + 7) // 8 if alphabet == 0 else udl
    if size > 140 or size > len(ud):
        raise ValueError("bad user data length")
    head = 0
    if fo & 0x40:  # TP-UDHI: a user data header comes first
        if size < 1 or ud[0] + 1 > size:
            raise ValueError("bad UDH length")
        head = ud[0] + 1
        m.concat = _concat(ud[1:head])
    if alphabet == 0:
        skip = (head * 8 + 6) // 7  # header plus fill bits, in septets
        if skip > udl:
            raise ValueError("bad UDH length")
        m.text = gsm7.decode(unpack7(ud, udl)[skip:])
    elif alphabet == 1:
        m.text = latin1_decode(ud[head:udl])
    else:
        if (udl - head) & 1:
            raise ValueError("odd UCS2 length")
        m.text = _ucs2_decode(ud[head:udl])
    return m


def _concat(h) -> tuple | None:
    """(ref, total, seq) from a concatenation IE of the user data header, else None."""
    found = None
    i = 0
    while i < len(h):
        if i + 2 > len(h) or i + 2 + h[i + 1] > len(h):
            raise ValueError("bad UDH element")
        iei, ln = h[i], h[i + 1]
        if iei == 0 and ln == 3:
            found = (h[i + 2], h[i + 3], h[i + 4])
        elif iei == 8 and ln == 4:
            found = (h[i + 2] << 8 | h[i + 3], h[i + 4], h[i + 5])
        i += 2 + ln
    # 23.040: an element with total 0, seq 0 or seq > total is ignored.
    if found and (found[1] == 0 or found[2] == 0 or found[2] > found[1]):
        return None
    return found


def _char_units(gsm: bool):
    if gsm:
        return gsm7.char_len
    return lambda ch: 2 if ord(ch) >= 0x10000 else 1


def _split(text: str, gsm: bool, max_parts: int) -> list:
    """Cut ``text`` into parts; beyond ``max_parts`` keep what fits and end with '...'."""
    units = _char_units(gsm)
    single, per = (160, 153) if gsm else (70, 67)
    total = 0
    for ch in text:
        total += units(ch)
        if total > single:
            break
    if total <= single:
        return [text]
    # Parts are slices of ``text``, not lists of characters: a list of 153 one-character
    # strings needs a contiguous pointer array that grows by doubling.
    parts: list[str] = []
    used = 0
    start = 0  # index in text where the current part starts
    i = 0
    for ch in text:
        c = units(ch)
        if used + c > per:
            if len(parts) + 1 == max_parts:
                break
            parts.append(text[start:i])
            start = i
            used = 0
        used += c
        i += 1
    else:
        parts.append(text[start:])
        return parts
    # Too long: refill the last part within its limit less three for '...'.
    budget = (single if max_parts == 1 else per) - 3
    end = start
    used = 0
    for ch in text[start:]:
        c = units(ch)
        if used + c > budget:
            break
        end += 1
        used += c
    last = text[start:end]
    nl = last.rfind("\n")
    cm = last.rfind(", ")
    cut = max(nl + 1 if nl >= 0 else 0, cm + 2 if cm >= 0 else 0)
    if cut:  # keep up to the last line or item boundary inside the last part
        last = last[:cut]
    parts.append(last + "...")
    return parts


def encode_submit(number: str, text: str, ref: int = 0, max_parts: int = 3) -> list:
    """SMS-SUBMIT PDUs for ``text`` to ``number``: [(tpdu_octets, hex_pdu), ...] for AT+CMGS.

    GSM 7-bit when every char fits, else UCS2; more than one part carries a concatenation
    header with 8-bit reference ``ref``; text beyond ``max_parts`` parts is cut, ending '...'.
    """
    if not isinstance(number, str) or not isinstance(text, str):
        raise ValueError("number and text must be str")
    if number[:1] == "+":
        toa = 0x91
        number = number[1:]
    else:
        toa = 0x81
    if not number or len(number) > 20 or not number.isdigit():
        raise ValueError("bad number")
    if not 1 <= max_parts <= 255:
        raise ValueError("bad max_parts")
    da = bytearray((len(number), toa))
    da.extend(semi_octets(number))
    gsm = gsm7.fits_gsm7(text)
    chunks = _split(text, gsm, max_parts)
    total = len(chunks)
    out = []
    for seq in range(total):
        ud = bytearray((5, 0, 3, ref & 0xFF, total, seq + 1)) if total > 1 else bytearray()
        if gsm:
            septets = gsm7.encode(chunks[seq]) or bytearray()
            ud.extend(pack7(septets, 1 if ud else 0))
            udl = len(septets) + (7 if total > 1 else 0)  # 6 octets + 1 fill bit = 7 septets
        else:
            ud.extend(_ucs2_encode(chunks[seq]))
            udl = len(ud)
        # SMS-SUBMIT with relative validity period, UDHI when split.
        tpdu = bytearray((0x51 if total > 1 else 0x11, 0))
        tpdu.extend(da)
        tpdu.extend(bytes((0, 0 if gsm else 8, 0xAA, udl)))
        tpdu.extend(ud)
        out.append((len(tpdu), "00" + to_hex(tpdu)))
    return out
