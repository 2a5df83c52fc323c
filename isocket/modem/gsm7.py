"""GSM 03.38 (3GPP TS 23.038) default 7-bit alphabet and its extension table.

Septets (0..127) travel one a byte in a ``bytearray``; packing them into octets belongs
to the PDU codec. Tables are plain strings indexed by septet value to keep RAM use small.
"""

from micropython import const

ESC = const(0x1B)

# Septet value -> character. Index 0x1B is the escape to the extension table, never a char.
_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: septet after ESC (_EXT_CODES[i]) -> character (_EXT_CHARS[i]).
_EXT_CODES = b"\x0a\x14\x28\x29\x2f\x3c\x3d\x3e\x40\x65"
_EXT_CHARS = "\x0c^{}\\[~]|€"
# ASCII code -> its basic septet, 0x80 when none (host_tests/test_sms_pdu.py checks it against
# _BASIC). Most replies are ASCII: this spares each character a find in _BASIC, whose
# non-ASCII letters make MicroPython walk the UTF-8 to turn the byte offset into an index.
_NONE = const(0x80)
_ASCII = (
    b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\n\x80\x80\r\x80\x80"
    b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
    b" !\"#\x02%&'()*+,-./0123456789:;<=>?"
    b"\x00ABCDEFGHIJKLMNOPQRSTUVWXYZ\x80\x80\x80\x80\x11"
    b"\x80abcdefghijklmnopqrstuvwxyz\x80\x80\x80\x80\x80"
)


def _basic(ch: str) -> int:
    """The basic-table septet of one character, or -1."""
    o = ord(ch)
    if o < 128:
        s = _ASCII[o]
        return -1 if s == _NONE else s
    i = _BASIC.find(ch)
    return i if i >= 0 and i != ESC else -1


def char_len(ch: str) -> int:
    """Septets needed for one character: 1 (basic), 2 (extension) or 0 (does not fit)."""
    if _basic(ch) >= 0:
        return 1
    if _EXT_CHARS.find(ch) >= 0:
        return 2
    return 0


def fits_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the default alphabet or its extension."""
    for ch in text:
        if not char_len(ch):
            return False
    return True


def septet_len(text: str) -> int | None:
    """Septets needed for ``text`` (extension characters count 2), None if a char does not fit."""
    n = 0
    for ch in text:
        c = char_len(ch)
        if not c:
            return None
        n += c
    return n


def encode(text: str) -> bytearray | None:
    """Encode ``text`` to septets, one a byte, or None if a character is not in the alphabet."""
    out = bytearray()  # not a list: that takes a pointer (4 bytes on the RP2040) a septet
    for ch in text:
        i = _basic(ch)
        if i >= 0:
            out.append(i)
            continue
        i = _EXT_CHARS.find(ch)
        if i < 0:
            return None
        out.append(ESC)
        out.append(_EXT_CODES[i])
    return out


def put_utf8(out: bytearray, cp: int) -> None:
    """Append code point ``cp`` to ``out`` as UTF-8. Texts are built this way, not as lists
    of characters: a list is a pointer per character in one block that grows by doubling."""
    if cp < 0x80:
        out.append(cp)
    else:
        out.extend(chr(cp).encode())


def decode(septets) -> str:
    """Decode septets to text; an unknown escape sequence or a lone final ESC gives '?'."""
    out = bytearray()
    esc = False
    for s in septets:
        s &= 0x7F
        if esc:
            esc = False
            i = _EXT_CODES.find(bytes((s,)))
            ch = _EXT_CHARS[i] if i >= 0 else "?"
        elif s == ESC:
            esc = True
            continue
        else:
            ch = _BASIC[s]
        put_utf8(out, ord(ch))
    if esc:
        out.append(0x3F)  # "?"
    return out.decode()
