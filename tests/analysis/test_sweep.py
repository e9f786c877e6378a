"""simulator.sweep: VALUES, the keys a sweep may vary, common random numbers against a plain simulate, the grid,
P(best) and the files."""
from __future__ import annotations

import csv
import importlib
import json
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from montecarlo_helpers import assert_identical, fast_scenario

import simulator
from simulator.analysis import SweepError, parse_values
from simulator.analysis.sweep import best_shares, key_kind, parse_vary, point_scenario
from simulator.montecarlo.interrupts import Terminated

REPS = "motions.enterprise.team.reps"
CASH = "company.starting_cash"
HORIZON = "horizon_months"


@pytest.fixture(scope="module")
def scenario():
    return fast_scenario()


@pytest.mark.parametrize("text, expected", [
    ("2,4,6,8", [2, 4, 6, 8]),
    ("7", [7]),
    (" 0.5, 1 ,2.5 ", [0.5, 1, 2.5]),
    ("1e6..3e6:5e5", [1e6, 1.5e6, 2e6, 2.5e6, 3e6]),
    ("2..8:2", [2, 4, 6, 8]),
    ("2..9:2", [2, 4, 6, 8]),
    ("0.1..0.3:0.1", [0.1, 0.2, 0.3]),
])
def test_values_are_a_list_or_a_range_with_its_end_included(text, expected):
    values = parse_values(text)
    assert values == expected
    assert [type(v) for v in values] == [type(v) for v in expected], "integers stay integers"


@pytest.mark.parametrize("text, words", [
    ("", "no values"),
    ("2,x", "'x' in '2,x' is not a number"),
    ("2,,4", "is not a number"),
    ("1..5", "not a range"),
    ("1..5:0", "must be > 0"),
    ("5..1:1", "below its start"),
    ("0..1e9:1", "at most"),
    ("0..1e300:1e-300", "more than 1,000 values"),
    ("nan", "finite"),
    ("1e6,2e6,1e6", "'1e6' in '1e6,2e6,1e6' is a value given before: give each value once"),
    ("4,4.0", r"'4\.0' in '4,4\.0' is a value given before"),
])
def test_bad_values_say_what_is_wrong(text, words):
    with pytest.raises(SweepError, match=words):
        parse_values(text)


def test_vary_is_path_equals_values():
    assert parse_vary(f"{REPS}=2,4") == (REPS, [2, 4])
    with pytest.raises(SweepError, match="PATH=VALUES"):
        parse_vary("2,4")


def test_the_kind_of_a_key(scenario):
    assert key_kind(scenario, HORIZON) == "integer"
    assert key_kind(scenario, REPS) == "number"
    assert key_kind(scenario, "motions.enterprise.leads.per_month") == "number"   # a distribution today
    assert key_kind(scenario, "strategies.hybrid.overrides.enterprise.team.reps") == "number"


@pytest.mark.parametrize("path, words", [
    ("motions.enterprise.team.rep", "unknown key 'motions.enterprise.team.rep'; did you mean 'reps'?"),
    ("motions.enterprize.team.reps", "did you mean 'enterprise'"),
    ("company.currency", "'company.currency' is not a numeric key"),
    ("motions.enterprise.team", "holds a section"),
    ("motions.enterprise.team.hires", "holds a list"),
    ("company.starting_cash.x", "is a value, not a section"),
    ("seed", "--seed"),
    ("motions..reps", "not a dotted path"),
])
def test_a_path_that_is_not_a_numeric_key_is_refused_before_any_run(scenario, path, words):
    with pytest.raises(SweepError, match=words.replace("?", r"\?").replace("(", r"\(")):
        simulator.sweep(scenario, {path: [1, 2]}, runs=2, workers=1)


def test_values_a_key_cannot_take_are_refused_before_any_run(scenario):
    with pytest.raises(SweepError, match="takes whole numbers; 13.5"):
        simulator.sweep(scenario, {HORIZON: [13, 13.5]}, runs=2)
    with pytest.raises(SweepError, match=f"at {HORIZON}=12: motions.enterprise.team.hires.1.month: month 13 is "
                                         "beyond the horizon"):
        simulator.sweep(scenario, {HORIZON: [13, 12]}, runs=2)
    with pytest.raises(SweepError, match="varied twice"):
        simulator.sweep(scenario, [f"{REPS}=2", f"{REPS}=3"], runs=2)
    with pytest.raises(SweepError, match="unknown metric 'npx'; did you mean 'npv'"):
        simulator.sweep(scenario, {REPS: [2]}, runs=2, metrics="npx")


