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
            if self.mode == "hangup":
                time.sleep(0.3)
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
def fake_pico() -> Iterator[tuple[str, str]]:
    proc, serial_url, console_url = start_fake_pico()
    try:
        yield serial_url, console_url
    finally:
        proc.terminate()
        proc.wait(5)


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
