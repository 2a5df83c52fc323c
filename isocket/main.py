"""Builds the firmware from the board config and runs the one loop."""

import gc
from micropython import const

# The settings store's sector image (microcontroller.nvm is 4 KB on the RP2040).
_SECTOR_BYTES = const(4096)


def run():
    # Reserved before the imports: loading the modules leaves the heap in pieces, and a
    # compaction must never wait for 4 KB of contiguous free heap (docs/memory.md).
    sector_image = bytearray(_SECTOR_BYTES)
    import board_configs
    from isocket.device import Device
    from isocket.hw.board import Hardware

    config = board_configs.load()
    hw = Hardware(config)
    device = Device(hw, config, hw.clock.now(), sector_image)
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
