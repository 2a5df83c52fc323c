"""The simulated world around one device: mains, board, modem, GSM network, phones.

The firmware (the real ``code.py``) runs inside this process with the fake hardware
modules first on ``sys.path``. Its loop calls ``supervisor.idle(ms)`` once per pass
(``isocket.hw.clock``); that call lands in ``World.device_idle``, which lets the scenario
act, then jumps virtual time to the next thing that can happen. Power loss, resets and
the end of the scenario unwind the firmware with BaseExceptions it cannot swallow.
"""

from __future__ import annotations

import collections
import importlib.util
import os
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from host_tests.sim.board import HostBoard, McuReset, OneWireBus, PowerLoss
from host_tests.sim.clock import Scheduler
from host_tests.sim.ds18b20 import Ds18b20
from host_tests.sim.network import GsmNetwork
from host_tests.sim.sim800l import Sim800l
from host_tests.sim.state_lines import parse_state_line
from host_tests.sim.vm import VmCrash, VmError, VmFirmware, VmSpec

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "host_tests" / "fakes"
CODE_PY = ROOT / "code.py"
DEVICE_PACKAGES = ("isocket", "board_configs")
FAKE_MODULES = tuple(p.stem for p in FAKES.glob("*.py") if p.stem != "_hostlink")
TIMELINE = 200


class Stop(BaseException):
    """Ends the firmware run: the scenario finished (``error`` None) or failed."""

    def __init__(self, error: Exception | None = None) -> None:
        super().__init__(error)
        self.error = error


class WorldCheck(Exception):
    """A check of the world's own failed a scenario (``Interpreter.play`` names the line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StateLineMismatch(WorldCheck):
    """A console state line disagrees with the pins: hil mode would be misled."""


class FirmwareCrash(WorldCheck):
    """code.py ended with an exception during a scenario: a firmware bug, or a heap too small."""


class Wait:
    """The scenario waits until ``until`` (virtual ms) or until ``pred()`` holds."""

    __slots__ = ("until", "pred")

    def __init__(self, until: int, pred: Callable[[], bool] | None = None) -> None:
        self.until = until
        self.pred = pred


HANDOFF = "handoff"  # yielded by statements that change power: let the world react first


def load_board_config(name: str | None) -> dict[str, Any]:
    name = name or "pico_sim800l"
    path = ROOT / "board_configs" / (name + ".py")
    if not path.exists() or not name.isidentifier():
        raise ValueError("no board config %r in board_configs/" % name)
    spec = importlib.util.spec_from_file_location("_board_config_" + name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return dict(mod.CONFIG)


def _install_fakes() -> None:
    if str(FAKES) not in sys.path:
        sys.path.insert(0, str(FAKES))
    if str(ROOT) not in sys.path:
        sys.path.insert(1, str(ROOT))


def _purge_device_modules() -> None:
    """Forget the firmware's modules so the next start is a fresh interpreter, as on the board."""
    for name in list(sys.modules):
        top = name.split(".")[0]
        if top in FAKE_MODULES or top in DEVICE_PACKAGES or top.startswith("adafruit_"):
            del sys.modules[name]


