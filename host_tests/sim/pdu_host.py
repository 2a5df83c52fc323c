"""Host-side SMS PDU codec for the simulated network (3GPP TS 23.040 / 23.038).

An independent implementation, written from the specifications for the emulator
and its tests; it shares nothing with the firmware's codec in ``isocket/modem/``
so that the two can check each other.

What is here:

* the GSM 7-bit default alphabet and its extension table (23.038 §6.2.1),
  septet packing with the fill bits that follow a user data header (23.040 §9.2.3.24);
* addresses (23.040 §9.1.2.5): semi-octet numbers with TON/NPI, alphanumeric senders;
* time stamps (§9.2.3.11) with the signed quarter-hour zone;
* SMS-DELIVER encoding (what the network hands the modem), with the SMSC address
  in front as a modem shows it in ``+CMGR``/``+CMGL``, and its decoding (tests);
* SMS-SUBMIT decoding (what the firmware writes after ``AT+CMGS=<len>``), and its
  encoding (tests);
* splitting a text into concatenated parts (IEI 0x00, 8-bit reference).
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------------------
# GSM 7-bit default alphabet (23.038 §6.2.1) and extension table (§6.2.1.1)

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
assert len(GSM7_BASIC) == 128

GSM7_EXT = {
    0x0A: "\x0c",  # form feed (page break)
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

_BASIC_INDEX = {ch: i for i, ch in enumerate(GSM7_BASIC) if i != 0x1B}
_EXT_INDEX = {ch: code for code, ch in GSM7_EXT.items()}


class PduError(ValueError):
    """A PDU that cannot be parsed (the modem answers +CMS ERROR: 304)."""


def gsm7_encodable(text: str) -> bool:
    return all(ch in _BASIC_INDEX or ch in _EXT_INDEX for ch in text)


def gsm7_septets(text: str) -> list[int]:
    """Text to unpacked septet codes; extension characters take two septets."""
    out: list[int] = []
    for ch in text:
        if ch in _BASIC_INDEX:
            out.append(_BASIC_INDEX[ch])
        elif ch in _EXT_INDEX:
            out.extend((0x1B, _EXT_INDEX[ch]))
        else:
            raise ValueError("character %r is not in the GSM 7-bit alphabet" % ch)
    return out


def gsm7_septet_len(text: str) -> int:
    return sum(2 if ch in _EXT_INDEX and ch not in _BASIC_INDEX else 1 for ch in text)


def gsm7_decode_septets(septets: list[int]) -> str:
    out: list[str] = []
    escape = False
    for s in septets:
        if escape:
            # 23.038: an unknown extension code shows the basic character instead.
            out.append(GSM7_EXT.get(s, GSM7_BASIC[s] if s != 0x1B else " "))
            escape = False
        elif s == 0x1B:
            escape = True
        else:
            out.append(GSM7_BASIC[s])
    return "".join(out)


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """Pack septets LSB first, after ``fill_bits`` zero bits (23.040 §9.2.3.24)."""
    acc = 0
    nbits = fill_bits
    out = bytearray()
    for s in septets:
        acc |= (s & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits > 0:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    if len(data) < (fill_bits + count * 7 + 7) // 8:
        raise PduError("user data shorter than its length")
    acc = int.from_bytes(data, "little") >> fill_bits
    return [(acc >> (7 * i)) & 0x7F for i in range(count)]


# --------------------------------------------------------------------------------------
# Semi-octets, addresses, time stamps


def _swap_bcd(digits: str) -> bytes:
    """Semi-octet encoding: '12345' -> 21 43 F5 (digits, '*', '#', a-c allowed)."""
    table = {"*": 0xA, "#": 0xB, "a": 0xC, "b": 0xD, "c": 0xE}
    vals = [int(d) if d.isdigit() else table[d.lower()] for d in digits]
    if len(vals) % 2:
        vals.append(0xF)
    return bytes(vals[i] | (vals[i + 1] << 4) for i in range(0, len(vals), 2))


def _unswap_bcd(data: bytes, ndigits: int) -> str:
    table = "0123456789*#abc"
    out: list[str] = []
    for b in data:
        for nib in (b & 0x0F, b >> 4):
            if len(out) < ndigits:
                if nib == 0xF:
                    raise PduError("filler inside address digits")
                out.append(table[nib])
    return "".join(out)


def is_numeric_address(number: str) -> bool:
    body = number[1:] if number.startswith("+") else number
    return body != "" and all(c.isdigit() or c in "*#" for c in body)


def number_toa(number: str) -> int:
    """Type of address for a number as the network presents it (SMS OA).

    '+' -> international (0x91); leading '0' (one, not '00') -> national (0xA1);
    other numbers -> unknown/ISDN (0x81); anything with letters -> alphanumeric (0xD0).
    """
    if not is_numeric_address(number):
        return 0xD0
    if number.startswith("+"):
        return 0x91
    if number.startswith("0") and not number.startswith("00"):
        return 0xA1
    return 0x81


def encode_address(number: str, toa: int | None = None) -> bytes:
    """TP-OA/TP-DA: length (useful semi-octets), TOA, value."""
    if toa is None:
        toa = number_toa(number)
    if (toa & 0x70) == 0x50:  # alphanumeric (TON 101)
        septets = gsm7_septets(number)
        packed = pack_septets(septets)
        nsemi = (len(septets) * 7 + 3) // 4
        return bytes((nsemi, toa)) + packed
    digits = number[1:] if number.startswith("+") else number
    return bytes((len(digits), toa)) + _swap_bcd(digits)


def decode_address(data: bytes, pos: int) -> tuple[str, int, int]:
    """Returns (number, toa, next position). International numbers get a '+'."""
    if pos + 2 > len(data):
        raise PduError("address truncated")
    nsemi = data[pos]
    toa = data[pos + 1]
    nbytes = (nsemi + 1) // 2
    raw = data[pos + 2 : pos + 2 + nbytes]
    if len(raw) != nbytes:
        raise PduError("address truncated")
    if nsemi > 20:
        raise PduError("address too long")
    if (toa & 0x70) == 0x50:
        nsept = nsemi * 4 // 7
        number = gsm7_decode_septets(unpack_septets(raw, nsept))
    else:
        number = _unswap_bcd(raw, nsemi)
        if (toa & 0x70) == 0x10:
            number = "+" + number
    return number, toa, pos + 2 + nbytes


def encode_smsc(number: str | None) -> bytes:
    """SMSC field in front of a TPDU: length in octets incl. TOA, or 00 for none."""
    if not number:
        return b"\x00"
    digits = number[1:] if number.startswith("+") else number
    toa = 0x91 if number.startswith("+") else 0x81
    body = bytes((toa,)) + _swap_bcd(digits)
    return bytes((len(body),)) + body


def decode_smsc(data: bytes) -> tuple[str | None, int]:
    if not data:
        raise PduError("empty PDU")
    n = data[0]
    if n == 0:
        return None, 1
    if 1 + n > len(data) or n > 12:
        raise PduError("SMSC address truncated")
    toa = data[1]
    table = "0123456789*#abc"
    digits = []
    for b in data[2 : 1 + n]:
        for nib in (b & 0x0F, b >> 4):
            if nib != 0xF:
                digits.append(table[nib])
    number = "".join(digits)
    return ("+" + number if (toa & 0x70) == 0x10 else number), 1 + n


@dataclass(frozen=True)
class Timestamp:
    """A service-centre time stamp: local date/time and the zone in quarter hours."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    tz_quarters: int = 0

    def text(self) -> str:
        """27.005 text-mode form ``yy/MM/dd,hh:mm:ss±zz``."""
        sign = "-" if self.tz_quarters < 0 else "+"
        return "%02d/%02d/%02d,%02d:%02d:%02d%s%02d" % (
            self.year % 100,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            sign,
            abs(self.tz_quarters),
        )


