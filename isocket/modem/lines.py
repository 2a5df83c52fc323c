"""Line assembly from whatever byte chunks the UART hands over.

Modem output is CR/LF framed text, plus the bare ``> `` prompt of AT+CMGS. Power-on sync
bytes (00 49 49 49 49 FF FF FF FF), NULs and other non-printable bytes are dropped
before assembly; an over-long line is cut at ``MAX_LINE`` (its tail is discarded).
"""

from micropython import const

MAX_LINE = const(800)  # a 182-character USSD answer as UCS-2 hex, with its +CUSD framing
PROMPT = "> "


class LineAssembler:
    """Feed bytes, then pop complete lines (``str``) and ``PROMPT`` markers in order."""

    def __init__(self, max_lines=16):
        self._buf = bytearray()
        self._overflow = False
        self._out = []
        self._max_lines = max_lines
        self.dropped_lines = 0

    def feed(self, data) -> None:
        buf = self._buf
        for b in data:
            if b == 13 or b == 10:
                self._end_line()
            elif 32 <= b < 127:
                if len(buf) < MAX_LINE:
                    buf.append(b)
                else:
                    self._overflow = True
                if b == 32 and len(buf) == 2 and buf[0] == 62:  # "> " with no line end
                    buf[:] = b""
                    self._emit(PROMPT)
            # anything else (junk, NUL, 0xFF, Ctrl-Z echo) is not text

    def _end_line(self) -> None:
        if self._buf:
            self._emit(self._buf.decode())
            self._buf[:] = b""
        self._overflow = False

    def _emit(self, item) -> None:
        if len(self._out) >= self._max_lines:
            self.dropped_lines += 1
            return
        self._out.append(item)

    def pop(self):
        """Return the oldest assembled line or PROMPT, or None."""
        if self._out:
            return self._out.pop(0)
        return None

    def reset(self) -> None:
        self._buf[:] = b""
        self._out = []
