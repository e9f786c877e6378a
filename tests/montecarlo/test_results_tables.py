"""runs.csv, inputs.csv and costs.csv as written: the block writer gives byte for byte what csv.writer gives
writing one row at a time (each float's repr, NaN empty, quotes where needed, \\r\\n), and reads back exactly."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plot_helpers import fake_results

import simulator
import simulator.montecarlo.results as results_module
from simulator.engine import input_names
from simulator.engine.catalogue import run_metric_names
from simulator.engine.ledger import COST_CATEGORIES
from simulator.montecarlo.results import _csv_line, _table_rows, _table_rows_one_by_one

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, sys.float_info.min, sys.float_info.max,
           -sys.float_info.max, 1e16, 9999999999999998.0, 1e-5, 1e-4, 0.1, 1 / 3, 2.5, -7.0, 123456789.0,
           0.30000000000000004, 1e22, 1e300, -1e-300, 4146568.373955, float(2 ** 53 + 2)]


def _both(strategy, ids, cells):
    fast, one_by_one = _table_rows(strategy, ids, cells), _table_rows_one_by_one(strategy, ids, cells)
    assert fast == one_by_one
    return fast


def test_special_values_are_written_as_one_row_at_a_time():
    values = np.array(SPECIAL)
    text = _both("enterprise", list(range(len(values))), [values, values[::-1].copy(), -values])
    assert text.startswith("enterprise,0,,") and "-0.0" in text and "5e-324" in text and "1e+16" in text
    assert text.count("\r\n") == len(values)


def test_float32_and_integer_columns_are_written_as_one_row_at_a_time():
    with np.errstate(over="ignore"):
        values = np.array(SPECIAL).astype(np.float32)
    _both("smb", list(range(len(values))), [values, np.asarray(SPECIAL)])   # float32 beside float64
    _both("smb", list(range(len(values))), [values])
    _both("smb", [0, 1, 2], [np.array([1, 2, 3]), np.array([4, -5, 6])])     # integers: 1, not 1.0


@pytest.mark.parametrize("strategy", ["hybrid", "a, b", 'the "big" bet', "line\nbreak", " spaced ", ""])
def test_strategy_names_are_quoted_as_csv_quotes_them(strategy):
    _both(strategy, [0, 1], [np.array([1.5, np.nan]), np.array([-0.0, 2.0])])


def test_no_columns_and_no_rows():
    assert _both("hybrid", [3, 4], []) == "hybrid,3\r\nhybrid,4\r\n"
    assert _both("hybrid", [], [np.array([])]) == ""


def test_more_run_ids_than_values_are_paired_as_zip_pairs_them():
    _both("smb", [0, 1, 2, 3], [np.array([1.0, 2.0]), np.array([3.0, 4.0])])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(SPECIAL), min_size=1,
                max_size=60))
def test_any_floats_are_written_as_one_row_at_a_time(values):
    array = np.array(values, dtype=np.float64)
    half = len(array) // 2
    _both("enterprise", list(range(half)), [array[:half], array[half:2 * half]])


def _one_by_one_file(results, values, columns) -> str:
    """A table as the writer wrote it one row at a time with the csv module."""
    ids = results.run_ids.tolist()
    text = _csv_line(["strategy", "run", *columns])
    for s in results.strategies:
        if s in values:
            none = np.full(len(ids), np.nan)
            text += _table_rows_one_by_one(s, ids, [values[s].get(c, none) for c in columns])
    return text


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    """Synthetic results of 30 runs with special values in their metrics, costs and inputs, saved in blocks of
    7 rows; the smb strategy draws no enterprise input, the hybrid strategy none at all (rows of empty cells)."""
    results = fake_results(runs=30)
    rng = np.random.default_rng(3)
    names = input_names(results.scenario)
    results.costs = {s: {c: rng.gamma(2, 1e5, 30) for c in COST_CATEGORIES} for s in results.strategies}
    results.inputs = {"enterprise": {name: rng.random(30) for name in names},
                      "smb": {name: rng.random(30) for name in names if name.startswith("motions.smb.")},
                      "hybrid": {}}
    for s in results.strategies:
        for column in (results.runs[s]["npv"], results.costs[s][COST_CATEGORIES[0]]):
            column[rng.choice(30, len(SPECIAL), replace=False)] = SPECIAL
        results.runs[s]["revenue"] = results.runs[s]["revenue"] * 1e-310   # subnormal numbers
    patch = pytest.MonkeyPatch()
    patch.setattr(results_module, "ROWS_PER_BLOCK", 7)
    try:
        directory = results.save(tmp_path_factory.mktemp("awkward") / "run")
    finally:
        patch.undo()
    return results, directory


def test_saved_tables_are_the_bytes_of_the_one_row_at_a_time_writer(awkward):
    results, directory = awkward
    tables = {"runs.csv": (results.runs, run_metric_names(results.scenario)),
              "inputs.csv": (results.inputs, input_names(results.scenario)),
              "costs.csv": (results.costs, COST_CATEGORIES)}
    for name, (values, columns) in tables.items():
        expected = _one_by_one_file(results, values, columns).encode("utf-8")
        assert (directory / name).read_bytes() == expected, name


def test_saved_tables_read_back_bit_for_bit(awkward):
    results, directory = awkward
    loaded = simulator.Results.load(directory)
    for kind in ("runs", "costs", "inputs"):
        for s in results.strategies:
            for column, values in getattr(results, kind)[s].items():
                assert getattr(loaded, kind)[s][column].tobytes() == values.tobytes(), (kind, s, column)
