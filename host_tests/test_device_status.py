"""Device.Status: the calibrated temperature (raw - TEMPCAL, A-34) and its rounding."""

from __future__ import annotations

import pytest

from isocket.device import Status
from isocket.settings import Settings


class Probe:
    def __init__(self, x16):
        self.celsius_x16 = x16


class Modem:
    registered = True
    signal_dbm = -70


@pytest.mark.parametrize(
    ("raw_x16", "tempcal", "tenths", "whole"),
    [
        (None, 5, None, None),
        (25 * 16, 5, 200, 20),  # 25.0 - 5
        (25 * 16 + 8, 5, 205, 21),  # 25.5 - 5 = 20.5 -> 21 (half away from zero)
        (25 * 16 + 7, 5, 204, 20),  # 25.4375 -> 25.4 - 5
        (0, 5, -50, -5),
        (-16 * 10 - 8, 1, -115, -12),  # -10.5 - 1 = -11.5 -> -12
        (85 * 16, 9, 760, 76),
    ],
)
def test_calibrated_temperature(raw_x16, tempcal, tenths, whole) -> None:
    settings = Settings()
    settings.tempcal = tempcal
    status = Status(Modem(), settings)
    status.thermometer = Probe(raw_x16)
    assert status.temperature_x10() == tenths
    assert status.temperature() == whole


def test_parts_not_fitted_read_as_off() -> None:
    status = Status(Modem(), Settings())
    assert status.temperature() is None
    assert not status.micro_relay_on()
    assert not status.alarm_active()
    assert status.signal_dbm == -70
