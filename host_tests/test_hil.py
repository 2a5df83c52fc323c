"""hil mode (host_tests.sim.hil): refusals, and a runner that survives bad boards.

The passing path runs in CI's `hil` step (the shipped real-time scenarios against
fake-pico); here: what must fail, fails clearly, and nothing crashes the runner.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from host_tests.sim import cli
from host_tests.sim.hil import refusals
from host_tests.sim.hil_selftest import start_fake_pico
from host_tests.sim.scenario import parse_scenario


def test_statements_needing_hands_are_refused_before_anything_runs() -> None:
    sts = parse_scenario(
        'phone owner +358401234567\nboot\nbutton press\ntemp 30\nsms owner "ON"\n'
        "expect relay on\nexpect flash-erases <= 1\nmcu-reset\n"
    )
    got = refusals(sts, console=True)
    assert [line for line, _ in got] == [2, 3, 4, 7, 8]
    assert got[0][1] == "`boot` needs hands on the mains plug: not available in hil mode"
    assert "button press" in got[1][1]
    without_console = refusals(sts, console=False)
    assert (6, "`expect relay on` reads the board's console: give --console URL") in without_console


def test_cli_refuses_a_file_with_boot_without_touching_the_port(tmp_path: Path, capsys) -> None:
    f = tmp_path / "x.scn"
    f.write_text('phone owner +358401234567\nboot\nsms owner "ON"\n')
    rc = cli.main(["hil", "--serial", "socket://127.0.0.1:9", str(f)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "FAIL %s:2: `boot` needs hands on the mains plug" % f in out
    assert "0 passed, 1 failed" in out


def test_a_port_that_cannot_be_opened_fails_at_once(tmp_path: Path, capsys) -> None:
    f = tmp_path / "x.scn"
    f.write_text('phone owner +358401234567\nsms owner "ON"\nexpect sms owner "Power socket ON"\n')
    t0 = time.monotonic()
    rc = cli.main(["hil", "--serial", "socket://127.0.0.1:%d" % _free_port(), str(f)])
    out = capsys.readouterr().out
    assert rc == 1 and time.monotonic() - t0 < 10
    assert "%s:0: --serial cannot open socket://" % f in out


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


class _BadBoard:
    """A TCP 'board' that spews junk, or hangs up, instead of speaking AT."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(2)
        self.url = "socket://127.0.0.1:%d" % self.server.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        rnd = random.Random(7)
        self.server.settimeout(0.2)
        while not self.stop:
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            if self.mode.startswith("hangup"):
                time.sleep(0.3)
                conn.close()
                if self.mode == "hangup-once":
                    self.mode = "quiet"
                continue
            if self.mode == "quiet":
                while not self.stop and conn.recv(4096):
                    pass
                conn.close()
                continue
            conn.setblocking(False)
            while not self.stop:
                junk = bytes(rnd.randrange(256) for _ in range(64)) + b'\r\nAT+CMGS=\r\n+CMTI: "SM",x\r\n'
                try:
                    conn.sendall(junk)
                    conn.recv(4096)
                except BlockingIOError:
                    pass
                except OSError:
                    break
                time.sleep(0.02)
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join(2)
        self.server.close()


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    f = tmp_path / "on.scn"
    f.write_text('phone owner +358401234567\nsms owner "ON"\nexpect sms owner "Power socket ON" within 3s\n')
    return f


@pytest.mark.parametrize("mode", ["junk", "hangup"])
def test_a_board_sending_garbage_or_hanging_up_fails_the_statement_not_the_runner(
    mode: str, scenario: Path, capsys
) -> None:
    board = _BadBoard(mode)
    try:
        rc = cli.main(["hil", "--serial", board.url, "--console", board.url, str(scenario)])
    finally:
        board.close()
    out = capsys.readouterr().out
    assert rc == 1
    assert "FAIL %s:3: expected SMS to owner 'Power socket ON' within 3s / no SMS to owner" % scenario in out
    assert "last console lines:" in out and "last UART lines" in out
    if mode == "hangup":
        assert "serial lost" in out
    else:
        assert "> AT+CMGS=" in out  # the board's junk is shown as it came


