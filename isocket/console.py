"""Local commands typed on the USB console, run as a trusted owner would."""

from micropython import const

MAX_LINE = const(80)
_MAX_LINES = const(4)


class ConsoleInput:
    """Assembles typed characters into command lines (bounded; backspace honoured)."""

    def __init__(self, port):
        self._port = port
        self._buf = bytearray()
        self._lines = []

    def poll(self):
        """Return the next complete typed line, or None."""
        data = self._port.read()
        if data:
            for b in data:
                if b == 13 or b == 10:
                    if self._buf and len(self._lines) < _MAX_LINES:
                        self._lines.append(self._buf.decode())
                    self._buf = bytearray()
                elif b == 8 or b == 127:
                    self._buf = self._buf[:-1]
                elif 32 <= b < 127 and len(self._buf) < MAX_LINE:
                    self._buf.append(b)
        if self._lines:
            return self._lines.pop(0)
        return None
