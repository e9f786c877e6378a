"""simulator.seek: targets, bisection to a known edge, integer keys, bounded optimisation, the check with fresh
seeds, and the errors."""
from __future__ import annotations

import csv
import importlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from engine_helpers import certain_enterprise, scenario_from

import simulator
from simulator.analysis import SeekError, parse_target
from simulator.analysis.seek import key_limits

CASH = "company.starting_cash"
REPS = "motions.a.team.reps"
SALARY_YEAR = 12 * 10_000   # what one more rep costs over the 12 months (certain_enterprise: no attrition)


@pytest.fixture(scope="module")
def scenario():
    """One strategy whose every deal is won after 100 days: ending cash is starting cash plus what the runs earn."""
    return scenario_from({"a": certain_enterprise()}, horizon_months=12, runs=4)


def _earned(scenario, **values):
    results = simulator.simulate(scenario.with_values(values), runs=4, seed=7, workers=1)
    return results.runs["a"]["ending_cash"] - scenario.with_values(values).company.starting_cash


@pytest.mark.parametrize("text, label, op, threshold, goal", [
    ("p50(ending_arr) >= 3e6", "p50(ending_arr)", ">=", 3e6, None),
    ("p95(capital_needed)<=2e6", "p95(capital_needed)", "<=", 2e6, None),
    ("mean(npv) max", "mean(npv)", None, None, "max"),
    ("P(cash_out) <= 0.05", "P(cash_out_month)", "<=", 0.05, None),
    ("P(npv < 0) < 0.2", "P(npv < 0)", "<", 0.2, None),
])
def test_targets_are_written_in_the_terms_of_the_summary(text, label, op, threshold, goal):
    target = parse_target(text, simulator.engine.catalogue.METRICS)
    assert (target.label, target.op, target.threshold, target.goal) == (label, op, threshold, goal)


