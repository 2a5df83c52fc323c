"""The one link between the fake CircuitPython modules and the simulated world.

The simulator sets ``BOARD`` to its ``host_tests.sim.board.HostBoard`` before it runs
``code.py``; every fake module reads the world through it. Nothing here is visible on a
real board.
"""

BOARD = None


def board():
    if BOARD is None:
        raise RuntimeError("no simulated board: run the firmware through host_tests.sim")
    return BOARD
