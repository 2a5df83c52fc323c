"""The USB serial console: log lines out, typed commands in."""

import usb_cdc


class ConsolePort:
    """Writes are dropped by CircuitPython when no terminal is open, so they never block."""

    def __init__(self):
        self._serial = usb_cdc.console

    def write(self, text: str) -> None:
        if self._serial is not None:
            self._serial.write(text.encode("utf-8"))
        else:
            print(text, end="")

    def read(self):
        """Return the bytes typed since the last call, or None."""
        s = self._serial
        if s is None:
            return None
        n = s.in_waiting
        return s.read(min(n, 64)) if n else None
