"""MainSocket: ON/OFF, ON<n>/OFF<n>, RESTART, the button, RUNTIME age, across the ticks wrap."""

import pytest

from isocket.main_socket import MainSocket

WRAP = 1 << 29
MIN = 60_000
DAY = 86_400_000


class FakeRelay:
    def __init__(self):
        self.value = None
        self.writes = []

    def __setattr__(self, name, v):
        object.__setattr__(self, name, v)
        if name == "value" and v is not None:
            self.writes.append(v)


def at(t):
    return t % WRAP


@pytest.fixture(params=[0, WRAP - 5 * MIN], ids=["t0", "near-wrap"])
def t0(request):
    return request.param


def test_construction_drives_the_relay(t0):
    r = FakeRelay()
    s = MainSocket(r, t0, True)
    assert r.value is True and s.on and s.settled and s.changed_at == t0
    assert MainSocket(FakeRelay(), t0, False).settled is False


def test_switch_and_changed_at(t0):
    r = FakeRelay()
    s = MainSocket(r, t0, False)
    s.switch(True, at(t0 + 10))
    assert r.value is True and s.changed_at == at(t0 + 10)
    s.switch(True, at(t0 + 20))  # no change: RUNTIME keeps counting from the first
    assert s.changed_at == at(t0 + 10)
    assert s.elapsed_ms(at(t0 + 10 + 3 * MIN)) == 3 * MIN


def test_on_n_switches_off_after_n_minutes(t0):
    r = FakeRelay()
    s = MainSocket(r, t0, False)
    s.switch_for(True, 5, t0)
    assert r.value is True and s.on and s.settled is False
    assert s.next_deadline(t0) == 5 * MIN
    s.poll(at(t0 + 5 * MIN - 1))
    assert s.on
    assert s.next_deadline(at(t0 + 5 * MIN - 1)) == 1
    s.poll(at(t0 + 5 * MIN))
    assert not s.on and r.value is False and s.changed_at == at(t0 + 5 * MIN)
    assert s.settled is False
    assert s.next_deadline(at(t0 + 5 * MIN)) == DAY  # only the daily housekeeping


def test_off_n_and_720_minutes(t0):
    s = MainSocket(FakeRelay(), t0, True)
    s.switch_for(False, 720, t0)
    assert not s.on and s.settled
    s.poll(at(t0 + 720 * MIN))
    assert s.on


@pytest.mark.parametrize("minutes", [0, 721, -1])
def test_switch_for_rejects_out_of_range(minutes):
    with pytest.raises(ValueError):
        MainSocket(FakeRelay(), 0, False).switch_for(True, minutes, 0)


def test_later_commands_cancel_the_timer(t0):
    s = MainSocket(FakeRelay(), t0, False)
    s.switch_for(True, 5, t0)
    s.switch(True, at(t0 + MIN))
    s.poll(at(t0 + 10 * MIN))
    assert s.on and s.settled
    s.switch_for(True, 5, t0)
    s.switch_for(False, 10, at(t0 + MIN))  # replaces the first timer
    s.poll(at(t0 + 6 * MIN))
    assert not s.on
    s.poll(at(t0 + 11 * MIN))
    assert s.on


def test_restart_inverts_then_restores(t0):
    r = FakeRelay()
    s = MainSocket(r, t0, True)
    s.restart(10, t0)
    assert not s.on and s.settled and s.restarting
    assert s.next_deadline(t0) == 10_000
    s.poll(at(t0 + 9_999))
    assert not s.on
    s.poll(at(t0 + 10_000))
    assert s.on and not s.restarting
    assert r.writes == [True, False, True]
    off = MainSocket(FakeRelay(), t0, False)
    off.restart(3, t0)  # a socket that is off is switched on for the time
    assert off.on and off.settled is False
    off.poll(at(t0 + 3000))
    assert not off.on


def test_second_restart_restarts_the_countdown_and_keeps_the_state(t0):
    s = MainSocket(FakeRelay(), t0, True)
    s.restart(10, t0)
    s.restart(10, at(t0 + 8_000))
    assert not s.on and s.settled
    s.poll(at(t0 + 10_000))
    assert not s.on
    s.poll(at(t0 + 18_000))
    assert s.on


