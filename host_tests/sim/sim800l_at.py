"""AT command-line syntax for the SIM800L emulator (V.25ter / 27.007 conventions).

``split_line`` turns the text after ``AT`` into commands: basic ones (``E0``,
``V1``, ``&W``, ``I``, ``A``, ``H``, ``Z``, ``D...``) may follow each other
directly (``ATE0V1``); extended ones (``+CMGF=0``, ``*PSUTTZ``) are separated by
``;`` (``AT+CREG?;+CSQ``). A dial command takes the rest of the line up to and
including its ``;``. Spaces outside quotes are ignored, as the SIM800 does.

``Resp`` is what a command handler returns: information lines, a final result
(``"OK"`` lets the rest of the line run; anything else ends it; ``None`` means
the command prints no final result at all) and the time it takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# 27.007 §9.2 (+CME ERROR) and 27.005 §3.2.5 (+CMS ERROR) texts used with AT+CMEE=2.
# SIMCom-specific 765 "invalid input value" is seen verbatim on a SIM800L
# (raspberry-pi-sim800l-gsm-module issue #4: "+CMS ERROR: invalid input value").
CME_TEXT = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    16: "incorrect password",
    21: "invalid index",
    30: "no network service",
    100: "unknown",
    765: "invalid input value",
}

CMS_TEXT = {
    302: "operation not allowed",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    500: "unknown error",
    765: "invalid input value",
}

# V.25ter numeric result codes (ATV0)
NUMERIC_CODES = {
    "OK": "0",
    "CONNECT": "1",
    "RING": "2",
    "NO CARRIER": "3",
    "ERROR": "4",
    "NO DIALTONE": "6",
    "BUSY": "7",
    "NO ANSWER": "8",
}


class AtSyntaxError(ValueError):
    pass


@dataclass
class Cmd:
    name: str  # upper case: "+CMGS", "E", "&W", "D", "*PSUTTZ"
    kind: str  # "exec", "set", "read", "test"
    args: str = ""  # raw argument text (set), value digits (basic), dial string
    raw: str = ""  # the command as written, for messages


@dataclass
class Resp:
    info: list[str] = field(default_factory=list)
    final: str | None = "OK"
    delay: int = 10
    pending: bool = False  # the handler finishes the command later itself


def ok(*info: str, delay: int = 10) -> Resp:
    return Resp(list(info), "OK", delay)


def error(delay: int = 10) -> Resp:
    return Resp([], "ERROR", delay)


def pending() -> Resp:
    return Resp([], None, 0, True)


_EXT_START = "+*#%^$"
_NAME_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def split_line(body: str) -> list[Cmd]:
    """Split the text after 'AT' into commands. Raises AtSyntaxError."""
    cmds: list[Cmd] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == " " or c == ";":
            i += 1
            continue
        start = i
        if c in _EXT_START:
            j = i + 1
            while j < n and body[j].upper() in _NAME_CHARS:
                j += 1
            name = body[i:j].upper()
            if len(name) < 2:
                raise AtSyntaxError("bad extended command")
            i = j
            while i < n and body[i] == " ":
                i += 1
            if body.startswith("=?", i):
                kind, args = "test", ""
                i += 2
            elif i < n and body[i] == "?":
                kind, args = "read", ""
                i += 1
            elif i < n and body[i] == "=":
                i += 1
                j = _scan_to_semicolon(body, i)
                kind, args = "set", body[i:j]
                i = j
            else:
                kind, args = "exec", ""
            # an extended command must end here: ';' or end of line
            while i < n and body[i] == " ":
                i += 1
            if i < n and body[i] != ";":
                raise AtSyntaxError("junk after extended command")
            cmds.append(Cmd(name, kind, args, body[start:i]))
            continue
        up = c.upper()
        if up == "D":
            j = body.find(";", i)
            if j < 0:
                cmds.append(Cmd("D", "exec", body[i + 1 :].strip(), body[i:]))
                break
            cmds.append(Cmd("D", "exec", body[i + 1 : j + 1].strip(), body[i : j + 1]))
            i = j + 1
            continue
        if c == "&":
            if i + 1 >= n or not body[i + 1].isalpha():
                raise AtSyntaxError("bad & command")
            name = "&" + body[i + 1].upper()
            i += 2
        elif up.isalpha():
            name = up
            i += 1
            if name == "S":  # S-register: Sn?, Sn=v
                j = i
                while j < n and body[j].isdigit():
                    j += 1
                if j == i:
                    raise AtSyntaxError("bad S register")
                name = "S" + body[i:j]
                i = j
        else:
            raise AtSyntaxError("unexpected character %r" % c)
        if i < n and body[i] == "?":
            cmds.append(Cmd(name, "read", "", body[start : i + 1]))
            i += 1
            continue
        if body.startswith("=?", i):
            cmds.append(Cmd(name, "test", "", body[start : i + 2]))
            i += 2
            continue
        if i < n and body[i] == "=":
            i += 1
        j = i
        while j < n and body[j].isdigit():
            j += 1
        cmds.append(Cmd(name, "exec", body[i:j], body[start:j]))
        i = j
    return cmds


def _scan_to_semicolon(s: str, i: int) -> int:
    q = False
    while i < len(s):
        if s[i] == '"':
            q = not q
        elif s[i] == ";" and not q:
            return i
        i += 1
    if q:
        raise AtSyntaxError("unterminated string")
    return i


def parse_args(text: str) -> list[str | int | None]:
    """Comma-separated parameters: "quoted" -> str, digits -> int, empty -> None.

    Unquoted non-numeric tokens are returned as str too (SIMCom accepts some,
    e.g. AT+CMGL=ALL is refused later by the handler). Raises AtSyntaxError.
    """
    out: list[str | int | None] = []
    i = 0
    n = len(text)
    if text.strip() == "":
        return [None]
    while True:
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == '"':
            j = text.find('"', i + 1)
            if j < 0:
                raise AtSyntaxError("unterminated string")
            out.append(text[i + 1 : j])
            i = j + 1
        else:
            j = i
            while j < n and text[j] != ",":
                j += 1
            tok = text[i:j].strip()
            if tok == "":
                out.append(None)
            elif tok.isdigit() or (tok[0] in "+-" and tok[1:].isdigit()):
                out.append(int(tok))
            else:
                if '"' in tok:
                    raise AtSyntaxError("stray quote")
                out.append(tok)
            i = j
        while i < n and text[i] == " ":
            i += 1
        if i >= n:
            return out
        if text[i] != ",":
            raise AtSyntaxError("expected ','")
        i += 1


def int_arg(
    args: list[str | int | None],
    k: int,
    default: int | None = None,
    lo: int | None = None,
    hi: int | None = None,
) -> int:
    """The k-th parameter as an int in [lo, hi]; raises AtSyntaxError otherwise."""
    v = args[k] if k < len(args) else None
    if v is None:
        if default is None:
            raise AtSyntaxError("missing parameter")
        return default
    if not isinstance(v, int):
        raise AtSyntaxError("not a number")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise AtSyntaxError("out of range")
    return v


def str_arg(args: list[str | int | None], k: int, default: str | None = None) -> str:
    v = args[k] if k < len(args) else None
    if v is None:
        if default is None:
            raise AtSyntaxError("missing parameter")
        return default
    return str(v)
