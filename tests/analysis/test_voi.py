"""simulator.value_of_information: EVPI and EVPPI against closed forms, an input that does not matter, one strategy,
lower-is-better metrics, and where the value shows (summary.json, the files, the terminal, the report)."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from montecarlo_helpers import FAST, fast_scenario
from plot_helpers import _scenario_with
from scipy import stats

import cli
import simulator
from simulator.analysis import voi
from simulator.analysis.voi import ValueOfInformation, ValueOfInformationError

LEADS = "motions.enterprise.leads.per_month"      # the input the difference depends on
CHURN = "motions.smb.deal.monthly_churn"           # an input unrelated to it
UNRESOLVED = "motions.enterprise.process.unresolved_chance"   # an input that does not vary


def expected_positive_part(mean: float, sd: float) -> float:
    """E[max(Z, 0)] for Z normal with this mean and standard deviation."""
    return mean * stats.norm.cdf(mean / sd) + sd * stats.norm.pdf(mean / sd)


def two_strategies(n: int, seed: int, gap: float = 0.3, noise: float = 1.0, effect=lambda x: x):
    """Per-run values of two strategies, A - B = effect(x) - gap + noise * e, with x and u standard normal
    (u unrelated to the difference) and a large common part that the difference does not see."""
    rng = np.random.default_rng(seed)
    x, u, e = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    b = 5 * rng.standard_normal(n) + 3 * u
    return np.vstack([b + effect(x) - gap + noise * e, b]), x, u


def gains_over_choice(values: np.ndarray) -> np.ndarray:
    best = int(np.argmax(values.mean(axis=1)))
    return np.delete(values, best, axis=0) - values[best]


# -- the estimators against closed forms --------------------------------------------------------------------


def test_evpi_matches_its_closed_form_within_its_interval():
    # A - B = x - c + e, normal with mean -c and variance 2: EVPI = E[max(A - B, 0)] - max(-c, 0)
    gap = 0.3
    truth = expected_positive_part(-gap, math.sqrt(2)) - max(-gap, 0)
    values, _, _ = two_strategies(4000, seed=1, gap=gap)
    value, se, (low, high) = voi.evpi(values, np.random.default_rng(5))
    assert 0.005 < se < 0.03
    assert abs(value - truth) < 3 * se
    assert low <= truth <= high and low < value < high
    # it is the mean regret of the strategy best on average: here B
    assert value == pytest.approx(np.mean(np.maximum(values[0] - values[1], 0)))


def test_evppi_of_the_input_the_difference_depends_on_matches_its_closed_form():
    # E[A - B | x] = x - c: EVPPI(x) = E[max(x - c, 0)] - max(-c, 0); u has no bearing on the difference
    gap = 0.3
    truth = expected_positive_part(-gap, 1.0) - max(-gap, 0)
    values, x, u = two_strategies(4000, seed=2, gap=gap)
    gains = gains_over_choice(values)
    found, se, noise, parameters = voi.evppi(gains, voi.spline_bases(x), np.random.default_rng(6))
    assert 0.003 < se < 0.03 and abs(found - truth) < 3 * se
    assert found > noise and parameters >= 2
    unrelated, unrelated_se, unrelated_noise, _ = voi.evppi(gains, voi.spline_bases(u), np.random.default_rng(7))
    assert unrelated < 0.01 and not (unrelated > unrelated_noise and unrelated > 1.96 * unrelated_se)
    everything = voi.evpi(values)[0]
    assert unrelated <= found <= everything


def test_a_spline_finds_an_effect_that_is_not_monotone_where_a_straight_line_sees_none():
    # A - B = |x| - c + e: a straight line through |x| is flat, so only a curve can find its value
    gap = 0.5
    truth = (2 * (stats.norm.pdf(gap) - gap * stats.norm.sf(gap)) - max(math.sqrt(2 / math.pi) - gap, 0))
    values, x, _ = two_strategies(4000, seed=3, gap=gap, effect=np.abs)
    gains = gains_over_choice(values)
    found, se, noise, parameters = voi.evppi(gains, voi.spline_bases(x), np.random.default_rng(8))
    assert abs(found - truth) < 3 * se and found > noise and parameters >= 3
    line = voi.evppi(gains, voi.spline_bases(x)[:2])[0]
    assert line < found / 4


def test_the_standard_error_of_evppi_covers_the_truth_about_95_percent_of_the_time():
    gap, n = 0.3, 1000
    truth = expected_positive_part(-gap, 1.0) - max(-gap, 0)
    covered = 0
    for seed in range(60):
        values, x, _ = two_strategies(n, seed=100 + seed, gap=gap)
        found, se, _, _ = voi.evppi(gains_over_choice(values), voi.spline_bases(x), permutations=0)
        covered += abs(found - truth) <= 1.96 * se
    assert covered >= 51     # 95% of 60 is 57; 51 or more happens with chance > 99.9% if the se is right


def test_one_strategy_has_no_value_of_information():
    values, x, _ = two_strategies(500, seed=4)
    assert voi.evpi(values[:1], np.random.default_rng(1)) == (0.0, 0.0, (0.0, 0.0))
    assert voi.evppi(np.empty((0, 500)), voi.spline_bases(x), np.random.default_rng(1))[0] == 0.0


def test_an_input_with_few_distinct_values_gets_no_more_coefficients_than_values():
    x = np.repeat([4.0, 5.0], 200)
    assert [b.shape[1] for b in voi.spline_bases(x)] == [1, 2]
    assert [b.shape[1] for b in voi.spline_bases(np.ones(400))] == [1]


# -- from results ------------------------------------------------------------------------------------------


def synthetic_results(n: int = 3000, seed: int = 9, gap: float = 0.3e6, strategies=("enterprise", "smb")):
    """Results whose NPV difference, enterprise - smb, is 1e6 (x - c) + noise, x standard normal and drawn as
    enterprise's lead rate (its draw 6 + x: a shift leaves the regression unchanged); smb's churn is unrelated;
    the unresolved-objection chance is drawn but the same in every run."""
    values, x, u = two_strategies(n, seed, gap=gap / 1e6)
    npv = {"enterprise": 1e6 * values[0], "smb": 1e6 * values[1]}
    scenario = _scenario_with(strategies)
    runs = {s: {"npv": npv[s], "capital_needed": -npv[s]} for s in strategies}
    inputs = {"enterprise": {LEADS: 6 + x, UNRESOLVED: np.full(n, 0.02)},
              "smb": {CHURN: 0.035 + 0.005 * u}}
    summary = {"provenance": {"seed": seed, "runs": n}}
    return simulator.Results(scenario, list(strategies), runs, {s: {} for s in strategies}, summary,
                             inputs={s: inputs[s] for s in strategies}), x


def test_value_of_information_of_results_finds_the_input_that_decides_the_choice():
    results, _ = synthetic_results()
    found = simulator.value_of_information(results)
    assert isinstance(found, ValueOfInformation)
    assert found.best == "smb" and found.strategies == ("enterprise", "smb") and found.currency == "USD"
    assert found.chooses["enterprise"] + found.chooses["smb"] == pytest.approx(1)
    truth_evpi = 1e6 * (expected_positive_part(-0.3, math.sqrt(2)) - 0)
    truth_leads = 1e6 * expected_positive_part(-0.3, 1.0)
    assert abs(found.evpi - truth_evpi) < 3 * found.evpi_se
    assert found.evpi_ci95[0] <= truth_evpi <= found.evpi_ci95[1]
    leads, churn = found.partial(LEADS), found.partial(CHURN)
    assert abs(leads.evppi - truth_leads) < 3 * leads.se
    assert leads.clear and not churn.clear and churn.evppi < 0.05 * leads.evppi
    # an input that does not vary gets no value; the largest first; none above EVPI
    assert [p.input for p in found.partials] == [LEADS, CHURN]
    assert found.worth_learning() == (leads,)
    assert all(0 <= p.evppi <= found.evpi for p in found.partials)
    assert leads.evppi * 0.95 <= found.together.evppi <= found.evpi
    # deterministic: the bootstrap and the shuffles are seeded by the results' seed
    assert simulator.value_of_information(results).as_dict() == found.as_dict()


def test_a_metric_where_lower_is_better_chooses_the_lowest():
    results, _ = synthetic_results()
    on_npv = simulator.value_of_information(results)
    on_capital = simulator.value_of_information(results, metric="capital_needed")   # -npv: the same choice
    assert on_capital.best == on_npv.best
    assert on_capital.means == pytest.approx({s: -m for s, m in on_npv.means.items()})
    assert on_capital.evpi == pytest.approx(on_npv.evpi)
    assert on_capital.partial(LEADS).evppi == pytest.approx(on_npv.partial(LEADS).evppi)


def test_one_strategy_or_too_few_runs_give_no_partial_values():
    results, _ = synthetic_results()
    alone = simulator.value_of_information(results, strategies=["enterprise"])
    assert alone.evpi == 0 and alone.evpi_ci95 == (0.0, 0.0)
    assert all(p.evppi == 0 and not p.clear for p in alone.partials) and alone.note
    few, _ = synthetic_results(n=10)
    small = simulator.value_of_information(few)
    assert small.partials == () and "too few" in small.note and small.evpi >= 0


def test_unknown_metric_or_strategy_is_refused():
    results, _ = synthetic_results(n=50)
    with pytest.raises(ValueOfInformationError, match="did you mean 'npv'"):
        simulator.value_of_information(results, metric="npx")
    with pytest.raises(ValueOfInformationError, match="unknown metric 'zzqqxx'; expected one of revenue, cost, "):
        simulator.value_of_information(results, metric="zzqqxx")
    with pytest.raises(ValueOfInformationError, match="unknown strategy 'hybird'"):
        simulator.value_of_information(results, strategies=["enterprise", "hybird"])
    # a run where one strategy never runs out of cash and the other does is the run that decides the choice:
    # leaving it out (its month is NaN) would bias the answer, so such a metric is refused
    with pytest.raises(ValueOfInformationError, match="may never happen"):
        simulator.value_of_information(results, metric="cash_out_month")


def test_save_writes_the_table_and_the_json(tmp_path):
    results, _ = synthetic_results(n=400)
    found = simulator.value_of_information(results)
    out = found.save(tmp_path / "voi")
    assert sorted(p.name for p in out.iterdir()) == sorted(voi.FILES)
    with open(out / "value_of_information.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["kind"] for r in rows] == ["evpi", "evppi", "evppi", "evppi_together"]
    assert float(rows[0]["value"]) == found.evpi and rows[1]["input"] == LEADS
    data = json.loads((out / "value_of_information.json").read_text())
    assert data["evpi"]["value"] == found.evpi and data["worth_learning"] == [LEADS]
    assert ValueOfInformation.from_dict(data).as_dict() == found.as_dict()


# -- where it shows -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated():
    return simulator.simulate(fast_scenario(), runs=60, seed=3, workers=1)


def test_every_run_puts_it_in_summary_json(simulated, tmp_path):
    block = simulated.summary["value_of_information"]
    assert block == simulator.value_of_information(simulated).as_dict()
    assert block["metric"] == "npv" and block["currency"] == "USD" and block["runs"] == 60
    assert set(block["evpi"]) == {"value", "se", "ci95"}
    values = [entry["evppi"] for entry in block["inputs"]]
    assert values == sorted(values, reverse=True) and len(values) == 5
    loaded = simulator.Results.load(simulated.save(tmp_path / "run"))
    assert loaded.summary["value_of_information"] == block
    assert voi.of_results(loaded).as_dict() == block


def test_results_saved_without_it_get_it_computed(simulated):
    older = simulator.Results(simulated.scenario, simulated.strategies, simulated.runs, simulated.monthly,
                              {k: v for k, v in simulated.summary.items() if k != "value_of_information"},
                              simulated.costs, simulated.run_ids, simulated.inputs)
    assert voi.of_results(older).as_dict() == simulated.summary["value_of_information"]


def test_the_report_has_a_section_with_a_table_and_how_to_read_it(simulated):
    from simulator.present.report import report_html, value_html

    section = value_html(simulated)
    assert "Today's choice on mean NPV" in section and "How to read it" in section
    assert "enterprise leads per month" in section and "<code>motions.enterprise.leads.per_month</code>" in section
    assert "all inputs together" in section
    page = report_html(simulated, images={})
    assert 'id="value"' in page and '<a href="#value">Worth learning first</a>' in page


def test_the_terminal_names_what_is_worth_learning(tmp_path):
    results, _ = synthetic_results(n=2000, gap=0.1e6)
    from simulator.present.tables import worth_learning_line

    line = worth_learning_line(results)
    assert line.startswith("worth learning before committing (NPV): enterprise leads per month ($")
    assert "perfect information on everything: $" in line and "95% CI" in line
    alone, _ = synthetic_results(n=200, strategies=("enterprise",))
    assert worth_learning_line(alone) == ""
    sets = [arg for item in FAST for arg in ("--set", item)]
    result = CliRunner().invoke(cli.main, ["run", "--runs", "40", "--workers", "1", "--quiet", "--no-plots",
                                           "--out", str(tmp_path / "out"), *sets])
    assert result.exit_code == 0, result.output
    assert "\nworth learning before committing (NPV): " in result.stdout