@pytest.mark.parametrize("text, words", [
    ("p50(ending_ar) >= 3", "unknown metric 'ending_ar' in 'p50(ending_ar) >= 3'; did you mean 'ending_arr'?"),
    ("p100(npv) >= 0", "unknown statistic 'p100'"),
    ("median(npv) >= 0", "unknown statistic 'median'"),
    ("mean npv >= 0", "is not a target"),
    ("mean(npv) >= lots", "is not a target"),
    ("P(npv) <= 0.1", "P(npv < 0)"),
    ("P(cash_out) <= 5", "P(cash_out) is a share from 0 to 1: write 0.05 for 5% (in 'P(cash_out) <= 5')"),
    ("P(breakeven) >= 1.5", "P(breakeven) is a share from 0 to 1: write 0.015 for 1.5%"),
    ("P(npv < 0) <= 250", "P(npv < 0) is a share from 0 to 1: write 0.05 for 5%"),
    ("P(npv < 0) >= -0.1", "P(npv < 0) is a share from 0 to 1"),
])
def test_a_target_that_cannot_be_read_says_why(text, words):
    with pytest.raises(SeekError, match=words.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        parse_target(text, simulator.engine.catalogue.METRICS)


def test_bisection_finds_the_least_starting_cash_known_by_hand(scenario):
    earned = _earned(scenario)
    assert np.ptp(earned - _earned(scenario, **{CASH: 3e6})) == 0, "ending cash is linear in starting cash"
    exact = 2e6 - float(np.median(earned))          # the least starting cash with p50(ending_cash) >= 2e6
    found = simulator.seek(scenario, CASH, "p50(ending_cash) >= 2e6", 0, 5e6, runs=4, workers=1)
    assert exact <= found.answer <= exact + 5e6 / 1000
    assert found.achieved >= 2e6 and all(v >= 0 for v, _ in found.evaluations[:2])
    assert [v for v, _ in found.evaluations[:2]] == [0.0, 5e6], "both ends first"
    check = found.check
    assert check["seed"] == 8 and check["low"] <= check["value"] <= check["high"]
    assert "quantile" in check["interval"] and check["holds"] in (True, False)
    assert "answer: company.starting_cash=" in repr(found)


def test_an_integer_key_is_searched_on_whole_numbers(scenario):
    one = float(np.median(_earned(scenario, **{REPS: 1}))) + 1e6   # p50(ending_cash) with one rep
    found = simulator.seek(scenario, REPS, f"p50(ending_cash) >= {one - 5 * SALARY_YEAR - 1}", 1, 40,
                           direction="maximize", runs=4, workers=1)
    assert found.answer == 6 and found.kind == "integer"
    assert all(isinstance(v, int) for v, _ in found.evaluations)
    best = simulator.seek(scenario, REPS, "mean(ending_cash) max", 1, 40, runs=4, workers=1)
    assert best.answer == 1 and all(isinstance(v, int) for v, _ in best.evaluations)
    assert "Student t" in best.check["interval"] and best.check["holds"] is None


def test_a_scalar_maximum_by_golden_section():
    # Revenue per deal grows with the contract value and nothing else changes: the best is the upper end.
    scenario = scenario_from({"a": certain_enterprise()}, horizon_months=12, runs=4)
    found = simulator.seek(scenario, "motions.a.deal.contract_value", "mean(revenue) max", 1_000, 50_000, runs=4,
                           workers=1, tolerance=500)
    assert found.answer >= 50_000 - 500


def test_the_share_of_runs_that_run_out_of_cash(scenario):
    found = simulator.seek(scenario, CASH, "P(cash_out) <= 0", 0, 5e6, runs=4, workers=1)
    at = simulator.simulate(scenario.with_values({CASH: found.answer}), runs=4, seed=7, workers=1)
    below = simulator.simulate(scenario.with_values({CASH: found.answer - 5e6 / 1000}), runs=4, seed=7, workers=1)
    assert np.isnan(at.runs["a"]["cash_out_month"]).all()
    assert not np.isnan(below.runs["a"]["cash_out_month"]).all()
    assert "Wilson" in found.check["interval"]


def test_limits_come_from_the_schema(scenario):
    assert key_limits(scenario, REPS) == (True, 0, 1000)
    assert key_limits(scenario, CASH)[0] is False


def test_units_come_from_the_schema_also_for_a_key_in_a_list():
    """A funding round's amount is money (a bare unit, in a list): its values print as money."""
    from simulator.analysis.seek import key_unit
    scenario = simulator.load_scenario(Path(__file__).parents[2] / "scenarios" / "funded_plan.yaml")
    assert key_unit(scenario, "company.funding.0.amount") == "money"
    assert key_unit(scenario, CASH) == "money" and key_unit(scenario, "motions.enterprise.team.reps") == "reps"


@pytest.mark.parametrize("args, words", [
    ((CASH, "p50(ending_cash) >= 1e9", 0, 1e6), "'p50(ending_cash) >= 1e9' cannot be met for company.starting_cash "
                                                "within [$0, $1M]: p50(ending_cash) is -$"),
    (("company.currency", "mean(npv) max", 0, 1), "is not a numeric key"),
    ((REPS, "mean(npv) max", 1.5, 4), "takes whole numbers"),
    ((CASH, "mean(npv) max", 5, 1), "must rise"),
    (("horizon_months", "mean(npv) max", None, 12), "'horizon_months' has no low limit"),
    ((CASH, "mean(npv) max", 0, 1e6, "b"), "unknown strategy 'b'; expected one of "),
])
def test_errors_name_what_is_wrong(scenario, args, words):
    with pytest.raises(SeekError, match=re.escape(words)):
        simulator.seek(scenario, *args, runs=4, workers=1)


def test_several_strategies_need_one_named():
    two = scenario_from({"a": certain_enterprise(), "b": certain_enterprise()}, horizon_months=12)
    with pytest.raises(SeekError, match="name the one"):
        simulator.seek(two, CASH, "mean(npv) max", 0, 1e6, runs=4, workers=1)
    with pytest.raises(SeekError, match="did you mean 'b'"):
        simulator.seek(two, CASH, "mean(npv) max", 0, 1e6, strategy="bb", runs=4, workers=1)
    with pytest.raises(SeekError, match="says what to seek"):
        simulator.seek(two, CASH, "mean(npv) max", 0, 1e6, strategy="b", direction="minimize", runs=4, workers=1)


def test_save_writes_the_answer_and_every_evaluation(scenario, tmp_path):
    found = simulator.seek(scenario, REPS, "mean(ending_cash) max", 1, 3, runs=4, workers=1)
    saved = found.save(tmp_path / "seek")
    data = json.loads((saved / "seek.json").read_text())
    assert data["answer"] == 1 and data["check"]["seed"] == 8 and len(data["evaluations"]) == 3
    with open(saved / "evaluations.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row[REPS] for row in rows] == ["1", "2", "3"]


def test_the_report_shows_the_question_the_answer_its_check_and_every_value_tried(scenario, tmp_path):
    from simulator.present.seek import write_seek_outputs
    found = simulator.seek(scenario, CASH, "p50(ending_cash) >= 2e6", 0, 5e6, runs=4, workers=1, tolerance=1e5)
    saved = found.save(tmp_path / "seek", extras=write_seek_outputs)
    assert sorted(p.name for p in saved.iterdir()) == ["evaluations.csv", "report.html", "seek.json", "seek.png",
                                                       "seek.svg"]
    html = (saved / "report.html").read_text()
    assert f"{CASH} = {found.value_text(found.answer)}" in html and f"seed {found.check['seed']}" in html
    assert "does not hold with 95% confidence" in html or "holds with 95% confidence" in html
    rows = re.findall(r"<tr><th>(\d+)</th>", html)
    assert rows == [str(i) for i in range(len(found.evaluations))], "a row per value tried, in order"
    met = [found.target.met(s) for _, s in found.evaluations]
    assert html.count("<td>yes</td>") == sum(met) and html.count("<td>no</td>") == len(met) - sum(met)
    assert (saved / "seek.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and 'src="data:image/png;base64,' in html


def test_statistics_and_values_are_written_as_money_and_percentages(scenario):
    found = simulator.seek(scenario, CASH, "p50(ending_cash) >= 2e6", 0, 5e6, runs=4, workers=1)
    text = repr(found)
    assert "e+0" not in text and "in [$0, $5M]" in text
    assert f"answer: {CASH}={found.answer:,.0f} (" in text and "(p50(ending_cash) = $2" in text
    assert found.value_text(1_660_156.25) == "1,660,156 ($1.66M)" and found.value_text(2.5e6, short=True) == "$2.5M"
    assert found.statistic_text(1_999_345) == "$1.999M", "precise enough to tell from a threshold of 2e6"
    share = simulator.seek(scenario, CASH, "P(ending_cash < 3e6) <= 0.5", 0, 5e6, runs=4, workers=1, tolerance=1e5)
    assert [share.statistic_text(v) for v in (0.05, 0.025, 0.05718)] == ["5%", "2.5%", "5.72%"]
    assert "% to " in repr(share).splitlines()[2]


def test_with_a_strategy_named_only_that_strategy_is_simulated_and_the_search_is_the_same(monkeypatch):
    from montecarlo_helpers import fast_scenario

    seek_module = importlib.import_module("simulator.analysis.seek")
    scenario = fast_scenario()
    simulated = []
    simulate = seek_module.simulate

    def recording(changed, **kwargs):
        simulated.append(tuple(changed.strategies))
        return simulate(changed, **kwargs)

    monkeypatch.setattr(seek_module, "simulate", recording)
    ask = dict(strategy="hybrid", runs=12, workers=1, tolerance=1e5)
    alone = simulator.seek(scenario, CASH, "P(cash_out) <= 0.1", 5e5, 5e6, **ask)
    assert set(simulated) == {("hybrid",)} and alone.simulated == ("hybrid",)
    assert json.loads(json.dumps(alone.as_dict()))["simulated_strategies"] == ["hybrid"]
    assert "hybrid simulated alone" in repr(alone)
    simulated.clear()
    monkeypatch.setattr(seek_module, "only_strategy", lambda scenario, strategy, path: scenario)
    everyone = simulator.seek(scenario, CASH, "P(cash_out) <= 0.1", 5e5, 5e6, **ask)
    assert set(simulated) == {("enterprise", "smb", "hybrid")}
    assert alone.evaluations == everyone.evaluations and alone.check == everyone.check
    assert alone.answer == everyone.answer


def test_another_strategys_key_keeps_every_strategy():
    from montecarlo_helpers import fast_scenario

    from simulator.analysis.seek import only_strategy

    scenario = fast_scenario()
    assert tuple(only_strategy(scenario, "smb", CASH).strategies) == ("smb",)
    kept = only_strategy(scenario, "smb", "strategies.hybrid.overrides.enterprise.team.reps")
    assert kept is scenario


def test_a_percentile_interval_with_too_few_runs_for_a_side_leaves_that_side_open():
    """p95 of 20 runs: the upper bound's order statistic would be the 21st, so the largest run is no 95% bound;
    the interval is open there and an upper target cannot hold with 95% confidence."""
    target = parse_target("p95(capital_needed) <= 1e9")
    low, high, _ = target.interval(np.arange(20.0))
    assert math.isfinite(low) and high == math.inf and target.holds(low, high) is False


@pytest.mark.parametrize("n, q", [(100, 0.5), (200, 0.95), (1000, 0.99), (400, 0.05)])
def test_a_percentile_interval_covers_the_quantile_at_least_95_percent_of_the_time(n, q):
    """Order statistics x(l) <= Q < x(u) exactly when l <= B < u, B ~ Binomial(n, q) the runs below Q: the
    ranks the interval takes must give that chance 0.95 or more (the data: 0..n-1, so x(k) = k - 1)."""
    from scipy import stats
    low, high, _ = parse_target(f"p{round(q * 100)}(npv) >= 0").interval(np.arange(float(n)))
    first, last = int(low) + 1, int(high) + 1          # the ranks used
    assert stats.binom.cdf(last - 1, n, q) - stats.binom.cdf(first - 1, n, q) >= 0.95


def test_a_tolerance_finer_than_the_search_can_use_is_refused(scenario):
    with pytest.raises(SeekError, match=r"--tolerance \(=1e-300\) must be a number of at least a billionth"):
        simulator.seek(scenario, CASH, "p50(ending_cash) >= 2e6", 0, 5e6, runs=4, workers=1, tolerance=1e-300)


def test_bisection_stops_when_no_number_lies_between_its_ends():
    """A tolerance below the spacing of floats near the edge: the search ends at the nearest float instead of
    halving the same two numbers for ever."""
    from simulator.analysis.seek import _edge

    target = parse_target("mean(npv) >= 0")
    edge = 1.0 + 2 ** -40
    calls = []

    def statistic(value):
        calls.append(value)
        return 1.0 if value >= edge else -1.0

    found = _edge(statistic, target, 1.0, 2.0, "float", 1e-30, "minimize", "x", None)
    assert found == edge and len(calls) < 200
