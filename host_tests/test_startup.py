"""isocket.hw.startup: what boot.py and safemode.py decide, on the fakes."""

from __future__ import annotations

import importlib
import runpy
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from host_tests.dev import REPO
from host_tests.sim.world import HANDOFF, Wait, World
from isocket.hw import startup

CRASHES = [
    "BROWNOUT",
    "WATCHDOG",
    "HARD_FAULT",
    "STACK_OVERFLOW",
    "NLR_JUMP_FAIL",
    "GC_ALLOC_OUTSIDE_VM",
    "INTERRUPT_ERROR",
    "SDK_FATAL_ERROR",
]
# A human asked for safe mode, or a reset cannot cure it.
STAYS = [
    "NONE",
    "USER",
    "PROGRAMMATIC",
    "USB_BOOT_DEVICE_NOT_INTERFACE_ZERO",
    "USB_TOO_MANY_ENDPOINTS",
    "USB_TOO_MANY_INTERFACE_NAMES",
    "NO_CIRCUITPY",
    "NO_HEAP",
    "FLASH_WRITE_FAIL",
    "SAFEMODE_PY_ERROR",
    "SOMETHING_NEW",
]


def _alarm() -> Any:
    # The module `import alarm` gives the firmware now: a simulator run purges the fakes from
    # sys.modules, so a reference kept from an earlier import may be a stale copy.
    return importlib.import_module("alarm")


class Reset(Exception):
    """microcontroller.reset() on the board does not return."""


