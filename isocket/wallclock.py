"""Calendar arithmetic on wall times, without ``datetime`` (absent on the board).

A wall time is a tuple ``(year, month, day, hour, minute, second, tz_quarters)``: a full
year (2026), local time as the clock shows it, and the zone in signed quarter hours as
``+CCLK`` reports it (``+08`` = GMT+2). The zone is carried along, never computed with
(A-41): every time the device shows or acts on is local time.
"""

from micropython import const

_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_DAY_S = const(86400)


def is_leap(year: int) -> bool:
    """True for a Gregorian leap year."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Number of days of ``month`` (1..12) in ``year``."""
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_before_year(year: int) -> int:
    # days from 2000-01-01 to January 1st of ``year`` (negative before 2000)
    y = year - 2000
    return y * 365 + (y + 3) // 4 - (y + 99) // 100 + (y + 399) // 400


def _day_number(t: tuple) -> int:
    # days since 2000-01-01 of the date in ``t``
    year, month, day = t[0], t[1], t[2]
    n = _days_before_year(year) + _DAYS_BEFORE_MONTH[month - 1] + day - 1
    if month > 2 and is_leap(year):
        n += 1
    return n


def to_seconds(t: tuple) -> int:
    """Seconds from 2000-01-01 00:00:00 to ``t``, both local time (the zone is ignored)."""
    return _day_number(t) * _DAY_S + t[3] * 3600 + t[4] * 60 + t[5]


def from_seconds(s: int, tz: int) -> tuple:
    """The wall time ``s`` seconds after 2000-01-01 00:00:00, tagged with zone ``tz``."""
    days = s // _DAY_S
    rem = s - days * _DAY_S
    year = 2000 + (days * 400) // 146097
    while _days_before_year(year) > days:
        year -= 1
    while _days_before_year(year + 1) <= days:
        year += 1
    day_of_year = days - _days_before_year(year)
    month = 1
    while month < 12:
        first_of_next = _DAYS_BEFORE_MONTH[month] + (1 if month >= 2 and is_leap(year) else 0)
        if day_of_year < first_of_next:
            break
        month += 1
    first = _DAYS_BEFORE_MONTH[month - 1] + (1 if month > 2 and is_leap(year) else 0)
    return (year, month, day_of_year - first + 1, rem // 3600, (rem // 60) % 60, rem % 60, tz)


def weekday(t: tuple) -> int:
    """ISO day of the week of ``t``: 1 = Monday ... 7 = Sunday (2000-01-01 was a Saturday)."""
    return (_day_number(t) + 5) % 7 + 1


def fmt(t: tuple) -> str:
    """``yy/mm/dd,hh:mm:ss``, zero-padded, as every reply writes a time."""
    return "%02d/%02d/%02d,%02d:%02d:%02d" % (t[0] % 100, t[1], t[2], t[3], t[4], t[5])


def fmt_zone(tz: int) -> str:
    """The signed two-digit zone of ``+CCLK``: ``+08``, ``-04``, ``+00``."""
    return "%s%02d" % ("-" if tz < 0 else "+", -tz if tz < 0 else tz)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def valid(t: object) -> bool:
    """True when ``t`` is a well-formed wall time: a real date in 2000..2099, |tz| <= 56."""
    if not isinstance(t, tuple) or len(t) != 7:
        return False
    for v in t:
        if not _is_int(v):
            return False
    year, month, day, hour, minute, second, tz = t
    if not (2000 <= year <= 2099 and 1 <= month <= 12):
        return False
    if not 1 <= day <= days_in_month(year, month):
        return False
    return 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59 and -56 <= tz <= 56


def read_wall(status, now):
    """``status.wall_time(now)`` when it is a valid time, else None; never raises."""
    try:
        t = status.wall_time(now)
    except Exception:
        return None
    return t if valid(t) else None
