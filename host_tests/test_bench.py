"""The bench's own logic (host_tests/bench): target check, pairing, extrapolation, heap
search, FONA's virtual clock, fuel book-keeping. The full bench is not run here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from host_tests.bench import __main__ as bench_main
from host_tests.bench import cost, fona, heap, latency, wear
from host_tests.bench.scenarios import BenchError, switching_script
from host_tests.bench.targets import TARGETS, check, lookup
from host_tests.bench.wasm_vm import Pass
from host_tests.sim.clock import Scheduler

GOOD = {
    "sms_to_relay_ms": {"median": 50, "max": 60, "n": 50},
    "est_max_step_pico_ms": 9.5,
    "min_heap_kb": 64,
    "flash_erases_per_year": 120.0,
    "sim_days_per_s": 1.5,
}


def verdicts(result: dict[str, Any]) -> dict[str, bool]:
    return {t["figure"]: t["met"] for t in check(result)}


def test_every_target_met_at_its_limit() -> None:
    assert all(verdicts(GOOD).values())
    assert len(verdicts(GOOD)) == len(TARGETS)


@pytest.mark.parametrize(
    "figure,value",
    [
        ("sms_to_relay_ms.max", 1501),
        ("est_max_step_pico_ms", 10.01),
        ("min_heap_kb", 68),
        ("flash_erases_per_year", 500.5),
        ("sim_days_per_s", 0.99),
    ],
)
def test_a_figure_past_its_limit_is_missed(figure: str, value: float) -> None:
    result = json.loads(json.dumps(GOOD))
    if "." in figure:
        result["sms_to_relay_ms"]["max"] = value
    else:
        result[figure] = value
    v = verdicts(result)
    assert v[figure] is False
    assert sum(not ok for ok in v.values()) == 1


def test_a_figure_not_measured_is_missed() -> None:
    result = dict(GOOD)
    del result["min_heap_kb"]
    assert verdicts(result)["min_heap_kb"] is False
    assert lookup({"a": {"b": 3}}, "a.b") == 3
    assert lookup({"a": 3}, "a.b") is None


def _fake_run(monkeypatch: pytest.MonkeyPatch, figures: dict[str, Any], fail: str | None = None) -> int:
    def make(name: str) -> Any:
        def measure(ns: Any) -> dict[str, Any]:
            if name == fail:
                raise BenchError("no VM here")
            return {k: figures[k] for k in bench_main.PROVIDES[name] if k in figures}

        return measure

    monkeypatch.setattr(bench_main, "MEASUREMENTS", {n: make(n) for n in bench_main.PROVIDES})
    return bench_main.main(["--json"])


def test_exit_status_follows_the_targets(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    assert _fake_run(monkeypatch, GOOD) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert _fake_run(monkeypatch, {**GOOD, "min_heap_kb": 368}) == 1
    assert _fake_run(monkeypatch, GOOD, fail="heap") == 1


def test_a_failed_measurement_is_named_not_measured(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    assert _fake_run(monkeypatch, GOOD, fail="cost") == 1
    result = json.loads(capsys.readouterr().out)
    assert result["not_measured"]["est_max_step_pico_ms"] == "no VM here"
    assert result["ok"] is False


def test_table_names_missed_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        bench_main, "MEASUREMENTS", {"latency": lambda ns: {"sms_to_relay_ms": GOOD["sms_to_relay_ms"]}}
    )
    ns = type("NS", (), {"only": ["latency"]})()
    text = bench_main.table(bench_main.run(ns))  # type: ignore[arg-type]
    assert "met    sms_to_relay_ms.max" in text
    assert "MISSED min_heap_kb <= 64: not measured" in text
    assert "bench FAILED" in text


# -- latency -------------------------------------------------------------------------------


def test_each_cmti_is_paired_with_the_next_relay_change() -> None:
    assert latency.pair_latencies([1000, 5000], [900, 1053, 5040, 5090]) == [53, 40]
    with pytest.raises(BenchError):
        latency.pair_latencies([1000, 5000], [1053])  # the second command changed nothing


def test_switching_script_alternates_and_checks_each_command() -> None:
    text = switching_script(3, lambda i: 1000 + i)
    assert text.count('sms owner "ON"') == 2 and text.count('sms owner "OFF"') == 1
    assert "advance 1002ms" in text and text.count("expect relay") == 3


def test_latency_of_a_few_commands_is_measured() -> None:
    r = latency.measure(commands=4)
    assert r["n"] == 4 and 0 < r["median"] <= r["max"] < 1500


# -- wear --------------------------------------------------------------------------------


def test_erases_extrapolate_linearly_to_a_year() -> None:
    assert wear.per_year(12, 30 * wear.DAY) == pytest.approx(146.0)
    assert wear.per_year(0, wear.DAY) == 0
    with pytest.raises(ValueError):
        wear.per_year(1, 0)


def test_the_profile_has_the_issues_rates() -> None:
    ev = wear.events(2)
    kinds = [k for _t, k in ev]
    assert kinds.count("flip") == 2 * 288
    assert kinds.count("sms") == 2 * wear.SMS_PER_DAY
    assert kinds.count("alarm") == 2 * 24
    assert [t for t, _k in ev] == sorted(t for t, _k in ev)


def test_one_day_of_the_profile_runs_and_is_counted() -> None:
    r = wear.measure(days=1)
    assert r["days"] == pytest.approx(1.0)
    assert r["events"] == {"flip": 288, "alarm": 24, "sms": wear.SMS_PER_DAY}
    assert r["flash_erases_per_year"] == pytest.approx(r["erases"] * 365 / r["days"])
    assert r["sim_days_per_s"] > 0


# -- heap search ---------------------------------------------------------------------------


def test_a_memory_error_fails_a_heap_at_once() -> None:
    ok, why = heap.scenario_fits(heap.core_files()[2], 64)
    assert not ok and "MemoryError" in why


def test_with_the_code_in_flash_a_smaller_heap_fits() -> None:
    path = heap.core_files()[0]
    ok, why = heap.scenario_fits(path, 256)
    assert not ok and "MemoryError" in why
    assert heap.scenario_fits(path, 256, in_rom=True) == (True, "")


def test_smallest_finds_the_threshold_in_4k_steps() -> None:
    tried: list[int] = []

    def fits(kb: int) -> bool:
        tried.append(kb)
        return kb >= 366

    assert heap.smallest(fits) == 368
    assert len(tried) <= 12
    assert heap.smallest(lambda kb: kb >= 20) == 20  # below the start, too
    with pytest.raises(BenchError):
        heap.smallest(lambda kb: False)


def test_smallest_for_all_is_the_largest_single_threshold() -> None:
    need = {"a": 100, "b": 300, "c": 40}

    def fits(path: Any, kb: int) -> bool:
        return kb >= need[str(path)]

    assert heap.smallest_for_all(["a", "b", "c"], fits) == 300  # type: ignore[list-item]


# -- FONA harness --------------------------------------------------------------------------


def test_virtual_sleep_runs_the_world_and_moves_the_clock() -> None:
    sched = Scheduler()
    clock = fona.VirtualTime(sched)
    seen: list[int] = []
    sched.call_at(250, lambda: seen.append(sched.now_ms))
    clock.sleep(0.5)
    assert seen == [250] and sched.now_ms == 500 and clock.monotonic() == 0.5
    clock.sleep(0)  # never a zero step: FONA's polling loops must end
    assert sched.now_ms == 501


def test_fona_blocks_for_the_whole_exchange() -> None:
    r = fona.measure(exchanges=2)
    assert r["exchanges"] == 2
    # its _read_line waits out 500 ms time-outs and the 2.5 s network round trip of +CMGS
    assert r["fona_stall_ms"] >= r["send_sms_ms"] >= 2500


# -- fuel ----------------------------------------------------------------------------------


def _passes(*at_and_fuel: tuple[int, int]) -> list[Pass]:
    return [Pass(at, fuel, fuel, 1) for at, fuel in at_and_fuel]


def test_pico_ms_uses_the_calibration_and_the_flash_margin() -> None:
    assert cost.pico_ms(55_000) == pytest.approx(1.5)
    assert cost.pico_ms_low(101_000) == pytest.approx(1.0)


def test_fuel_per_command_is_the_excess_over_idle_passes() -> None:
    passes = _passes((10_000, 999), (31_000, 100), (32_000, 1100), (33_000, 100))
    assert cost.excess_per_command(passes, 100, 2, 30_000) == 500


def test_latency_with_cpu_adds_the_passes_inside_each_command() -> None:
    passes = _passes((999, 55_000), (1000, 55_000), (1053, 110_000), (1054, 1))
    assert cost.with_cpu([1000], [53], passes) == [pytest.approx(53 + 1.5 + 3.0)]


def test_wasm_fuel_is_deterministic_and_the_scenario_passes() -> None:
    path = heap.core_files()[2]  # socket/on_off.scn: short
    a = cost.measure(files=[path], commands=2)
    b = cost.measure(files=[path], commands=2)
    assert a == b
    assert 0 < a["idle_step_fuel"] < a["fuel_per_sms_command"] and a["mark_cost"] > 0
    assert a["max_step_gross_fuel"] >= a["max_step_fuel"]
