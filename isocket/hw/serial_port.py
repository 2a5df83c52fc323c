"""Byte streams: the modem UART and the USB console, never blocking the loop."""

import busio
from micropython import const

# busio.UART.write() spins until the bytes are in the 32-byte FIFO: write a little per pass.
_WRITE_CHUNK = const(64)


class ModemPort:
    """The modem UART: non-blocking reads into a preallocated buffer, chunked writes."""

    def __init__(self, tx, rx, baudrate, rx_buffer):
        self._uart = busio.UART(tx, rx, baudrate=baudrate, timeout=0, receiver_buffer_size=rx_buffer)
        self._buf = bytearray(256)
        self._out = bytearray()

    def read(self):
        """Return a memoryview of the bytes received since the last call (maybe empty)."""
        n = self._uart.readinto(self._buf)
        return memoryview(self._buf)[: n or 0]

    def write(self, data) -> None:
        """Queue bytes for the modem; ``flush()`` sends them a chunk per loop pass."""
        self._out.extend(data)

    @property
    def sending(self) -> bool:
        return len(self._out) > 0

    def flush(self) -> None:
        if self._out:
            chunk = bytes(self._out[:_WRITE_CHUNK])
            self._uart.write(chunk)
            self._out = self._out[_WRITE_CHUNK:]

    def discard_output(self) -> None:
        self._out = bytearray()

    def discard_input(self) -> None:
        while self._uart.readinto(self._buf):
            pass