def test_timer_expiring_during_restart_applies_at_the_end(t0):
    s = MainSocket(FakeRelay(), t0, False)
    s.switch_for(True, 1, t0)
    s.restart(30, at(t0 + MIN - 10_000))  # on -> off for 30 s, the timer ends meanwhile
    assert not s.on and s.settled is False
    s.poll(at(t0 + MIN))
    assert not s.on and s.restarting and s.settled is False
    s.poll(at(t0 + MIN + 20_000))
    assert not s.on and not s.restarting  # the timer's target (OFF), not the pre-restart ON


def test_restart_during_timer_keeps_the_timer(t0):
    s = MainSocket(FakeRelay(), t0, False)
    s.switch_for(True, 5, t0)
    s.restart(10, at(t0 + MIN))
    assert s.settled is False  # the timer's end state
    s.poll(at(t0 + MIN + 10_000))
    assert s.on
    s.poll(at(t0 + 5 * MIN))
    assert not s.on


def test_one_late_poll_applies_deadlines_in_order(t0):
    # restart ends first (restores ON), then the timer switches OFF
    s = MainSocket(FakeRelay(), t0, False)
    s.switch_for(True, 2, t0)
    s.restart(10, at(t0 + MIN))
    s.poll(at(t0 + 5 * MIN))
    assert not s.on and not s.restarting and s.settled is False
    # timer ends first (during the restart), then the restart applies the timer's target
    s = MainSocket(FakeRelay(), t0, True)
    s.switch_for(False, 1, t0)
    s.restart(60, at(t0 + 30_000))
    s.poll(at(t0 + 5 * MIN))
    assert s.on and not s.restarting


def test_on_off_and_toggle_cancel_restart_and_timer(t0):
    s = MainSocket(FakeRelay(), t0, True)
    s.restart(10, t0)
    s.switch(False, at(t0 + 1000))
    s.poll(at(t0 + 20_000))
    assert not s.on and not s.restarting
    s.switch_for(True, 5, t0)
    s.toggle(at(t0 + 1000))
    assert not s.on and s.settled is False
    s.poll(at(t0 + 10 * MIN))
    assert not s.on
    s.restart(10, t0)  # off -> on for 10 s; the button inverts what the relay shows now
    s.toggle(at(t0 + 1000))
    assert not s.on and not s.restarting


def test_elapsed_survives_days_with_daily_polls(t0):
    s = MainSocket(FakeRelay(), t0, True)
    now = t0
    for _ in range(10):  # ten days, polled whenever it asks
        step = s.next_deadline(now)
        assert 0 < step <= DAY
        now = at(now + step)
        s.poll(now)
    assert s.elapsed_ms(now) == 10 * DAY
    assert s.elapsed_ms(at(now + 5 * MIN)) == 10 * DAY + 5 * MIN
    s.switch(False, now)
    assert s.elapsed_ms(now) == 0


def test_drive_switches_the_relay_but_not_the_remembered_state(t0):
    r = FakeRelay()
    s = MainSocket(r, t0, True)
    s.drive(False, at(t0 + 10))
    assert not s.on and r.value is False and s.settled is True
    assert s.changed_at == at(t0 + 10)  # RUNTIME counts from the thermostat's change
    s.drive(True, at(t0 + 20))
    s.drive(False, at(t0 + 30))
    assert s.settled is True and r.writes == [True, False, True, False]
    s.switch(False, at(t0 + 40))  # a user action is remembered again
    assert s.settled is False
    s.drive(True, at(t0 + 50))
    assert s.on and s.settled is False
    s.toggle(at(t0 + 60))  # the button inverts what the relay shows
    assert not s.on and s.settled is False


def test_drive_cancels_timer_and_restart_keeping_their_settled_state(t0):
    s = MainSocket(FakeRelay(), t0, False)
    s.switch_for(True, 5, t0)  # settles OFF
    s.drive(True, at(t0 + MIN))
    assert s.on and s.settled is False
    s.poll(at(t0 + 10 * MIN))
    assert s.on and s.next_deadline(at(t0 + 10 * MIN)) > 5 * MIN  # the timer is gone
    s = MainSocket(FakeRelay(), t0, True)
    s.restart(10, t0)
    s.drive(False, at(t0 + 1000))
    assert not s.on and not s.restarting and s.settled is True
    s.poll(at(t0 + 20_000))
    assert not s.on and s.settled is True


def test_restart_after_drive_returns_to_the_driven_state(t0):
    s = MainSocket(FakeRelay(), t0, True)
    s.drive(False, t0)
    s.restart(10, at(t0 + 1000))  # a user action: remembers where the restart returns to
    assert s.on and s.settled is False
    s.poll(at(t0 + 11_000))
    assert not s.on and s.settled is False
