"""Fake ``rp2pio.StateMachine``: records the pattern each LED program loops over."""

from _hostlink import board as _board


class StateMachine:
    def __init__(
        self,
        program,
        frequency,
        *,
        first_out_pin=None,
        out_pin_count=1,
        initial_out_pin_state=0,
        initial_out_pin_direction=0xFFFFFFFF,
        first_set_pin=None,
        set_pin_count=1,
        auto_pull=False,
        pull_threshold=32,
        out_shift_right=True,
        wrap=-1,
        wrap_target=0,
        **kwargs,
    ):
        self.program = bytes(program) if not isinstance(program, (list, tuple)) else program
        self.frequency = frequency
        self.pin = first_out_pin.name if first_out_pin is not None else None
        self.out_pin_count = out_pin_count
        self.out_shift_right = out_shift_right
        self.loop = None
        _board().pio_claim(self.pin)

    def _set_loop(self, words):
        self.loop = words
        _board().pio_loop(self.pin, words)

    def background_write(self, once=None, *, loop=None, loop2=None, swap=False):
        if loop is not None:
            self._set_loop([int(w) for w in loop])
        else:
            _board().pio_loop(self.pin, self.loop)

    def stop_background_write(self):
        self._set_loop(None)

    def write(self, buffer, *, start=0, end=None, swap=False):
        self._set_loop([int(w) for w in (buffer[start:end] if end is not None else buffer[start:])])

    @property
    def writing(self):
        return self.loop is not None

    @property
    def pending(self):
        return 0

    def restart(self):
        pass

    def deinit(self):
        self.loop = None
        _board().pio_release(self.pin)
