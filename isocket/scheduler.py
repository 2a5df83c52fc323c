"""The scheduler (R111-R115, A-10, A-49): up to 8 rules, each running an action at a local
time on every day or one day of the week.

A rule is ``(minute of the day, day, action)``: day 0 is ``*`` (every day), 1 = Monday ..
7 = Sunday (ISO 8601); the action is an index into ``ACTIONS``. Rules are kept in the order
they were added: rules due in the same minute run in that order.

Commands (Ctrl, A-10; confirmations are normalised):
``SCHEDULER+<h:mm|hh:mm>,<*|1-7>,<ON|OFF|INF|AON|AOF>`` adds a rule (an identical rule is a
success, not a duplicate; a 9th: ``Scheduler is full!``); ``SCHEDULER-<h:mm|hh:mm>``
deletes every rule at that time (none: ``Incorrect value!``); ``SCHEDULER-ALL`` deletes all;
``SCHEDULER?`` lists ``hh:mm,d,ACT`` lines sorted by time, then day (``*`` first), then the
order they were added. A change is stored before it is confirmed; a failed store undoes it
(``Execute error!``).

Record kind 4, layout version 1::

    offset  size  field
    0       1     layout version = 1
    1       3*n   n = 0..8 rules, in the order added: hour (0..23), minute (0..59),
                  day << 4 | action (day 0..7, action 0..4)

Any other length, a value out of range or two identical rules reject the body: no rules.

When rules run (A-49, DECISIONS §1): at second 00 of hh:mm local time, when the day
matches; never while the clock is invalid. The wall clock is read at most every
``RECHECK_MS`` on the loop's passes, and at the tick ``next_deadline`` gives: the start of
the next minute once the tick at which the clock's seconds turn is known to within
``RECHECK_MS`` (learnt by watching a second turn), else second 59 and then every
``RECHECK_MS`` until the minute turns. ``ticks_ms`` and the wall clock are never assumed
to stay in step: a reading that does not fit what the ticks predict (a clock set, drift)
starts the learning again. Every minute the clock enters is run once:

- the next minute, or a forward jump of up to 5 minutes (the wall seconds gone by since
  the last reading less the ticks gone by; 1 s of rounding allowed): every minute entered
  runs, in order (so a late loop pass still runs its minute);
- the first reading of a valid clock, a longer forward jump or a backward jump: only a
  minute read at its second 00 runs; the minutes jumped over are not replayed;
- a minute in which rules already ran (the last ``FIRED_MEMORY`` such minutes, with their
  date) never runs again after a backward jump.

Actions: ON / OFF switch the socket like the SMS commands (cancelling ON<n>/OFF<n> and a
running RESTART) without an SMS; AON / AOF arm / disarm the alarm silently and store the
setting (AOF cancels a running notification cycle, as ALARMOFF does); INF sends the STATUS
text to every alert number (none: nothing is sent) through ``AlertSender``, at the report
priority and within its budget of 6 events an hour.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.commands import EXECUTE_ERROR, INCORRECT_VALUE, Refusal, ascii_upper
from isocket.modem.sms import PRIO_REPORT
from isocket.security_commands import ok
from isocket.storage import KIND_SCHEDULER
from isocket.wallclock import from_seconds, read_wall, to_seconds

LAYOUT_VERSION = const(1)
MAX_RULES = const(8)
ACTIONS = ("ON", "OFF", "INF", "AON", "AOF")
FULL = "Scheduler is full!"
EMPTY = "Scheduler is empty"
_DAY_MIN = const(1440)
_MAX_JUMP_S = const(5 * 60 + 1)  # DECISIONS §1 A-49: a forward jump of up to 5 minutes is replayed
_FIRED_MEMORY = const(32)  # minutes in which rules ran, kept so a backward jump cannot repeat them
RECHECK_MS = const(250)  # the wall clock is read at most this often, besides the minute deadline
_MIN_WAIT_MS = const(50)


def parse_time(text) -> int:
    """``h:mm`` or ``hh:mm`` (00:00..23:59) as minutes of the day, else ``Incorrect value!``."""
    text = text or ""
    colon = text.find(":")
    hh = text[:colon] if colon > 0 else ""
    mm = text[colon + 1 :] if colon > 0 else ""
    if not 1 <= len(hh) <= 2 or len(mm) != 2 or not _digits(hh) or not _digits(mm):
        raise Refusal(INCORRECT_VALUE)
    h = int(hh)
    m = int(mm)
    if h > 23 or m > 59:
        raise Refusal(INCORRECT_VALUE)
    return h * 60 + m


def parse_rule(value) -> tuple:
    """``hh:mm,day,action`` (any case) as a rule tuple, else ``Incorrect value!``."""
    parts = (value or "").split(",")
    if len(parts) != 3:
        raise Refusal(INCORRECT_VALUE)
    minute = parse_time(parts[0])
    day = parts[1]
    if day == "*":
        d = 0
    elif len(day) == 1 and "1" <= day <= "7":
        d = int(day)
    else:
        raise Refusal(INCORRECT_VALUE)
    action = ascii_upper(parts[2])
    if action not in ACTIONS:
        raise Refusal(INCORRECT_VALUE)
    return (minute, d, ACTIONS.index(action))


def fmt_time(minute: int) -> str:
    """``hh:mm`` of a minute of the day."""
    return "%02d:%02d" % (minute // 60, minute % 60)


def fmt_rule(rule: tuple) -> str:
    """``hh:mm,d,ACT``, as SCHEDULER? lists a rule and the confirmation echoes it."""
    return "%s,%s,%s" % (fmt_time(rule[0]), "*" if rule[1] == 0 else str(rule[1]), ACTIONS[rule[2]])


def pack(rules: list) -> bytes:
    """The record body of ``rules`` (see the module docstring)."""
    out = bytearray((LAYOUT_VERSION,))
    for minute, day, action in rules[:MAX_RULES]:
        out.extend(bytes((minute // 60, minute % 60, (day << 4) | action)))
    return bytes(out)


def unpack(body) -> list:
    """The rules of a body ``pack`` wrote; ValueError for anything else (flash is untrusted)."""
    if body is None or len(body) < 1 or body[0] != LAYOUT_VERSION or (len(body) - 1) % 3:
        raise ValueError("scheduler body")
    n = (len(body) - 1) // 3
    if n > MAX_RULES:
        raise ValueError("too many scheduler rules")
    rules: list = []
    for i in range(n):
        h, m, da = body[1 + 3 * i], body[2 + 3 * i], body[3 + 3 * i]
        day, action = da >> 4, da & 0x0F
        if h > 23 or m > 59 or day > 7 or action >= len(ACTIONS):
            raise ValueError("scheduler rule out of range")
        rule = (h * 60 + m, day, action)
        if rule in rules:
            raise ValueError("duplicate scheduler rule")
        rules.append(rule)
    return rules


def weekday_of(minute_index: int) -> int:
    """ISO day of the week (1 = Monday) of a minute counted from 2000-01-01 00:00 (a Saturday)."""
    return (minute_index // _DAY_MIN + 5) % 7 + 1


def _digits(s: str) -> bool:
    for c in s:
        if c < "0" or c > "9":
            return False
    return True


class Scheduler:
    """The scheduler feature: ``poll``/``next_deadline`` run the rules, ``do_*`` answer the
    SCHEDULER commands.

    ``store``: the RecordStore (kind 4); ``socket``: ``MainSocket``; ``alarm``: ``Alarm``
    or None; ``alerts``: ``AlertSender``; ``status.wall_time(now)``: local time or None;
    ``report(now)``: the STATUS text; ``persist(settings) -> bool`` stores the settings.
    """

    def __init__(self, store, settings, socket, alarm, alerts, status, report, persist, log, now):
        self._store = store
        self._settings = settings
        self._socket = socket
        self._alarm = alarm
        self._alerts = alerts
        self._status = status
        self._report = report
        self._persist = persist
        self._log = log
        self.rules = self._load()
        self._last: int | None = None  # minute index (since 2000) last read; None: no valid clock
        self._second: int | None = None  # second index (since 2000) last read
        self._read_at = now  # tick of that reading
        self._edge = now  # second _edge_s of the wall clock started at this tick, or up to
        self._edge_s: int | None = None  # _err ms before it
        self._err = 1000
        self._due: int | None = None  # tick at which the next minute should have started
        self._checked: int | None = None  # tick of the last reading (None: read at the next poll)
        self._skipped = False  # a pass went by without a reading
        self._fired: list = []  # minute indices in which rules ran, oldest first
        self.runs = 0  # actions run since boot

    # --- storage
    def _load(self) -> list:
        body = self._store.load(KIND_SCHEDULER)
        if body is None:
            return []
        try:
            return unpack(body)
        except Exception as e:  # flash is untrusted: no rules rather than a crash
            self._line("stored rules rejected (%s): no rules" % e)
            return []

    def _save(self, rules: list) -> bool:
        if not rules and self._store.load(KIND_SCHEDULER) is None:
            return True  # nothing stored, nothing to store
        try:
            saved = bool(self._store.save(KIND_SCHEDULER, pack(rules)))
        except Exception:
            saved = False
        if self._log is not None:
            self._log.line("FLASH", "scheduler rules %s" % ("saved" if saved else "could NOT be saved"))
        return saved

    def _change(self, rules: list) -> None:
        # stored before confirmed; on failure the rules stay as they were
        if not self._save(rules):
            raise Refusal(EXECUTE_ERROR)
        self.rules = rules
        self._checked = None  # read the clock at the next pass

    # --- loop
    def poll(self, now: int) -> None:
        if not self.rules:
            self._last = None
            self._due = None
            self._skipped = False
            return
        if (
            self._checked is not None
            and ticks_diff(now, self._checked) < RECHECK_MS
            and (self._due is None or ticks_diff(now, self._due) < 0)
        ):
            self._skipped = True
            return
        self._skipped = False
        self._checked = now
        self._read(now)

    def next_deadline(self, now: int) -> int | None:
        if not self.rules:
            return None
        if self._checked is None:
            return 0
        best = None
        if self._due is not None:
            best = max(0, ticks_diff(self._due, now))
        if self._skipped:  # a pass went by unread: read within RECHECK_MS (a clock just set)
            wait = max(0, RECHECK_MS - ticks_diff(now, self._checked))
            best = wait if best is None else min(best, wait)
        return best

    def _read(self, now: int) -> None:
        wall = read_wall(self._status, now)
        if wall is None:  # no rule runs while the clock is invalid
            self._last = None
            self._second = None
            self._edge_s = None
            self._due = None
            return
        second = to_seconds(wall)
        self._track(second, now)
        sec = wall[5]
        if self._err <= RECHECK_MS:  # the second's start is known to within RECHECK_MS
            target = ticks_add(self._edge, (60 - sec) * 1000)
        elif sec < 59:  # wake in second 59, then every RECHECK_MS until the minute turns
            target = ticks_add(self._edge, (59 - sec) * 1000)
        else:
            target = ticks_add(now, RECHECK_MS)
        wait = ticks_diff(target, now)
        self._due = ticks_add(now, wait if wait > _MIN_WAIT_MS else _MIN_WAIT_MS)
        minute = second // 60
        last = self._last
        prev = self._second
        if last is not None and prev is not None and minute > last:
            # how far the clock jumped: wall seconds gone by less the ticks gone by
            jump = second - prev - max(0, ticks_diff(now, self._read_at)) // 1000
            if jump <= _MAX_JUMP_S:
                m = last + 1
                while m <= minute:
                    self._run_minute(m, now)
                    m += 1
            elif wall[5] == 0:
                self._run_minute(minute, now)
        elif minute != last and wall[5] == 0:  # first reading, or the clock went back
            self._run_minute(minute, now)
        self._last = minute
        self._second = second
        self._read_at = now

    def _track(self, second: int, now: int) -> None:
        # Where the wall clock's seconds turn, in ticks: second ``_edge_s`` started between
        # ``_edge - _err`` and ``_edge``. Each reading narrows that (x below: how long before
        # ``now`` the second read began); one that does not fit (the first reading, a clock
        # set, drift) starts again from what it alone tells.
        prev = self._second
        x_max = 999
        if prev is not None and prev != second:  # it began after the previous reading
            x_max = min(x_max, max(0, ticks_diff(now, self._read_at) - 1))
        k = second - self._edge_s if self._edge_s is not None else -1
        if 0 <= k <= 3600:
            d_hi = ticks_diff(now, ticks_add(self._edge, k * 1000))
            lo = max(0, d_hi)
            hi = min(x_max, d_hi + self._err)
            if lo <= hi:
                self._edge = ticks_add(now, -lo)
                self._edge_s = second
                self._err = hi - lo
                return
        self._edge = now
        self._edge_s = second
        self._err = x_max

    def _run_minute(self, minute: int, now: int) -> None:
        of_day = minute % _DAY_MIN
        day = weekday_of(minute)
        due = []
        for rule in self.rules:
            if rule[0] == of_day and (rule[1] == 0 or rule[1] == day):
                due.append(rule)
        if not due:
            return
        if minute in self._fired:
            self._line("%s: already run before the clock went back" % fmt_time(of_day))
            return
        self._fired.append(minute)
        if len(self._fired) > _FIRED_MEMORY:
            self._fired.pop(0)
        t = from_seconds(minute * 60, 0)
        when = "%02d/%02d/%02d,%02d:%02d" % (t[0] % 100, t[1], t[2], t[3], t[4])
        for rule in due:
            self._run(rule, when, now)

    def _run(self, rule: tuple, when: str, now: int) -> None:
        action = ACTIONS[rule[2]]
        self.runs += 1
        self._line("%s run %s" % (when, fmt_rule(rule)))
        try:
            if action == "ON" or action == "OFF":
                self._socket.switch(action == "ON", now)
            elif action == "INF":
                self._alerts.send("inf", self._report(now), now, PRIO_REPORT)
            elif action == "AON":
                if not self._settings.alarm_armed:
                    self._settings.alarm_armed = True  # the alarm starts a session in its poll
                    self._store_settings()
            else:
                armed = bool(self._settings.alarm_armed)
                if self._alarm is not None:
                    self._alarm.disarm(now)  # as ALARMOFF: also cancels a running cycle
                else:
                    self._settings.alarm_armed = False
                if armed:
                    self._store_settings()
        except Exception as e:  # one failed action must not stop the loop or the others
            self._line("%s failed: %s" % (fmt_rule(rule), e))

    def _store_settings(self) -> None:
        try:
            saved = bool(self._persist(self._settings))
        except Exception:
            saved = False
        if not saved:
            self._line("the alarm setting could NOT be stored")

    # --- commands
    def do_scheduler_add(self, cmd, value, now):
        rule = parse_rule(value)
        echo = ok("SCHEDULER+" + fmt_rule(rule))
        if rule in self.rules:
            return echo  # identical: a success, not a duplicate
        if len(self.rules) >= MAX_RULES:
            raise Refusal(FULL)
        self._change(self.rules + [rule])
        return echo

    def do_scheduler_remove(self, cmd, value, now):
        minute = parse_time(value)
        keep = [r for r in self.rules if r[0] != minute]
        if len(keep) == len(self.rules):
            raise Refusal(INCORRECT_VALUE)
        self._change(keep)
        return ok("SCHEDULER-" + fmt_time(minute))

    def do_scheduler_clear(self, cmd, value, now):
        self._change([])
        return ok("SCHEDULER-ALL")

    def do_scheduler_query(self, cmd, value, now):
        return self.listing()

    def listing(self) -> str:
        """The SCHEDULER? reply."""
        if not self.rules:
            return EMPTY
        order = []
        for i in range(len(self.rules)):
            rule = self.rules[i]
            order.append((rule[0], rule[1], i))  # unique keys: no reliance on a stable sort
        order.sort()
        return "\n".join(fmt_rule(self.rules[k[2]]) for k in order)

    def _line(self, text: str) -> None:
        if self._log is not None:
            self._log.line("SCHED", text)
