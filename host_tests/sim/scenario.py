"""Parser for scenario files (``spec/SCENARIOS.md``): syntax only, nothing is executed.

``parse_scenario(text)`` turns a file into a list of :class:`Statement`; the runner (and the
interactive shell, through ``parse_line``) gives them meaning. Everything that can be checked
without running anything is checked here, so a bad file fails before its first ``boot`` with
``LINE: message``.

Lexing rules (SCENARIOS.md "Syntax", plus the choices below):

* One statement a line. Keywords, option words and enum words are case-insensitive; names
  keep their case. Leading/trailing whitespace and a trailing ``\\r`` are ignored.
* ``#`` outside a string starts a comment, even in the middle of a word. One exception: a
  bare USSD code right after ``ussd`` / ``expect ussd`` (``ussd *100# "..."``,
  ``ussd #123# "..."``) is read as a run of ``0-9 * # +`` containing a digit, so the ``#``
  that ends a USSD code is not a comment.
* ``~`` outside a string is always a token on its own (``owner ~"x.*"`` is fine).
* Strings are double-quoted with escapes ``\\n \\r \\t \\" \\\\ \\xHH \\uHHHH`` (exactly 2 / 4
  hex digits). ``\\uD83D\\uDE00`` (a UTF-16 surrogate pair) becomes one character; a lone
  surrogate is an error, and so is a missing closing quote. Any other escape is an error,
  except in a REGEX argument (``~ "..."``, ``modem reply/interleave``, ``expect [no] at``),
  where it is kept as written, backslash included, for ``re``: ``~ "Temp \\d+"`` and
  ``~ "Temp \\\\d+"`` are the same regex.
* Durations are ``<digits><unit>`` chained with strictly decreasing units (``1h30m``,
  ``1m30s500ms``); units ``ms s m h d`` (case-insensitive); no spaces inside.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "USAGE",
    "ScenarioSyntaxError",
    "Statement",
    "parse_duration",
    "parse_line",
    "parse_scenario",
]

T = TypeVar("T")


class ScenarioSyntaxError(Exception):
    """A line of a scenario that does not parse. ``str(e)`` is ``"LINE: message"``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


class Statement:
    """One parsed scenario line: ``kind`` names the statement, ``args`` holds its arguments."""

    __slots__ = ("kind", "args", "line", "source")

    def __init__(self, kind: str, args: dict[str, Any], line: int, source: str) -> None:
        self.kind = kind
        self.args = args
        self.line = line
        self.source = source

    def __repr__(self) -> str:
        return f"Statement({self.kind!r}, {self.args!r}, line={self.line})"


# --------------------------------------------------------------------------- durations

_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1_000, "ms": 1}
_UNIT_RANK = {"d": 0, "h": 1, "m": 2, "s": 3, "ms": 4}
_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h|d)", re.IGNORECASE)


def parse_duration(token: str) -> int:
    """``"1h30m"`` -> 5_400_000. Raises ValueError on anything else (a unit is mandatory)."""
    if not token:
        raise ValueError("empty duration")
    pos = 0
    total = 0
    last_rank = -1
    while pos < len(token):
        m = _DURATION_PART.match(token, pos)
        if m is None:
            rest = token[pos:]
            if re.fullmatch(r"[0-9]+", rest):
                raise ValueError(f"duration {token!r} needs a unit (ms, s, m, h or d)")
            if re.match(r"[0-9]*[.,][0-9]", rest):
                raise ValueError(f"duration {token!r}: use whole numbers, e.g. 1m30s or 1500ms")
            raise ValueError(f"bad duration {token!r} (expected e.g. 250ms, 20s, 10m, 2h, 3d, 1h30m)")
        unit = m.group(2).lower()
        rank = _UNIT_RANK[unit]
        if rank <= last_rank:
            raise ValueError(
                f"duration {token!r}: chain units from largest to smallest, each once (e.g. 1h30m)"
            )
        last_rank = rank
        total += int(m.group(1)) * _UNIT_MS[unit]
        pos = m.end()
    return total


# --------------------------------------------------------------------------- lexer


