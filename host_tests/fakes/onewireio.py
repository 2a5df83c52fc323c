"""Fake ``onewireio``: bit slots on the simulated 1-Wire line of the pin (host_tests.sim.ds18b20)."""

from _hostlink import board as _board


class OneWire:
    def __init__(self, pin):
        self._pin = pin.name
        _board().claim_pin(self._pin)
        self._bus = _board().onewire_bus(self._pin)

    def deinit(self):
        if self._bus is not None:
            self._bus = None
            _board().release_pin(self._pin)

    def _line(self):
        if self._bus is None:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
        return self._bus

    def reset(self):
        # True when NO device answered or the line is stuck low, as the core module reports it.
        return bool(self._line().reset())

    def read_bit(self):
        return bool(self._line().read_bit())

    def write_bit(self, value):
        self._line().write_bit(bool(value))