class World:
    """One device and everything around it, on a shared virtual clock."""

    def __init__(
        self,
        model: str = "707",
        board: str | None = None,
        modem: str = "sim800l",
        listener: Callable[[int, str], None] | None = None,
        vm: VmSpec | None = None,
        fail_on_crash: bool = False,
    ) -> None:
        _install_fakes()
        # Scenarios fail at a crash; tests of the watchdog's recovery let the board reset.
        self.fail_on_crash = fail_on_crash
        # None: code.py runs in this interpreter; else in a MicroPython child (host_tests.sim.vm).
        self.vm = VmFirmware(vm) if vm is not None else None
        import _hostlink  # type: ignore[import-not-found]

        self._hostlink = _hostlink
        self.sched = Scheduler()
        self.model = model
        self.board_name = board
        self.modem_name = modem
        self.config = load_board_config(board)
        self.network = GsmNetwork(self.sched)
        self.network.listener = self.event
        self.modem = Sim800l(self.sched, self.network)
        self.modem.to_host = self._modem_tx
        self.network.attach(self.modem)
        self.board = HostBoard(self)
        # The DS18B20 on the 1-Wire pin: keeps its state across MCU resets, not power cuts.
        self.probe = Ds18b20(lambda: self.sched.now_ms)
        self.onewire = OneWireBus([self.probe])
        self.listener = listener
        self.timeline: collections.deque[tuple[int, str]] = collections.deque(maxlen=TIMELINE)
        self.console: list[tuple[int, str]] = []
        self.trace_uart = False
        self.powered = False
        self.mains_on = False
        self.battery_ok = True
        self.pending_reset: str | None = None
        self.crashed_at: int | None = None
        self.temp: float | None = None
        self.set_temp(21.0)
        self.sensor_closed = False
        self.first_boot_erases: int | None = None
        self.relay_on = False
        self.micro_on = False
        self.leds: dict[str, str] = {}
        self.boots = 0
        self.passes = 0
        self.wait: Wait | None = None
        self.gen: Iterator[Any] | None = None
        self._boot_reason = "POWER_ON"
        self._set_mains_sense()

    # -- model ----------------------------------------------------------------
    @property
    def has_battery(self) -> bool:
        return self.model.startswith("707")

    # -- observations -----------------------------------------------------------
    def event(self, text: str) -> None:
        self.timeline.append((self.sched.now_ms, text))
        if self.listener:
            self.listener(self.sched.now_ms, text)

    def trace(self, kind: str, data: Any) -> None:
        if self.trace_uart:
            self.event("%s %r" % (kind, bytes(data)))

    def console_line(self, line: str) -> None:
        self.console.append((self.sched.now_ms, line))
        self.event("console: " + line)
        state = parse_state_line(line)
        if state is not None:
            self._check_state_line(line, *state)

    def _check_state_line(self, line: str, name: str, value: str) -> None:
        # The firmware prints a state line right after driving the pin, in the same pass:
        # what it says must be what the pins show (hil mode relies on these lines).
        seen: str | None = None
        if name == "relay":
            seen = "on" if self.relay_on else "off"
        elif name == "microrelay":
            seen = "on" if self.micro_on else "off"
        elif name.startswith("led "):
            seen = self.leds.get(name[4:], "off")
        if seen is not None and seen != value:
            raise Stop(StateLineMismatch("console said %r but the pins show %s" % (line, seen)))

    def pins_changed(self) -> None:
        b = self.board
        relay = b.outputs.get(self.config["relay"], False)  # floating -> pull-down keeps it off
        if relay != self.relay_on:
            self.relay_on = relay
            self.event("relay %s" % ("ON" if relay else "OFF"))
        mr = self.config.get("micro_relay")
        micro = b.outputs.get(mr, False) if mr else False
        if micro != self.micro_on:
            self.micro_on = micro
            self.event("micro relay %s" % ("ON" if micro else "OFF"))
        for name, pin in (self.config.get("leds") or {}).items():
            pattern = classify_led(b.pio.get(pin))
            if self.leds.get(name) != pattern:
                self.leds[name] = pattern
                self.event("led %s %s" % (name, pattern))
        self._update_modem_supply()

    def _update_modem_supply(self) -> None:
        m = self.config["modem"]
        level = self.board.outputs.get(m["power"])
        switch_on = True if level is None else level == m.get("power_on_level", True)  # floating: pulled on
        self.modem.set_supply(self.powered and switch_on)

    def _modem_tx(self, data: bytes) -> None:
        self.board.modem_tx(data)

    def _set_mains_sense(self) -> None:
        sense = self.config.get("mains_sense")
        if sense:
            self.board.set_input(sense, self.mains_on)

    def set_temp(self, celsius: float | None) -> None:
        """What the probe measures; None: no probe on the line (unplugged)."""
        self.temp = celsius
        if celsius is not None:
            self.probe.temperature = celsius
        self.probe.present = celsius is not None

    # -- power ----------------------------------------------------------------
    def power_on(self) -> None:
        self.powered = True
        self.probe.power_on()  # the board's 3V3 feeds it: 85.0 degC until its first conversion
        self.crashed_at = None
        self._boot_reason = "POWER_ON"
        if self.first_boot_erases is None:
            self.first_boot_erases = self.board.nvm.erase_count
        self._update_modem_supply()

    def power_off(self, why: str) -> None:
        if self.powered:
            self.event("power lost (%s)" % why)
        self.powered = False
        self.probe.power_off()
        self.board.stop()
        self._update_modem_supply()

    def set_mains(self, on: bool) -> None:
        self.mains_on = on
        self._set_mains_sense()
        if on and not self.powered:
            self.event("mains on: the device starts")
            self.power_on()
        elif not on and self.powered and not (self.has_battery and self.battery_ok):
            self.power_off("mains off")

    # -- running the firmware -----------------------------------------------------
    def run(self, gen: Iterator[Any]) -> None:
        """Drive the scenario generator (and the firmware while powered) to the end."""
        self.gen = gen
        self.wait = None
        try:
            while True:
                if self.powered and self.crashed_at is None:
                    self._run_firmware()
                else:
                    self._step_unpowered()
        except Stop as stop:
            if stop.error is not None:
                raise stop.error from None
        finally:
            _purge_device_modules()

    def _run_firmware(self) -> None:
        reason = self._boot_reason
        self._boot_reason = "POWER_ON"
        self.boots += 1
        self.board.start(reason)
        self._hostlink.BOARD = self.board
        _purge_device_modules()
        os.environ["ISOCKET_BOARD"] = self.config["name"]
        os.environ["ISOCKET_MODEL"] = self.model
        self.event("firmware starts (%s)" % reason)
        try:
            if self.vm is not None:
                self.vm.run(self.board)
            else:
                runpy.run_path(str(CODE_PY), run_name="__main__")
            self._crashed("code.py returned")
        except VmCrash as crash:
            self._crashed(crash.text)
        except VmError:
            raise  # the VM could not run or broke the protocol: a host problem, not a crash
        except PowerLoss:
            self.mains_on = False  # off until the next `boot`
            self._set_mains_sense()
            self.power_off("power cut during a flash write")
        except McuReset as r:
            self.board.stop()
            self._boot_reason = r.reason
            self.event("MCU reset (%s)" % r.reason)
        except Stop:
            raise
        except Exception:
            self._crashed(traceback.format_exc(limit=6))

    def _crashed(self, why: str) -> None:
        # code.py ended with an exception: the watchdog (if armed) resets the board later.
        for line in why.rstrip().splitlines():
            self.console_line(line)
        self.event("firmware stopped")
        deadline = self.board.watchdog_deadline()
        self.board.stop()
        self.crashed_at = self.sched.now_ms
        self._wd_reset_at = deadline
        if self.fail_on_crash:
            last = why.rstrip().splitlines()[-1:] or ["?"]
            raise Stop(FirmwareCrash("the firmware crashed: %s" % last[0].strip()))

    def _step_unpowered(self) -> None:
        feed_scenario(self)
        if self.powered and self.crashed_at is None:
            return
        if (
            self.crashed_at is not None
            and self._wd_reset_at is not None
            and self.sched.now_ms >= self._wd_reset_at
        ):
            self.crashed_at = None
            self._boot_reason = "WATCHDOG"
            return
        t = self._next_time(None)
        if self.crashed_at is not None and self._wd_reset_at is not None:
            t = min(t, self._wd_reset_at)
        self.sched.advance_to(t)

    def device_idle(self, ms: int) -> None:
        """Called once per firmware loop pass: ``ms`` is how long nothing is due."""
        self.passes += 1
        now = self.sched.now_ms
        wd = self.board.watchdog_deadline()
        if wd is not None and now > wd:
            raise McuReset("WATCHDOG")
        feed_scenario(self)
        self._check_power()
        self.board.woken = False
        target = self._next_time(now + max(1, ms))
        self.sched.advance_to(target)
        feed_scenario(self)
        self._check_power()

    def _next_time(self, limit: int | None) -> int:
        # min() and max() by hand, ties as they break them: this runs once per loop pass.
        t = limit
        nt = self.sched.next_time()
        if nt is not None and (t is None or nt < t):
            t = nt
        if self.wait is not None and (t is None or self.wait.until < t):
            t = self.wait.until
        soonest = self.sched.now_ms + 1
        return soonest if t is None or soonest > t else t

    def _check_power(self) -> None:
        if self.pending_reset is not None:
            reason, self.pending_reset = self.pending_reset, None
            raise McuReset(reason)
        if not self.powered:
            raise PowerLoss()


