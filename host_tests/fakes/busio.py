"""Fake ``busio.UART`` wired to the simulated modem.

Modelled on CircuitPython's RP2040 UART: ``read()`` returns None when nothing is there
(timeout=0), the receive ring holds ``receiver_buffer_size`` + 32 FIFO bytes and drops the
NEWEST bytes on overflow, silently. The ring lives on the simulated board (host side).
"""

from _hostlink import board as _board


class UART:
    class Parity:
        ODD = "ODD"
        EVEN = "EVEN"

    def __init__(
        self,
        tx=None,
        rx=None,
        *,
        rts=None,
        cts=None,
        rs485_dir=None,
        rs485_invert=False,
        baudrate=9600,
        bits=8,
        parity=None,
        stop=1,
        timeout=1,
        receiver_buffer_size=64,
    ):
        if not 1 <= receiver_buffer_size <= 0xFFFF:
            raise ValueError("receiver_buffer_size must be 1-65535")
        self.baudrate = baudrate
        self.timeout = timeout
        self._link = _board().open_uart(
            tx.name if tx else None, rx.name if rx else None, baudrate, receiver_buffer_size + 32
        )

    def deinit(self):
        _board().close_uart(self._link)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()

    @property
    def in_waiting(self):
        return _board().uart_in_waiting(self._link)

    def read(self, nbytes=None):
        return _board().uart_read(self._link, nbytes) or None

    def readinto(self, buf, nbytes=None):
        data = self.read(len(buf) if nbytes is None else min(nbytes, len(buf)))
        if not data:
            return None
        buf[: len(data)] = data
        return len(data)

    def readline(self):
        return _board().uart_readline(self._link) or None

    def write(self, buf):
        data = bytes(buf)
        _board().uart_write(self._link, data)
        return len(data)

    def reset_input_buffer(self):
        _board().uart_read(self._link, None)
