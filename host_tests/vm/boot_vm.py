"""Starts code.py inside the MicroPython VM; a crash is reported to the host (docs/vm-protocol.md)."""

import _hostlink

try:
    import code  # noqa: F401  # code.py's loop never returns on its own

    _hostlink.call("returned")
except Exception as e:  # the firmware crashed: the host shows the traceback, the watchdog may reset
    _hostlink.report_crash(e)