def feed_scenario(world: Any) -> None:
    """Run scenario statements until one waits for what has not happened yet.

    ``world`` has ``gen`` (the Interpreter's generator), ``wait`` and ``sched``: the
    simulated World and hil's real-time one share this. Raises Stop at the end of the
    scenario or, carrying it, at a failed expectation.
    """
    assert world.gen is not None
    while True:
        w = world.wait
        if w is not None and world.sched.now_ms < w.until and not (w.pred is not None and w.pred()):
            return
        try:
            nxt = next(world.gen)
        except StopIteration:
            raise Stop() from None
        except Exception as e:  # a failed expectation: unwind the firmware, report it
            raise Stop(e) from None
        if nxt == HANDOFF:
            world.wait = Wait(world.sched.now_ms)
            return
        world.wait = nxt


def classify_led(words: list[int] | None) -> str:
    """Name the pattern a PIO LED loop shows, from its bits (1/32 s each, LSB first)."""
    if not words:
        return "off"
    bits = [(w >> i) & 1 for w in words for i in range(32)]
    if all(bits):
        return "on"
    if not any(bits):
        return "off"
    flashes = sum(1 for i in range(len(bits)) if bits[i] and not bits[i - 1])
    seconds = len(words)
    on_fraction = sum(bits) / len(bits)
    if seconds == 1 and flashes == 1 and on_fraction < 0.5:
        return "blink-1s"
    if seconds == 3 and flashes == 1 and on_fraction < 0.2:
        return "blink-3s"
    if seconds == 1 and flashes == 4:
        return "fast"
    if seconds == 3 and flashes == 4 and on_fraction > 0.5:
        return "sim-error"
    if seconds == 2 and flashes == 3:
        return "boot"  # the start-up flash; not a scenario pattern name
    return "unknown(%s)" % ",".join("%08X" % w for w in words)
