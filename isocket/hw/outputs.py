"""Digital outputs: relays and the modem supply switch."""

import digitalio


class Output:
    """A push-pull output with a boolean ``value``; ``active_high`` False inverts it."""

    def __init__(self, pin, value=False, active_high=True):
        self._io = digitalio.DigitalInOut(pin)
        self._active_high = active_high
        self._value = bool(value)
        self._io.switch_to_output(value=self._value == active_high)

    @property
    def value(self) -> bool:
        return self._value

    @value.setter
    def value(self, on: bool) -> None:
        self._value = bool(on)
        self._io.value = self._value == self._active_high


class Input:
    """A plain digital input read on demand (mains sense)."""

    def __init__(self, pin, pull=None):
        self._io = digitalio.DigitalInOut(pin)
        self._io.switch_to_input(pull=pull)

    @property
    def value(self) -> bool:
        return bool(self._io.value)
