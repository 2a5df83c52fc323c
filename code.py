"""isocket: SMS-controlled power socket firmware. The same file runs on the Pico and in
the host simulator (python -m host_tests.sim), which provides fake hardware modules."""

from isocket.main import run

run()
