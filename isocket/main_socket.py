"""The main relay: ON/OFF, ON<n>/OFF<n> timers, RESTART, the button toggle (A-26, A-28),
and the thermostat's switching (A-31), which leaves the remembered state alone.

All times are ``ticks_ms`` values compared with ``ticks_diff``. Timers last at most
720 min, well inside the 2**28 ms that ``ticks_diff`` can tell apart.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

_MAX_TIMER_MIN = const(720)
_FOLD_MS = const(86_400_000)  # fold the age of the last change into a counter once a day


class MainSocket:
    """Drives the relay and remembers how long it has been in its state (RUNTIME).

    ``on`` is the relay state now; ``settled`` the state it will settle in (a running
    ON<n>/OFF<n>'s end state, else the state a running RESTART returns to, else the state
    the last user action left): this is what POWERSTATE=REMEMBER stores. ``drive`` (the
    thermostat) switches the relay without changing ``settled``, so thermostat cycling
    writes nothing to flash (docs/storage.md). ``changed_at`` is the tick of the last change.
    """

    def __init__(self, relay: object, now: int, on: bool) -> None:
        self._relay = relay
        self.on = bool(on)
        relay.value = self.on  # type: ignore[attr-defined]
        self.changed_at = now
        self._age_mark = now  # ticks up to which _age_ms is counted
        self._age_ms = 0
        self._timer_at: int | None = None  # ON<n>/OFF<n> deadline
        self._timer_on = False  # state the timer switches to
        self._restart_at: int | None = None
        self._restore = False  # state a running RESTART returns to
        self._kept = self.on  # state the last user action left; drive() does not change it

    @property
    def settled(self) -> bool:
        if self._timer_at is not None:
            return self._timer_on
        if self._restart_at is not None:
            return self._restore
        return self._kept

    @property
    def restarting(self) -> bool:
        return self._restart_at is not None

    def _set(self, on: bool, now: int, keep: bool = True) -> None:
        if keep:
            self._kept = on
        if on != self.on:
            self.on = on
            self.changed_at = now
            self._age_mark = now
            self._age_ms = 0
        self._relay.value = on  # type: ignore[attr-defined]

    def _cancel(self) -> None:
        self._timer_at = None
        self._restart_at = None

    def switch(self, on: bool, now: int) -> None:
        """ON / OFF: set the state for good, cancelling a timer and a running restart."""
        self._cancel()
        self._set(bool(on), now)

    def switch_for(self, on: bool, minutes: int, now: int) -> None:
        """ON<n> / OFF<n>: set the state now and the opposite one after ``minutes`` (1..720)."""
        if not 1 <= minutes <= _MAX_TIMER_MIN:
            raise ValueError("minutes")
        self._cancel()
        self._set(bool(on), now)
        self._timer_on = not on
        self._timer_at = ticks_add(now, minutes * 60_000)

    def restart(self, seconds: int, now: int) -> None:
        """RESTART: the opposite state for ``seconds``, then back; a timer keeps running.

        A second RESTART during one restarts the countdown and keeps the state to return to.
        """
        if self._restart_at is None:
            self._restore = self.on
            self._set(not self.on, now)
        self._restart_at = ticks_add(now, max(1, seconds) * 1000)

    def drive(self, on: bool, now: int) -> None:
        """The thermostat sets the state: like ON / OFF (a timer and a running restart are
        cancelled), but ``settled`` stays what it was, so nothing needs storing."""
        self._kept = self.settled
        self._cancel()
        self._set(bool(on), now, False)

    def toggle(self, now: int) -> None:
        """Button press: invert the relay as it is now and cancel every timer."""
        self.switch(not self.on, now)

    def _end_timer(self, now: int) -> None:
        self._timer_at = None
        if self._restart_at is not None:
            self._restore = self._timer_on  # applied when the restart ends
        else:
            self._set(self._timer_on, now)

    def _end_restart(self, now: int) -> None:
        self._restart_at = None
        self._set(self._restore, now)

    def poll(self, now: int) -> None:
        """Apply whatever timer is due, in the order the deadlines fell."""
        d = ticks_diff(now, self._age_mark)
        if d >= _FOLD_MS:
            self._age_ms += d
            self._age_mark = now
        timer_due = self._timer_at is not None and ticks_diff(now, self._timer_at) >= 0
        restart_due = self._restart_at is not None and ticks_diff(now, self._restart_at) >= 0
        if timer_due and restart_due and ticks_diff(self._restart_at, self._timer_at) < 0:  # type: ignore[arg-type]
            self._end_restart(now)
            self._end_timer(now)
            return
        if timer_due:
            self._end_timer(now)
        if restart_due:
            self._end_restart(now)

    def elapsed_ms(self, now: int) -> int:
        """Milliseconds since the last change; right over any uptime if polled once a day."""
        return self._age_ms + max(0, ticks_diff(now, self._age_mark))

    def next_deadline(self, now: int) -> int:
        """Milliseconds until ``poll`` has work (0 if due); at most a day (age housekeeping)."""
        wait = _FOLD_MS - ticks_diff(now, self._age_mark)
        for at in (self._timer_at, self._restart_at):
            if at is not None:
                wait = min(wait, ticks_diff(at, now))
        return max(0, wait)