def _bcd2(v: int) -> int:
    return (v % 10) << 4 | (v // 10) % 10


def encode_scts(ts: Timestamp) -> bytes:
    q = abs(ts.tz_quarters)
    tz = ((q % 10) << 4) | (q // 10)
    if ts.tz_quarters < 0:
        tz |= 0x08
    return bytes(
        (
            _bcd2(ts.year % 100),
            _bcd2(ts.month),
            _bcd2(ts.day),
            _bcd2(ts.hour),
            _bcd2(ts.minute),
            _bcd2(ts.second),
            tz,
        )
    )


def decode_scts(data: bytes) -> Timestamp:
    if len(data) != 7:
        raise PduError("time stamp truncated")

    def d(b: int) -> int:
        return (b & 0x0F) * 10 + (b >> 4)

    tzb = data[6]
    q = (tzb & 0x07) * 10 + (tzb >> 4)
    if tzb & 0x08:
        q = -q
    return Timestamp(2000 + d(data[0]), d(data[1]), d(data[2]), d(data[3]), d(data[4]), d(data[5]), q)


# --------------------------------------------------------------------------------------
# Data coding scheme (23.038 §4)

ALPHABET_GSM7 = "gsm7"
ALPHABET_8BIT = "8bit"
ALPHABET_UCS2 = "ucs2"


def dcs_alphabet(dcs: int) -> str:
    group = dcs >> 4
    if group <= 0x7:  # general data coding (00xx) and automatic deletion (01xx)
        if dcs & 0x20:
            raise PduError("compressed text is not supported")
        return (ALPHABET_GSM7, ALPHABET_8BIT, ALPHABET_UCS2, ALPHABET_GSM7)[(dcs >> 2) & 3]
    if group in (0xC, 0xD):  # message waiting, GSM 7-bit
        return ALPHABET_GSM7
    if group == 0xE:  # message waiting, UCS2
        return ALPHABET_UCS2
    if group == 0xF:
        return ALPHABET_8BIT if dcs & 0x04 else ALPHABET_GSM7
    raise PduError("reserved data coding scheme %02X" % dcs)


# --------------------------------------------------------------------------------------
# User data header


@dataclass(frozen=True)
class Concat:
    ref: int
    total: int
    seq: int


def encode_concat_udh(ref: int, total: int, seq: int) -> bytes:
    return bytes((5, 0x00, 3, ref & 0xFF, total, seq))


def parse_udh(udh: bytes) -> Concat | None:
    """UDH (with its length octet) -> concatenation info, if any (IEI 0x00 / 0x08)."""
    pos = 1
    end = 1 + udh[0]
    concat = None
    while pos + 2 <= end:
        iei, ielen = udh[pos], udh[pos + 1]
        val = udh[pos + 2 : pos + 2 + ielen]
        if len(val) != ielen or pos + 2 + ielen > end:
            raise PduError("user data header truncated")
        if iei == 0x00 and ielen == 3:
            concat = Concat(val[0], val[1], val[2])
        elif iei == 0x08 and ielen == 4:
            concat = Concat(val[0] << 8 | val[1], val[2], val[3])
        pos += 2 + ielen
    return concat


def _encode_ud(text: str, alphabet: str, udh: bytes) -> tuple[int, bytes]:
    """Returns (TP-UDL, TP-UD)."""
    if alphabet == ALPHABET_GSM7:
        septets = gsm7_septets(text)
        if udh:
            fill = (7 - (len(udh) * 8) % 7) % 7
            hdr_septets = (len(udh) * 8 + fill) // 7
            return hdr_septets + len(septets), udh + pack_septets(septets, fill)
        return len(septets), pack_septets(septets)
    if alphabet == ALPHABET_UCS2:
        body = text.encode("utf-16-be")
    else:
        body = text.encode("latin-1")
    return len(udh) + len(body), udh + body


def _decode_ud(
    data: bytes, pos: int, udl: int, alphabet: str, udhi: bool
) -> tuple[str, bytes, Concat | None]:
    ud = data[pos:]
    udh = b""
    concat = None
    if alphabet == ALPHABET_GSM7:
        nbytes = (udl * 7 + 7) // 8
        if len(ud) < nbytes:
            raise PduError("user data shorter than its length")
        if len(ud) > nbytes:
            raise PduError("trailing octets after user data")
        fill = 0
        skip = 0
        if udhi:
            if not ud:
                raise PduError("missing user data header")
            udh = ud[: 1 + ud[0]]
            if len(udh) != 1 + ud[0]:
                raise PduError("user data header truncated")
            concat = parse_udh(udh)
            fill = (7 - (len(udh) * 8) % 7) % 7
            skip = (len(udh) * 8 + fill) // 7
            if skip > udl:
                raise PduError("user data header longer than user data")
        septets = unpack_septets(ud[len(udh) :], udl - skip, fill)
        return gsm7_decode_septets(septets), udh, concat
    if len(ud) != udl:
        raise PduError("user data length mismatch")
    body = ud
    if udhi:
        if not ud:
            raise PduError("missing user data header")
        udh = ud[: 1 + ud[0]]
        if len(udh) != 1 + ud[0]:
            raise PduError("user data header truncated")
        concat = parse_udh(udh)
        body = ud[len(udh) :]
    if alphabet == ALPHABET_UCS2:
        if len(body) % 2:
            raise PduError("odd UCS2 length")
        return body.decode("utf-16-be", errors="replace"), udh, concat
    return body.decode("latin-1"), udh, concat


# --------------------------------------------------------------------------------------
# SMS-DELIVER


@dataclass
class Deliver:
    smsc: str | None
    oa: str
    toa: int
    pid: int
    dcs: int
    scts: Timestamp
    text: str
    udh: bytes = b""
    concat: Concat | None = None
    first_octet: int = 0x04

    @property
    def alphabet(self) -> str:
        return dcs_alphabet(self.dcs)


def encode_deliver(
    oa: str,
    text: str,
    scts: Timestamp,
    *,
    ucs2: bool = False,
    concat: Concat | None = None,
    smsc: str | None = None,
    toa: int | None = None,
    more_to_send: bool = False,
) -> tuple[str, int]:
    """Build an SMS-DELIVER. Returns (hex PDU with SMSC field, TPDU length in octets).

    ``ucs2`` forces UCS2; otherwise GSM 7-bit is used when the text allows it.
    """
    alphabet = ALPHABET_UCS2 if ucs2 or not gsm7_encodable(text) else ALPHABET_GSM7
    udh = encode_concat_udh(concat.ref, concat.total, concat.seq) if concat else b""
    fo = 0x00  # TP-MTI SMS-DELIVER
    if not more_to_send:
        fo |= 0x04  # TP-MMS: no more messages are waiting
    if udh:
        fo |= 0x40  # TP-UDHI
    dcs = 0x08 if alphabet == ALPHABET_UCS2 else 0x00
    udl, ud = _encode_ud(text, alphabet, udh)
    tpdu = (
        bytes((fo,)) + encode_address(oa, toa) + bytes((0x00, dcs)) + encode_scts(scts) + bytes((udl,)) + ud
    )
    return (encode_smsc(smsc) + tpdu).hex().upper(), len(tpdu)


def decode_deliver(pdu_hex: str, has_smsc: bool = True) -> Deliver:
    data = _unhex(pdu_hex)
    smsc, pos = decode_smsc(data) if has_smsc else (None, 0)
    if pos >= len(data):
        raise PduError("TPDU missing")
    fo = data[pos]
    if fo & 0x03 != 0x00:
        raise PduError("not an SMS-DELIVER")
    oa, toa, pos = decode_address(data, pos + 1)
    if pos + 10 > len(data):
        raise PduError("SMS-DELIVER truncated")
    pid, dcs = data[pos], data[pos + 1]
    scts = decode_scts(data[pos + 2 : pos + 9])
    udl = data[pos + 9]
    alphabet = dcs_alphabet(dcs)
    text, udh, concat = _decode_ud(data, pos + 10, udl, alphabet, bool(fo & 0x40))
    return Deliver(smsc, oa, toa, pid, dcs, scts, text, udh, concat, fo)


# --------------------------------------------------------------------------------------
# SMS-SUBMIT


@dataclass
class Submit:
    smsc: str | None
    da: str
    toa: int
    mr: int
    pid: int
    dcs: int
    text: str
    udh: bytes = b""
    concat: Concat | None = None
    first_octet: int = 0x01
    validity: bytes = b""
    tpdu_len: int = 0
    status_report: bool = False

    @property
    def alphabet(self) -> str:
        return dcs_alphabet(self.dcs)


def decode_submit(pdu_hex: str, has_smsc: bool = True) -> Submit:
    """Decode what a TE gives ``AT+CMGS`` in PDU mode (SMSC field first)."""
    data = _unhex(pdu_hex)
    smsc, pos = decode_smsc(data) if has_smsc else (None, 0)
    start = pos
    if pos + 2 > len(data):
        raise PduError("TPDU missing")
    fo = data[pos]
    if fo & 0x03 != 0x01:
        raise PduError("not an SMS-SUBMIT")
    mr = data[pos + 1]
    da, toa, pos = decode_address(data, pos + 2)
    if not da:
        raise PduError("empty destination address")
    if pos + 2 > len(data):
        raise PduError("SMS-SUBMIT truncated")
    pid, dcs = data[pos], data[pos + 1]
    pos += 2
    vpf = (fo >> 3) & 3
    vlen = {0: 0, 2: 1, 1: 7, 3: 7}[vpf]
    validity = data[pos : pos + vlen]
    if len(validity) != vlen:
        raise PduError("validity period truncated")
    pos += vlen
    if pos >= len(data):
        raise PduError("user data length missing")
    udl = data[pos]
    alphabet = dcs_alphabet(dcs)
    if alphabet == ALPHABET_GSM7 and udl > 160 or alphabet != ALPHABET_GSM7 and udl > 140:
        raise PduError("user data too long")
    text, udh, concat = _decode_ud(data, pos + 1, udl, alphabet, bool(fo & 0x40))
    return Submit(
        smsc, da, toa, mr, pid, dcs, text, udh, concat, fo, validity, len(data) - start, bool(fo & 0x20)
    )


def encode_submit(
    da: str,
    text: str,
    *,
    ucs2: bool = False,
    concat: Concat | None = None,
    smsc: str | None = None,
    mr: int = 0,
    vp_relative: int | None = 167,
    eight_bit: bool = False,
) -> tuple[str, int]:
    """Build an SMS-SUBMIT (as a TE would for AT+CMGS). Returns (hex, TPDU length)."""
    if eight_bit:
        alphabet, dcs = ALPHABET_8BIT, 0x04
    elif ucs2 or not gsm7_encodable(text):
        alphabet, dcs = ALPHABET_UCS2, 0x08
    else:
        alphabet, dcs = ALPHABET_GSM7, 0x00
    udh = encode_concat_udh(concat.ref, concat.total, concat.seq) if concat else b""
    fo = 0x01
    vp = b""
    if vp_relative is not None:
        fo |= 0x10
        vp = bytes((vp_relative,))
    if udh:
        fo |= 0x40
    toa = 0x91 if da.startswith("+") else 0x81
    udl, ud = _encode_ud(text, alphabet, udh)
    tpdu = bytes((fo, mr & 0xFF)) + encode_address(da, toa) + bytes((0, dcs)) + vp + bytes((udl,)) + ud
    return (encode_smsc(smsc) + tpdu).hex().upper(), len(tpdu)


# --------------------------------------------------------------------------------------
# Splitting into concatenated parts

GSM7_SINGLE = 160
GSM7_PART = 153  # 160 septets minus the 7 taken by a 6-octet UDH
UCS2_SINGLE = 70
UCS2_PART = 67


def _units(text: str, ucs2: bool) -> list[int]:
    if ucs2:
        return [len(ch.encode("utf-16-be")) // 2 for ch in text]
    return [2 if ch in _EXT_INDEX and ch not in _BASIC_INDEX else 1 for ch in text]


def split_text(text: str, parts: int = 1, ucs2: bool = False) -> list[str]:
    """Split ``text`` into at least ``parts`` chunks, each fitting one concatenated part.

    Chunks are as even as possible (by character); a character (an escaped GSM
    character, or a UTF-16 surrogate pair) is never cut. With ``parts`` == 1 and a
    text that fits one SMS, the result is the text alone.
    """
    ucs2 = ucs2 or not gsm7_encodable(text)
    units = _units(text, ucs2)
    total_units = sum(units)
    single, limit = (UCS2_SINGLE, UCS2_PART) if ucs2 else (GSM7_SINGLE, GSM7_PART)
    if parts <= 1 and total_units <= single:
        return [text]
    n = max(parts, 2, -(-total_units // limit))
    while True:
        chunks: list[str] = []
        start = 0
        ok = True
        for k in range(n):
            # aim for an even share of the remaining characters
            remaining_chars = len(text) - start
            share = -(-remaining_chars // (n - k)) if k < n - 1 else remaining_chars
            end = start + share
            while sum(units[start:end]) > limit:
                end -= 1
            if k == n - 1 and end < len(text):
                ok = False
                break
            chunks.append(text[start:end])
            start = end
        if ok:
            return chunks
        n += 1


def _unhex(pdu_hex: str) -> bytes:
    s = "".join(pdu_hex.split())
    if len(s) % 2:
        raise PduError("odd number of hex digits")
    try:
        return bytes.fromhex(s)
    except ValueError as exc:
        raise PduError("not hexadecimal") from exc


__all__ = [
    "Concat",
    "Deliver",
    "PduError",
    "Submit",
    "Timestamp",
    "decode_address",
    "decode_deliver",
    "decode_scts",
    "decode_submit",
    "dcs_alphabet",
    "encode_address",
    "encode_concat_udh",
    "encode_deliver",
    "encode_scts",
    "encode_smsc",
    "encode_submit",
    "gsm7_decode_septets",
    "gsm7_encodable",
    "gsm7_septet_len",
    "gsm7_septets",
    "number_toa",
    "pack_septets",
    "parse_udh",
    "split_text",
    "unpack_septets",
]
