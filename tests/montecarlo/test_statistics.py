"""Statistics of runs against numpy/scipy identities and sampling theory, on synthetic data."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulator.montecarlo.statistics import (KEY_METRICS, PERCENTILES, compare, describe, relative_half_width,
                                             summarize, t_critical)


def _rng(seed=7):
    return np.random.Generator(np.random.PCG64(seed))


def test_describe_matches_numpy_and_scipy():
    x = _rng().lognormal(10, 1, 500)
    d = describe(x)
    assert d["mean"] == pytest.approx(np.mean(x), rel=1e-12)
    assert d["std"] == pytest.approx(np.std(x, ddof=1), rel=1e-12)
    assert d["se"] == pytest.approx(stats.sem(x), rel=1e-12)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert d["ci95"] == pytest.approx([low, high], rel=1e-12)
    for q in PERCENTILES:
        assert d[f"p{q}"] == pytest.approx(np.percentile(x, q), rel=1e-12)
    assert (d["min"], d["max"]) == (x.min(), x.max())
    assert (d["n"], d["nan_runs"], d["share_defined"]) == (500, 0, 1.0)


def test_nan_runs_are_counted_and_left_out():
    """cash_out_month is NaN where cash never ran out: the statistics describe the runs where it did."""
    months = _rng().integers(1, 37, 200).astype(float)
    months[::4] = np.nan
    d = describe(months)
    defined = months[~np.isnan(months)]
    assert (d["n"], d["nan_runs"], d["share_defined"]) == (150, 50, 0.75)
    assert d["mean"] == pytest.approx(defined.mean()) and d["p50"] == np.median(defined)


def test_all_nan_and_single_values():
    empty = describe([math.nan] * 5)
    assert empty["n"] == 0 and empty["share_defined"] == 0 and math.isnan(empty["mean"])
    one = describe([3.0])
    assert one["mean"] == one["p50"] == 3.0 and math.isnan(one["std"]) and math.isnan(one["ci95"][0])


def test_the_confidence_interval_covers_the_true_mean_95_percent_of_the_time():
    """Theory, not a golden number: 2,000 samples of 30 normal draws; coverage within 4 se of 0.95."""
    rng = _rng(11)
    trials = 2000
    covered = 0
    for _ in range(trials):
        low, high = describe(rng.normal(5.0, 2.0, 30))["ci95"]
        covered += low <= 5.0 <= high
    se = math.sqrt(0.95 * 0.05 / trials)
    assert abs(covered / trials - 0.95) < 4 * se


def test_compare_is_run_by_run():
    rng = _rng(3)
    common = rng.normal(0, 10, 400)                 # what both strategies share (common random numbers)
    a = common + rng.normal(1.0, 1.0, 400)
    b = common
    c = compare(a, b, "npv")
    diff = a - b
    assert c["better"] == "higher" and c["p_better"] == np.mean(diff > 0)
    assert c["mean_diff"] == pytest.approx(diff.mean()) and c["se"] == pytest.approx(stats.sem(diff))
    low, high = stats.t.interval(0.95, 399, loc=diff.mean(), scale=stats.sem(diff))
    assert c["ci95"] == pytest.approx([low, high])
    assert c["p5"] == pytest.approx(np.percentile(diff, 5)) and c["p95"] == pytest.approx(np.percentile(diff, 95))
    # paired: the shared noise cancels, so the difference is sharp even though each side is noisy
    assert c["ci95"][0] > 0


def test_lower_is_better_for_capital_needed_and_ties_are_counted():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([2.0, 2.0, 1.0, 5.0])
    c = compare(a, b, "capital_needed")
    assert c["better"] == "lower" and c["p_better"] == 0.5 and c["p_tie"] == 0.25


def test_compare_leaves_out_runs_where_either_is_nan_and_refuses_unpaired_runs():
    a = np.array([1.0, np.nan, 3.0, 5.0])
    b = np.array([0.0, 1.0, np.nan, 6.0])
    c = compare(a, b, "revenue")
    assert c["n"] == 2 and c["p_better"] == 0.5 and c["mean_diff"] == 0.0
    with pytest.raises(ValueError, match="revenue over 4 runs with 3 runs"):
        compare(a, b[:3], "revenue")


def test_summarize_compares_every_pair_on_the_key_metrics():
    rng = _rng(5)
    runs = {s: {m: rng.normal(size=20) for m in (*KEY_METRICS, "win_rate")} for s in ("a", "b", "c")}
    summary = summarize(runs)
    assert list(summary["strategies"]) == ["a", "b", "c"]
    assert set(summary["strategies"]["a"]) == {*KEY_METRICS, "win_rate"}
    assert list(summary["comparisons"]) == ["a vs b", "a vs c", "b vs c"]
    assert set(summary["comparisons"]["a vs b"]) == set(KEY_METRICS)


def test_relative_half_width():
    x = _rng().normal(100, 10, 50)
    expected = t_critical(50) * np.std(x, ddof=1) / math.sqrt(50) / abs(np.mean(x))
    assert relative_half_width(x) == pytest.approx(expected)
    assert relative_half_width([4.0, 4.0, 4.0]) == 0.0
    assert relative_half_width([-1.0, 1.0]) == math.inf
    assert relative_half_width([1.0]) == math.inf
    assert t_critical(10**6) == pytest.approx(1.96, abs=1e-3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e12, 1e12), st.just(math.nan)), min_size=1, max_size=60))
def test_describe_is_ordered_and_counts_every_run(values):
    d = describe(values)
    assert d["n"] + d["nan_runs"] == len(values)
    if d["n"]:
        ordered = [d["min"], *(d[f"p{q}"] for q in PERCENTILES), d["max"]]
        slack = 1e-9 * max(1.0, abs(d["min"]), abs(d["max"]))
        assert all(x <= y + slack for x, y in zip(ordered, ordered[1:]))
        assert d["min"] - slack <= d["mean"] <= d["max"] + slack


def test_running_out_of_cash_later_or_never_is_better_and_never_breaking_even_is_worse():
    """NaN in the month of an event means it never happened in the horizon: ranked later than any month."""
    sooner, later = np.array([10.0, 10.0, 10.0, np.nan]), np.array([20.0, np.nan, 10.0, np.nan])
    found = compare(sooner, later, "cash_out_month")
    # runs: 10 vs 20 (worse), 10 vs never (worse), tie, never vs never (tie)
    assert (found["p_better"], found["p_tie"], found["n_ranked"]) == (0.0, 0.5, 4)
    assert compare(later, sooner, "cash_out_month")["p_better"] == 0.5
    assert (found["n"], found["mean_diff"]) == (2, -5.0), "the difference uses the runs where both ran out"
    never, month_30 = np.array([np.nan, 12.0]), np.array([30.0, 14.0])
    assert compare(never, month_30, "breakeven_month")["p_better"] == 0.5
    assert compare(month_30, never, "breakeven_month")["p_better"] == 0.5
    # elsewhere NaN is undefined and the run is left out
    assert compare(np.array([1.0, np.nan]), np.array([0.5, 3.0]), "npv")["n_ranked"] == 1
