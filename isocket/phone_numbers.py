"""Phone numbers as the number lists store them and as senders are matched (A-18, A-60).

A stored number is digits only: a typed leading ``+`` or ``00`` is removed. A sender is
normalised the same way and is authorised only when the result equals a stored entry
exactly (no suffix matching, no local/international conversion: the manual tells owners
to store both forms).
"""

from micropython import const

_MIN_DIGITS = const(3)
_MAX_DIGITS = const(15)
_MAX_SENDER_DIGITS = const(20)  # the longest address an SMS can carry


def _all_digits(s: str) -> bool:
    # explicit ASCII test: str.isdigit() also accepts other scripts' digits on CPython
    for c in s:
        if c < "0" or c > "9":
            return False
    return True


def _strip_prefix(s: str) -> str:
    if s.startswith("+"):
        return s[1:]
    if s.startswith("00"):
        return s[2:]
    return s


def parse_entry(text: object) -> str | None:
    """The digits to store for a typed number, or None when it is not 3..15 digits."""
    if not isinstance(text, str):
        return None
    s = _strip_prefix(text)
    if _MIN_DIGITS <= len(s) <= _MAX_DIGITS and _all_digits(s):
        return s
    return None


def normalise_sender(addr: object) -> str | None:
    """The sender's digits for matching, or None for an alphanumeric or empty sender."""
    if not isinstance(addr, str):
        return None
    s = _strip_prefix(addr)
    if 1 <= len(s) <= _MAX_SENDER_DIGITS and _all_digits(s):
        return s
    return None


def is_listed(digits: str | None, numbers: list) -> bool:
    """True when ``digits`` (a normalised sender) equals one of ``numbers`` exactly."""
    return digits is not None and digits in numbers
