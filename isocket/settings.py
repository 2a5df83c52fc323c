"""Every persistent setting with its factory value (RULES R140), and its packed flash layout.

The body is what the storage layer wraps in its record header (magic, sequence, length,
CRC). Flash is untrusted: ``Settings.unpack`` rejects anything it would not have written.

Body layout, version 1 (multi-byte integers big-endian):

    offset  size  field
    0       1     layout version = 1
    1       2     restart_time       1..600 s
    3       1     flags, bit 0 seclist, 1 smsconfirm, 2 ringconfirm, 3 error,
                  4 smsconfirmunauth, 5 thermostat_on, 6 thermalert, 7 alarm_armed
    4       1     ring               0 NOACTION, 1 RESTART, 2 SWITCH, 3 MIC
    5       1     ringconfirm_type   0 SMS, 1 CALL
    6       1     powerstate         0 REMEMBER, 1 ON, 2 OFF
    7       1     thermostat_mode    0 HEATING, 1 COOLING
    8       1     sensortype         0 NO, 1 NC
    9       1     alert              0 SMS, 1 CALL, 2 SMSCHANGE, 3 OFF
    10      1     tempoff            0..50 (degrees C)
    11      1     trisealert         0xFF = OFF, else degrees + 10 (0..60 = -10..50 C)
    12      1     tfallalert         as trisealert
    13      1     tempcal            1..9
    14      2     microrelay_time    0..900 s
    16      1     miclevel           0..15
    17      ...   secnumbers         count 0..10, then per number: length 3..15, ASCII digits
    ...     ...   alertnumbers       as secnumbers
    ...     1+n   password           length 0 (NO) or 5, ASCII letters and digits
    ...     1+n   renew_pw           length 0 (NO) or 9, ASCII letters and digits
    ...     1+n   saldoums           length 0 (NO) or 2..20, USSD code (A-53)
    end           no further bytes

At most 376 bytes. Enumerated flags are ``bool``; multi-valued settings are upper-case
strings from ``ENUMS`` (index 0 is the factory value, the order is the manual's).
The layout also rejects combinations the commands never produce: SECLIST on with an
empty list, a RING action without SECLIST, a renewal password without protection,
temperature alerts without alert numbers, a number listed twice.
"""

from micropython import const

LAYOUT_VERSION = const(1)
MAX_NUMBERS = const(10)

# multi-valued settings: attribute -> values, factory value first, in the manual's order
ENUMS = {
    "ring": ("NOACTION", "RESTART", "SWITCH", "MIC"),
    "ringconfirm_type": ("SMS", "CALL"),
    "powerstate": ("REMEMBER", "ON", "OFF"),
    "thermostat_mode": ("HEATING", "COOLING"),
    "sensortype": ("NO", "NC"),
    "alert": ("SMS", "CALL", "SMSCHANGE", "OFF"),
}
_ENUM_ORDER = ("ring", "ringconfirm_type", "powerstate", "thermostat_mode", "sensortype", "alert")

# ON/OFF settings, in flag-bit order
FLAGS = (
    "seclist",
    "smsconfirm",
    "ringconfirm",
    "error",
    "smsconfirmunauth",
    "thermostat_on",
    "thermalert",
    "alarm_armed",
)

RESTART_TIME_RANGE = (1, 600)
TEMPOFF_RANGE = (0, 50)
ALERT_TEMP_RANGE = (-10, 50)
TEMPCAL_RANGE = (1, 9)
MICRORELAY_RANGE = (0, 900)
MICLEVEL_RANGE = (0, 15)

_SCALARS = (
    "restart_time",
    "ring",
    "seclist",
    "password",
    "renew_pw",
    "smsconfirm",
    "ringconfirm",
    "ringconfirm_type",
    "error",
    "smsconfirmunauth",
    "powerstate",
    "thermostat_on",
    "thermostat_mode",
    "tempoff",
    "thermalert",
    "trisealert",
    "tfallalert",
    "tempcal",
    "microrelay_time",
    "sensortype",
    "alert",
    "miclevel",
    "saldoums",
    "alarm_armed",
)
_DIGITS = "0123456789"
_ALNUM = _DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_USSD = _DIGITS + "*#"
_ALERT_OFF = const(0xFF)


