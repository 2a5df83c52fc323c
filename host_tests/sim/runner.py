"""Executes scenario statements (host_tests.sim.scenario) against a simulated World.

Each statement is a generator step: world statements act at once; ``advance`` and every
``expect`` yield ``Wait``s so virtual time moves on while the firmware runs. A failed
expectation raises ``ScenarioFailure`` naming the statement's line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from host_tests.sim.scenario import Statement
from host_tests.sim.world import HANDOFF, Wait, World, WorldCheck

MSG_WINDOW = 60_000
STATE_WINDOW = 10_000
PRESS_MS = 150


class ScenarioFailure(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__("%d: %s" % (line, message))
        self.line = line
        self.message = message


def _norm(text: str) -> str:
    """Line ends compared as \\n, trailing spaces of each line ignored."""
    return "\n".join(line.rstrip(" ") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


class Interpreter:
    """Runs statements one by one against ``world``."""

    def __init__(self, world: World, statements: Iterable[Statement]) -> None:
        self.w = world
        self.statements = statements
        self.allow_unread = False
        self.console_cursor = 0
        self.at_cursor = 0
        self.event_cursor: dict[tuple[str, str], int] = {}
        self.ussd_cursor = 0
        self.current: Statement | None = None
        self.keep_going = False  # the shell reports a failed expectation and carries on
        self.failures: list[ScenarioFailure] = []

    # -- driver ---------------------------------------------------------------
    def run(self) -> Iterator[Any]:
        for st in self.statements:
            self.current = st
            self.w.event("> %s" % st.source)
            handler = getattr(self, "do_" + st.kind)
            try:
                yield from handler(st, **st.args)
            except ScenarioFailure as f:
                if not self.keep_going:
                    raise
                self.failures.append(f)
                self.w.event("FAILED: %s" % f.message)
        self.current = None
        self.check_unread()

    def play(self) -> None:
        """Run every statement in the world. A failed check of the world's own (a state line,
        a firmware crash) becomes a ``ScenarioFailure`` at the statement running then."""
        try:
            self.w.run(self.run())
        except WorldCheck as c:
            raise ScenarioFailure(self.current.line if self.current is not None else 0, c.message) from None

    def fail(self, st: Statement, message: str) -> None:
        raise ScenarioFailure(st.line, message)

    @property
    def now(self) -> int:
        return self.w.sched.now_ms

    def wait_for(
        self, st: Statement, cond: Callable[[], bool], within: int, what: str, why: Callable[[], str]
    ) -> Iterator[Any]:
        deadline = self.now + within
        while not cond():
            if self.now >= deadline:
                self.fail(st, "expected %s within %s / %s" % (what, _dur(within), why()))
            yield Wait(deadline, cond)

    def hold_for(
        self, st: Statement, bad: Callable[[], bool], window: int, what: str, why: Callable[[], str]
    ) -> Iterator[Any]:
        deadline = self.now + window
        while self.now < deadline:
            if bad():
                self.fail(st, "expected %s for %s / %s" % (what, _dur(window), why()))
            yield Wait(deadline, bad)
        if bad():
            self.fail(st, "expected %s for %s / %s" % (what, _dur(window), why()))

    def phone(self, st: Statement, name: str) -> Any:
        if name not in self.w.network.phones_by_name():
            self.fail(st, "no phone named %s (declare it with `phone %s NUMBER`)" % (name, name))
        return name

    def check_unread(self) -> None:
        if self.allow_unread:
            return
        for name, msgs in self.w.network.inbox.items():
            for m in msgs:
                if not m.read:
                    raise ScenarioFailure(0, "unread SMS to %s: %r" % (name, m.text))
        for _t, number, text in self.w.network.unknown_sms:
            raise ScenarioFailure(0, "unread SMS to %s: %r" % (number, text))

    # -- the world before boot ------------------------------------------------
    def do_model(self, st: Statement, model: str) -> Iterator[Any]:
        self.w.model = model
        return iter(())

    def do_board(self, st: Statement, name: str) -> Iterator[Any]:
        if self.w.powered:
            self.fail(st, "`board` must come before `boot`")
        from host_tests.sim.world import load_board_config

        try:
            self.w.config = load_board_config(name)
        except ValueError as e:
            self.fail(st, str(e))
        self.w.board_name = name
        return iter(())

    def do_modem_type(self, st: Statement, name: str) -> Iterator[Any]:
        if name != "sim800l":
            self.fail(st, "modem %s is not emulated yet (sim800l is)" % name)
        return iter(())

    def do_phone(
        self, st: Statement, name: str, number: str, call_as: str | None, withheld: bool
    ) -> Iterator[Any]:
        self.w.network.add_phone(name, number, call_as=call_as, withheld=withheld)
        return iter(())

    def do_network_time(self, st: Statement, time: Any, zone_minutes: int = 0) -> Iterator[Any]:
        self.w.network.set_time(time, zone_minutes)
        return iter(())

    def do_temp(self, st: Statement, celsius: float | None) -> Iterator[Any]:
        self.w.set_temp(celsius)
        return iter(())

    def do_sensor(self, st: Statement, closed: bool) -> Iterator[Any]:
        self.w.sensor_closed = closed
        pin = self.w.config.get("alarm_input")
        if pin:
            self.w.board.set_input(pin, not closed)  # a closed contact pulls the input low
        return iter(())

    def do_signal(self, st: Statement, dbm: int | None) -> Iterator[Any]:
        self.w.network.set_signal(dbm)
        return iter(())

    def do_ussd(self, st: Statement, code: str, reply: str) -> Iterator[Any]:
        self.w.network.set_ussd(code, reply)
        return iter(())

    # -- acting on the device -------------------------------------------------
    def do_boot(self, st: Statement) -> Iterator[Any]:
        if self.w.powered:
            self.fail(st, "`boot` while the device is still powered")
        self.w.mains_on = True
        self.w._set_mains_sense()
        self.w.power_on()
        yield HANDOFF

    def do_mains(self, st: Statement, on: bool) -> Iterator[Any]:
        self.w.set_mains(on)
        yield HANDOFF

    def do_battery_dead(self, st: Statement) -> Iterator[Any]:
        self.w.battery_ok = False
        if self.w.powered and not self.w.mains_on:
            self.w.power_off("battery dead")
        yield HANDOFF

    def do_reset_flash(self, st: Statement) -> Iterator[Any]:
        self.w.board.nvm.erase_all()
        return iter(())

    def do_mcu_reset(self, st: Statement) -> Iterator[Any]:
        if self.w.powered:
            self.w.pending_reset = "WATCHDOG"
        yield HANDOFF

    def do_power_cut(self, st: Statement, at_byte: int | None) -> Iterator[Any]:
        self.w.board.nvm.arm_power_cut(at_byte)
        return iter(())

    def do_advance(self, st: Statement, ms: int) -> Iterator[Any]:
        yield Wait(self.now + ms)

    def do_sms(self, st: Statement, name: str, text: str, ucs2: bool, parts: int) -> Iterator[Any]:
        self.phone(st, name)
        self.w.network.phone_sms(name, text, ucs2=ucs2, parts=parts)
        return iter(())

    def do_call(self, st: Statement, name: str, clip: bool) -> Iterator[Any]:
        self.phone(st, name)
        self.w.network.phone_call(name, clip=clip)
        return iter(())

    def do_hangup(self, st: Statement, name: str) -> Iterator[Any]:
        self.w.network.phone_hangup(self.phone(st, name))
        return iter(())

    def do_answer(self, st: Statement, name: str) -> Iterator[Any]:
        self.w.network.phone_answer(self.phone(st, name))
        return iter(())

    def do_reject(self, st: Statement, name: str) -> Iterator[Any]:
        self.w.network.phone_reject(self.phone(st, name))
        return iter(())

    def do_button(self, st: Statement, hold_ms: int | None) -> Iterator[Any]:
        pin = self.w.config["button"]
        self.w.board.set_input(pin, False)
        yield Wait(self.now + (hold_ms if hold_ms is not None else PRESS_MS))
        self.w.board.set_input(pin, True)

    def do_network(self, st: Statement, up: bool) -> Iterator[Any]:
        if up:
            self.w.network.back()
        else:
            self.w.network.lost()
        return iter(())

    def do_modem_hang(self, st: Statement) -> Iterator[Any]:
        self.w.modem.hang()
        return iter(())

    def do_modem_recover(self, st: Statement) -> Iterator[Any]:
        self.w.modem.recover()
        return iter(())

    def do_modem_reboot(self, st: Statement) -> Iterator[Any]:
        self.w.modem.reboot()
        return iter(())

    def do_sim(self, st: Statement, state: str) -> Iterator[Any]:
        self.w.modem.set_sim(state)
        return iter(())

    # -- playing the modem ----------------------------------------------------
    def do_modem_reply(self, st: Statement, regex: str, lines: list[str], once: bool) -> Iterator[Any]:
        self.w.modem.add_reply(regex, lines, once)
        return iter(())

    def do_modem_interleave(self, st: Statement, regex: str, lines: list[str], once: bool) -> Iterator[Any]:
        self.w.modem.add_interleave(regex, lines, once)
        return iter(())

    def do_modem_urc(self, st: Statement, line: str) -> Iterator[Any]:
        self.w.modem.urc(line)
        return iter(())

    def do_modem_raw(self, st: Statement, data: bytes) -> Iterator[Any]:
        self.w.modem.raw(data)
        return iter(())

    def do_allow_unread(self, st: Statement) -> Iterator[Any]:
        self.allow_unread = True
        return iter(())

    # -- expectations -----------------------------------------------------------
    def do_expect_sms(
        self, st: Statement, name: str, text: str | None, regex: str | None, within: int | None
    ) -> Iterator[Any]:
        self.phone(st, name)
        inbox = self.w.network.inbox.setdefault(name, [])

        def oldest() -> Any:
            return next((m for m in inbox if not m.read), None)

        what = "SMS to %s %r" % (name, text) if text is not None else "SMS to %s ~ %r" % (name, regex)

        def matches(m: Any) -> bool:
            if text is not None:
                return bool(_norm(m.text) == _norm(text))
            return re.fullmatch(regex or "", m.text, re.S) is not None

        def why() -> str:
            m = oldest()
            return "got %r" % m.text if m is not None else "no SMS to %s" % name

        yield from self.wait_for(st, lambda: oldest() is not None, within or MSG_WINDOW, what, why)
        m = oldest()
        if not matches(m):
            self.fail(st, "expected %s / got %r" % (what, m.text))
        m.read = True

    def _sent_count(self, name: str | None) -> int:
        net = self.w.network
        if name is None:
            return sum(len(v) for v in net.inbox.values()) + len(net.unknown_sms)
        return len(net.inbox.get(name, []))

    def do_expect_no_sms(self, st: Statement, name: str | None, within: int | None) -> Iterator[Any]:
        if name is not None:
            self.phone(st, name)
        before = self._sent_count(name)

        def why() -> str:
            net = self.w.network
            msgs = net.inbox.get(name, []) if name else [m for v in net.inbox.values() for m in v]
            return "the device sent %r" % (msgs[-1].text if msgs else net.unknown_sms[-1][2])

        yield from self.hold_for(
            st,
            lambda: self._sent_count(name) != before,
            within or MSG_WINDOW,
            "no SMS" + (" to %s" % name if name else ""),
            why,
        )

    def _events(self, kind: str, name: str | None) -> list[Any]:
        return [e for e in self.w.network.events if e[1] == kind and (name is None or e[2] == name)]

    def _expect_event(
        self, st: Statement, kind: str, name: str, within: int | None, what: str
    ) -> Iterator[Any]:
        self.phone(st, name)
        key = (kind, name)
        start = self.event_cursor.get(key, 0)
        yield from self.wait_for(
            st,
            lambda: len(self._events(kind, name)) > start,
            within or MSG_WINDOW,
            what,
            lambda: "it did not happen",
        )
        self.event_cursor[key] = start + 1

    def do_expect_call(self, st: Statement, name: str, within: int | None) -> Iterator[Any]:
        yield from self._expect_event(st, "dial", name, within, "the device to dial %s" % name)

    def do_expect_answered(self, st: Statement, name: str, within: int | None) -> Iterator[Any]:
        yield from self._expect_event(st, "answered", name, within, "the call with %s answered" % name)

    def do_expect_hangup(self, st: Statement, name: str, within: int | None) -> Iterator[Any]:
        yield from self._expect_event(st, "hangup", name, within, "the call with %s ended" % name)

    def do_expect_no_call(self, st: Statement, name: str | None, within: int | None) -> Iterator[Any]:
        before = len(self._events("dial", name))
        yield from self.hold_for(
            st,
            lambda: len(self._events("dial", name)) != before,
            within or MSG_WINDOW,
            "no call" + (" to %s" % name if name else ""),
            lambda: "the device dialled",
        )

    def do_expect_ussd(self, st: Statement, code: str, within: int | None) -> Iterator[Any]:
        log = self.w.network.ussd_log

        def seen() -> bool:
            return any(c == code for _t, c in log[self.ussd_cursor :])

        yield from self.wait_for(
            st,
            seen,
            within or MSG_WINDOW,
            "USSD %r" % code,
            lambda: "sent %s" % ([c for _t, c in log] or "none"),
        )
        self.ussd_cursor = next(i for i in range(self.ussd_cursor, len(log)) if log[i][1] == code) + 1

    def _state(
        self, st: Statement, get: Callable[[], Any], want: Any, within: int | None, what: str
    ) -> Iterator[Any]:
        yield from self.wait_for(
            st, lambda: get() == want, within or STATE_WINDOW, what, lambda: "it is %s" % _fmt(get())
        )

    def do_expect_relay(self, st: Statement, on: bool, within: int | None) -> Iterator[Any]:
        yield from self._state(st, lambda: self.w.relay_on, on, within, "relay %s" % _fmt(on))

    def do_expect_microrelay(self, st: Statement, on: bool, within: int | None) -> Iterator[Any]:
        yield from self._state(st, lambda: self.w.micro_on, on, within, "micro relay %s" % _fmt(on))

    def do_expect_steady_relay(self, st: Statement, on: bool, for_ms: int) -> Iterator[Any]:
        yield from self.hold_for(
            st,
            lambda: self.w.relay_on != on,
            for_ms,
            "relay steadily %s" % _fmt(on),
            lambda: "it switched %s" % _fmt(self.w.relay_on),
        )

    def do_expect_mic(self, st: Statement, on: bool, within: int | None) -> Iterator[Any]:
        yield from self._state(
            st, lambda: bool(self.w.modem.mic_live), on, within, "microphone %s" % _fmt(on)
        )

    def do_expect_led(self, st: Statement, led: str, pattern: str, within: int | None) -> Iterator[Any]:
        yield from self._state(
            st, lambda: self.w.leds.get(led, "off"), pattern, within, "LED %s %s" % (led, pattern)
        )

    def _expect_logged(
        self,
        st: Statement,
        log: list[tuple[int, str]],
        cursor: str,
        matches: Callable[[str], bool],
        within: int | None,
        what: str,
        why: Callable[[], str],
    ) -> Iterator[Any]:
        """Wait for a log entry after ``self.<cursor>`` that matches; the cursor moves past it."""
        found: list[int] = []
        scanned = getattr(self, cursor)

        def seen() -> bool:
            nonlocal scanned
            while not found and scanned < len(log):
                if matches(log[scanned][1]):
                    found.append(scanned)
                scanned += 1
            return bool(found)

        yield from self.wait_for(st, seen, within or MSG_WINDOW, what, why)
        setattr(self, cursor, found[0] + 1)

    def do_expect_console(self, st: Statement, regex: str, within: int | None) -> Iterator[Any]:
        rx = re.compile(regex)
        yield from self._expect_logged(
            st,
            self.w.console,
            "console_cursor",
            lambda line: rx.search(line) is not None,
            within,
            "a console line ~ %r" % regex,
            lambda: "none matched",
        )

    def do_expect_flash_erases(self, st: Statement, max: int) -> Iterator[Any]:  # noqa: A002
        base = self.w.first_boot_erases or 0
        n = self.w.board.nvm.erase_count - base
        if n > max:
            self.fail(st, "expected at most %d flash erases / there were %d" % (max, n))
        return iter(())

    def do_expect_at(self, st: Statement, regex: str, within: int | None) -> Iterator[Any]:
        rx = re.compile(regex)
        log = self.w.modem.at_log
        yield from self._expect_logged(
            st,
            log,
            "at_cursor",
            lambda cmd: rx.fullmatch(cmd) is not None,
            within,
            "an AT command ~ %r" % regex,
            lambda: "last sent: %s" % [c for _t, c in log[-5:]],
        )

    def do_expect_no_at(self, st: Statement, regex: str, within: int | None) -> Iterator[Any]:
        rx = re.compile(regex)
        log = self.w.modem.at_log
        start = len(log)
        yield from self.hold_for(
            st,
            lambda: any(rx.fullmatch(c) for _t, c in log[start:]),
            within or MSG_WINDOW,
            "no AT command ~ %r" % regex,
            lambda: "sent %s" % [c for _t, c in log[start:] if rx.fullmatch(c)][:1],
        )


def _fmt(v: Any) -> str:
    if v is True:
        return "on"
    if v is False:
        return "off"
    return str(v)


def _dur(ms: int) -> str:
    if ms % 60000 == 0 and ms >= 60000:
        return "%dm" % (ms // 60000)
    if ms % 1000 == 0:
        return "%ds" % (ms // 1000)
    return "%dms" % ms
