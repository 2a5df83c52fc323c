"""Machine-readable state lines on the USB console, beside the human log (docs/console.md).

One line per change, so a test rig or a person's script can follow the device without
parsing log prose::

    @state relay on
    @state led GSM blink-3s

Typing ``@state`` on the console prints every current value again (a rig that connects
late learns where things stand).
"""


class StateLines:
    """Prints ``@state NAME VALUE`` when NAME's value changes; ``event`` prints every time."""

    def __init__(self, port):
        self._port = port
        self._shown = {}  # bounded: one entry per fixed name (relay, led POWER, ...)

    def show(self, name: str, value: str) -> None:
        if self._shown.get(name) != value:
            self._shown[name] = value
            self._port.write("@state %s %s\n" % (name, value))

    def event(self, name: str, value: str) -> None:
        self._port.write("@state %s %s\n" % (name, value))

    def dump(self) -> None:
        for name in sorted(self._shown):
            self._port.write("@state %s %s\n" % (name, self._shown[name]))
