"""Fake ``onewireio``: the bus the simulated probe hangs on (bit-level DS18B20 comes with the thermometer)."""

from _hostlink import board as _board


class OneWire:
    def __init__(self, pin):
        self._pin = pin.name
        self._bus = _board().onewire_bus(self._pin)

    def deinit(self):
        pass

    def reset(self):
        # True when NO device answered, as the core module reports it.
        return self._bus.reset()

    def read_bit(self):
        return self._bus.read_bit()

    def write_bit(self, value):
        self._bus.write_bit(bool(value))
