"""The link to the simulated world from inside a MicroPython VM (see docs/vm-protocol.md).

Replaces host_tests/fakes/_hostlink.py in the VM: ``board()`` returns a proxy whose method
calls are host calls, one request line on stdout and one reply line read from stdin.
"""

import json
import sys

_out = sys.stdout
_outb = sys.stdout.buffer
_inb = sys.stdin.buffer
_now = 0  # uptime ms from the last reply: virtual time only moves while the host answers
_ERRORS = {
    "ValueError": ValueError,
    "IndexError": IndexError,
    "KeyError": KeyError,
    "TypeError": TypeError,
    "AttributeError": AttributeError,
    "NotImplementedError": NotImplementedError,
    "OSError": OSError,
    "RuntimeError": RuntimeError,
}


def _enc(v, raw):
    # Bytes travel raw after the line (no copies in the VM's heap); JSON holds their length.
    if isinstance(v, bytearray):
        raw.append(v)
        return {"a": len(v)}
    if isinstance(v, (bytes, memoryview)):
        raw.append(v)
        return {"b": len(v)}
    return v


_one = bytearray(1)  # preallocated: the reply header is read without allocating
_left = 0  # bytes of the current reply not read yet


def _skip():
    # A MemoryError in the middle of a reply: drop the rest of it so the next call stays in step.
    global _left
    while _left > 0:
        _left -= _inb.readinto(_one) or _left


def _header():
    """``J R\\n``: the length of the JSON line that follows and of the raw bytes after it."""
    global _left
    n = j = 0
    while _inb.readinto(_one):
        c = _one[0]
        if c == 10:  # newline
            _left = j + n
            return j
        if c == 32:  # space
            j, n = n, 0
        else:
            n = n * 10 + c - 48
    raise SystemExit(3)  # the host has gone: nothing left to simulate


def _raw(n):
    global _left
    buf = bytearray(n)
    got = 0
    while got < n:
        k = _inb.readinto(memoryview(buf)[got:]) if got else _inb.readinto(buf)
        if not k:
            raise SystemExit(3)
        got += k
        _left -= k
    return buf


def call(name, *args):
    """One host call: send ``[name, args...]``, wait for ``[now, value]`` or ``[now, null, error, text]``."""
    global _now, _left
    raw = []
    msg = [name]
    for a in args:
        msg.append(_enc(a, raw))
    _out.write("\x01" + json.dumps(msg) + "\n")
    for data in raw:
        _outb.write(data)
    j = _header()
    try:
        line = _inb.read(j)  # allocated before it reads: a MemoryError here consumes nothing
        _left -= j
        r = json.loads(line)
        v = r[1]
        if type(v) is dict:
            v = bytes(_raw(v["b"])) if "b" in v else _raw(v["a"])
    except MemoryError:
        _skip()
        raise
    _now = r[0]
    if len(r) > 2:
        raise _ERRORS.get(r[2], RuntimeError)(r[3])
    return v


def report_crash(exc):
    """The firmware ended with ``exc``: announce it, then print its traceback for the host."""
    _out.write('\x01["crash"]\n')
    sys.print_exception(exc, _out)


class _Nvm:
    """``microcontroller.nvm``: the 4 KB flash sector stays on the host (it outlives resets)."""

    def __len__(self):
        return call("nvm_len")

    def __getitem__(self, index):
        return call("nvm_get", index if isinstance(index, int) else [index.start, index.stop, index.step])

    def __setitem__(self, index, value):
        call("nvm_set", index if isinstance(index, int) else [index.start, index.stop, index.step], value)


class _Board:
    """Stands for host_tests.sim.board.HostBoard: any method call becomes a host call."""

    def __init__(self):
        self.nvm = _Nvm()

    def uptime_ms(self):
        return _now

    def __getattr__(self, name):
        def method(*args):
            return call(name, *args)

        setattr(self, name, method)  # found directly next time
        return method


_BOARD = _Board()


def board():
    return _BOARD