@pytest.fixture(scope="module")
def fake_pico_proc() -> Iterator[tuple[Any, str, str]]:
    proc, serial_url, console_url = start_fake_pico()
    try:
        yield proc, serial_url, console_url
    finally:
        proc.terminate()
        proc.wait(5)


@pytest.fixture
def fake_pico(fake_pico_proc: tuple[Any, str, str]) -> tuple[str, str]:
    return fake_pico_proc[1], fake_pico_proc[2]


def test_a_wrong_expectation_against_fake_pico_names_the_statement_and_shows_the_board(
    fake_pico: tuple[str, str], tmp_path: Path, capsys
) -> None:
    f = tmp_path / "wrong.scn"
    f.write_text(
        "phone owner +358401234567\n"
        'expect console ~ "MODEM +registered" within 90s\n'
        'sms owner "OFF"\n'
        'expect sms owner "Power socket ON"\n'
    )
    serial_url, console_url = fake_pico
    rc = cli.main(["hil", "--serial", serial_url, "--console", console_url, str(f)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "FAIL %s:4: expected SMS to owner 'Power socket ON' / got 'Power socket OFF'" % f in out
    assert "@state relay off" in out  # the board's console, as seen
    assert "> AT+CMGS=" in out  # the board's UART, as seen


def test_a_board_reset_mid_run_is_seen_and_the_scenario_goes_on(fake_pico_proc) -> None:
    import os
    import signal

    from host_tests.sim.hil import HilWorld
    from host_tests.sim.runner import Interpreter

    proc, serial_url, console_url = fake_pico_proc
    pressed: list[int] = []

    def listen(t: int, event: str) -> None:
        if not pressed and "MODEM   registered" in event:
            pressed.append(t)
            os.kill(proc.pid, signal.SIGUSR1)  # fake-pico's RESET button

    world = HilWorld(serial_url, console_url, listener=listen)
    statements = parse_scenario(
        "phone owner +358401234567\n"
        'expect console ~ "MODEM +registered" within 90s\n'
        'expect console ~ "^@state boot .* power-on$" within 10s\n'
        'expect console ~ "MODEM +registered" within 90s\n'
        'sms owner "ON"\n'
        'expect sms owner "Power socket ON"\n'
        "expect relay on\n"
        'sms owner "OFF"\n'
        'expect sms owner "Power socket OFF"\n'
        "expect relay off\n"
    )
    world.run(Interpreter(world, statements).run())  # type: ignore[arg-type]
    assert pressed and world.board_boots >= 1


def test_a_port_that_drops_out_is_reopened(tmp_path: Path) -> None:
    from host_tests.sim.hil import HilWorld
    from host_tests.sim.runner import Interpreter

    board = _BadBoard("hangup-once")
    try:
        world = HilWorld(board.url)
        world.run(Interpreter(world, parse_scenario("advance 2500ms\n")).run())  # type: ignore[arg-type]
    finally:
        board.close()
    events = [e for _t, e in world.timeline]
    assert any(e.startswith("serial lost") for e in events)
    assert "serial %s is back" % board.url in events


def test_run_leaves_hil_folders_out_of_a_walk_but_hil_takes_them(tmp_path: Path) -> None:
    (tmp_path / "hil").mkdir()
    (tmp_path / "sms").mkdir()
    for rel in ("a.scn", "hil/b.scn", "sms/c.scn"):
        (tmp_path / rel).write_text("advance 1s\n")
    names = lambda files: sorted(f.relative_to(tmp_path).as_posix() for f in files)  # noqa: E731
    assert names(cli._files([str(tmp_path)])) == ["a.scn", "sms/c.scn"]
    assert names(cli._files([str(tmp_path)], walk_hil=True)) == ["a.scn", "hil/b.scn", "sms/c.scn"]
    assert names(cli._files([str(tmp_path / "hil" / "b.scn")])) == ["hil/b.scn"]  # given by name: run