class _Tok:
    __slots__ = ("bad_escape", "col", "quoted", "value")

    def __init__(self, value: str, quoted: bool, col: int) -> None:
        self.value = value
        self.quoted = quoted
        self.col = col  # 1-based column where the token starts
        # Error message for the first unknown escape in a string. The escape itself is kept
        # verbatim in ``value`` (backslash included): REGEX arguments accept it, so that
        # ``~ "Temp \d+"`` means what it says; every other string argument rejects it.
        self.bad_escape: str | None = None

    def describe(self) -> str:
        if self.quoted:
            return f"string {_quote(self.value)}"
        return f"'{self.value}'"


def _quote(s: str, limit: int = 40) -> str:
    r = '"' + s.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    return r if len(r) <= limit else r[: limit - 4] + '..."'


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
# A bare USSD code: only 0-9 * # +, at least one digit, ending at whitespace, a quote or the end.
_BARE_USSD = re.compile(r"[*#+0-9]*[0-9][*#+0-9]*(?=[\s\"]|\Z)")
_USSD_HEADS = (["ussd"], ["expect", "ussd"])
_WORD_STOP = frozenset('"#~')


def _lex(text: str, line_no: int) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)

    def fail(col: int, msg: str) -> ScenarioSyntaxError:
        return ScenarioSyntaxError(line_no, f"{msg} (column {col})")

    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        col = i + 1
        if len(toks) <= 2 and [t.value.lower() for t in toks if not t.quoted] in _USSD_HEADS:
            m = _BARE_USSD.match(text, i)
            if m:
                toks.append(_Tok(m.group(), False, col))
                i = m.end()
                continue
        if c == "#":
            break
        if c == "~":
            toks.append(_Tok("~", False, col))
            i += 1
            continue
        if c == '"':
            i += 1
            buf: list[str] = []
            bad_escape: str | None = None
            while True:
                if i >= n:
                    raise fail(col, 'unterminated string (no closing ")')
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c != "\\":
                    buf.append(c)
                    i += 1
                    continue
                if i + 1 >= n:
                    raise fail(
                        col,
                        "unterminated string (it ends with a lone backslash; write \\\\ for one)",
                    )
                e = text[i + 1]
                if e in _SIMPLE_ESCAPES:
                    buf.append(_SIMPLE_ESCAPES[e])
                    i += 2
                elif e == "x":
                    if not _HEX2.fullmatch(text, i + 2, i + 4):
                        raise fail(
                            i + 1,
                            "bad escape: \\x needs exactly two hex digits (\\xHH)",
                        )
                    buf.append(chr(int(text[i + 2 : i + 4], 16)))
                    i += 4
                elif e == "u":
                    if not _HEX4.fullmatch(text, i + 2, i + 6):
                        raise fail(
                            i + 1,
                            "bad escape: \\u needs exactly four hex digits (\\uHHHH)",
                        )
                    cp = int(text[i + 2 : i + 6], 16)
                    i += 6
                    if 0xD800 <= cp <= 0xDBFF:
                        lo = None
                        if text.startswith("\\u", i) and _HEX4.fullmatch(text, i + 2, i + 6):
                            lo = int(text[i + 2 : i + 6], 16)
                        if lo is None or not 0xDC00 <= lo <= 0xDFFF:
                            raise fail(
                                i - 5,
                                f"lone UTF-16 surrogate \\u{cp:04X} (must be followed by \\uDC00-\\uDFFF)",
                            )
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        i += 6
                    elif 0xDC00 <= cp <= 0xDFFF:
                        raise fail(i - 5, f"lone UTF-16 surrogate \\u{cp:04X}")
                    buf.append(chr(cp))
                else:
                    if bad_escape is None:
                        bad_escape = (
                            f"unknown escape \\{e} in string (column {i + 1}); valid: "
                            '\\n \\r \\t \\" \\\\ \\xHH \\uHHHH (only a REGEX may use others)'
                        )
                    buf.append("\\" + e)
                    i += 2
            tok = _Tok("".join(buf), True, col)
            tok.bad_escape = bad_escape
            toks.append(tok)
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in _WORD_STOP:
            j += 1
        toks.append(_Tok(text[i:j], False, col))
        i = j
    return toks


