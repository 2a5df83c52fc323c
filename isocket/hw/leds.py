"""The four LEDs, each blinked by its own PIO state machine from a looped pattern.

A pattern is 1-3 words of 32 bits; each bit lights the LED for 1/32 s, so the program
keeps exact time whatever the loop is doing. The program is assembled on the host with
adafruit_pioasm (host_tests/test_led_program.py checks these words) and stored as data:

    pull noblock        ; next word, or X again when the FIFO is empty
    mov x, osr
    set y, 31
    bitloop:
    out pins, 1 [31]
    jmp y-- bitloop [31]
"""

import array
import rp2pio
from micropython import const

PROGRAM = array.array("H", (0x8080, 0xA027, 0xE05F, 0x7F01, 0x1F83))
# 64 cycles per bit + 3 per word: 32 bits = 2051 cycles -> one word per second.
FREQUENCY = const(2051)

PATTERNS = {
    "off": (0x00000000,),
    "on": (0xFFFFFFFF,),
    "blink-1s": (0x0000000F,),  # 125 ms flash each second
    "blink-3s": (0x0000000F, 0, 0),  # 125 ms flash every third second
    "fast": (0x0F0F0F0F,),  # 4 flashes a second
    "sim-error": (0x0F0F0F0F, 0xFFFFFFFF, 0xFFFFFFFF),  # 1 s fast, then 2 s lit
    # start-up (R134, A-56): 3 flashes, 250 ms on / 250 ms off, then dark to the end of the
    # 2 s buffer. The device shows it for 1.5 s (BOOT_FLASH_MS in device.py): a change lands
    # on a buffer boundary, so the next pattern follows one pass of it.
    "boot": (0x00FF00FF, 0x000000FF),
}


class Leds:
    """Shows a named pattern on each LED; a change is applied only when it differs."""

    def __init__(self, pins: dict):
        self._sms = {}
        self._shown: dict[str, str] = {}
        for name in pins:
            self._sms[name] = rp2pio.StateMachine(
                PROGRAM,
                frequency=FREQUENCY,
                first_out_pin=pins[name],
                out_pin_count=1,
                out_shift_right=True,
                wrap=4,
                wrap_target=0,
            )
            self.show(name, "off")

    def show(self, name: str, pattern: str) -> None:
        sm = self._sms.get(name)
        if sm is None or self._shown.get(name) == pattern:
            return
        self._shown[name] = pattern
        sm.background_write(loop=array.array("I", PATTERNS[pattern]))

    def shown(self, name: str):
        return self._shown.get(name)
