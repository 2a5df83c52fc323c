"""Fake ``busio.UART`` wired to the simulated modem.

Modelled on CircuitPython's RP2040 UART: ``read()`` returns None when nothing is there
(timeout=0), the receive ring holds ``receiver_buffer_size`` + 32 FIFO bytes and drops the
NEWEST bytes on overflow, silently.
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
        return len(self._link.rx)

    def read(self, nbytes=None):
        rx = self._link.rx
        if not rx:
            return None
        n = len(rx) if nbytes is None else min(nbytes, len(rx))
        data = bytes(rx[:n])
        del rx[:n]
        return data

    def readinto(self, buf, nbytes=None):
        data = self.read(len(buf) if nbytes is None else min(nbytes, len(buf)))
        if not data:
            return None
        buf[: len(data)] = data
        return len(data)

    def readline(self):
        rx = self._link.rx
        if not rx:
            return None
        i = rx.find(b"\n")
        n = len(rx) if i < 0 else i + 1
        return self.read(n)

    def write(self, buf):
        data = bytes(buf)
        self._link.host_write(data)
        return len(data)

    def reset_input_buffer(self):
        self._link.rx.clear()