# --------------------------------------------------------------------------- argument cursor

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PHONE = re.compile(r"\+?[0-9]{1,20}")
_UINT = re.compile(r"[0-9]+")
_SINT = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_USSD_CODE = re.compile(r"[*#+0-9]+")
_ON_OFF = {"on": True, "off": False}


class _Cursor:
    """Walks the argument tokens of one statement; every error carries the statement's usage."""

    def __init__(self, toks: list[_Tok], pos: int, line_no: int, usage: str) -> None:
        self.toks = toks
        self.i = pos
        self.line_no = line_no
        self.usage = usage

    def error(self, msg: str) -> ScenarioSyntaxError:
        return ScenarioSyntaxError(self.line_no, f"{msg}; usage: {self.usage}")

    def more(self) -> bool:
        return self.i < len(self.toks)

    def peek_word(self) -> str | None:
        """The next token lower-cased if it is a bare word, else None."""
        if self.i < len(self.toks) and not self.toks[self.i].quoted:
            return self.toks[self.i].value.lower()
        return None

    def next(self, what: str, regex: bool = False) -> _Tok:
        if self.i >= len(self.toks):
            raise self.error(f"missing {what}")
        tok = self.toks[self.i]
        if tok.bad_escape is not None and not regex:
            raise ScenarioSyntaxError(self.line_no, tok.bad_escape)
        self.i += 1
        return tok

    def word(self, what: str) -> str:
        tok = self.next(what)
        if tok.quoted:
            raise self.error(f"expected {what}, got {tok.describe()} (no quotes here)")
        return tok.value

    def string(self, what: str) -> str:
        tok = self.next(what)
        if not tok.quoted:
            raise self.error(f"expected {what} as a double-quoted string, got {tok.describe()}")
        return tok.value

    def choice(self, what: str, options: dict[str, T]) -> T:
        listed = "|".join(options)
        tok = self.next(f"{what} ({listed})")
        if not tok.quoted and tok.value.lower() in options:
            return options[tok.value.lower()]
        raise self.error(f"expected {what} ({listed}), got {tok.describe()}")

    def keyword(self, kw: str) -> None:
        tok = self.next(f"'{kw}'")
        if tok.quoted or tok.value.lower() != kw:
            raise self.error(f"expected '{kw}', got {tok.describe()}")

    def name(self, what: str = "NAME") -> str:
        tok = self.next(what)
        if tok.quoted or not _NAME.fullmatch(tok.value):
            raise self.error(f"expected {what} (an identifier like owner or A), got {tok.describe()}")
        return tok.value

    def phone_number(self, what: str = "NUMBER") -> str:
        tok = self.next(what)
        if tok.quoted or not _PHONE.fullmatch(tok.value):
            raise self.error(
                f"expected {what} (digits with an optional leading +, at most 20), got {tok.describe()}"
            )
        return tok.value

    def uint(self, what: str) -> int:
        tok = self.next(what)
        if tok.quoted or not _UINT.fullmatch(tok.value):
            raise self.error(f"expected {what} (a whole number), got {tok.describe()}")
        return int(tok.value)

    def duration(self, what: str = "DURATION") -> int:
        tok = self.next(f"{what} (e.g. 30s, 2m, 1h30m)")
        if tok.quoted:
            raise self.error(f"expected {what} (e.g. 30s, 2m, 1h30m), got {tok.describe()}")
        try:
            return parse_duration(tok.value)
        except ValueError as e:
            raise self.error(str(e)) from None

    def regex(self, what: str = "REGEX") -> str:
        tok = self.next(what, regex=True)
        if not tok.quoted:
            raise self.error(f"expected {what} as a double-quoted string, got {tok.describe()}")
        pattern = tok.value
        try:
            re.compile(pattern)
        except (re.error, OverflowError, RecursionError) as e:
            raise self.error(f"bad regular expression {_quote(pattern)}: {e}") from None
        return pattern

    def ussd_code(self) -> str:
        tok = self.next("CODE (e.g. *100#)")
        if tok.quoted:
            if not tok.value:
                raise self.error("empty USSD CODE")
            return tok.value
        if not _USSD_CODE.fullmatch(tok.value):
            raise self.error(f"expected a USSD CODE of 0-9 * # (e.g. *100#), got {tok.describe()}")
        return tok.value

    def within(self) -> int | None:
        """The optional trailing ``within D`` of most expects (then the end of the line)."""
        within: int | None = None
        while self.more():
            if self.peek_word() != "within":
                raise self.error(self._extra("only 'within DURATION' may follow here"))
            if within is not None:
                raise self.error("'within' given twice")
            self.i += 1
            within = self.duration()
        return within

    def end(self) -> None:
        if self.more():
            raise self.error(self._extra())

    def _extra(self, hint: str = "") -> str:
        tok = self.toks[self.i]
        if not tok.quoted and self.i > 0 and _DURATION_PART.match(tok.value):
            prev = self.toks[self.i - 1]
            if not prev.quoted and _DURATION_PART.match(prev.value):
                hint = "write chained durations without spaces, e.g. 1h30m"
        return f"unexpected extra {tok.describe()}" + (f" ({hint})" if hint else "")


