"""The wall clock: local time in the RP2040 RTC, set from the network; DATE, DATE=, DATESMS.

Where the time comes from (DECISIONS A-41):

- the network, whenever it reports a plausible time: the SIM800's network-time URCs
  (``*PSUTTZ``: UTC and the zone; ``+CTZV``: the zone alone, followed by a read of
  ``AT+CCLK?``) and ``AT+CCLK?`` itself, read a few seconds after each registration (after
  an MCU reset the modem has kept running and already holds the network's time);
- the owner (``DATE=``, ``DATESMS``): from then on the network no longer changes it, until
  the firmware starts again;
- the service-centre time stamp of a received SMS, only while the clock is not set. It is
  taken after the message has been handled, so a first ``DATE`` still tells the truth.

Plausible means a real date and time in 2024..2079 with a zone within +-56 quarter hours:
the modems' reset dates (04/01/01, 80/01/06) and garbage are ignored. The clock is not set
at boot: the RP2040 RTC restarts at 2000-01-01 on every reset.

Zones are quarter hours as the network sends them, daylight saving already included (3GPP
24.008 10.5.3.8; a SIM800L in July: ``*PSUTTZ: 2024,7,24,14,4,19,"+8",1`` then
``+CCLK: "24/07/24,16:05:01+08"``): the DST field is not added again. Times shown are local.

Network time on a fresh SIM800: it acts on ``AT+CLTS=1`` only from its next registration,
and the setting survives a restart only once saved with ``AT&W`` (TinyGSM #188, #289:
``+CCLK`` stays at 04/01/01 while it is not saved); a module that registers
before the set-up reaches ``AT+CLTS=1`` brings no network time from that start. If nothing
has come ``NITZ_WAIT_MS`` after the first registration of this boot (no ``*PSUTTZ`` or
``+CTZV``, ``+CCLK`` still at its reset date), the clock saves the setting
(``AT+CLTS=1;&W``) and restarts the module once (``AT+CFUN=1,1``, when no call is up and the
AT engine is idle), as TinyGSM's SIM800 ``restart()`` does (vshymanskyy/TinyGSM; bizkit.ru
2019-05-25 shows ``*PSUTTZ`` once the setting is saved and the radio restarted with
``AT+CFUN``). If that restart does not bring it, the next power-on does. The modem
supervisor sees the restart by its boot messages and configures the module again; every
later start (each power-on) then brings the network's time at registration. A network
that sends no time at all costs that one restart per boot; the first SMS time stamp then
sets the clock.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.commands import EXECUTE_ERROR, INCORRECT_VALUE, Refusal
from isocket.security_commands import ok
from isocket.wallclock import fmt, fmt_zone, from_seconds, to_seconds, valid

_MIN_YEAR = const(2024)  # earlier: a modem's reset date (04/01/01) or a broken stamp
_MAX_YEAR = const(2079)  # "80/01/06" is a reset date (the GPS epoch), not 2080
_MAX_ZONE = const(56)  # quarter hours, as wallclock.valid and A-43
CCLK_AFTER_REGISTER_MS = const(5000)  # network-time URCs come first, if they come
CCLK_AFTER_ZONE_MS = const(2000)
NITZ_WAIT_MS = const(30000)
RETRY_MS = const(1000)
CMD_MS = const(3000)
_RESTART_CMD_MS = const(10000)
_SAME_S = const(2)  # a network time this close to the clock's is not written again
NOT_SET = "DATE is not set!"


def _num(text: str, lo: int, hi: int, width: int = 0, signed: bool = False) -> int | None:
    # a decimal field within lo..hi (``width``: exactly that many digits), else None
    s = text.strip()
    neg = False
    if signed and s[:1] in ("+", "-"):
        neg = s[0] == "-"
        s = s[1:]
    if not s or len(s) > 4 or (width and len(s) != width):
        return None
    for c in s:
        if c < "0" or c > "9":
            return None
    n = -int(s) if neg else int(s)
    return n if lo <= n <= hi else None


def _year(text: str) -> int | None:
    y = _num(text, 0, 2099)
    return y + 2000 if y is not None and y < 100 else y


def _zone(text: str) -> int | None:
    return _num(text.strip().strip('"'), -_MAX_ZONE, _MAX_ZONE, 0, True)


def _fields(year, month, day, hour, minute, second, tz) -> tuple:
    # text fields -> a wall-time tuple; a field out of range is None, which valid() rejects
    return (
        _year(year),
        _num(month, 1, 12),
        _num(day, 1, 31),
        _num(hour, 0, 23),
        _num(minute, 0, 59),
        _num(second, 0, 59),
        tz,
    )


def plausible(t: object) -> bool:
    """True for a well-formed wall time the network could really report (2024..2079)."""
    return valid(t) and _MIN_YEAR <= t[0] <= _MAX_YEAR  # type: ignore[index]


def parse_psuttz(payload: str) -> tuple | None:
    """``*PSUTTZ: 2024,7,24,14,4,19,"+8",0`` (after the colon) -> local wall time, or None.

    The fields are UTC, unpadded, the zone quoted and signed, then DST (already in the zone).
    """
    f = payload.split(",")
    if len(f) not in (7, 8):
        return None
    if len(f) == 8 and _num(f[7], 0, 2) is None:
        return None
    utc = _fields(f[0], f[1], f[2], f[3], f[4], f[5], 0)
    tz = _zone(f[6])
    if tz is None or not valid(utc):
        return None
    t = from_seconds(to_seconds(utc) + tz * 900, tz)
    return t if valid(t) else None


def parse_ctzv(payload: str) -> int | None:
    """``+CTZV: +8,0`` (after the colon; also the manual's ``"+8"``) -> the zone, or None."""
    f = payload.split(",")
    if len(f) > 2 or (len(f) == 2 and _num(f[1], 0, 2) is None):
        return None
    return _zone(f[0])


def parse_cclk(payload: str) -> tuple | None:
    """``+CCLK: "26/11/23,08:00:00+08"`` (after the colon) -> wall time, or None.

    Local time; the zone may be unpadded (``+8``) or missing (then +00).
    """
    s = payload.strip().strip('"')
    parts = s.split(",")
    if len(parts) != 2:
        return None
    date = parts[0].split("/")
    clock = parts[1]
    tz: int | None = 0
    cut = max(clock.find("+"), clock.find("-"))
    if cut >= 0:
        tz = _zone(clock[cut:])
        clock = clock[:cut]
    hms = clock.split(":")
    if len(date) != 3 or len(hms) != 3:
        return None
    t = _fields(date[0], date[1], date[2], hms[0], hms[1], hms[2], tz)
    return t if valid(t) else None


def from_scts(scts: object) -> tuple | None:
    """An SMS service-centre time stamp ``(yy, mm, dd, hh, mi, ss, tz)`` -> wall time, or None."""
    if not isinstance(scts, tuple) or len(scts) != 7 or not isinstance(scts[0], int):
        return None
    t = (2000 + scts[0],) + scts[1:]
    return t if valid(t) else None


def parse_date(value: str | None, zone: int) -> tuple | None:
    """The value of ``DATE=yy/mm/dd,hh:mm:ss[+-zz]`` (A-43) -> wall time, or None.

    Every field exactly two digits, a real date (2000..2099), |zz| <= 56; without ``zz``
    the zone stays ``zone``.
    """
    v = value or ""
    if len(v) == 20:
        if v[17] not in ("+", "-"):
            return None
        z = _num(v[17:], -_MAX_ZONE, _MAX_ZONE, 2, True)
        if z is None:
            return None
        zone = z
        v = v[:17]
    if len(v) != 17:
        return None
    for i, sep in ((2, "/"), (5, "/"), (8, ","), (11, ":"), (14, ":")):
        if v[i] != sep:
            return None
    f = [_num(v[i : i + 2], 0, 99, 2) for i in (0, 3, 6, 9, 12, 15)]
    if None in f:
        return None
    t = (2000 + f[0], f[1], f[2], f[3], f[4], f[5], zone)  # type: ignore[operator]
    return t if valid(t) else None


def stamp(t: tuple) -> str:
    """``yy/mm/dd,hh:mm:ss+zz`` as DATE replies write a time."""
    return fmt(t) + fmt_zone(t[6])


def _due(at: int | None, now: int) -> bool:
    return at is not None and ticks_diff(now, at) >= 0


class Clock:
    """Keeps local time in the RP2040 RTC and the zone beside it; answers DATE, DATE=, DATESMS.

    ``rtc`` has ``read()`` -> ``(y, mo, d, h, mi, s)`` and ``write(t)``; ``modem`` gives
    ``ready``, ``registered``, ``restarts`` and ``take_time_urc()``; ``engine`` sends AT
    commands; ``processor.scts`` is the time stamp of the SMS being served (None on the
    console); ``quiet()`` is True while no call is up (the one-time modem restart waits).
    """

    def __init__(self, rtc, modem, engine, processor, log, now, quiet=None):
        self._rtc = rtc
        self._modem = modem
        self._at = engine
        self._processor = processor
        self._log = log
        self._quiet = quiet
        self.is_set = False
        self.zone = 0
        self.by_owner = False  # DATE= / DATESMS since the firmware started
        self._heard = False  # the modem reports network time: AT+CLTS works
        self._clts_done = False  # the one-time save and restart is done or not needed
        self._online = False
        self._restarts = modem.restarts
        self._cclk_at = None
        self._clts_at = None
        self._cmd = None
        self._kind = ""

    # --- what others read
    def wall_time(self, now=None):
        """Local ``(year, month, day, hour, minute, second, tz_quarters)``, or None while not set."""
        if not self.is_set:
            return None
        try:
            r = self._rtc.read()
            t = (r[0], r[1], r[2], r[3], r[4], r[5], self.zone)
        except Exception:  # an RTC that cannot be read is a clock that is not set
            return None
        return t if valid(t) else None

    def sms_stamp(self, scts) -> None:
        """A received SMS's service-centre time stamp: sets the clock only while it is not set."""
        if self.is_set:
            return
        t = from_scts(scts)
        if plausible(t):
            self._set(t, "an SMS time stamp")  # type: ignore[arg-type]

    # --- the loop
    def poll(self, now: int) -> None:
        line = self._modem.take_time_urc()
        while line is not None:
            self._on_urc(line, now)
            line = self._modem.take_time_urc()
        cmd = self._cmd
        if cmd is not None and cmd.done:
            self._cmd = None
            self._finish(cmd, now)
        m = self._modem
        if m.restarts != self._restarts:
            self._restarts = m.restarts
            self._online = False
        if not (m.ready and m.registered):
            # offline: nothing to ask; the next registration plans again (no stale ticks)
            self._online = False
            self._cclk_at = None
            self._clts_at = None
            return
        if not self._online:
            self._online = True
            self._cclk_at = ticks_add(now, CCLK_AFTER_REGISTER_MS)
            if not self._clts_done:
                self._clts_at = ticks_add(now, NITZ_WAIT_MS)
        if self._cmd is not None:
            return
        if _due(self._cclk_at, now):
            self._cclk_at = None if self._send("AT+CCLK?", "cclk", CMD_MS) else ticks_add(now, RETRY_MS)
        elif _due(self._clts_at, now):
            self._clts_step(now)

    def next_deadline(self, now: int) -> int | None:
        if self._cmd is not None:
            return 0 if self._cmd.done else None  # the engine's time-out covers it
        if not self._online:
            return None
        best = None
        for at in (self._cclk_at, self._clts_at):
            if at is not None:
                wait = max(0, ticks_diff(at, now))
                best = wait if best is None else min(best, wait)
        return best

    # --- network time
    def _on_urc(self, line: str, now: int) -> None:
        if line.startswith("*PSUTTZ:"):
            t = parse_psuttz(line[8:])
            if t is None:
                self._log.line("CLOCK", "ignored: %s" % line)
                return
            self._heard = True
            self._cclk_at = None  # the URC carries the time itself
            self._network(t, "*PSUTTZ")
        elif line.startswith("+CTZV:"):
            if parse_ctzv(line[6:]) is None:
                self._log.line("CLOCK", "ignored: %s" % line)
                return
            self._heard = True
            if self._online:
                self._cclk_at = ticks_add(now, CCLK_AFTER_ZONE_MS)  # how the modem applied it
        # "DST:" and "+CIEV:" carry nothing more: the zone already includes daylight saving

    def _network(self, t: tuple, source: str) -> None:
        if not plausible(t):
            self._log.line("CLOCK", "network time %s from %s ignored: not plausible" % (stamp(t), source))
            return
        if self.by_owner:
            return  # set by the owner since the firmware started
        self._set(t, "the network (%s)" % source)

    def _set(self, t: tuple, source: str) -> None:
        cur = self.wall_time()
        if cur is not None and cur[6] == t[6] and abs(to_seconds(cur) - to_seconds(t)) <= _SAME_S:
            return
        self._rtc.write(t[:6])
        self.zone = t[6]
        self.is_set = True
        self._log.line("CLOCK", "%s from %s" % (stamp(t), source))

    # --- AT commands
    def _send(self, text: str, kind: str, timeout: int) -> bool:
        prefix = "+CCLK:" if kind == "cclk" else None
        cmd = self._at.submit(text, timeout, prefix)
        if cmd is None:
            return False
        self._cmd = cmd
        self._kind = kind
        return True

    def _clts_step(self, now: int) -> None:
        if self._heard:
            self._clts_done = True
            self._clts_at = None
            return
        if not self._at.idle or (self._quiet is not None and not self._quiet()):
            self._clts_at = ticks_add(now, RETRY_MS)  # never in the middle of a call or command
            return
        if self._send("AT+CLTS=1;&W", "save", CMD_MS):
            self._clts_at = None
        else:
            self._clts_at = ticks_add(now, RETRY_MS)

    def _finish(self, cmd, now: int) -> None:
        kind = self._kind
        if kind == "cclk":
            if not cmd.ok:
                return  # the next registration or +CTZV asks again
            info = cmd.info()
            t = parse_cclk(info) if info else None
            if t is None:
                self._log.line("CLOCK", "ignored: +CCLK: %s" % info)
            elif plausible(t):
                self._heard = True
                self._network(t, "+CCLK")
            else:
                self._log.line("CLOCK", "the modem has no network time (+CCLK: %s)" % stamp(t))
        elif kind == "save":
            self._clts_done = True
            if not cmd.ok:
                self._log.line("CLOCK", "AT+CLTS=1;&W -> %s: no network time" % cmd.final)
                return
            self._log.line("CLOCK", "no network time: AT+CLTS=1 saved, restarting the modem to get it")
            if self._send("AT+CFUN=1,1", "restart", _RESTART_CMD_MS):
                self._modem.restart_expected = True
            else:
                self._log.line("CLOCK", "could not restart the modem: network time from its next start")
        elif kind == "restart" and not cmd.ok:
            self._log.line("CLOCK", "AT+CFUN=1,1 -> %s: network time from the modem's next start" % cmd.final)

    # --- commands
    def do_date(self, cmd, value, now):
        t = self.wall_time(now)
        return NOT_SET if t is None else "DATE " + stamp(t)

    def do_date_set(self, cmd, value, now):
        t = parse_date(value, self.zone)
        if t is None:
            raise Refusal(INCORRECT_VALUE)
        self._by_owner(t, "DATE=")
        return ok("DATE=" + stamp(t))

    def do_datesms(self, cmd, value, now):
        scts = getattr(self._processor, "scts", None)
        if scts is None:
            raise Refusal(EXECUTE_ERROR)  # the console: no SMS, no time stamp
        t = from_scts(scts)
        if t is None:
            raise Refusal(INCORRECT_VALUE)
        self._by_owner(t, "DATESMS")
        return ok("DATE " + stamp(t))

    def _by_owner(self, t: tuple, source: str) -> None:
        self.by_owner = True
        self.is_set = False  # always written, even when it matches
        self._set(t, source)
