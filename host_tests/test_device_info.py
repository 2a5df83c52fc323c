"""HARDWARE, SERIALNUM, FIRMWARE (isocket.device_info): texts, every model, always answered."""

from __future__ import annotations

import pytest

from isocket import version
from isocket.command_processor import CommandProcessor
from isocket.commands import match
from isocket.device_info import DeviceInfo
from isocket.main_socket import MainSocket
from isocket.settings import Settings

UID = bytes.fromhex("e66038b7131c7f2a")
OWNER = "+358401234567"


class _Relay:
    value = None


class _Status:
    signal_dbm = -67

    def wall_time(self, now):
        return None


def processor(model: str) -> CommandProcessor:
    p = CommandProcessor(
        Settings(), MainSocket(_Relay(), 0, False), lambda s: True, _Status(), model, 0, False
    )
    p.register(DeviceInfo(model, "pico_sim800l", UID))
    return p


@pytest.mark.parametrize(
    ("model", "hardware"),
    [
        ("707", "isocket GSM 707, Hardware pico_sim800l"),
        ("706", "isocket GSM 706, Hardware pico_sim800l"),
        ("706L", "isocket GSM 706 Light, Hardware pico_sim800l"),
        ("707L", "isocket GSM 707 Light, Hardware pico_sim800l"),
    ],
)
def test_replies_on_every_model(model, hardware):
    p = processor(model)
    assert p.handle_sms(OWNER, "HARDWARE", 0) == hardware
    assert p.handle_sms(OWNER, "serialnum", 0) == "S/N: E66038B7131C7F2A"
    assert p.handle_sms(OWNER, "Firmware", 0) == "(c) isocket contributors, v" + version.VERSION


def test_always_answered_even_with_smsconfirm_off():
    p = processor("707")
    p.settings.smsconfirm = False
    assert p.handle_sms(OWNER, "HARDWARE", 0) == "isocket GSM 707, Hardware pico_sim800l"
    assert p.handle_sms(OWNER, "FIRMWARE", 0).startswith("(c) isocket contributors, v")
    for name in ("HARDWARE", "SERIALNUM", "FIRMWARE"):
        row = match(name)
        assert row is not None and row.exempt and row.light and row.kind == "CTRL"


def test_serial_number_forms():
    info = DeviceInfo("707", None, bytearray(b"\x00\x01\xab"))
    assert info.do_serialnum(None, None, 0) == "S/N: 0001AB"
    assert info.do_hardware(None, None, 0) == "isocket GSM 707, Hardware unknown"
    assert info.next_deadline(0) is None
    info.poll(0)


def test_version_is_major_minor_patch():
    parts = version.VERSION.split(".")
    assert len(parts) == 3 and all(x.isdigit() for x in parts)