@pytest.fixture
def board(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Sleep memory that outlives resets, and a record of reset calls."""
    state: dict[str, Any] = {"mem": bytearray(256), "resets": [], "next": []}

    def reset() -> None:
        state["resets"].append(state["next"][-1] if state["next"] else None)
        raise Reset()

    # The shims import this very module (a simulator run may have replaced it in sys.modules).
    monkeypatch.setitem(sys.modules, "isocket.hw.startup", startup)
    monkeypatch.setattr(_alarm(), "sleep_memory", state["mem"])
    monkeypatch.setattr(startup.microcontroller, "reset", reset)
    monkeypatch.setattr(startup.microcontroller, "on_next_reset", state["next"].append)
    return state


def enter_safe_mode(monkeypatch: pytest.MonkeyPatch, reason: str) -> bool:
    """Run safemode.py once for ``reason``; True if it reset the board."""
    monkeypatch.setattr(startup.supervisor.runtime, "safe_mode_reason", "supervisor.SafeModeReason." + reason)
    try:
        startup.safe_mode()
    except Reset:
        return True
    return False


def test_reason_names() -> None:
    assert startup.reason_name("supervisor.SafeModeReason.HARD_FAULT") == "HARD_FAULT"
    assert startup.reason_name("HARD_FAULT") == "HARD_FAULT"
    assert startup.reason_name(None) == "NONE"


@pytest.mark.parametrize("reason", CRASHES)
def test_crashes_reset_up_to_the_limit(reason: str) -> None:
    assert [startup.should_reset(reason, n) for n in range(5)] == [True, True, True, False, False]


@pytest.mark.parametrize("reason", STAYS)
def test_other_reasons_stay_in_safe_mode(reason: str) -> None:
    assert not startup.should_reset(reason, 0)


def test_counter_in_sleep_memory() -> None:
    mem = bytearray(256)
    assert startup.read_resets(mem) == 0  # power-on: zeroed
    assert startup.read_resets(bytearray(b"\xff" * 256)) == 0
    for n in (1, 2, 3, 255):
        startup.write_resets(mem, n)
        assert startup.read_resets(mem) == n
    assert mem[4:] == bytearray(252)  # only its four bytes
    mem[2] ^= 0x10  # a flipped bit reads as "not ours"
    assert startup.read_resets(mem) == 0
    # Nowhere to count: never reset, so never loop.
    assert startup.read_resets(None) == startup.RESET_LIMIT
    assert startup.read_resets(bytearray(2)) == startup.RESET_LIMIT


def test_a_crash_at_every_start_ends_in_safe_mode(monkeypatch: pytest.MonkeyPatch, board: dict) -> None:
    outcomes = [enter_safe_mode(monkeypatch, "HARD_FAULT") for _ in range(6)]
    assert outcomes == [True, True, True, False, False, False]
    assert board["resets"] == [startup.microcontroller.RunMode.NORMAL] * 3
    assert startup.read_resets(board["mem"]) == 3


def test_user_safe_mode_is_left_alone(monkeypatch: pytest.MonkeyPatch, board: dict) -> None:
    for reason in ("USER", "PROGRAMMATIC", "USB_TOO_MANY_ENDPOINTS", "NO_CIRCUITPY"):
        assert not enter_safe_mode(monkeypatch, reason)
    assert board["resets"] == [] and board["mem"] == bytearray(256)


def test_no_sleep_memory_never_resets(monkeypatch: pytest.MonkeyPatch, board: dict) -> None:
    monkeypatch.setattr(_alarm(), "sleep_memory", bytearray(0))
    assert not enter_safe_mode(monkeypatch, "HARD_FAULT")


def test_a_port_without_alarm_never_resets(monkeypatch: pytest.MonkeyPatch, board: dict) -> None:
    monkeypatch.setitem(sys.modules, "alarm", None)  # `import alarm` raises ImportError (Pico 2)
    assert not enter_safe_mode(monkeypatch, "HARD_FAULT")
    assert board["resets"] == []


def test_a_healthy_run_renews_the_budget(monkeypatch: pytest.MonkeyPatch, board: dict) -> None:
    startup.write_resets(board["mem"], 3)
    start = (1 << 29) - 1000  # across the ticks wrap
    run = startup.HealthyRun(start)
    run.poll((start + startup.HEALTHY_MS - 1) % (1 << 29))
    assert startup.read_resets(board["mem"]) == 3
    run.poll((start + startup.HEALTHY_MS) % (1 << 29))
    assert startup.read_resets(board["mem"]) == 0
    assert enter_safe_mode(monkeypatch, "HARD_FAULT")


def test_boot_sets_up_usb_and_autoreload(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = []
    monkeypatch.setitem(sys.modules, "isocket.hw.startup", startup)
    monkeypatch.setattr(startup.usb_cdc, "enable", lambda **kw: calls.append(kw))
    monkeypatch.setattr(startup.supervisor.runtime, "autoreload", True)
    runpy.run_path(str(REPO / "boot.py"))
    assert calls == [{"console": True, "data": False}]
    assert startup.supervisor.runtime.autoreload is False
    assert capsys.readouterr() == ("", "")  # boot_out.txt stays as it is


def test_safemode_py_runs_the_policy(monkeypatch: pytest.MonkeyPatch, board: dict) -> None:
    monkeypatch.setattr(startup.supervisor.runtime, "safe_mode_reason", "HARD_FAULT")
    with pytest.raises(Reset):
        runpy.run_path(str(REPO / "safemode.py"))


def test_the_firmware_disables_autoreload_and_renews_the_budget() -> None:
    world = World()
    seen: dict[str, Any] = {}

    def script() -> Iterator[Any]:
        world.mains_on = True
        world.power_on()
        yield HANDOFF
        yield Wait(world.sched.now_ms + 1_000)
        seen["autoreload"] = sys.modules["supervisor"].runtime.autoreload
        mem = importlib.import_module("alarm").sleep_memory  # the same module the firmware imports
        startup.write_resets(mem, 2)
        yield Wait(world.sched.now_ms + startup.HEALTHY_MS - 5_000)
        seen["before"] = startup.read_resets(mem)
        yield Wait(world.sched.now_ms + 10_000)
        seen["after"] = startup.read_resets(mem)

    world.run(script())
    assert seen == {"autoreload": False, "before": 2, "after": 0}
