"""Raspberry Pi Pico + SIM800L module: the reference isocket board.

Pins are data: names on CircuitPython's ``board`` module. docs/wiring.md draws them.
"""

CONFIG = {
    "name": "pico_sim800l",
    # What is fitted: "706" (no battery), "707" (battery, power-fail alerts);
    # an "L" suffix (Light) means no micro relay, alarm input, probe, microphone or scheduler.
    "model": "707",
    "modem": {
        "profile": "sim800l",
        "tx": "GP0",  # Pico TX -> modem RXD
        "rx": "GP1",  # Pico RX <- modem TXD
        "baudrate": 115200,
        "rx_buffer": 4096,
        # Supply switch of the modem (P-MOSFET high-side switch): driven high = modem powered.
        # A hung modem is power-cycled through it.
        "power": "GP2",
        "power_on_level": True,
    },
    "relay": "GP15",  # main relay driver, external pull-down keeps it OFF while code.py is not running
    "micro_relay": "GP14",
    "button": "GP16",  # to GND, internal pull-up
    "alarm_input": "GP17",  # sensor contact through an optocoupler, closed = pulled low
    "onewire": "GP22",  # DS18B20 data, 4.7 kOhm pull-up to 3V3
    # Four LEDs, each blinked by its own PIO state machine (isocket/hw/leds.py).
    "leds": {"POWER": "GP18", "GSM": "GP19", "MIC": "GP20", "OUT": "GP21"},
    "mains_sense": "VBUS_SENSE",  # high while the 5 V mains adapter feeds VBUS
    "power_latch": None,  # optional pin holding the battery on; none on this board
}
