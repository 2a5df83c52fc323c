"""What boot.py and safemode.py do on an unattended board (docs/startup.md).

``boot()`` runs at every hard boot: USB console on, USB data port off, autoreload off;
CIRCUITPY stays writable over USB so the owner can replace files.

``safe_mode()`` runs when CircuitPython falls into safe mode for a reason other than a
button press. After a crash it resets back into normal mode, but at most
``RESET_LIMIT`` times before ``code.py`` has run for ``HEALTHY_MS``: the count lives in
``alarm.sleep_memory`` (RAM that survives ``microcontroller.reset()`` and is cleared by a
power cut), so a crash at every start ends in safe mode instead of a reset loop.
"""

import microcontroller
import supervisor
import usb_cdc
from micropython import const

# Crashes that a fresh start can cure; any other reason waits for a human.
RESET_REASONS = (
    "BROWNOUT",
    "WATCHDOG",
    "HARD_FAULT",
    "STACK_OVERFLOW",
    "NLR_JUMP_FAIL",
    "GC_ALLOC_OUTSIDE_VM",
    "INTERRUPT_ERROR",
    "SDK_FATAL_ERROR",
)
RESET_LIMIT = const(3)
HEALTHY_MS = const(600_000)  # 10 minutes of loop passes count as a good start

# The counter's four bytes in sleep memory: magic "iS", count, count ^ 0xFF.
_AT = const(0)
_MAGIC0 = const(0x69)
_MAGIC1 = const(0x53)


def reason_name(reason) -> str:
    """``supervisor.SafeModeReason.HARD_FAULT`` -> ``"HARD_FAULT"`` (None -> ``"NONE"``)."""
    return str(reason).split(".")[-1].upper()


def should_reset(reason: str, resets: int) -> bool:
    """True if safe mode for ``reason`` should reset, ``resets`` resets having been done."""
    return reason in RESET_REASONS and resets < RESET_LIMIT


def read_resets(mem) -> int:
    """The reset count kept in ``mem`` (0 when the bytes are not ours, e.g. after power-on)."""
    if mem is None or len(mem) < _AT + 4:
        return RESET_LIMIT  # nowhere to count: never reset, so never loop
    if mem[_AT] != _MAGIC0 or mem[_AT + 1] != _MAGIC1 or mem[_AT + 2] ^ mem[_AT + 3] != 0xFF:
        return 0
    return mem[_AT + 2]


def write_resets(mem, resets: int) -> None:
    """Store ``resets`` (0..255) in ``mem``."""
    if mem is not None and len(mem) >= _AT + 4:
        n = min(max(resets, 0), 255)
        mem[_AT : _AT + 4] = bytes((_MAGIC0, _MAGIC1, n, n ^ 0xFF))


def _sleep_memory():
    try:
        import alarm  # not on every port (a Pico 2's CircuitPython has none): then never reset
    except ImportError:
        return None
    mem = getattr(alarm, "sleep_memory", None)
    return mem if mem else None


def disable_autoreload() -> None:
    """Writes to CIRCUITPY (a host indexing the drive, a half-done copy) must not restart the loop."""
    supervisor.runtime.autoreload = False


def boot() -> None:
    """boot.py: set up USB and the supervisor for an unattended board. Prints nothing."""
    # Printing here would land in boot_out.txt, rewritten (a flash erase) whenever it changes.
    usb_cdc.enable(console=True, data=False)
    disable_autoreload()


def safe_mode() -> None:
    """safemode.py: reset into normal mode after a crash, at most RESET_LIMIT times in a row."""
    reason = reason_name(supervisor.runtime.safe_mode_reason)
    mem = _sleep_memory()
    resets = read_resets(mem)
    if should_reset(reason, resets):
        write_resets(mem, resets + 1)
        microcontroller.on_next_reset(microcontroller.RunMode.NORMAL)
        microcontroller.reset()


class HealthyRun:
    """Clears the safe-mode reset count once the loop has run for HEALTHY_MS."""

    def __init__(self, now: int) -> None:
        from adafruit_ticks import ticks_diff  # here, so safemode.py does not depend on lib/

        self._ticks_diff = ticks_diff
        self._started = now
        self._done = False

    def poll(self, now: int) -> None:
        """Call once per loop pass with the loop's ``now``."""
        if not self._done and self._ticks_diff(now, self._started) >= HEALTHY_MS:
            self._done = True
            mem = _sleep_memory()
            if mem is not None and read_resets(mem):
                write_resets(mem, 0)
