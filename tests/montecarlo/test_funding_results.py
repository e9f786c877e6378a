"""Results of a plan that reacts to cash: the rounds' and rules' metrics and series are saved, read back, tabled
and reported; a scenario without them keeps its files as they were."""
import numpy as np
import yaml

from simulator import parse_scenario, simulate
from simulator.engine.catalogue import SERIES, metric_entry, run_metric_names, run_series_names
from simulator.montecarlo.results import Results
from simulator.present import plots
from simulator.present.report import funding_html
from simulator.present.tables import comparison_table

PLAN = {
    "name": "funded", "horizon_months": 12, "seed": 3,
    "company": {"starting_cash": 200_000, "overhead_per_month": 30_000,
                "funding": [{"name": "seed", "amount": 300_000, "month": 2},
                            {"name": "bridge", "amount": 100_000, "window": [3, 12], "when": "cash < 150_000"}]},
    "policies": [{"name": "freeze", "when": "months_of_runway < 8", "release": "months_of_runway > 12",
                  "actions": {"freeze_hiring": "all", "cut_overhead": 0.5}}],
    "motions": {"smb": {"type": "smb", "leads": {"per_month": 60}, "team": {"hires": [{"month": 6, "reps": 2}]}}},
    "strategies": {"plan": {"motions": ["smb"]}, "plain": {"motions": ["smb"], "policies": []}},
}


def test_rounds_and_rules_are_saved_read_back_tabled_and_reported(tmp_path):
    scenario = parse_scenario(yaml.safe_dump(PLAN))
    names = run_metric_names(scenario)
    assert names[-5:] == ("funding_received", "round.seed", "round.bridge", "rule.freeze.fired",
                          "rule.freeze.months")
    assert run_series_names(scenario) == SERIES + ("funding", "runway", "rule.freeze")
    results = simulate(scenario, runs=6, workers=1)
    again = Results.load(results.save(tmp_path / "out"))
    for s in results.strategies:
        for name in ("round.seed", "round.bridge", "rule.freeze.months", "funding_received"):
            assert np.array_equal(again.runs[s][name], results.runs[s][name]), name
        assert np.array_equal(again.monthly[s]["rule.freeze"], results.monthly[s]["rule.freeze"])
        assert np.array_equal(again.monthly[s]["runway"], results.monthly[s]["runway"])
    assert results.runs["plan"]["round.seed"].tolist() == [1.0] * 6
    assert results.runs["plain"]["rule.freeze.months"].tolist() == [0.0] * 6
    assert results.runs["plan"]["rule.freeze.fired"].mean() > 0
    table = comparison_table(again)
    assert "round bridge comes" in table and "rule freeze fires" in table and "months under freeze (mean)" in table
    html = funding_html(again, plots.strategy_colors(again.strategies), {})
    assert "Chance round bridge comes" in html and "against the same plan without its rules" in html
    assert "share of runs under the rule, by month" in html


def test_round_and_rule_metrics_have_labels():
    assert metric_entry("round.bridge").short == "round bridge comes"
    assert metric_entry("rule.freeze.fired").short == "rule freeze fires"
    assert metric_entry("rule.freeze.months").kind == "months"
    assert metric_entry("funding_received").kind == "money"


def test_a_plan_with_rules_draws_its_charts_and_report(tmp_path):
    """The whole output of `salesim run` for a plan with rules: every chart, the rules' chart, the report."""
    from simulator.present.report import write_outputs

    results = simulate(parse_scenario(yaml.safe_dump(PLAN)), runs=6, workers=1)
    directory = tmp_path / "out"
    directory.mkdir()
    files = write_outputs(results, directory)
    assert directory / "rules.png" in files and directory / "rules.svg" in files
    assert all(path.stat().st_size > 0 for path in files)
    assert 'id="rules"' in (directory / "report.html").read_text()
