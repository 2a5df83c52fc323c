"""Fake ``usb_cdc``: the console is the simulator's view of the USB serial port."""

from _hostlink import board as _board


class Serial:
    def __init__(self):
        self.timeout = None
        self.write_timeout = None
        self.connected = True

    @property
    def in_waiting(self):
        return _board().console_in_waiting()

    def read(self, size=1):
        return _board().console_read(size)

    def readline(self, size=-1):
        return _board().console_read(_board().console_in_waiting())

    def write(self, buf):
        _board().console_write(bytes(buf))
        return len(buf)

    def flush(self):
        pass

    def reset_input_buffer(self):
        _board().console_read(_board().console_in_waiting())


console = Serial()
data = None


def enable(console=True, data=False):
    return True


def disable():
    return True
