"""Fake ``onewireio``: bit slots on the simulated 1-Wire line of the pin (host_tests.sim.ds18b20)."""

from _hostlink import board as _board


class OneWire:
    def __init__(self, pin):
        self._pin = pin.name
        _board().claim_pin(self._pin)

    def deinit(self):
        if self._pin is not None:
            _board().release_pin(self._pin)
            self._pin = None

    def _line(self):
        if self._pin is None:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
        return self._pin

    def reset(self):
        # True when NO device answered or the line is stuck low, as the core module reports it.
        return bool(_board().onewire_reset(self._line()))

    def read_bit(self):
        return bool(_board().onewire_read_bit(self._line()))

    def write_bit(self, value):
        _board().onewire_write_bit(self._line(), bool(value))
