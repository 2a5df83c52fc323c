"""The command table: ordering, types, Light and SMSCONFIRM flags, and docs/commands.md."""

import subprocess
import sys
from pathlib import Path

import pytest

from isocket.command_processor import CommandProcessor
from isocket.commands import CONF, CTRL, INF, NUMBER, TABLE, VALUE, WORD, match, rows, split_name

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = rows()
BY_NAME = {cmd.name: cmd for cmd in COMMANDS}

IN_SCOPE = [
    "ON",
    "OFF",
    "ON<n>",
    "OFF<n>",
    "RESTART",
    "RESTARTTIME=<n>",
    "RESTARTIME=<n>",
    "RESTARTTIME?",
    "RESTARTIME?",
    "STATUS",
    "RUNTIME",
    "SECNUMBER+<number>",
    "SECNUMBER-<number>",
    "SECNUMBER-ALL",
    "SECNUMBER?",
    "SECLIST=ON|OFF",
    "SECLIST?",
    "PASSWORD=<pw5>|NO",
    "RENEWINTERVALPW=<pw9>|NO",
    "RENEWINTERVALPW?",
    "RENEWINTERVAL<pw9>",
    "RENEWINTERVAL?",
    "SMSCONFIRM=ON|OFF",
    "SMSCONFIRM?",
    "RINGCONFIRM=ON|OFF",
    "RINGCONFIRM?",
    "RINGCONFIRMTYPE=SMS|CALL",
    "RINGCONFIRMTYPE?",
    "ERROR=ON|OFF",
    "ERROR?",
    "SMSCONFIRMUNAUTH=ON|OFF",
    "SMSCONFIRMUNAUTH?",
    "RING=MIC",
    "RING=SWITCH|RESTART|NOACTION",
    "RING?",
    "POWERSTATE=REMEMBER|ON|OFF",
    "POWERSTATE?",
    "ALERTNUMBER+<number>",
    "ALERTNUMBER-<number>",
    "ALERTNUMBER-ALL",
    "ALERTNUMBER?",
]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
def test_each_example_reaches_its_own_row(cmd):
    assert match(cmd.example.upper()).name == cmd.name


def test_rows_are_well_formed():
    assert len(BY_NAME) == len(COMMANDS) == 87
    assert TABLE.endswith(b"\n") and b"\n\n" not in TABLE
    for line in TABLE.decode().splitlines():
        assert line.startswith(("#", "    ")) or line.count(";") == 6, line
    for cmd in COMMANDS:
        assert cmd.kind in (CTRL, INF, CONF) and cmd.match in (WORD, VALUE, NUMBER)
        assert cmd.key == cmd.key.upper() and " " not in cmd.key
        assert cmd.handler.startswith("do_") and cmd.reply
        if cmd.kind == INF:
            assert cmd.key.endswith("?") and cmd.exempt


def test_names_give_match_rule_and_key():
    assert split_name("STATUS") == (WORD, "STATUS")
    assert split_name("ON<n>") == (NUMBER, "ON")
    assert split_name("RESTARTTIME=<n>") == (VALUE, "RESTARTTIME=")
    assert split_name("SECLIST=ON|OFF") == (VALUE, "SECLIST=")
    assert split_name("PASSWORD=<pw5>|NO") == (VALUE, "PASSWORD=")
    assert split_name("RENEWINTERVAL<pw9>") == (VALUE, "RENEWINTERVAL")
    assert split_name("SCHEDULER+<hh:mm>,<day>,<action>") == (VALUE, "SCHEDULER+")
    assert BY_NAME["STATUS"].reply.startswith("lines Power socket, Microrelay")  # continuation line joined


def test_a21_parsing_order():
    assert match("RENEWINTERVALPW=123456ABC").name == "RENEWINTERVALPW=<pw9>|NO"
    assert match("RENEWINTERVAL?").name == "RENEWINTERVAL?"
    assert match("RENEWINTERVALPW?").name == "RENEWINTERVALPW?"
    assert match("RENEWINTERVAL123456ABC").name == "RENEWINTERVAL<pw9>"
    assert match("RENEWINTERVALPW").name == "RENEWINTERVAL<pw9>"
    assert match("SECNUMBER-ALL").name == "SECNUMBER-ALL"
    assert match("ONM").name == "ONM" and match("ON5").name == "ON<n>" and match("ONX") is None
    assert match("RESTARTM").name == "RESTARTM" and match("RESTARTX") is None


def test_in_scope_commands_are_implemented():
    for name in IN_SCOPE:
        assert hasattr(CommandProcessor, BY_NAME[name].handler), name


def test_types_light_and_exemptions_follow_the_manual():
    conf = [n for n in IN_SCOPE if BY_NAME[n].kind == CONF]
    assert "POWERSTATE=REMEMBER|ON|OFF" in conf
    assert BY_NAME["RENEWINTERVAL<pw9>"].kind == CTRL
    assert BY_NAME["SCHEDULER+<hh:mm>,<day>,<action>"].kind == CTRL
    exempt = {c.name for c in COMMANDS if c.exempt and c.kind != INF}
    assert exempt == {
        "STATUS",
        "TEMPERATURE",
        "RUNTIME",
        "SHOWALARMLOG",
        "SALDO",
        "HARDWARE",
        "SERIALNUM",
        "FIRMWARE",
        "DATE",
        "SIMCARD<ussd>",
    }  # R47, plus SIMCARD
    not_light = {c.name for c in COMMANDS if not c.light}
    assert {"ONM", "RING=MIC", "TEMPERATURE", "CALLBACK", "SCHEDULER?", "DATE", "ALARMON"} <= not_light
    assert not any(n in not_light for n in IN_SCOPE if n != "RING=MIC")  # ALERTNUMBER on Light


def test_docs_are_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "host_tests" / "gen_command_docs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
