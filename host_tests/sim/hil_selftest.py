"""CI's proof that ``hil`` mode works: the shipped real-time scenarios against ``fake-pico``.

    python -m host_tests.sim.hil_selftest [FILES...]   (default: host_tests/scenarios/hil)

Starts the project's own firmware as a separate process (``python -m host_tests.sim
fake-pico``, its UART and console on free local TCP ports), runs ``hil --serial socket://...
--console socket://...`` against it, the same path a real board takes, and stops it.
The exit status is hil's.
"""

from __future__ import annotations

import subprocess
import sys
import time

DEFAULT = ["host_tests/scenarios/hil"]
START_S = 30  # the fake board prints its ports once listening


def start_fake_pico(*extra: str) -> tuple[subprocess.Popen[str], str, str]:
    """Start ``fake-pico`` on free ports; returns (process, serial URL, console URL)."""
    cmd = [sys.executable, "-m", "host_tests.sim", "fake-pico", "--uart", "127.0.0.1:0"]
    cmd += ["--console", "127.0.0.1:0", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + START_S
    line = ""
    while time.monotonic() < deadline and "console" not in line:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
    words = line.split()
    if "uart" not in words or "console" not in words:
        proc.kill()
        raise RuntimeError("fake-pico did not start: %r" % line)
    return proc, words[words.index("uart") + 1], words[words.index("console") + 1]


def main(argv: list[str]) -> int:
    proc, serial_url, console_url = start_fake_pico()
    print("hil self-test: fake-pico on %s, console %s" % (serial_url, console_url), flush=True)
    try:
        cmd = [sys.executable, "-m", "host_tests.sim", "hil", "--serial", serial_url]
        cmd += ["--console", console_url, *(argv or DEFAULT)]
        return subprocess.call(cmd)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
