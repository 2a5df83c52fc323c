"""HARDWARE, SERIALNUM and FIRMWARE: what the device is (RULES ch. 23, DECISIONS §3, A-54)."""

from isocket.version import VERSION


class DeviceInfo:
    """Answers the version commands, on every model (always answered, R47); nothing to poll.

    ``model`` is ``706``, ``707``, ``706L`` or ``707L``; ``board`` the board config's name;
    ``uid`` the bytes of ``microcontroller.cpu.uid``.
    """

    def __init__(self, model, board, uid) -> None:
        model = str(model)
        self._light = model.endswith("L")
        self._product = model[:-1] if self._light else model
        self._board = str(board or "unknown")
        self._serial = "".join(["%02X" % b for b in bytes(uid)])

    def poll(self, now: int) -> None:
        pass

    def next_deadline(self, now: int) -> int | None:
        return None

    def do_hardware(self, cmd, value, now):
        light = " Light" if self._light else ""
        return "isocket GSM %s%s, Hardware %s" % (self._product, light, self._board)

    def do_serialnum(self, cmd, value, now):
        return "S/N: " + self._serial

    def do_firmware(self, cmd, value, now):
        return "(c) isocket contributors, v" + VERSION
