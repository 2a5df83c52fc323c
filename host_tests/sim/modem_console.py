"""``python -m host_tests.sim modem``: the emulated modem alone, as an AT console.

``run_console(stdin_bytes)`` starts a modem with a good SIM, lets it boot and
register on a network where the phone ``+358401234567`` exists (its start-up
output is discarded), then feeds the input as a host on the UART would and
returns every byte the modem sent back.

Input pacing: bytes are fed at 115200 baud (10 bits a byte). The input is cut
into pieces at each command terminator (CR, a CR LF pair, a lone LF) and at the
end of an SMS body (Ctrl-Z, ESC); like a host that waits for the answer, the
next piece starts once the modem has finished the previous command line (its
final result is out) or shows the ``> `` prompt. So piping the host side of a
real capture reproduces the capture's ordering. ``wait_for_answers=False`` feeds
everything back to back instead (the echo of a later command can then precede
the answer to an earlier one, as on a real UART). After the last byte, virtual
time runs until nothing is pending, at most 120 s.
"""

from __future__ import annotations

from collections.abc import Callable

from .clock import Scheduler
from .network import GsmNetwork
from .sim800l import Sim800l

BAUD = 115200
BITS_PER_BYTE = 10
CONSOLE_PHONE = "+358401234567"
BOOT_LIMIT_MS = 120_000
SETTLE_MS = 2_000
WAIT_LIMIT_MS = 120_000
TAIL_LIMIT_MS = 120_000


def split_input(data: bytes) -> list[bytes]:
    """Cut host input after each CR (with its LF), lone LF, Ctrl-Z and ESC."""
    chunks: list[bytes] = []
    cur = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        cur.append(b)
        i += 1
        if b == 0x0D:
            if i < len(data) and data[i] == 0x0A:
                cur.append(0x0A)
                i += 1
            chunks.append(bytes(cur))
            cur.clear()
        elif b in (0x0A, 0x1A, 0x1B):
            chunks.append(bytes(cur))
            cur.clear()
    if cur:
        chunks.append(bytes(cur))
    return chunks


def _byte_offset_ms(i: int) -> int:
    return (i * BITS_PER_BYTE * 1000) // BAUD


def _run_until(sched: Scheduler, done: Callable[[], bool], limit_ms: int) -> None:
    while not done():
        nt = sched.next_time()
        if nt is None or nt > limit_ms:
            return
        sched.advance_to(nt)


def make_console_world(sched: Scheduler) -> tuple[GsmNetwork, Sim800l]:
    net = GsmNetwork(sched)
    net.add_phone("phone", CONSOLE_PHONE)
    modem = Sim800l(sched, net)
    net.attach(modem)
    return net, modem


def run_console(stdin_bytes: bytes, modem_name: str = "sim800l", wait_for_answers: bool = True) -> bytes:
    if modem_name.lower() != "sim800l":
        raise ValueError("modem %r is not emulated here (only sim800l)" % modem_name)
    sched = Scheduler()
    _net, modem = make_console_world(sched)
    modem.set_supply(True)
    _run_until(sched, lambda: modem.registered, BOOT_LIMIT_MS)
    sched.advance_to(sched.now_ms + SETTLE_MS)

    out = bytearray()
    modem.to_host = out.extend

    t = sched.now_ms
    for chunk in split_input(stdin_bytes):
        if wait_for_answers:
            limit = sched.now_ms + WAIT_LIMIT_MS
            _run_until(sched, lambda: modem.ready_for_input or not modem.powered, limit)
        t = max(t, sched.now_ms)
        for i, b in enumerate(chunk):
            sched.call_at(t + _byte_offset_ms(i), modem.from_host, bytes((b,)))
        t += _byte_offset_ms(len(chunk))
        sched.advance_to(t)
    _run_until(sched, lambda: False, t + TAIL_LIMIT_MS)
    return bytes(out)