Handler = Callable[[_Cursor], tuple[str, dict[str, Any]]]


def _unknown(line_no: int, tok: _Tok, options: list[str], what: str) -> ScenarioSyntaxError:
    got = tok.describe()
    if not tok.quoted:
        close = difflib.get_close_matches(tok.value.lower(), options, n=1, cutoff=0.6)
        if close:
            got += f" (did you mean '{close[0]}'?)"
    return ScenarioSyntaxError(line_no, f"unknown {what} {got}; expected one of: {', '.join(options)}")


def _family(prefix: str, table: dict[str, tuple[str, Handler]]) -> Handler:
    """A statement whose second word picks the form (``modem ...``, ``expect ...``)."""

    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        if not c.more():
            raise c.error("incomplete statement")
        tok = c.toks[c.i]
        key = tok.value.lower()
        if tok.quoted or key not in table:
            raise _unknown(c.line_no, tok, list(table), f"'{prefix}' form")
        c.i += 1
        c.usage, sub = table[key]
        return sub(c)

    return handler


# --------------------------------------------------------------------------- world before boot


def _model(c: _Cursor) -> tuple[str, dict[str, Any]]:
    model = c.choice("MODEL", {"706": "706", "707": "707", "706l": "706L", "707l": "707L"})
    c.end()
    return "model", {"model": model}


def _board(c: _Cursor) -> tuple[str, dict[str, Any]]:
    name = c.name("board NAME")
    c.end()
    return "board", {"name": name}


def _phone(c: _Cursor) -> tuple[str, dict[str, Any]]:
    name = c.name()
    number = c.phone_number()
    call_as: str | None = None
    withheld = False
    while c.more():
        opt = c.peek_word()
        if opt == "call-as":
            if call_as is not None:
                raise c.error("'call-as' given twice")
            c.i += 1
            call_as = c.phone_number("NUMBER2 after call-as")
        elif opt == "withheld":
            if withheld:
                raise c.error("'withheld' given twice")
            c.i += 1
            withheld = True
        else:
            raise c.error(f"unexpected {c.toks[c.i].describe()} (options: call-as NUMBER2, withheld)")
    return "phone", {
        "name": name,
        "number": number,
        "call_as": call_as,
        "withheld": withheld,
    }


_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2}):([0-9]{2})")
_ZONE = re.compile(r"([+-])([0-9]{2})(?::?([0-9]{2}))?")


