"""Builds the firmware from the board config and runs the one loop."""

import gc

import board_configs
from isocket.device import Device
from isocket.hw.board import Hardware


def run():
    config = board_configs.load()
    hw = Hardware(config)
    device = Device(hw, config, hw.clock.now())
    mem_free = getattr(gc, "mem_free", None)  # CircuitPython and MicroPython; not CPython
    if mem_free is not None:
        gc.collect()
        device.log.line("MEM", "%d bytes of heap free after start-up (docs/memory.md)" % mem_free())
    clock = hw.clock
    while True:
        now = clock.now()
        device.poll(now)
        hw.watchdog.feed()
        hw.healthy_run.poll(now)
        clock.idle(device.next_deadline, now)
