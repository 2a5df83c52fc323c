"""Fake ``digitalio``: pin levels live on the simulated board."""

from _hostlink import board as _board


class Direction:
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"


class Pull:
    UP = "UP"
    DOWN = "DOWN"


class DriveMode:
    PUSH_PULL = "PUSH_PULL"
    OPEN_DRAIN = "OPEN_DRAIN"


class DigitalInOut:
    def __init__(self, pin):
        self._pin = pin
        self._direction = Direction.INPUT
        self.pull = None
        _board().claim_pin(pin.name)

    def deinit(self):
        _board().release_pin(self._pin.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()

    @property
    def direction(self):
        return self._direction

    @direction.setter
    def direction(self, value):
        self._direction = value
        if value == Direction.OUTPUT:
            _board().drive_pin(self._pin.name, False)

    def switch_to_output(self, value=False, drive_mode=DriveMode.PUSH_PULL):
        self._direction = Direction.OUTPUT
        _board().drive_pin(self._pin.name, bool(value))

    def switch_to_input(self, pull=None):
        self._direction = Direction.INPUT
        self.pull = pull
        _board().release_pin(self._pin.name)
        _board().claim_pin(self._pin.name)

    @property
    def value(self):
        if self._direction == Direction.OUTPUT:
            return _board().pin_level(self._pin.name)
        return _board().read_input(self._pin.name, self.pull)

    @value.setter
    def value(self, v):
        if self._direction != Direction.OUTPUT:
            raise AttributeError("Cannot set value when direction is input.")
        _board().drive_pin(self._pin.name, bool(v))
