"""Fake ``rtc``: the RP2040 RTC, starting at 2000-01-01 00:00:00 on a hard reset."""

import time

from _hostlink import board as _board


class RTC:
    @property
    def datetime(self):
        return time.struct_time(_board().rtc_now())

    @datetime.setter
    def datetime(self, value):
        _board().rtc_set(tuple(value)[:6])

    @property
    def calibration(self):
        raise NotImplementedError("calibration is not supported on RP2040")


def set_time_source(rtc):
    pass
