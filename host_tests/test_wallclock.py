"""wallclock: calendar arithmetic checked against CPython's datetime."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from isocket import wallclock

EPOCH = datetime.datetime(2000, 1, 1)


def _tuple(d: datetime.datetime, tz: int = 0) -> tuple:
    return (d.year, d.month, d.day, d.hour, d.minute, d.second, tz)


LAST = datetime.datetime(2099, 12, 31, 23, 59, 59)


@given(st.datetimes(min_value=EPOCH, max_value=LAST), st.integers(-56, 56))
def test_to_seconds_from_seconds_and_weekday_agree_with_datetime(d, tz):
    d = d.replace(microsecond=0)
    t = _tuple(d, tz)
    s = wallclock.to_seconds(t)
    assert s == int((d - EPOCH).total_seconds())
    assert wallclock.from_seconds(s, tz) == t
    assert wallclock.weekday(t) == d.isoweekday()
    assert wallclock.valid(t)


def test_known_dates():
    assert wallclock.to_seconds((2000, 1, 1, 0, 0, 0, 0)) == 0
    assert wallclock.weekday((2000, 1, 1, 0, 0, 0, 0)) == 6  # a Saturday
    assert wallclock.weekday((2026, 11, 23, 8, 0, 0, 8)) == 1  # a Monday
    assert wallclock.from_seconds(59, 0) == (2000, 1, 1, 0, 0, 59, 0)
    assert wallclock.from_seconds(86400 * 60, 4) == (2000, 3, 1, 0, 0, 0, 4)  # 2000 is a leap year
    assert wallclock.from_seconds(-1, 0) == (1999, 12, 31, 23, 59, 59, 0)


def test_fmt_and_zone():
    assert wallclock.fmt((2026, 11, 23, 8, 0, 5, 8)) == "26/11/23,08:00:05"
    assert wallclock.fmt((2005, 1, 2, 3, 4, 5, 0)) == "05/01/02,03:04:05"
    assert wallclock.fmt_zone(8) == "+08"
    assert wallclock.fmt_zone(-4) == "-04"
    assert wallclock.fmt_zone(0) == "+00"
    assert wallclock.fmt_zone(-48) == "-48"


def test_valid_rejects_impossible_times():
    assert wallclock.valid((2024, 2, 29, 0, 0, 0, 0))
    assert wallclock.valid((2099, 12, 31, 23, 59, 59, 56))
    bad = [
        (2023, 2, 29, 0, 0, 0, 0),
        (2100, 1, 1, 0, 0, 0, 0),
        (1999, 12, 31, 0, 0, 0, 0),
        (2026, 13, 1, 0, 0, 0, 0),
        (2026, 4, 31, 0, 0, 0, 0),
        (2026, 1, 0, 0, 0, 0, 0),
        (2026, 1, 1, 24, 0, 0, 0),
        (2026, 1, 1, 0, 60, 0, 0),
        (2026, 1, 1, 0, 0, 60, 0),
        (2026, 1, 1, 0, 0, 0, 57),
        (2026, 1, 1, 0, 0, 0, -57),
        (2026, 1, 1, 0, 0, 0),
        (2026, 1, 1, 0, 0, 0, True),
        (2026, 1, 1, 0, 0, 0.0, 0),
        [2026, 1, 1, 0, 0, 0, 0],
        None,
        "x",
    ]
    for t in bad:
        assert not wallclock.valid(t), t
