"""Non-blocking AT command engine: one command in flight, URCs routed at any time.

A client ``submit()``s a command and later looks at the returned ``AtCommand``
(``done``, ``ok``, ``final``, ``lines``); nothing waits. Lines that are not part of the
command in flight (``RING``, ``+CMTI: ...``, boot messages, unknown text) are queued as
unsolicited result codes for ``pop_urc()``, even when they land between a command's echo
and its final result.
"""

from micropython import const

from adafruit_ticks import ticks_diff

from isocket.modem.lines import PROMPT, LineAssembler

FINAL_OK = ("OK",)
FINAL_ERRORS = ("ERROR", "+CME ERROR", "+CMS ERROR")
CALL_FINALS = ("NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE")
# Unsolicited lines we know; anything unrecognised outside a command is queued too.
URC_PREFIXES = (
    "RING",
    "+CLIP:",
    "+CMTI:",
    "+CUSD:",
    "+CREG:",
    "+CGREG:",
    "+CEREG:",
    "*PSUTTZ:",
    "+CTZV:",
    "DST:",
    "+CIEV:",
    "RDY",
    "+CFUN:",
    "+CPIN:",
    "Call Ready",
    "SMS Ready",
    "UNDER-VOLTAGE",
    "OVER-VOLTAGE",
    "NORMAL POWER DOWN",
    "NO CARRIER",
    "BUSY",  # the late outcome of ATD (COLP=0): never collected into another command's answer
    "NO ANSWER",
    "NO DIALTONE",
    "+COLP:",
    "+CLCC:",
    "MO RING",
    "MO CONNECTED",
    "+CMTE:",
    "*PSNWID:",
    "+CSMINS:",
    "SMS DONE",
    "PB DONE",
    "*ATREADY:",
    "+CRING:",
    "VOICE CALL:",
    "MISSED_CALL:",
)
_MAX_QUEUE = const(8)
MAX_URCS = const(24)


class AtCommand:
    """One command line and, once ``done``, its outcome."""

    def __init__(self, text, timeout_ms, prefix, data, collect_all, call):
        self.text = text
        self.timeout_ms = timeout_ms
        self.prefix = prefix
        self.data = data
        self.collect_all = collect_all
        self.call = call
        self.lines = []
        self.final = None
        self.started = None

    @property
    def done(self) -> bool:
        return self.final is not None

    @property
    def ok(self) -> bool:
        return self.final == "OK"

    def info(self):
        """The first information line without its prefix, or None."""
        if not self.lines:
            return None
        line = self.lines[0]
        if self.prefix and line.startswith(self.prefix):
            return line[len(self.prefix) :].strip()
        return line


class AtEngine:
    """Queues commands to the modem port and parses what comes back."""

    def __init__(self, port):
        self._port = port
        self._lines = LineAssembler(max_lines=64)
        self._queue = []
        self._current = None
        self._urcs = []
        self.timeouts_in_a_row = 0
        self.echo_seen = False
        self.urcs_dropped = 0

    # -- clients -------------------------------------------------------------
    def submit(self, text, timeout_ms=3000, prefix=None, data=None, collect_all=False, call=False):
        """Queue ``text`` (no line end); returns the command, or None if the queue is full."""
        if len(self._queue) >= _MAX_QUEUE:
            return None
        cmd = AtCommand(text, timeout_ms, prefix, data, collect_all, call)
        self._queue.append(cmd)
        return cmd

    def pop_urc(self):
        if self._urcs:
            return self._urcs.pop(0)
        return None

    @property
    def idle(self) -> bool:
        return self._current is None and not self._queue

    def abort_all(self, reason="RESET") -> None:
        """Fail everything queued or in flight (the modem restarted or lost power)."""
        if self._current is not None:
            self._current.final = reason
            self._current = None
        for cmd in self._queue:
            cmd.final = reason
        self._queue = []
        self._port.discard_output()
        self._lines.reset()

    # -- loop ----------------------------------------------------------------
    def poll(self, now) -> None:
        self._port.flush()
        data = self._port.read()
        if data:
            self._lines.feed(data)
            line = self._lines.pop()
            while line is not None:
                self._dispatch(line)
                line = self._lines.pop()
        cur = self._current
        if cur is not None and ticks_diff(now, cur.started) >= cur.timeout_ms:
            cur.final = "TIMEOUT"
            self._current = None
            self.timeouts_in_a_row += 1
        if self._current is None and self._queue and not self._port.sending:
            cmd = self._queue.pop(0)
            cmd.started = now
            self._current = cmd
            self._port.write(cmd.text.encode() + b"\r")

    def next_deadline(self, now):
        if self._port.sending:
            return 0
        cur = self._current
        if cur is not None:
            return max(0, cur.timeout_ms - ticks_diff(now, cur.started))
        return 0 if self._queue else None

    def _dispatch(self, line) -> None:
        cur = self._current
        if cur is not None:
            if line == PROMPT:
                if cur.data is not None:
                    self._port.write(cur.data)
                    cur.data = None
                return
            if line == cur.text:
                self.echo_seen = True  # the modem echoes again: it has restarted
                return
            if self._is_final(cur, line):
                cur.final = "OK" if line in FINAL_OK else line
                self._current = None
                self.timeouts_in_a_row = 0
                return
            if cur.prefix and line.startswith(cur.prefix):
                self._collect(cur, line)
                return
            if cur.collect_all and not _is_urc(line):
                self._collect(cur, line)
                return
        if line == PROMPT:
            return
        if len(self._urcs) < MAX_URCS:
            self._urcs.append(line)
        else:
            self.urcs_dropped += 1

    @staticmethod
    def _collect(cur, line) -> None:
        if len(cur.lines) < 24:
            cur.lines.append(line)

    @staticmethod
    def _is_final(cur, line) -> bool:
        if line in FINAL_OK:
            return True
        if starts_with_any(line, FINAL_ERRORS):
            return True
        return cur.call and line in CALL_FINALS


def starts_with_any(line, prefixes) -> bool:
    """``str.startswith`` with a tuple, which MicroPython/CircuitPython do not support."""
    for p in prefixes:
        if line.startswith(p):
            return True
    return False


def _is_urc(line) -> bool:
    return starts_with_any(line, URC_PREFIXES)
