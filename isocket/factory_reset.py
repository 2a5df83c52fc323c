"""Factory reset from the hidden button (A-55, A-46; RULES R137-R142).

Fed by the button events of ``Device._poll_button``:

- a press held >= 5 s and then released (a *long press*) enters the confirmation state:
  10 s in which every LED but GSM shows ``fast`` (A-55) and presses do not toggle the
  socket nor disarm the alarm (a long press while armed starts the reset too, A-46);
- a short press that starts within those 10 s confirms, on its release: every setting of
  R140 back to its factory value (both number lists, passwords and USSD code included),
  the scheduler and the alarm log emptied, the alarm disarmed, timers cancelled, the socket
  OFF and stored OFF; then the MCU reboots with the "window at next boot" flag stored, so
  that boot opens a configuration window although its reset reason is SOFTWARE (A-11);
- another long press during the confirmation starts it again (10 s from its release);
- no press starting within the 10 s cancels: the LEDs go back, nothing changed. The
  window does not run out while the button is held.

The serial number (the flash chip's id) and the clock are not touched. There is no SMS
command for it (R142). What the reset restores is in ``isocket.factory_restore``, loaded
only when a reset is confirmed.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

LONG_PRESS_MS = const(5000)
CONFIRM_MS = const(10_000)


class FactoryReset:
    """The confirmation state machine; ``confirming`` while waiting for the confirming press.

    ``restore(now)`` is called on confirmation: it puts every stored state back to the
    factory state and reboots (on the board it does not return).
    """

    def __init__(self, restore, log):
        self._restore = restore
        self._log = log
        self._until: int | None = None  # end of the confirmation window
        self._held = False  # a press began inside the window and is not released yet

    @property
    def confirming(self) -> bool:
        return self._until is not None

    def press(self, now: int) -> None:
        """The button went down."""
        self._expire(now)
        self._held = self._until is not None

    def release(self, held_ms: int, now: int) -> bool:
        """The button came up after ``held_ms``; True when the press was the reset's, so the
        caller neither toggles the socket nor disarms the alarm."""
        held, self._held = self._held, False
        if held_ms >= LONG_PRESS_MS:
            self._until = ticks_add(now, CONFIRM_MS)
            self._line(
                "button held %d s: factory reset? Press the button within %d s to confirm"
                % (held_ms // 1000, CONFIRM_MS // 1000)
            )
            return True
        if not held:
            return False  # began outside the window: a normal short press
        self._until = None
        self._line("confirmed: restoring the factory settings")
        self._restore(now)
        return True

    def poll(self, now: int) -> None:
        self._expire(now)

    def next_deadline(self, now: int) -> int | None:
        if self._until is None or self._held:
            return None
        return max(0, ticks_diff(self._until, now))

    def _expire(self, now: int) -> None:
        if self._until is not None and not self._held and ticks_diff(now, self._until) >= 0:
            self._until = None  # forgotten before ticks_diff could wrap round
            self._line("cancelled: no press within %d s, nothing changed" % (CONFIRM_MS // 1000))

    def _line(self, text: str) -> None:
        if self._log is not None:
            self._log.line("FACTORY", text)
