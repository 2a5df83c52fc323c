"""The console log: one readable, time-stamped line per event."""


class Log:
    """Writes ``[  uptime] TAG  text`` lines to the console port."""

    def __init__(self, port):
        self._port = port
        self.uptime_ms = 0

    def line(self, tag: str, text: str) -> None:
        ms = self.uptime_ms
        self._port.write("[%7d.%03d] %-7s %s\n" % (ms // 1000, ms % 1000, tag, text))