def test_a_point_is_exactly_a_plain_simulation_with_the_values_set_and_the_same_seed(scenario):
    found = simulator.sweep(scenario, {REPS: "2,5"}, runs=8, seed=5, workers=1, metrics=("npv", "revenue"))
    assert found.points == [{REPS: 2}, {REPS: 5}]
    for i, reps in enumerate((2, 5)):
        plain = simulator.simulate(scenario.with_values({REPS: reps}), runs=8, seed=5, workers=1)
        for s in plain.strategies:
            for metric in ("npv", "revenue"):
                x = plain.runs[s][metric]
                cell = found.cell(i, s, metric)
                assert cell.mean == float(np.mean(x)) and cell.n == 8
                assert cell.p50 == float(np.percentile(x, 50))
                assert cell.se == pytest.approx(np.std(x, ddof=1) / np.sqrt(8), rel=1e-12)
        assert found.summaries[i]["strategies"] == plain.summary["strategies"]
    # the runs of a point do not depend on the workers: the same point on two processes is identical
    twice = simulator.simulate(scenario.with_values({REPS: 5}), runs=8, seed=5, workers=2, executor="process")
    assert_identical(twice, simulator.simulate(scenario.with_values({REPS: 5}), runs=8, seed=5, workers=1))
    # common random numbers: SMB runs no enterprise reps, so its runs are the same at every point
    smb = [found.cell(i, "smb", "npv") for i in (0, 1)]
    assert (smb[0].mean, smb[0].p5, smb[0].p95) == (smb[1].mean, smb[1].p5, smb[1].p95)


def test_two_keys_make_a_grid_of_every_combination_the_first_varying_slowest(scenario):
    found = simulator.sweep(scenario, [f"{REPS}=2,4", f"{CASH}=1e6..2e6:5e5"], runs=3, workers=1, metrics="npv")
    assert found.paths == (REPS, CASH)
    assert found.points == [{REPS: r, CASH: c} for r in (2, 4) for c in (1e6, 1.5e6, 2e6)]
    assert {(i, s) for i, s, _ in found.cells} == {(i, s) for i in range(6) for s in ("enterprise", "smb", "hybrid")}
    assert "6 points of 3 runs" in repr(found) and "reps=4, starting_cash=1,500,000" in repr(found)


def test_p_best_is_the_share_of_runs_won_with_ties_shared_and_the_catalogue_direction():
    values = {"a": np.array([3.0, 1.0, 2.0, np.nan]), "b": np.array([1.0, 2.0, 2.0, np.nan])}
    assert best_shares(values, lower=False) == {"a": pytest.approx(0.5), "b": pytest.approx(0.5)}
    assert best_shares(values, lower=True) == {"a": pytest.approx(0.5), "b": pytest.approx(0.5)}
    values = {"a": np.array([3.0, np.nan]), "b": np.array([1.0, 0.0])}
    assert best_shares(values, lower=False) == {"a": 0.5, "b": 0.5}, "a run where a has no value, b wins"
    assert best_shares(values, lower=True) == {"a": 0.0, "b": 1.0}


def test_never_running_out_of_cash_is_best_and_running_out_later_beats_sooner():
    """cash_out_month is NaN in a run that never runs out: that is the best outcome, not a missing value."""
    values = {"a": np.array([10.0, 10.0, np.nan, np.nan]), "b": np.array([20.0, np.nan, 5.0, np.nan])}
    shares = best_shares(values, lower=False, never=True)
    # runs: b lasts longer; b never runs out; a never runs out; neither does (a tie, shared)
    assert shares == {"a": pytest.approx((1 + 0.5) / 4), "b": pytest.approx((1 + 1 + 0.5) / 4)}
    assert sum(shares.values()) == pytest.approx(1.0)
    # a breakeven month that never comes is the worst outcome
    assert best_shares({"a": np.array([np.nan, 3.0]), "b": np.array([30.0, 4.0])}, lower=True, never=True) == \
        {"a": 0.5, "b": 0.5}


def test_p_best_adds_up_to_one_and_capital_needed_counts_lower_as_better(scenario):
    found = simulator.sweep(scenario, {REPS: [3]}, runs=10, seed=2, workers=1, metrics=("npv", "capital_needed"))
    plain = simulator.simulate(scenario.with_values({REPS: 3}), runs=10, seed=2, workers=1)
    for metric in ("npv", "capital_needed"):
        shares = [found.cell(0, s, metric).p_best for s in found.strategies]
        assert sum(shares) == pytest.approx(1.0)
    table = np.vstack([plain.runs[s]["capital_needed"] for s in plain.strategies])
    winners = np.argmin(table, axis=0)   # no ties expected in money
    assert found.cell(0, "smb", "capital_needed").p_best == pytest.approx(np.mean(winners == 1))


