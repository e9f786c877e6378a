"""Precision control: relative and absolute targets, per metric, in the API and on the command line."""
from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from montecarlo_helpers import FAST, fast_scenario

import cli
import simulator
from simulator.montecarlo.precision import Target, stopping_rule, targets
from simulator.montecarlo.statistics import KEY_METRICS, t_critical


def half_width(values) -> float:
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    return t_critical(x.size) * float(np.std(x, ddof=1)) / math.sqrt(x.size)


@pytest.mark.parametrize("precision, expected", [
    (0.01, [Target(m, 0.01, True) for m in KEY_METRICS]),
    ("2%", [Target(m, 0.02, True) for m in KEY_METRICS]),
    ({"npv": 50_000}, [Target("npv", 50_000.0, False)]),
    ({"npv": "1%"}, [Target("npv", 0.01, True)]),
    ({"npv": 50_000, "revenue": "0.5%"}, [Target("npv", 50_000.0, False), Target("revenue", 0.005, True)]),
])
def test_precision_arguments(precision, expected):
    assert list(targets(precision)) == expected


@pytest.mark.parametrize("precision, message", [
    ({"nvp": 50_000}, "'nvp', which is not a per-run metric; did you mean 'npv'?"),
    ({"enterprise.win_rate": "1%"}, "'enterprise.win_rate', a motion's metric: precision watches the company's "
                                    "metrics; one of revenue, "),
    ({"npv": 0}, "precision for npv (=0) must be > 0"),
    ({"npv": "-1%"}, "precision for npv (='-1%') must be > 0"),
    ({"npv": "lots%"}, "precision for npv (='lots%') is not a percentage"),
    ({"npv": True}, "precision for npv (=True) must be a number"),
    ({}, "names no metric"),
    (-0.1, "precision (=-0.1) must be > 0"),
    (math.nan, "must be > 0"),
])
def test_bad_precision_names_the_value(precision, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        targets(precision)


def _rule(values: np.ndarray, found, n=None, max_runs=100_000):
    n = values.size if n is None else n
    return stopping_rule(lambda s, metric: values[:n], ["plan"], n, tuple(found), max_runs, "USD")


def test_a_mean_near_zero_never_reaches_a_relative_target_but_reaches_an_absolute_one():
    """NPV of a plan at breakeven: runs spread +-100k around 0. Its 95% half-width after 400 runs is about
    1.97 x 100k / 20 = 9.8k, far from 1% of a mean of about 0, and well within an absolute 50k."""
    npv = np.random.default_rng(3).normal(0, 100_000, 400)
    relative = _rule(npv, targets({"npv": "1%"}))
    assert relative["rule"] == "continue" and relative["next_runs"] == 1600   # grows 4x, the most a batch may
    assert _rule(npv, targets({"npv": "1%"}), max_runs=400)["rule"] == "max_runs"
    absolute = _rule(npv, targets({"npv": 50_000}))
    assert absolute["rule"] == "precision"
    assert absolute["worst_half_width"] == pytest.approx(half_width(npv))
    assert absolute["worst_share_of_target"] == pytest.approx(half_width(npv) / 50_000)
    assert "within ±50,000 USD for npv" in absolute["description"]


def test_the_next_batch_aims_at_what_the_widest_interval_needs():
    """A half-width shrinks like 1/sqrt(runs): 2x too wide needs 4x the runs (and 10% more)."""
    npv = np.random.default_rng(5).normal(0, 100_000, 100)
    target = half_width(npv) / math.sqrt(2)          # needs 2x the runs
    rule = _rule(npv, [Target("npv", target, False)])
    assert rule["rule"] == "continue" and rule["next_runs"] == math.ceil(100 * 2 * 1.1)


@pytest.fixture(scope="module")
def scenario():
    return fast_scenario()


def test_an_absolute_target_stops_on_the_named_metric_only(scenario):
    results = simulator.simulate(scenario, runs=20, precision={"npv": 40_000}, max_runs=2000, workers=1)
    rule = results.summary["provenance"]["stopping_rule"]
    assert rule["rule"] == "precision" and rule["metrics"] == ["npv"]
    assert rule["targets"] == {"npv": {"absolute": 40_000.0}}
    widest = max(half_width(results.runs[s]["npv"]) for s in results.strategies)
    assert widest <= 40_000 and rule["worst_half_width"] == pytest.approx(widest)
    assert results.n_runs > 20, "20 runs were not enough: the test should make the rule grow the runs"
    assert "precision reached after" in rule["description"] and "±40,000 USD for npv" in rule["description"]


def test_the_old_relative_form_still_watches_the_key_metrics(scenario):
    results = simulator.simulate(scenario, runs=20, precision=0.5, max_runs=2000, workers=1)
    rule = results.summary["provenance"]["stopping_rule"]
    assert rule["rule"] == "precision" and rule["metrics"] == list(KEY_METRICS)
    assert rule["targets"] == {m: {"relative": 0.5} for m in KEY_METRICS}


FAST_SET = [arg for item in FAST for arg in ("--set", item)]


def _run(tmp_path, *precision):
    args = ["run", "--runs", "20", "--workers", "1", "--quiet", "--no-plots", "--max-runs", "2000", *FAST_SET,
            "--out", str(tmp_path / "out")]
    for item in precision:
        args += ["--precision", item]
    return CliRunner().invoke(cli.main, args)


def test_cli_absolute_and_relative_targets_per_metric(tmp_path):
    result = _run(tmp_path, "npv=40000", "revenue=20%")
    assert result.exit_code == 0, result.output
    heading = result.stdout.splitlines()[1]
    assert heading.startswith("precision reached after")
    assert "±40,000 USD for npv and 20.00% of |mean| for revenue" in heading


@pytest.mark.parametrize("items, expected", [
    (("0.01",), 0.01),
    (("1%",), "1%"),
    (("npv=50000",), {"npv": 50_000.0}),
    (("npv=1%", "revenue=50000"), {"npv": "1%", "revenue": 50_000.0}),
    (("0.02", "npv=50000"), {"revenue": "2%", "npv": 50_000.0, "ending_cash": "2%", "capital_needed": "2%"}),
])
def test_cli_precision_reads_as_the_api_argument(items, expected):
    assert cli._parse_precision(None, None, items) == expected


@pytest.mark.parametrize("items, message", [
    (("nvp=50000",), "did you mean 'npv'?"),
    (("npv=lots",), "'lots' is not a number or a percentage"),
    (("1%", "2%"), "2 targets for the key metrics"),
    (("npv=0",), "must be > 0"),
])
def test_cli_bad_precision_exits_2_before_running(tmp_path, items, message):
    result = _run(tmp_path, *items)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
