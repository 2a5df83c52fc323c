"""Fake ``watchdog`` module."""


class WatchDogMode:
    RAISE = object()
    RESET = object()


class WatchDogTimeout(Exception):
    pass
