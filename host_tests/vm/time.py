"""The VM's ``time``: MicroPython's own, plus CircuitPython's ``struct_time``."""

import sys
from collections import namedtuple

_path = sys.path
sys.path = ()  # MicroPython's documented way to reach the built-in module this file extends
try:
    from time import *  # noqa: F403
finally:
    sys.path = _path
    del _path

_struct_time = namedtuple(
    "struct_time",
    ("tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday", "tm_yday", "tm_isdst"),
)


def struct_time(t):
    """``time.struct_time((year, month, ...))`` as on CircuitPython: one 9-item sequence."""
    return _struct_time(*t)