def _network_time(c: _Cursor) -> tuple[str, dict[str, Any]]:
    if c.peek_word() == "off":
        c.i += 1
        c.end()
        return "network_time", {"time": None}
    date = c.word("DATE (YYYY-MM-DD) or 'off'")
    dm = _DATE.fullmatch(date)
    if dm is None:
        raise c.error(f"expected DATE as YYYY-MM-DD or 'off', got '{date}'")
    clock = c.word("TIME (hh:mm:ss)")
    tm = _TIME.fullmatch(clock)
    if tm is None:
        raise c.error(f"expected TIME as hh:mm:ss, got '{clock}'")
    zone = c.word("ZONE (e.g. +02:00)")
    if zone.upper() == "Z":
        zone_minutes = 0
    else:
        zm = _ZONE.fullmatch(zone)
        if zm is None:
            raise c.error(f"expected ZONE as +hh:mm or +hhmm (e.g. +02:00, -05:30), got '{zone}'")
        zh, zmin = int(zm.group(2)), int(zm.group(3) or 0)
        if zmin >= 60 or zh * 60 + zmin > 14 * 60:
            raise c.error(f"ZONE '{zone}' is out of range (-14:00..+14:00)")
        zone_minutes = (zh * 60 + zmin) * (-1 if zm.group(1) == "-" else 1)
        if zone_minutes % 15:
            raise c.error(
                f"ZONE '{zone}' is not a whole number of quarter hours (as the network sends zones)"
            )
    c.end()
    y, mo, d, h, mi, sec = (int(x) for x in dm.groups() + tm.groups())
    parts = (y, mo, d, h, mi, sec)
    try:
        datetime.datetime(y, mo, d, h, mi, sec)
    except ValueError as e:
        raise c.error(f"not a real date and time '{date} {clock}': {e}") from None
    return "network_time", {"time": parts, "zone_minutes": zone_minutes}


def _temp(c: _Cursor) -> tuple[str, dict[str, Any]]:
    if c.peek_word() == "none":
        c.i += 1
        c.end()
        return "temp", {"celsius": None}
    tok = c.next("CELSIUS (e.g. 21.5) or 'none'")
    if tok.quoted or not _DECIMAL.fullmatch(tok.value):
        raise c.error(f"expected CELSIUS as a decimal number (e.g. 21.5, -3) or 'none', got {tok.describe()}")
    c.end()
    return "temp", {"celsius": float(tok.value)}


def _sensor(c: _Cursor) -> tuple[str, dict[str, Any]]:
    closed = c.choice("state", {"open": False, "closed": True})
    c.end()
    return "sensor", {"closed": closed}


def _signal(c: _Cursor) -> tuple[str, dict[str, Any]]:
    if c.peek_word() == "none":
        c.i += 1
        c.end()
        return "signal", {"dbm": None}
    tok = c.next("DBM (e.g. -67) or 'none'")
    if tok.quoted or not _SINT.fullmatch(tok.value):
        raise c.error(f"expected DBM as a whole number (e.g. -67) or 'none', got {tok.describe()}")
    c.end()
    return "signal", {"dbm": int(tok.value)}


def _ussd(c: _Cursor) -> tuple[str, dict[str, Any]]:
    code = c.ussd_code()
    reply = c.string("REPLY")
    c.end()
    return "ussd", {"code": code, "reply": reply}


# --------------------------------------------------------------------------- acting on the device


def _no_args(kind: str) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        c.end()
        return kind, {}

    return handler


def _fixed_word(kw: str, kind: str) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        c.keyword(kw)
        c.end()
        return kind, {}

    return handler


def _mains(c: _Cursor) -> tuple[str, dict[str, Any]]:
    on = c.choice("state", {"off": False, "on": True})
    c.end()
    return "mains", {"on": on}


def _power_cut(c: _Cursor) -> tuple[str, dict[str, Any]]:
    c.keyword("during-flash-write")
    at_byte: int | None = None
    if c.more():
        c.keyword("at")
        at_byte = c.uint("BYTE")
        c.end()
    return "power_cut", {"at_byte": at_byte}


def _advance(c: _Cursor) -> tuple[str, dict[str, Any]]:
    ms = c.duration()
    c.end()
    return "advance", {"ms": ms}


def _sms(c: _Cursor) -> tuple[str, dict[str, Any]]:
    name = c.name()
    text = c.string("TEXT")
    ucs2 = False
    parts: int | None = None
    while c.more():
        opt = c.peek_word()
        if opt == "ucs2":
            if ucs2:
                raise c.error("'ucs2' given twice")
            c.i += 1
            ucs2 = True
        elif opt == "parts":
            if parts is not None:
                raise c.error("'parts' given twice")
            c.i += 1
            parts = c.uint("N after parts")
            if not 1 <= parts <= 10:
                raise c.error(f"parts must be 1..10, got {parts}")
        else:
            raise c.error(f"unexpected {c.toks[c.i].describe()} (options: ucs2, parts N)")
    return "sms", {
        "name": name,
        "text": text,
        "ucs2": ucs2,
        "parts": 1 if parts is None else parts,
    }


