"""A stand-in for ``isocket.hw.serial_port.ModemPort`` in unit tests of the modem layer."""

from __future__ import annotations


class FakePort:
    """Bytes put in ``rx`` are what the modem sent; ``written`` is what the firmware sent.

    ``chunk`` limits how much one ``read()`` returns (None: everything), as UART reads do.
    """

    def __init__(self, chunk: int | None = None) -> None:
        self.rx = bytearray()
        self.written = bytearray()
        self.sending = False
        self.chunk = chunk

    def read(self) -> bytes:
        n = len(self.rx) if self.chunk is None else self.chunk
        data, self.rx = bytes(self.rx[:n]), self.rx[n:]
        return data

    def write(self, data: bytes) -> None:
        self.written += data

    def take_lines(self) -> list[str]:
        """The command lines written since the last call (CR-terminated, as AT commands are)."""
        text = self.written.decode()
        self.written = bytearray()
        return [x for x in text.split("\r") if x]

    def flush(self) -> None:
        pass

    def discard_output(self) -> None:
        pass
