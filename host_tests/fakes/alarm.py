"""Fake ``alarm``: only ``sleep_memory``, the RP2040's 256 bytes of RAM kept across resets.

Here it lives as long as the module: the simulator re-imports the fakes at every firmware
start, so each start sees it cleared, as after a power cut.
"""

sleep_memory = bytearray(256)
