"""MicroRelay: manual commands, RESTARTM, MICRORELAYTIME and alarm activations (A-28, A-65)."""

import pytest

from host_tests.fake_log import PairLog as Log
from isocket.commands import INCORRECT_VALUE, Refusal, match
from isocket.micro_relay import MicroRelay
from isocket.settings import Settings

WRAP = 1 << 29
S = 1000


def at(t):
    return t % WRAP


class Output:
    def __init__(self):
        self.value = None


class Socket:
    def __init__(self):
        self.calls = []

    def switch(self, on, now):
        self.calls.append((on, now))


@pytest.fixture(params=[0, WRAP - 30 * S], ids=["t0", "near-wrap"])
def t0(request):
    return request.param


def make(t0, restart_time=10):
    out = Output()
    settings = Settings()
    settings.restart_time = restart_time
    sock = Socket()
    log = Log()
    return MicroRelay(out, settings, sock, t0, log), out, settings, sock, log


def run(relay, cmd_text, now):
    cmd = match(cmd_text)
    assert cmd is not None, cmd_text
    value = None if cmd.match == "word" else cmd_text[len(cmd.key) :]
    return getattr(relay, cmd.handler)(cmd, value, now)


def test_off_at_boot(t0):
    r, out, *_ = make(t0)
    assert out.value is False and r.on is False
    assert r.next_deadline(t0) is None


def test_without_a_pin_the_state_is_kept():
    r = MicroRelay(None, Settings(), Socket(), 0)
    assert run(r, "ONM", 0) == "Microrelay ON" and r.on


def test_onm_offm(t0):
    r, out, *_ = make(t0)
    assert run(r, "ONM", t0) == "Microrelay ON"
    assert out.value is True and r.on
    assert run(r, "OFFM", t0) == "Microrelay OFF"
    assert out.value is False and not r.on


def test_onall_offall_switch_the_socket_too(t0):
    r, out, _s, sock, _log = make(t0)
    assert run(r, "ONALL", t0) == "All ON"
    assert out.value is True and sock.calls == [(True, t0)]
    assert run(r, "OFFALL", at(t0 + 5)) == "All OFF"
    assert out.value is False and sock.calls[-1] == (False, at(t0 + 5))


def test_restartm_inverts_then_restores(t0):
    r, out, *_ = make(t0, restart_time=5)
    assert run(r, "RESTARTM", t0) == "Microrelay restarted"
    assert out.value is True
    assert r.next_deadline(t0) == 5 * S
    r.poll(at(t0 + 5 * S - 1))
    assert out.value is True
    r.poll(at(t0 + 5 * S))
    assert out.value is False and r.next_deadline(at(t0 + 5 * S)) is None


def test_second_restartm_restarts_the_countdown_and_keeps_the_state(t0):
    r, out, *_ = make(t0, restart_time=5)
    run(r, "ONM", t0)
    run(r, "RESTARTM", t0)
    assert out.value is False
    run(r, "RESTARTM", at(t0 + 3 * S))
    r.poll(at(t0 + 5 * S))
    assert out.value is False
    r.poll(at(t0 + 8 * S))
    assert out.value is True


def test_manual_command_cancels_a_restart(t0):
    r, out, *_ = make(t0, restart_time=5)
    run(r, "RESTARTM", t0)
    run(r, "OFFM", at(t0 + 1 * S))
    r.poll(at(t0 + 10 * S))
    assert out.value is False and r.next_deadline(at(t0 + 10 * S)) is None


def test_alarm_activation_then_back_to_the_pre_alarm_state(t0):
    r, out, *_ = make(t0)
    r.alarm_on(30, t0)
    assert out.value is True and r.alarm_active
    assert r.next_deadline(t0) == 30 * S
    r.poll(at(t0 + 30 * S - 1))
    assert out.value is True
    r.poll(at(t0 + 30 * S))
    assert out.value is False and not r.alarm_active
    # pre-alarm state ON stays ON afterwards
    run(r, "ONM", at(t0 + 31 * S))
    r.alarm_on(10, at(t0 + 31 * S))
    r.poll(at(t0 + 41 * S))
    assert out.value is True


def test_microrelaytime_zero_never_touches_the_relay(t0):
    r, out, *_ = make(t0)
    r.alarm_on(0, t0)
    assert out.value is False and not r.alarm_active


def test_release_at_once(t0):
    r, out, *_ = make(t0)
    r.alarm_on(900, t0)
    r.alarm_release(at(t0 + S))
    assert out.value is False and r.next_deadline(at(t0 + S)) is None
    r.alarm_release(at(t0 + 2 * S))  # nothing to release: harmless


def test_manual_command_cancels_an_activation(t0):
    r, out, *_ = make(t0)
    r.alarm_on(900, t0)
    assert run(r, "OFFM", at(t0 + S)) == "Microrelay OFF"
    assert out.value is False and not r.alarm_active
    r.alarm_on(900, at(t0 + 2 * S))
    run(r, "ONM", at(t0 + 3 * S))
    r.poll(at(t0 + 1000 * S))
    assert out.value is True  # ONM is for good


def test_restartm_during_an_activation_restarts_from_the_pre_alarm_state(t0):
    r, out, *_ = make(t0, restart_time=5)
    r.alarm_on(900, t0)
    run(r, "RESTARTM", at(t0 + S))
    assert out.value is True and not r.alarm_active  # pre-alarm OFF inverted
    r.poll(at(t0 + 6 * S))
    assert out.value is False


def test_activation_over_a_running_restart(t0):
    r, out, *_ = make(t0, restart_time=5)
    run(r, "RESTARTM", t0)  # ON for 5 s
    r.alarm_on(20, at(t0 + S))
    r.poll(at(t0 + 5 * S))  # the restart ends underneath
    assert out.value is True
    r.poll(at(t0 + 21 * S))
    assert out.value is False


def test_a_new_activation_extends(t0):
    r, out, *_ = make(t0)
    r.alarm_on(10, t0)
    r.alarm_on(10, at(t0 + 8 * S))
    r.poll(at(t0 + 10 * S))
    assert out.value is True
    r.poll(at(t0 + 18 * S))
    assert out.value is False


def test_changes_are_logged(t0):
    r, _out, _s, _sock, log = make(t0)
    r.alarm_on(5, t0)
    r.poll(at(t0 + 5 * S))
    assert [t for _tag, t in log.lines] == ["micro relay ON (alarm)", "micro relay OFF (MICRORELAYTIME over)"]


@pytest.mark.parametrize("text", ["MICRORELAYTIME=0", "MICRORELAYTIME=900", "MICRORELAYTIME=010"])
def test_microrelaytime_accepts(text):
    r, _out, settings, *_ = make(0)
    n = int(text.split("=")[1])
    assert run(r, text, 0) == "MICRORELAYTIME=%d - OK" % n
    assert settings.microrelay_time == n
    assert run(r, "MICRORELAYTIME?", 0) == "MICRORELAYTIME=%d seconds" % n


@pytest.mark.parametrize(
    "text", ["MICRORELAYTIME=901", "MICRORELAYTIME=-1", "MICRORELAYTIME=", "MICRORELAYTIME=1x"]
)
def test_microrelaytime_refuses(text):
    r, _out, settings, *_ = make(0)
    with pytest.raises(Refusal) as e:
        run(r, text, 0)
    assert e.value.text == INCORRECT_VALUE
    assert settings.microrelay_time == 0