def _only(s: object, alphabet: str) -> bool:
    if not isinstance(s, str):
        return False
    for c in s:
        if c not in alphabet:
            return False
    return True


def is_password(s: object, length: int) -> bool:
    """True for an access (5) or renewal (9) password: ASCII letters and digits (A-07)."""
    return isinstance(s, str) and len(s) == length and _only(s, _ALNUM)


def is_ussd(s: object) -> bool:
    """True for a USSD code as A-53 allows: 2..20 of ``0-9*#``, starts ``*``/``#``, ends ``#``."""
    return isinstance(s, str) and 2 <= len(s) <= 20 and _only(s, _USSD) and s[0] in "*#" and s[-1] == "#"


def _in_range(v: object, bounds: tuple) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and bounds[0] <= v <= bounds[1]


def _check_numbers(numbers: object) -> None:
    if not isinstance(numbers, list) or len(numbers) > MAX_NUMBERS:
        raise ValueError("number list")
    for i, n in enumerate(numbers):
        if not (_only(n, _DIGITS) and 3 <= len(n) <= 15) or n in numbers[:i]:
            raise ValueError("number")


class _Reader:
    # sequential reads from an untrusted body; every overrun is a ValueError
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.body):
            raise ValueError("body too short")
        self.pos += 1
        return self.body[self.pos - 1]

    def u16(self) -> int:
        return (self.byte() << 8) | self.byte()

    def text(self, alphabet: str) -> str:
        n = self.byte()
        if self.pos + n > len(self.body):
            raise ValueError("body too short")
        raw = self.body[self.pos : self.pos + n]
        self.pos += n
        for b in raw:
            if b > 0x7E or chr(b) not in alphabet:
                raise ValueError("bad character")
        return raw.decode()


