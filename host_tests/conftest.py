"""Test set-up shared by every host test."""

import sys
from pathlib import Path

# Device code imports Adafruit libraries that import `micropython`; the host's stand-in
# lives with the other fakes. Appended, not prepended: tests that want the fake hardware
# modules (board, busio, ...) run the firmware through host_tests.sim.world, which puts
# them first.
_FAKES = str(Path(__file__).resolve().parent / "fakes")
if _FAKES not in sys.path:
    sys.path.append(_FAKES)
