"""Per-motion figures and per-run inputs through Monte Carlo results: runs.csv, inputs.csv, summary.json."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from montecarlo_helpers import fast_scenario

import simulator
from simulator.engine import input_names, run_strategies
from simulator.engine.catalogue import METRICS, motion_metric_names, run_metric_names


@pytest.fixture(scope="module")
def results():
    return simulator.simulate(fast_scenario(), runs=12, seed=5, workers=1)


@pytest.fixture(scope="module")
def saved(results, tmp_path_factory):
    return results.save(tmp_path_factory.mktemp("out") / "run")


def test_each_strategy_has_the_figures_of_the_motions_it_runs(results):
    scenario = results.scenario
    for s in results.strategies:
        motions = scenario.strategies[s].motions
        expected = set(METRICS) | {f"{m}.{k}" for m in motions for k in motion_metric_names(scenario.motions[m].type)}
        assert set(results.runs[s]) == expected, s
        assert set(results.summary["strategies"][s]) == expected, s


def test_runs_csv_has_every_motion_column_empty_where_the_strategy_does_not_run_it(results, saved):
    with open(saved / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["strategy", "run", *run_metric_names(results.scenario)]
    smb_rows = [r for r in rows if r["strategy"] == "smb"]
    assert smb_rows and all(r["enterprise.win_rate"] == "" for r in smb_rows)
    assert all(r["smb.leads"] != "" for r in smb_rows)


def test_the_figures_are_the_engines_run_by_run(results):
    books = run_strategies(results.scenario, 3, seed=5)
    for s in results.strategies:
        for name, value in books[s].metrics.items():
            got = results.runs[s][name][3]
            assert got == value or (np.isnan(got) and np.isnan(value)), (s, name)
        for path, value in books[s].inputs.items():
            assert results.inputs[s][path][3] == value, (s, path)


def test_inputs_csv_holds_every_draw_and_reads_back(results, saved):
    with open(saved / "inputs.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header == ["strategy", "run", *input_names(results.scenario)]
    loaded = simulator.Results.load(saved)
    for s in results.strategies:
        assert set(loaded.inputs[s]) == set(results.inputs[s]) and results.inputs[s]
        for path, values in results.inputs[s].items():
            assert np.array_equal(loaded.inputs[s][path], values), (s, path)
        assert set(loaded.runs[s]) == set(results.runs[s])
