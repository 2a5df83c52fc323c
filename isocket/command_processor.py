"""From an incoming SMS (or a console line) to the reply text, in the order of A-04.

1. sender filter: only numeric senders (A-60);
2. trim, and drop a command part longer than 30 characters (A-05);
3. SECLIST: unlisted senders get ``Access deny!`` only with SMSCONFIRMUNAUTH=ON;
4. access password prefix, case-insensitive (A-03, A-07);
5. parse against the command table (``isocket.commands``);
6. configuration window for CONF commands;
7. value, 8. preconditions (both inside the handlers, raising ``Refusal``);
9. execute, store the settings before confirming (rolled back if storing fails),
   confirm subject to SMSCONFIRM (A-15);
10. a successful CONF command restarts the 30-minute window (A-08).

Every error reply needs ERROR=ON and passes a per-number rate limit (DECISIONS §2).
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket import commands
from isocket.commands import CONF, EXECUTE_ERROR, INCORRECT_VALUE, WORD, Refusal
from isocket.phone_numbers import normalise_sender
from isocket.rate_limit import ReplyLimiter
from isocket.security_commands import SecurityCommands, ok
from isocket.settings import RESTART_TIME_RANGE
from isocket.wallclock import fmt, from_seconds, read_wall, to_seconds

WINDOW_MS = const(30 * 60_000)
_MAX_COMMAND = const(30)
ACCESS_DENY = "Access deny!"
# What a handler returns when its reply is known only later (an operator's USSD answer):
# nothing is sent now; the feature sends the reply itself to ``sender``, as captured.
REPLY_LATER = object()


def parse_int(value: str | None, lo: int, hi: int) -> int:
    """Decimal digits (leading zeros allowed) within lo..hi, else ``Incorrect value!``."""
    if not value or not commands.printable(value):
        raise Refusal(INCORRECT_VALUE)
    for c in value:
        if c < "0" or c > "9":
            raise Refusal(INCORRECT_VALUE)
    digits = value.lstrip("0") or "0"
    if len(digits) > 6 or not lo <= int(digits) <= hi:
        raise Refusal(INCORRECT_VALUE)
    return int(digits)


def signal_line(dbm: object) -> str:
    """STATUS's signal line from the RSSI in dBm (DECISIONS §3)."""
    if not isinstance(dbm, int) or isinstance(dbm, bool):
        return "Signal: Unknown"
    if dbm >= -65:
        word = "Excellent"
    elif dbm >= -79:
        word = "Good"
    elif dbm >= -89:
        word = "Fair"
    else:
        word = "Poor"
    return "Signal: %s (%ddBm)" % (word, dbm)


