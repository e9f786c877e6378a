"""A per-deal distribution's parameters drawn once per run: each has its stated law over runs, every deal of a
run shares it, and the run's mean contract value spreads across runs as the law of total variance says."""
import math

import numpy as np
import pytest
from engine_helpers import smb_text
from scipy import stats

from simulator import parse_scenario
from simulator.engine import input_names, run_strategies
from simulator.engine.resolve import correlated_uniforms, draw, resolve, uncertain_inputs

RUNS = 2000
MEDIAN = "motions.smb.deal.contract_value.lognormal.median"
SIGMA = "motions.smb.deal.contract_value.lognormal.sigma"


def smb(contract_value: str, extra: str = "", per_month: str = "300"):
    return parse_scenario(smb_text(contract_value, per_month, extra, horizon=6))


NESTED = smb("{lognormal: {median: {normal: {mean: 12000, sd: 400}, per: run}, "
             "sigma: {gamma: {mean: 0.46, sd: 0.024}, per: run}}, per: deal}")


def resolved(scenario, run: int, drawn=None):
    uniforms = correlated_uniforms(scenario, scenario.seed, run)
    return resolve(scenario.motions["smb"], scenario.seed, run, "smb", "motions.smb", uniforms, drawn)


def test_each_drawn_parameter_has_its_stated_law_over_runs_and_is_recorded_as_an_input():
    medians, sigmas = np.empty(RUNS), np.empty(RUNS)
    for run in range(RUNS):
        drawn: dict = {}
        law = resolved(NESTED, run, drawn).deal.contract_value
        medians[run], sigmas[run] = law.lognormal.median, law.lognormal.sigma
        assert drawn[MEDIAN] == medians[run] and drawn[SIGMA] == sigmas[run]   # the number the deals use
    assert stats.kstest(medians, stats.norm(12000, 400).cdf).pvalue > 1e-3
    shape = (0.46 / 0.024) ** 2
    assert stats.kstest(sigmas, stats.gamma(shape, scale=0.46 / shape).cdf).pvalue > 1e-3
    # drawn from their own streams: the two are independent
    assert abs(stats.spearmanr(medians, sigmas).statistic) < 4 / math.sqrt(RUNS)
    assert uncertain_inputs(NESTED.motions["smb"], "motions.smb") == [MEDIAN, SIGMA]


def test_every_deal_of_a_run_shares_the_run_s_median_and_sigma():
    """The engine's own deals: their log values have the run's log median as mean and its sigma as sd."""
    for run in range(3):
        result = run_strategies(NESTED, run)["smb"]
        logs = np.log(result.deals["smb"]["acv"])
        median, sigma = result.inputs[MEDIAN], result.inputs[SIGMA]
        n = logs.size
        assert n > 1000
        assert abs(logs.mean() - math.log(median)) < 4 * sigma / math.sqrt(n)
        assert abs(logs.std(ddof=1) - sigma) < 4 * sigma / math.sqrt(2 * (n - 1))


@pytest.mark.parametrize("nested", [True, False], ids=["median drawn per run", "median fixed"])
def test_the_run_mean_spreads_across_runs_as_the_law_of_total_variance_says(nested):
    """A run of k deals, each lognormal(M, sigma) with M lognormal(m, tau) drawn once per run:
    Var(run mean) = Var(M) e^(sigma^2) + E[M^2] e^(sigma^2) (e^(sigma^2) - 1) / k; tau = 0 without nesting."""
    m, tau, sigma, k = 1000.0, 0.2, 0.5, 40
    median = f"{{lognormal: {{median: {m}, sigma: {tau}}}}}" if nested else str(m)
    scenario = smb(f"{{lognormal: {{median: {median}, sigma: {sigma}}}, per: deal}}")
    means = np.empty(RUNS)
    for run in range(RUNS):
        law = resolved(scenario, run).deal.contract_value
        means[run] = draw(law, np.random.default_rng([7, run]), k).mean()
    t2, s2 = (tau ** 2 if nested else 0.0), sigma ** 2
    var_m, second_m = m ** 2 * math.exp(t2) * math.expm1(t2), m ** 2 * math.exp(2 * t2)
    theory = var_m * math.exp(s2) + second_m * math.exp(s2) * math.expm1(s2) / k
    squares = (means - means.mean()) ** 2
    assert abs(squares.mean() - theory) < 4 * squares.std() / math.sqrt(RUNS)
    # the mean over runs is E[M] e^(sigma^2 / 2) either way
    expected = m * math.exp(t2 / 2 + s2 / 2)
    assert abs(means.mean() - expected) < 4 * means.std() / math.sqrt(RUNS)


def test_a_correlation_may_join_a_drawn_parameter_with_another_per_run_input():
    scenario = smb("{lognormal: {median: {lognormal: {median: 1000, sigma: 0.2}}, sigma: 0.5}, per: deal}",
                   "correlations:\n  - between: [" + MEDIAN + ", motions.smb.leads.per_month]\n    rank: 0.8\n",
                   per_month="{gamma: {mean: 300, sd: 30}}")
    x, y = np.empty(1000), np.empty(1000)
    for run in range(1000):
        motion = resolved(scenario, run)
        x[run], y[run] = motion.deal.contract_value.lognormal.median, motion.leads.per_month
    assert abs(stats.spearmanr(x, y).statistic - 0.8) < 4 * (1 - 0.8 ** 2 + 0.05) / math.sqrt(1000)
    assert stats.kstest(x, stats.lognorm(0.2, scale=1000).cdf).pvalue > 1e-3


def test_a_drawn_parameter_is_an_input_of_the_run_and_of_the_scenario():
    assert MEDIAN in input_names(NESTED) and SIGMA in input_names(NESTED)
    result = run_strategies(NESTED, 0)["smb"]
    assert set(result.inputs) == {MEDIAN, SIGMA}


def test_a_parameter_drawn_as_a_constant_gives_exactly_the_runs_of_the_plain_number():
    plain = smb("{lognormal: {median: 1000, sigma: 0.4}, per: deal}")
    constant = smb("{lognormal: {median: {constant: {value: 1000}}, sigma: 0.4}, per: deal}")
    for run in range(2):
        a, b = run_strategies(plain, run)["smb"], run_strategies(constant, run)["smb"]
        for name in a.monthly:
            assert np.array_equal(a.monthly[name], b.monthly[name]), name
        assert np.array_equal(a.deals["smb"]["acv"], b.deals["smb"]["acv"])
        assert b.inputs == {MEDIAN: 1000.0}
