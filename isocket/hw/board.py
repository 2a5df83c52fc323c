"""Builds the hardware objects the device logic uses from a board config (pins are data)."""

import board
import microcontroller
import rtc
import time
import watchdog
from micropython import const

from isocket.hw.button import Button
from isocket.hw.clock import Clock
from isocket.hw.console_port import ConsolePort
from isocket.hw.leds import Leds
from isocket.hw.outputs import Input, Output
from isocket.hw.sensor import Sensor
from isocket.hw.serial_port import ModemPort
from isocket.hw.startup import HealthyRun, disable_autoreload
from isocket.hw.thermometer import Thermometer

_WATCHDOG_S = const(8)  # the RP2040 maximum (~8.3 s)


def _pin(name):
    return getattr(board, name)


class WallClock:
    """The RP2040 RTC as a (year, month, day, hour, minute, second) tuple."""

    def __init__(self):
        self._rtc = rtc.RTC()

    def read(self):
        t = self._rtc.datetime
        return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)

    def write(self, t) -> None:
        self._rtc.datetime = time.struct_time((t[0], t[1], t[2], t[3], t[4], t[5], 0, -1, -1))


class Watchdog:
    """microcontroller.watchdog in RESET mode, fed once per loop pass."""

    def __init__(self, timeout=_WATCHDOG_S):
        wd = microcontroller.watchdog
        self._wd = wd
        if wd is not None:
            wd.timeout = timeout  # the timeout must be set before the mode, or the chip resets at once
            wd.mode = watchdog.WatchDogMode.RESET

    def feed(self) -> None:
        if self._wd is not None:
            self._wd.feed()


class Hardware:
    """Everything the firmware touches, built from ``config``."""

    def __init__(self, config: dict):
        m = config["modem"]
        disable_autoreload()  # again here, for a drive copied without boot.py
        self.clock = Clock()
        self.healthy_run = HealthyRun(self.clock.now())
        self.console = ConsolePort()
        self.modem_power = Output(_pin(m["power"]), value=True, active_high=m.get("power_on_level", True))
        self.modem_port = ModemPort(_pin(m["tx"]), _pin(m["rx"]), m["baudrate"], m.get("rx_buffer", 4096))
        self.relay = Output(_pin(config["relay"]))
        mr = config.get("micro_relay")
        self.micro_relay = Output(_pin(mr)) if mr else None
        self.button = Button(_pin(config["button"]))
        alarm_input = config.get("alarm_input")
        light = str(config.get("model", "707")).endswith("L")  # Light: no alarm input (R2)
        self.sensor = Sensor(_pin(alarm_input)) if alarm_input and not light else None
        leds = config.get("leds") or {}
        self.leds = Leds({name: _pin(leds[name]) for name in leds})
        sense = config.get("mains_sense")
        self.mains = Input(_pin(sense)) if sense else None
        # Optional pin holding the battery on: driven to its on level from here on;
        # the power feature releases it to cut the battery off after a mains failure.
        latch = config.get("power_latch")
        on_level = config.get("power_latch_on_level", True)
        self.power_latch = Output(_pin(latch), value=True, active_high=on_level) if latch else None
        ow = config.get("onewire")
        probe = ow and not str(config.get("model", "707")).endswith("L")  # Light: no probe (R2)
        self.thermometer = Thermometer(_pin(ow), self.clock.now()) if probe else None
        self.wall_clock = WallClock()
        self.nvm = microcontroller.nvm
        cpu = microcontroller.cpu
        self.power_on_boot = str(cpu.reset_reason).split(".")[-1] in ("POWER_ON", "BROWNOUT", "RESET_PIN")
        self.uid = bytes(cpu.uid)
        self.watchdog = Watchdog()

    def reset(self) -> None:
        """Reboot the MCU now (factory reset); the next boot's reset reason is SOFTWARE."""
        microcontroller.reset()