class CommandProcessor(SecurityCommands):
    """Turns SMS and console commands into actions, settings changes and reply texts.

    ``persist(settings) -> bool`` stores the settings; ``status`` gives ``signal_dbm`` and
    ``wall_time(now)``; ``model`` is ``706``, ``707``, ``706L`` or ``707L``; ``window_open``
    says whether this boot opens the configuration window (power-on or factory reset).
    ``last_outcome`` is one line for the console log about the last message handled.
    """

    def __init__(self, settings, socket, persist, status, model, now, window_open):
        super().__init__(settings, str(model).endswith("L"))
        self.socket = socket
        self.status = status
        self.model = model
        self._persist = persist
        self.limiter = ReplyLimiter()
        self._window_end = ticks_add(now, WINDOW_MS) if window_open else None
        self.last_outcome = "none yet"
        self.sender = None  # the SMS sender being served; None for the console
        self.scts = None  # that SMS's service-centre time stamp (DATESMS); None for the console
        self._features = [self]

    # --- the configuration window and housekeeping
    def window_open(self, now: int) -> bool:
        """True while CONF commands are accepted by SMS."""
        if self._window_end is not None and ticks_diff(self._window_end, now) <= 0:
            self._window_end = None  # forget it before ticks_diff could wrap round
        return self._window_end is not None

    def _open_window(self, now: int) -> None:
        self._window_end = ticks_add(now, WINDOW_MS)

    def poll(self, now: int) -> None:
        """Close an expired window and forget old error replies."""
        self.window_open(now)
        self.limiter.poll(now)

    def next_deadline(self, now: int) -> int | None:
        """Milliseconds until ``poll`` has work (0 if due), None when nothing is pending."""
        wait = self.limiter.next_deadline(now)
        if self.window_open(now):
            left = max(0, ticks_diff(self._window_end, now))  # type: ignore[arg-type]
            wait = left if wait is None else min(wait, left)
        return wait

    # --- entry points
    def handle_sms(self, sender: str, text: str, now: int, scts: tuple | None = None) -> str | None:
        """The reply to send back to ``sender``, or None for silence.

        While it runs, ``sender`` is the originating address as received (CALLBACK uses it)
        and ``scts`` the message's service-centre time stamp, ``(yy, mm, dd, hh, mi, ss, tz)``
        as decoded (DATESMS uses it).
        """
        self.sender = sender
        self.scts = scts
        try:
            return self._sms(sender, text, now)
        except Exception as e:  # a message must never stop the loop
            self.last_outcome = "failed: %s" % e
            return None
        finally:
            self.sender = None
            self.scts = None

    def handle_console(self, text: str, now: int) -> str:
        """A command typed on the USB console, run as the trusted owner; always a text."""
        try:
            self.poll(now)
            text = commands.trim(text)
            if len(text) > _MAX_COMMAND:
                self.last_outcome = "dropped: command longer than 30 characters"
                return "Dropped: command longer than 30 characters"
            return self._execute(text, None, now) or ""
        except Exception as e:
            self.last_outcome = "failed: %s" % e
            return EXECUTE_ERROR

    def _sms(self, sender, text, now):
        self.poll(now)
        number = normalise_sender(sender)
        if number is None:
            return self._quiet("ignored: alphanumeric sender" if sender else "ignored: empty sender")
        text = commands.trim(text)
        s = self.settings
        pw = s.password
        if len(text) > _MAX_COMMAND + (len(pw) if pw else 0):
            return self._quiet("dropped: command longer than 30 characters")
        if s.seclist and number not in s.secnumbers:
            if s.smsconfirmunauth and s.error:
                return self.refuse(ACCESS_DENY, number, now)
            return self._quiet("ignored: sender not in SECLIST")
        if pw:
            if commands.ascii_upper(text[: len(pw)]) != commands.ascii_upper(pw):
                return self.refuse("Invalid access password!", number, now)
            text = text[len(pw) :]
        return self._execute(text, number, now)

    def _quiet(self, outcome: str) -> str | None:
        # no reply at all: only the console log learns why
        self.last_outcome = outcome
        return None

    def refuse(self, text: str, number: str | None, now: int) -> str | None:
        # an error reply: the console always gets it, an SMS sender only with ERROR=ON
        if number is None:
            self.last_outcome = "refused: " + text
            return text
        if not self.settings.error:
            return self._quiet("refused silently (ERROR=OFF): " + text)
        if not self.limiter.allow(number, now):
            return self._quiet("refused silently (5 error replies this hour): " + text)
        self.last_outcome = "refused: " + text
        return text

    def _execute(self, text: str, number: str | None, now: int) -> str | None:
        console = number is None
        cmd = commands.match(commands.ascii_upper(text))
        shown = commands.echo(text) or "Command"
        if cmd is None or (self.light and not cmd.light):
            return self.refuse(shown + " - Error!", number, now)
        handler = self._handler(cmd.handler)
        if handler is None:  # a feature that has not landed yet
            return self.refuse(shown + " - Error!", number, now)
        value = None if cmd.match == WORD else text[len(cmd.key) :]
        if cmd.secret:
            shown = cmd.key + ("NO" if commands.ascii_upper(value or "") == "NO" else "*" * cmd.secret)
        elif value is not None and not commands.printable(value):
            return self.refuse(shown + " - Error!", number, now)  # whitespace inside
        if cmd.kind == CONF and not console and not self.window_open(now):
            return self.refuse(shown + " - Time for configuration is expired (30min)!", number, now)
        s = self.settings
        before = s.copy()
        try:
            reply = handler(cmd, value, now)
        except Refusal as r:
            s.update_from(before)
            return self.refuse(r.text, number, now)
        except Exception as e:
            s.update_from(before)
            reply = self.refuse(EXECUTE_ERROR, number, now)
            self.last_outcome += " (%s: %s)" % (cmd.name, e)
            return reply
        if s != before and not self._store():
            s.update_from(before)
            reply = self.refuse(EXECUTE_ERROR, number, now)
            self.last_outcome += " (settings not stored, change undone)"
            return reply
        if cmd.kind == CONF and not console:
            self._open_window(now)
        if reply is REPLY_LATER:
            self.last_outcome = "executed %s, the reply follows" % cmd.name
            return "(the reply follows)" if console else None
        if console or cmd.exempt or before.smsconfirm or s.smsconfirm:
            self.last_outcome = "executed " + cmd.name
            return reply
        return self._quiet("executed %s (SMSCONFIRM=OFF: no reply)" % cmd.name)

    def register(self, feature) -> None:
        """Let ``feature`` answer the table rows whose handler it defines (``do_*`` methods)."""
        self._features.append(feature)

    def _handler(self, name):
        for owner in self._features:
            h = getattr(owner, name, None)
            if h is not None:
                return h
        return None

    def _store(self) -> bool:
        try:
            return bool(self._persist(self.settings))
        except Exception:
            return False

    # --- main socket handlers
    def do_switch(self, cmd, value, now):
        self.socket.switch(cmd.arg == "ON", now)
        return "Power socket " + cmd.arg

    def do_switch_for(self, cmd, value, now):
        minutes = parse_int(value, 1, 720)
        self.socket.switch_for(cmd.arg == "ON", minutes, now)
        return "Power %s for %d min" % (cmd.arg, minutes)

    def do_restart(self, cmd, value, now):
        self.socket.restart(self.settings.restart_time, now)
        return "Power socket restarted"

    def do_restart_time(self, cmd, value, now):
        seconds = parse_int(value, RESTART_TIME_RANGE[0], RESTART_TIME_RANGE[1])
        self.settings.restart_time = seconds
        return ok("RESTARTTIME=%d" % seconds)

    def do_restart_time_query(self, cmd, value, now):
        return "RESTARTTIME=%d seconds" % self.settings.restart_time

    def do_status(self, cmd, value, now):
        return self.status_text(now)

    def status_text(self, now: int) -> str:
        """The STATUS reply; the scheduler's INF rules send the same text (A-49)."""
        st = self.status
        lines = ["Power socket " + ("ON" if self.socket.on else "OFF")]
        if not self.light:
            lines.append("Microrelay " + ("ON" if st.micro_relay_on() else "OFF"))
        lines.append(signal_line(getattr(st, "signal_dbm", None)))
        if not self.light:
            wall = read_wall(self.status, now)
            t = st.temperature()
            lines.append("TEMP: N/A" if t is None else "TEMP: %dC" % t)
            lines.append("ALARMF: " + ("Enabled" if self.settings.alarm_armed else "Disabled"))
            lines.append("ALARM status: " + ("Activity detected" if st.alarm_active() else "No activity"))
            lines.append("Time: " + (fmt(wall) if wall else "not set"))
        return "\n".join(lines)

    def do_runtime(self, cmd, value, now):
        state = "ON" if self.socket.on else "OFF"
        elapsed = self.socket.elapsed_ms(now)
        wall = read_wall(self.status, now)
        if wall is not None:
            start = to_seconds(wall) - elapsed // 1000
            if start >= 0:
                return "Power socket is %s from: %s" % (state, fmt(from_seconds(start, wall[6])))
        return "Power socket is %s for %d min" % (state, elapsed // 60_000)
