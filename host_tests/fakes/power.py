"""Power loss as the host fakes signal it."""


class PowerLoss(BaseException):
    """The board lost power; raised out of the firmware's call stack by the fakes."""