def _call(c: _Cursor) -> tuple[str, dict[str, Any]]:
    name = c.name()
    clip = True
    if c.more():
        c.keyword("no-clip")
        clip = False
        c.end()
    return "call", {"name": name, "clip": clip}


def _name_only(kind: str) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        name = c.name()
        c.end()
        return kind, {"name": name}

    return handler


def _button(c: _Cursor) -> tuple[str, dict[str, Any]]:
    action = c.choice("action", {"press": "press", "hold": "hold"})
    hold_ms = c.duration() if action == "hold" else None
    c.end()
    return "button", {"hold_ms": hold_ms}


def _network(c: _Cursor) -> tuple[str, dict[str, Any]]:
    up = c.choice("state", {"lost": False, "back": True})
    c.end()
    return "network", {"up": up}


def _sim(c: _Cursor) -> tuple[str, dict[str, Any]]:
    state = c.choice("state", {"missing": "missing", "pin": "pin", "ok": "ok"})
    c.end()
    return "sim", {"state": state}


# --------------------------------------------------------------------------- modem


def _modem_lines(kind: str, once: bool, min_lines: int) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        regex = c.regex()
        lines: list[str] = []
        while c.more():
            lines.append(c.string("LINE"))
        if len(lines) < min_lines:
            raise c.error("missing LINE (at least one)")
        return kind, {"regex": regex, "lines": lines, "once": once}

    return handler


def _modem_type(name: str) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        c.end()
        return "modem_type", {"name": name}

    return handler


def _modem_urc(c: _Cursor) -> tuple[str, dict[str, Any]]:
    line = c.string("LINE")
    c.end()
    return "modem_urc", {"line": line}


def _modem_raw(c: _Cursor) -> tuple[str, dict[str, Any]]:
    text = c.string("BYTES")
    c.end()
    bad = next((ch for ch in text if ord(ch) > 0xFF), None)
    if bad is not None:
        raise c.error(
            f"modem raw takes bytes: character U+{ord(bad):04X} is above \\xFF (use \\xHH for each byte)"
        )
    return "modem_raw", {"data": text.encode("latin-1")}


_MODEM: dict[str, tuple[str, Handler]] = {
    "sim800l": ("modem sim800l|a7670", _modem_type("sim800l")),
    "a7670": ("modem sim800l|a7670", _modem_type("a7670")),
    "hang": ("modem hang", _no_args("modem_hang")),
    "recover": ("modem recover", _no_args("modem_recover")),
    "reboot": ("modem reboot", _no_args("modem_reboot")),
    "reply": ('modem reply "REGEX" ["LINE"...]', _modem_lines("modem_reply", False, 0)),
    "reply-once": (
        'modem reply-once "REGEX" ["LINE"...]',
        _modem_lines("modem_reply", True, 0),
    ),
    "interleave": (
        'modem interleave "REGEX" "LINE" ["LINE"...]',
        _modem_lines("modem_interleave", False, 1),
    ),
    "interleave-once": (
        'modem interleave-once "REGEX" "LINE" ["LINE"...]',
        _modem_lines("modem_interleave", True, 1),
    ),
    "urc": ('modem urc "LINE"', _modem_urc),
    "raw": ('modem raw "BYTES"', _modem_raw),
}


# --------------------------------------------------------------------------- expect


def _expect_sms(c: _Cursor) -> tuple[str, dict[str, Any]]:
    name = c.name()
    text: str | None = None
    regex: str | None = None
    if c.peek_word() == "~":
        c.i += 1
        regex = c.regex()
    else:
        text = c.string('"TEXT" or ~ "REGEX"')
    return "expect_sms", {
        "name": name,
        "text": text,
        "regex": regex,
        "within": c.within(),
    }


