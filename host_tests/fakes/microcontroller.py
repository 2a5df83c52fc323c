"""Fake ``microcontroller``: pins, the 4 KB nvm with RP2040 flash semantics, watchdog, cpu."""

from _hostlink import board as _board


class Pin:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "board.%s" % self.name

    def __eq__(self, other):
        return isinstance(other, Pin) and other.name == self.name

    def __hash__(self):
        return hash(self.name)


class ResetReason:
    POWER_ON = "POWER_ON"
    BROWNOUT = "BROWNOUT"
    SOFTWARE = "SOFTWARE"
    DEEP_SLEEP_ALARM = "DEEP_SLEEP_ALARM"
    RESET_PIN = "RESET_PIN"
    WATCHDOG = "WATCHDOG"
    UNKNOWN = "UNKNOWN"


class _Processor:
    @property
    def uid(self):
        return bytearray(_board().read_uid())

    @property
    def reset_reason(self):
        return _board().read_reset_reason()

    @property
    def temperature(self):
        return 27.0

    @property
    def frequency(self):
        return 125000000

    voltage = None


class _WatchDog:
    """RP2040 watchdog: RESET mode only, timeout <= 8 s, must be set before mode."""

    def __init__(self):
        self._timeout = 0.0
        self._mode = None

    @property
    def timeout(self):
        return self._timeout

    @timeout.setter
    def timeout(self, value):
        if int(value) > 8:
            raise ValueError("timeout must be <= 8")
        self._timeout = float(value)
        if self._mode is not None:
            _board().watchdog_arm(self._timeout)

    @property
    def mode(self):
        return self._mode

    @mode.setter
    def mode(self, value):
        import watchdog

        if value is watchdog.WatchDogMode.RAISE:
            raise NotImplementedError("RAISE mode is not supported on RP2040")
        if value is None:
            self._mode = None
            _board().watchdog_arm(None)
            return
        if self._timeout < 0.001:
            # As on the real chip: mode before timeout resets at once.
            _board().mcu_reset("WATCHDOG")
        self._mode = value
        _board().watchdog_arm(self._timeout)

    def feed(self):
        if self._mode is not None:
            _board().watchdog_feed()

    def deinit(self):
        self._mode = None
        _board().watchdog_arm(None)


cpu = _Processor()
watchdog = _WatchDog()


def __getattr__(name):
    # nvm lives on the board so it survives resets and power cuts.
    if name == "nvm":
        return _board().nvm
    raise AttributeError(name)


def reset():
    _board().mcu_reset("SOFTWARE")


def delay_us(us):
    _board().busy_wait_us(us)


def on_next_reset(run_mode):
    pass


class RunMode:
    NORMAL = "NORMAL"
    SAFE_MODE = "SAFE_MODE"
    UF2 = "UF2"
    BOOTLOADER = "BOOTLOADER"
