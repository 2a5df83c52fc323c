"""The MicroPython leg of the simulator (host_tests.sim.vm, docs/vm-protocol.md)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from host_tests.sim import cli
from host_tests.sim.board import HostBoard
from host_tests.sim.vm import (
    FAKES,
    HOST_CALLS,
    ROM_SLACK,
    VM_DIR,
    VmCrash,
    VmSpec,
    _Child,
    build_cache,
    decode_reply,
    decode_request,
    encode_reply,
    encode_request,
    micropython_binary,
    parse_heap,
    rom_image,
)

HEAP = 512 * 1024  # comfortably above what every scenario needs (dev.py VM_HEAP)

SHORT = """\
phone owner +358401234567
boot
advance 30s
sms owner "STATUS"
expect sms owner ~ "Power socket OFF\\n.*"
"""
WRONG = """\
phone owner +358401234567
boot
advance 30s
sms owner "STATUS"
expect sms owner "no such reply"
"""


def spec(heap: int | None = HEAP, timeout: float = 60.0) -> VmSpec:
    return VmSpec([micropython_binary()], heap, timeout)


def scenario(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "t.scn"
    p.write_text(text)
    return p


def console(world: object) -> str:
    return "\n".join(line for _, line in world.console)  # type: ignore[attr-defined]


# -- codec ------------------------------------------------------------------------------------


def test_request_round_trip_keeps_bytes_raw() -> None:
    data = encode_request("uart_write", 7, b"\x00\n\x01AT", bytearray(b"xy"), (1, None), "ä")
    assert data.startswith(b'\x01["uart_write",7,{"b":5},{"a":2},[1,null],"\\u00e4"]\n')
    line, _, raw = data[1:].partition(b"\n")
    stream = [raw]

    def read_raw(n: int) -> bytes:
        out, stream[0] = stream[0][:n], stream[0][n:]
        return out

    name, args = decode_request(line, read_raw)
    assert name == "uart_write"
    assert args == [7, b"\x00\n\x01AT", bytearray(b"xy"), [1, None], "ä"]
    assert type(args[1]) is bytes and type(args[2]) is bytearray
    assert stream[0] == b""


def test_reply_carries_time_value_or_error() -> None:
    assert decode_reply(encode_reply(1234, bytearray(b"\xff\n"))) == (1234, bytearray(b"\xff\n"), None)
    assert decode_reply(encode_reply(5, True)) == (5, True, None)
    error = ("ValueError", "GP1 in use")
    assert decode_reply(encode_reply(5, error=ValueError("GP1 in use"))) == (5, None, error)
    # Types the VM has no use for are raised there as RuntimeError.
    assert decode_reply(encode_reply(5, error=ZeroDivisionError("x")))[2] == ("RuntimeError", "x")


def test_not_a_request_is_a_protocol_error() -> None:
    with pytest.raises(Exception, match="not a host call"):
        decode_request(b'{"a": 1}', lambda n: b"")


@pytest.mark.parametrize(
    "text, size", [("64k", 65536), ("192K", 196608), ("1m", 1048576), ("300000", 300000)]
)
def test_heap_sizes(text: str, size: int) -> None:
    assert parse_heap(text) == size


@pytest.mark.parametrize("text", ["", "k", "0", "12x", "-4k", "1.5m"])
def test_bad_heap_sizes(text: str) -> None:
    with pytest.raises(ValueError):
        parse_heap(text)


def test_every_board_call_of_the_fakes_is_a_host_call() -> None:
    used = set()
    for p in FAKES.glob("*.py"):
        used |= set(re.findall(r"_board\(\)\.(\w+)", p.read_text()))
    used.discard("nvm")  # the VM's _hostlink serves nvm[...] with nvm_len/nvm_get/nvm_set
    assert used and used <= HOST_CALLS, used - HOST_CALLS
    assert all(callable(getattr(HostBoard, name, None)) for name in HOST_CALLS)
    assert {"nvm_len", "nvm_get", "nvm_set"} <= HOST_CALLS


# -- the VM's half of the codec, in a real MicroPython ----------------------------------------


def test_vm_link_speaks_the_host_codec() -> None:
    boot = (
        "import sys\nsys.path.insert(0, %r)\nimport _hostlink\n"
        "v = _hostlink.call('first', b'\\x00\\n\\x01', bytearray(b'ab'), (1, 2), None)\n"
        "try:\n    _hostlink.call('fails')\nexcept IndexError as e:\n    err = str(e)\n"
        "_hostlink.call('second', v, err, _hostlink.board().uptime_ms())\n" % str(VM_DIR)
    )
    child = _Child([micropython_binary(), "-c", boot], timeout=10)
    try:
        line = child.readline()
        assert line is not None and line.startswith(b"\x01")
        assert decode_request(line[1:], child.read_exact) == (
            "first",
            [b"\x00\n\x01", bytearray(b"ab"), [1, 2], None],
        )
        child.send(encode_reply(40, bytearray(b"\n\x01z")))
        line = child.readline()
        assert line is not None and decode_request(line[1:], child.read_exact) == ("fails", [])
        child.send(encode_reply(41, error=IndexError("index out of range")))
        line = child.readline()
        assert line is not None
        echoed = [bytearray(b"\n\x01z"), "index out of range", 41]
        assert decode_request(line[1:], child.read_exact) == ("second", echoed)
    finally:
        child.kill()


def test_vm_link_stays_in_step_after_a_memory_error() -> None:
    # The VM cannot hold the 200 KB answer: it raises MemoryError and skips the rest of the reply.
    boot = (
        "import sys\nsys.path.insert(0, %r)\nimport _hostlink\n"
        "try:\n    _hostlink.call('big')\nexcept MemoryError:\n    _hostlink.call('failed_as_on_the_board')\n"
        "_hostlink.call('then', _hostlink.call('small'))\n" % str(VM_DIR)
    )
    child = _Child([micropython_binary(), "-X", "heapsize=48k", "-c", boot], timeout=10)
    replies = {"big": bytearray(200_000), "failed_as_on_the_board": None, "small": b"\n\x01ok"}
    try:
        for name in ("big", "failed_as_on_the_board", "small"):
            line = child.readline()
            assert line is not None and decode_request(line[1:], child.read_exact) == (name, [])
            child.send(encode_reply(1, replies[name]))
        line = child.readline()
        assert line is not None and decode_request(line[1:], child.read_exact) == ("then", [b"\n\x01ok"])
    finally:
        child.kill()


# -- the firmware in the VM -------------------------------------------------------------------


def test_a_scenario_passes_in_the_vm(tmp_path: Path) -> None:
    ok, message, world = cli.run_file(scenario(tmp_path, SHORT), vm=spec())
    assert ok, message
    assert world is not None and world.vm is not None and world.vm.calls > 100


def test_a_failing_scenario_fails_alike_in_both(tmp_path: Path) -> None:
    path = scenario(tmp_path, WRONG)
    ok_cpython, message_cpython, _ = cli.run_file(path)
    ok_vm, message_vm, _ = cli.run_file(path, vm=spec())
    assert not ok_cpython and not ok_vm
    assert message_vm == message_cpython
    assert "no such reply" in message_vm


def test_a_tiny_heap_is_a_memory_error_crash(tmp_path: Path) -> None:
    t0 = time.monotonic()
    ok, message, world = cli.run_file(scenario(tmp_path, SHORT), vm=spec(heap=64 * 1024))
    assert not ok and "the firmware crashed: MemoryError" in message
    assert world is not None and "MemoryError" in console(world)
    assert "firmware stopped" in [e for _, e in world.timeline]
    assert time.monotonic() - t0 < 30


def test_a_dead_firmware_does_not_pass_a_scenario_that_expects_silence(tmp_path: Path) -> None:
    quiet = "model 706\nphone owner +358401234567\nboot\nexpect no sms within 1m\n"
    ok, message, _ = cli.run_file(scenario(tmp_path, quiet), vm=spec(heap=36 * 1024))
    assert not ok and ":3: the firmware crashed: MemoryError" in message  # line 3: boot


def test_code_in_rom_keeps_the_bytecode_out_of_the_heap(tmp_path: Path) -> None:
    path = scenario(tmp_path, SHORT)
    free = []
    for in_rom in (False, True):
        ok, message, world = cli.run_file(path, vm=VmSpec([micropython_binary()], HEAP, code_in_rom=in_rom))
        assert ok, message
        found = [re.search(r"MEM +(\d+) bytes", x) for _t, x in world.console]  # type: ignore[union-attr]
        free += [int(m.group(1)) for m in found if m]
    assert len(free) == 2 and free[1] - free[0] > 80 * 1024  # the firmware's bytecode is about 100 KB


def test_a_silent_vm_is_stopped_not_waited_for(tmp_path: Path) -> None:
    hung = VmSpec([sys.executable, "-c", "import time; time.sleep(60)"], None, timeout=0.5)
    t0 = time.monotonic()
    ok, _, world = cli.run_file(scenario(tmp_path, SHORT), vm=hung)
    assert not ok and world is not None
    assert "gave no answer" in console(world)
    assert time.monotonic() - t0 < 20


def test_a_vm_that_exits_is_a_crash(tmp_path: Path) -> None:
    gone = VmSpec([sys.executable, "-c", "print('bye')"], None)
    ok, _, world = cli.run_file(scenario(tmp_path, SHORT), vm=gone)
    assert not ok and world is not None
    assert "bye" in console(world) and "exited (code 0) without a word from code.py" in console(world)


def test_cli_runs_the_vm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(scenario(tmp_path, SHORT))
    assert cli.main(["run", "--vm", "micropython", "--heap", "512k", path]) == 0
    assert cli.main(["run", "--vm-cmd", micropython_binary(), "--heap", "512k", path]) == 0
    assert cli.main(["run", "--vm", "micropython", "--heap", "12q", path]) == 2
    out = capsys.readouterr()
    assert out.out.count("PASS") == 2 and "heap size '12q'" in out.err


def test_vm_crash_text_is_kept() -> None:
    assert VmCrash("MemoryError: x").text == "MemoryError: x"


KB = 1024


@pytest.mark.parametrize("need, found", [(300 * KB, 300 * KB), (300 * KB + 1, 304 * KB), (2048 * KB, None)])
def test_smallest_heap_bisects_in_4k_steps(
    monkeypatch: pytest.MonkeyPatch, need: int, found: int | None
) -> None:
    tried: list[int] = []

    def fake_run_file(path: Path, trace: bool = False, vm: VmSpec | None = None) -> tuple[bool, str, None]:
        assert vm is not None and vm.heap is not None
        tried.append(vm.heap)
        return vm.heap >= need, "", None

    monkeypatch.setattr(cli, "run_file", fake_run_file)
    assert cli.smallest_heap(Path("x.scn"), spec(), 64 * 1024, 1 << 20) == found
    assert len(tried) <= 9 and all(h % 4096 == 0 for h in tried)


def test_the_heap_search_keeps_the_code_in_flash(monkeypatch: pytest.MonkeyPatch) -> None:
    in_rom: list[bool] = []

    def fake_run_file(path: Path, trace: bool = False, vm: VmSpec | None = None) -> tuple[bool, str, None]:
        assert vm is not None and vm.heap is not None
        in_rom.append(vm.code_in_rom)
        return vm.heap >= 200 * KB, "", None

    monkeypatch.setattr(cli, "run_file", fake_run_file)
    rom = VmSpec([micropython_binary()], HEAP, code_in_rom=True)
    assert cli.smallest_heap(Path("x.scn"), rom, 64 * KB, 1 << 20) == 200 * KB
    assert in_rom and all(in_rom)


def test_with_the_code_in_flash_the_heap_grows_by_the_image(tmp_path: Path) -> None:
    cache = build_cache()
    image = rom_image(cache).stat().st_size
    argv = VmSpec([micropython_binary()], 100 * KB, code_in_rom=True).command(cache)
    assert argv[argv.index("-X") + 1] == "heapsize=%d" % (100 * KB + image + ROM_SLACK)
    assert "vfs.VfsRom" in argv[-1]


def test_a_vm_that_breaks_the_protocol_is_a_host_error(tmp_path: Path) -> None:
    rogue = VmSpec([sys.executable, "-c", "print('\\x01[\"format_flash\"]', flush=True); input()"], None)
    ok, text = cli.run_and_report(scenario(tmp_path, SHORT), vm=rogue)
    assert not ok and "'format_flash', which is not a host call" in text


def test_a_missing_interpreter_is_a_host_error(tmp_path: Path) -> None:
    ok, text = cli.run_and_report(scenario(tmp_path, SHORT), vm=VmSpec([str(tmp_path / "nope")], None))
    assert not ok and "cannot start" in text


def test_the_default_heap_is_the_one_ci_proves() -> None:
    from host_tests import dev
    from host_tests.sim.vm import DEFAULT_HEAP

    assert parse_heap(dev.VM_HEAP) == DEFAULT_HEAP >= dev.VM_HEAP_MEASURED_KB * 1024
    assert parse_heap(dev.VM_ROM_HEAP) >= dev.VM_ROM_HEAP_MEASURED_KB * 1024
    vm_rom = next(argv for name, argv, _ in dev.steps() if name == "vm-rom")
    assert "--code-in-rom" in vm_rom and dev.VM_ROM_HEAP in vm_rom


def test_the_firmware_reports_its_free_heap_where_the_interpreter_can_tell(tmp_path: Path) -> None:
    path = scenario(tmp_path, SHORT)
    _, _, in_cpython = cli.run_file(path)
    ok, message, in_vm = cli.run_file(path, vm=spec())
    assert ok, message
    assert in_cpython is not None and in_vm is not None
    assert not [x for _t, x in in_cpython.console if " MEM " in x]  # CPython's gc has no mem_free
    found = [re.search(r"MEM +(\d+) bytes of heap free after start-up", x) for _t, x in in_vm.console]
    free = [int(m.group(1)) for m in found if m]
    assert len(free) == 1 and 0 < free[0] < HEAP