class Settings:
    """The device's persistent settings, initialised to the factory values."""

    def __init__(self) -> None:
        self.restart_time = 10
        self.ring = "NOACTION"
        self.seclist = False
        self.secnumbers: list = []
        self.password: str | None = None
        self.renew_pw: str | None = None
        self.smsconfirm = True
        self.ringconfirm = True
        self.ringconfirm_type = "SMS"
        self.error = True
        self.smsconfirmunauth = False
        self.powerstate = "REMEMBER"
        self.alertnumbers: list = []
        self.thermostat_on = False
        self.thermostat_mode = "HEATING"
        self.tempoff = 10
        self.thermalert = False
        self.trisealert: int | None = None
        self.tfallalert: int | None = None
        self.tempcal = 5
        self.microrelay_time = 0
        self.sensortype = "NO"
        self.alert = "SMS"
        self.miclevel = 15
        self.saldoums: str | None = None
        self.alarm_armed = False

    def copy(self) -> "Settings":
        """An independent copy (the number lists are copied too)."""
        s = Settings()
        s.update_from(self)
        return s

    def update_from(self, other: "Settings") -> None:
        """Make this object equal to ``other`` in place (other parts hold a reference to it)."""
        for name in _SCALARS:
            setattr(self, name, getattr(other, name))
        self.secnumbers = list(other.secnumbers)
        self.alertnumbers = list(other.alertnumbers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return False
        for name in _SCALARS:
            if getattr(self, name) != getattr(other, name):
                return False
        return self.secnumbers == other.secnumbers and self.alertnumbers == other.alertnumbers

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def validate(self) -> None:
        """Raise ValueError unless every value is in range and the combination is consistent."""
        for name in FLAGS:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(name)
        for name in _ENUM_ORDER:
            if getattr(self, name) not in ENUMS[name]:
                raise ValueError(name)
        ranges = (
            ("restart_time", RESTART_TIME_RANGE),
            ("tempoff", TEMPOFF_RANGE),
            ("tempcal", TEMPCAL_RANGE),
            ("microrelay_time", MICRORELAY_RANGE),
            ("miclevel", MICLEVEL_RANGE),
        )
        for name, bounds in ranges:
            if not _in_range(getattr(self, name), bounds):
                raise ValueError(name)
        for t in (self.trisealert, self.tfallalert):
            if t is not None and not _in_range(t, ALERT_TEMP_RANGE):
                raise ValueError("alert temperature")
        _check_numbers(self.secnumbers)
        _check_numbers(self.alertnumbers)
        if self.password is not None and not is_password(self.password, 5):
            raise ValueError("password")
        if self.renew_pw is not None and not is_password(self.renew_pw, 9):
            raise ValueError("renew_pw")
        if self.saldoums is not None and not is_ussd(self.saldoums):
            raise ValueError("saldoums")
        if self.seclist and not self.secnumbers:
            raise ValueError("SECLIST on with an empty list")
        if self.ring != "NOACTION" and not self.seclist:
            raise ValueError("RING action without SECLIST")
        if self.renew_pw is not None and self.password is None and not self.seclist:
            raise ValueError("renewal password without protection")
        alerts = self.thermalert or self.trisealert is not None or self.tfallalert is not None
        if alerts and not self.alertnumbers:
            raise ValueError("temperature alert without alert numbers")

    def pack(self) -> bytes:
        """The body bytes of the layout in the module docstring (ValueError if invalid)."""
        self.validate()
        out = bytearray()
        out.append(LAYOUT_VERSION)
        out.append(self.restart_time >> 8)
        out.append(self.restart_time & 0xFF)
        flags = 0
        for bit, name in enumerate(FLAGS):
            if getattr(self, name):
                flags |= 1 << bit
        out.append(flags)
        for name in _ENUM_ORDER:
            out.append(ENUMS[name].index(getattr(self, name)))
        out.append(self.tempoff)
        for t in (self.trisealert, self.tfallalert):
            out.append(_ALERT_OFF if t is None else t + 10)
        out.append(self.tempcal)
        out.append(self.microrelay_time >> 8)
        out.append(self.microrelay_time & 0xFF)
        out.append(self.miclevel)
        for numbers in (self.secnumbers, self.alertnumbers):
            out.append(len(numbers))
            for n in numbers:
                _put_text(out, n)
        for text in (self.password, self.renew_pw, self.saldoums):
            _put_text(out, text or "")
        return bytes(out)

    @staticmethod
    def unpack(body: object) -> "Settings":
        """Settings from a body written by ``pack``; ValueError for anything else."""
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise ValueError("not bytes")
        r = _Reader(bytes(body))
        if r.byte() != LAYOUT_VERSION:
            raise ValueError("layout version")
        s = Settings()
        s.restart_time = r.u16()
        flags = r.byte()
        for bit, name in enumerate(FLAGS):
            setattr(s, name, bool(flags & (1 << bit)))
        for name in _ENUM_ORDER:
            i = r.byte()
            if i >= len(ENUMS[name]):
                raise ValueError(name)
            setattr(s, name, ENUMS[name][i])
        s.tempoff = r.byte()
        s.trisealert = _alert_temp(r.byte())
        s.tfallalert = _alert_temp(r.byte())
        s.tempcal = r.byte()
        s.microrelay_time = r.u16()
        s.miclevel = r.byte()
        s.secnumbers = _read_numbers(r)
        s.alertnumbers = _read_numbers(r)
        s.password = r.text(_ALNUM) or None
        s.renew_pw = r.text(_ALNUM) or None
        s.saldoums = r.text(_USSD) or None
        if r.pos != len(r.body):
            raise ValueError("trailing bytes")
        s.validate()
        return s


def _put_text(out: bytearray, text: str) -> None:
    out.append(len(text))
    out.extend(text.encode())


def _alert_temp(b: int) -> int | None:
    return None if b == _ALERT_OFF else b - 10


def _read_numbers(r: _Reader) -> list:
    count = r.byte()
    if count > MAX_NUMBERS:
        raise ValueError("too many numbers")
    numbers = []
    for _ in range(count):
        numbers.append(r.text(_DIGITS))
    return numbers