def test_the_files(scenario, tmp_path):
    found = simulator.sweep(scenario, {REPS: "2,4"}, runs=3, workers=1, metrics=("npv", "revenue"))
    out = found.save(tmp_path / "sweep")
    assert sorted(p.name for p in out.iterdir()) == ["points", "sweep.csv", "sweep.json"]
    with open(out / "sweep.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 3 * 2
    assert list(rows[0]) == ["point", REPS, "strategy", "metric", "n", "mean", "se", "p5", "p25", "p50", "p75",
                             "p95", "p_best"]
    row = next(r for r in rows if r["point"] == "1" and r["strategy"] == "smb" and r["metric"] == "npv")
    assert row[REPS] == "4" and float(row["mean"]) == found.cell(1, "smb", "npv").mean
    data = json.loads((out / "sweep.json").read_text())
    assert data["vary"] == {REPS: [2, 4]} and data["runs"] == 3 and data["seed"] == scenario.seed
    assert data["points"][1]["values"] == {REPS: 4}
    assert data["points"][1]["strategies"]["smb"]["npv"]["p_best"] == found.cell(1, "smb", "npv").p_best
    point = json.loads((out / "points" / "0.json").read_text())
    assert point["values"] == {REPS: 2} and "npv" in point["strategies"]["enterprise"]
    with pytest.raises(FileExistsError):
        found.save(out)


@pytest.fixture
def executors(monkeypatch) -> list:
    """The executor each point of a sweep was simulated on, in order."""
    sweep_module = importlib.import_module("simulator.analysis.sweep")   # the module, not the function
    used = []
    simulate = sweep_module.simulate

    def spy(changed, **kwargs):
        used.append(kwargs["executor"])
        return simulate(changed, **kwargs)

    monkeypatch.setattr(sweep_module, "simulate", spy)
    return used


@pytest.mark.slow
def test_one_dask_cluster_serves_every_point_with_the_same_results(scenario, executors):
    on_dask = simulator.sweep(scenario, {REPS: [2, 4]}, runs=6, workers=1, executor="dask", metrics="npv")
    assert len(executors) == 2 and executors[0] is executors[1] and hasattr(executors[0], "submit")
    assert executors[0].status == "closed"
    in_process = simulator.sweep(scenario, {REPS: [2, 4]}, runs=6, workers=1, metrics="npv")
    assert on_dask.cells == in_process.cells


def test_one_process_pool_serves_every_point_and_ends_with_the_sweep(scenario, executors):
    pooled = simulator.sweep(scenario, {REPS: [2, 4, 6]}, runs=6, workers=2, metrics="npv")
    pool = executors[0]
    assert len(executors) == 3 and all(e is pool for e in executors)
    assert isinstance(pool, ProcessPoolExecutor) and pool._shutdown_thread, "shut down after the last point"
    assert pooled.cells == simulator.sweep(scenario, {REPS: [2, 4, 6]}, runs=6, workers=1, metrics="npv").cells


def test_an_interrupted_sweep_stops_the_pool_it_started(scenario, monkeypatch):
    sweep_module = importlib.import_module("simulator.analysis.sweep")
    seen = []
    simulate = sweep_module.simulate

    def interrupted(changed, **kwargs):
        if seen:
            seen.append(list(kwargs["executor"]._processes.values()))
            raise KeyboardInterrupt
        seen.append(kwargs["executor"])
        return simulate(changed, **kwargs)

    monkeypatch.setattr(sweep_module, "simulate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        simulator.sweep(scenario, {REPS: [2, 4]}, runs=6, workers=2, metrics="npv")
    pool, processes = seen
    assert processes and pool._shutdown_thread
    assert not any(process.is_alive() for process in processes), "the workers were ended"


@pytest.mark.skipif(signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL, reason="SIGTERM is handled here already")
def test_sigterm_between_points_stops_the_sweep_at_the_next_as_terminated(scenario, monkeypatch):
    """A SIGTERM that comes while no point is simulating is held, and the next point stops at once: the sweep
    ends in Terminated (exit 143 at the command line), having started no more runs, and SIGTERM is restored."""
    sweep_module = importlib.import_module("simulator.analysis.sweep")
    simulate, points = sweep_module.simulate, []

    def then_terminated(changed, **kwargs):
        points.append(changed)
        results = simulate(changed, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)   # after the point's runs, before the next point
        time.sleep(0.05)
        return results

    monkeypatch.setattr(sweep_module, "simulate", then_terminated)
    with pytest.raises(Terminated):
        simulator.sweep(scenario, {REPS: [2, 4, 6]}, runs=4, workers=1, metrics="npv")
    assert len(points) == 2, "the second point stopped before any run; the third never started"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_key_a_correlation_names_is_swept_as_a_constant_and_its_partner_keeps_its_draws():
    """The bundled scenario correlates the two lead rates: sweeping one fixes it in every run (drawn once per run,
    a constant) and leaves the other's draws, so the SMB strategy is the same at every point."""
    scenario = simulator.load_scenario(None)
    path = "motions.enterprise.leads.per_month"
    assert any(path in corr.between for corr in scenario.correlations)
    found = simulator.sweep(scenario, {path: [4, 9]}, runs=6, workers=1, metrics="npv")
    low, high = (simulator.simulate(point_scenario(scenario, {path: v}), runs=6, workers=1) for v in (4, 9))
    assert np.array_equal(low.runs["smb"]["npv"], high.runs["smb"]["npv"])
    assert not np.array_equal(low.runs["enterprise"]["npv"], high.runs["enterprise"]["npv"])
    for point, results in enumerate((low, high)):   # each point is that simulation
        assert found.cells[(point, "enterprise", "npv")].mean == pytest.approx(results.runs["enterprise"]["npv"].mean())
