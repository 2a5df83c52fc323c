"""Builds the firmware from the board config and runs the one loop."""

import board_configs
from isocket.device import Device
from isocket.hw.board import Hardware


def run():
    config = board_configs.load()
    hw = Hardware(config)
    device = Device(hw, config, hw.clock.now())
    clock = hw.clock
    while True:
        now = clock.now()
        device.poll(now)
        hw.watchdog.feed()
        hw.healthy_run.poll(now)
        clock.idle(device.next_deadline, now)