def _expect_name(kind: str) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        name = c.name()
        return kind, {"name": name, "within": c.within()}

    return handler


def _expect_ussd(c: _Cursor) -> tuple[str, dict[str, Any]]:
    code = c.ussd_code()
    return "expect_ussd", {"code": code, "within": c.within()}


def _expect_on_off(kind: str) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        on = c.choice("state", _ON_OFF)
        return kind, {"on": on, "within": c.within()}

    return handler


def _expect_steady(c: _Cursor) -> tuple[str, dict[str, Any]]:
    what = c.word("'relay'")
    if what.lower() != "relay":
        raise c.error(f"expected 'relay' after 'expect steady', got '{what}'")
    on = c.choice("state", _ON_OFF)
    for_ms: int | None = None
    while c.more():
        opt = c.peek_word()
        if opt == "for":
            if for_ms is not None:
                raise c.error("'for' given twice")
            c.i += 1
            for_ms = c.duration()
        elif opt == "within":
            raise c.error("'expect steady' takes 'for DURATION', not 'within'")
        else:
            raise c.error(f"unexpected {c.toks[c.i].describe()}")
    if for_ms is None:
        raise c.error("missing 'for DURATION'")
    return "expect_steady_relay", {"on": on, "for_ms": for_ms}


_LEDS = {"power": "POWER", "gsm": "GSM", "mic": "MIC", "out": "OUT"}
_PATTERNS = {p: p for p in ("off", "on", "blink-1s", "blink-3s", "fast", "sim-error")}


def _expect_led(c: _Cursor) -> tuple[str, dict[str, Any]]:
    led = c.choice("LED", _LEDS)
    pattern = c.choice("PATTERN", _PATTERNS)
    return "expect_led", {"led": led, "pattern": pattern, "within": c.within()}


def _expect_console(c: _Cursor) -> tuple[str, dict[str, Any]]:
    tok = c.next("'~'")
    if tok.quoted or tok.value != "~":
        raise c.error(f"expected '~' before the REGEX, got {tok.describe()}")
    regex = c.regex()
    return "expect_console", {"regex": regex, "within": c.within()}


def _expect_flash_erases(c: _Cursor) -> tuple[str, dict[str, Any]]:
    tok = c.next("'<= N'")
    if tok.quoted or not tok.value.startswith("<="):
        raise c.error(f"expected '<= N', got {tok.describe()}")
    rest = tok.value[2:]
    if rest:
        if not _UINT.fullmatch(rest):
            raise c.error(f"expected a whole number after '<=', got '{rest}'")
        n = int(rest)
    else:
        n = c.uint("N")
    c.end()
    return "expect_flash_erases", {"max": n}


def _expect_at(kind: str) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        regex = c.regex()
        return kind, {"regex": regex, "within": c.within()}

    return handler


def _expect_no_who(kind: str) -> Handler:
    def handler(c: _Cursor) -> tuple[str, dict[str, Any]]:
        name: str | None = None
        if c.more() and c.peek_word() != "within":
            name = c.name()
        return kind, {"name": name, "within": c.within()}

    return handler


_EXPECT_NO: dict[str, tuple[str, Handler]] = {
    "sms": ("expect no sms [NAME] [within D]", _expect_no_who("expect_no_sms")),
    "call": ("expect no call [NAME] [within D]", _expect_no_who("expect_no_call")),
    "at": ('expect no at "REGEX" [within D]', _expect_at("expect_no_at")),
}

