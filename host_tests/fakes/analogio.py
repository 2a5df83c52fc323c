"""Fake ``analogio``."""

from _hostlink import board as _board


class AnalogIn:
    def __init__(self, pin):
        self._pin = pin.name

    @property
    def value(self):
        return _board().analog_value(self._pin)

    reference_voltage = 3.3

    def deinit(self):
        pass
