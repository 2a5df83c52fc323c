"""Fake ``micropython`` for CPython: ``const`` is the identity."""


def const(x):
    return x