_EXPECT: dict[str, tuple[str, Handler]] = {
    "sms": (
        'expect sms NAME "TEXT" [within D]  |  expect sms NAME ~ "REGEX" [within D]',
        _expect_sms,
    ),
    "no": ("expect no sms|call|at ...", _family("expect no", _EXPECT_NO)),
    "call": ("expect call NAME [within D]", _expect_name("expect_call")),
    "answered": ("expect answered NAME [within D]", _expect_name("expect_answered")),
    "hangup": ("expect hangup NAME [within D]", _expect_name("expect_hangup")),
    "ussd": ('expect ussd "CODE" [within D]', _expect_ussd),
    "relay": ("expect relay on|off [within D]", _expect_on_off("expect_relay")),
    "microrelay": (
        "expect microrelay on|off [within D]",
        _expect_on_off("expect_microrelay"),
    ),
    "steady": ("expect steady relay on|off for D", _expect_steady),
    "mic": ("expect mic on|off [within D]", _expect_on_off("expect_mic")),
    "led": (
        "expect led POWER|GSM|MIC|OUT off|on|blink-1s|blink-3s|fast|sim-error [within D]",
        _expect_led,
    ),
    "console": ('expect console ~ "REGEX" [within D]', _expect_console),
    "flash-erases": ("expect flash-erases <= N", _expect_flash_erases),
    "at": ('expect at "REGEX" [within D]', _expect_at("expect_at")),
}


# --------------------------------------------------------------------------- top level


_TOP: dict[str, tuple[str, Handler]] = {
    "model": ("model 706|707|706L|707L", _model),
    "board": ("board NAME", _board),
    "phone": ("phone NAME NUMBER [call-as NUMBER2] [withheld]", _phone),
    "network-time": (
        "network-time YYYY-MM-DD hh:mm:ss +hh:mm  |  network-time off",
        _network_time,
    ),
    "temp": ("temp CELSIUS  |  temp none", _temp),
    "sensor": ("sensor open|closed", _sensor),
    "signal": ("signal DBM  |  signal none", _signal),
    "ussd": ('ussd CODE "REPLY"', _ussd),
    "boot": ("boot", _no_args("boot")),
    "mains": ("mains off|on", _mains),
    "battery": ("battery dead", _fixed_word("dead", "battery_dead")),
    "reset-flash": ("reset-flash", _no_args("reset_flash")),
    "mcu-reset": ("mcu-reset", _no_args("mcu_reset")),
    "power-cut": ("power-cut during-flash-write [at BYTE]", _power_cut),
    "advance": ("advance DURATION", _advance),
    "sms": ('sms NAME "TEXT" [ucs2] [parts N]', _sms),
    "call": ("call NAME [no-clip]", _call),
    "hangup": ("hangup NAME", _name_only("hangup")),
    "answer": ("answer NAME", _name_only("answer")),
    "reject": ("reject NAME", _name_only("reject")),
    "button": ("button press  |  button hold DURATION", _button),
    "network": ("network lost|back", _network),
    "modem": ("modem " + "|".join(_MODEM) + " ...", _family("modem", _MODEM)),
    "sim": ("sim missing|pin|ok", _sim),
    "allow": ("allow unread", _fixed_word("unread", "allow_unread")),
    "expect": ("expect " + "|".join(_EXPECT) + " ...", _family("expect", _EXPECT)),
}

#: One usage line per statement form, keyed by its leading keywords (for help texts).
USAGE: dict[str, str] = {}
for _prefix, _table in (
    ("", _TOP),
    ("modem ", _MODEM),
    ("expect ", _EXPECT),
    ("expect no ", _EXPECT_NO),
):
    for _key, (_usage, _handler) in _table.items():
        if _prefix + _key not in ("modem", "expect", "expect no"):
            USAGE[_prefix + _key] = _usage
del _prefix, _table, _key, _usage, _handler


def parse_line(text: str, line_no: int = 1) -> Statement | None:
    """Parse one line; None for a blank or comment-only line. Raises ScenarioSyntaxError."""
    toks = _lex(text, line_no)
    if not toks:
        return None
    tok = toks[0]
    key = tok.value.lower()
    if tok.quoted or key not in _TOP:
        raise _unknown(line_no, tok, list(_TOP), "statement")
    usage, handler = _TOP[key]
    kind, args = handler(_Cursor(toks, 1, line_no, usage))
    return Statement(kind, args, line_no, text.strip())


def parse_scenario(text: str) -> list[Statement]:
    """Parse a whole scenario file; raises ScenarioSyntaxError at the first bad line."""
    text = text.removeprefix("\ufeff")
    out: list[Statement] = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        st = parse_line(line, line_no)
        if st is not None:
            out.append(st)
    return out
