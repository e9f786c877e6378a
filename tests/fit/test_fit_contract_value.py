"""The fitted contract value carries its sampling error into the runs: few won deals spread the runs' mean
contract value wider than many, by sqrt(n) as the standard errors of the log mean and sigma say."""
import math

import numpy as np
import pytest

from simulator import parse_scenario
from simulator.engine.resolve import resolve
from simulator.fit.estimate import fit_value
from simulator.fit.motion import _contract_value, yaml_text

RUNS = 2000
TRUE_MEDIAN, TRUE_SIGMA = 12_000.0, 0.46


def fitted_value(amounts: np.ndarray):
    """The contract value the fit writes for these amounts, read back through a scenario file."""
    data, notes = {"deal": {}}, {}
    _contract_value(data, notes, fit_value(amounts), "2024-01 to 2024-12")
    text = yaml_text({"name": "fitted", "motions": {"smb": {"type": "smb", **data}},
                      "strategies": {"smb": {"motions": ["smb"]}}}, {("motions", "smb", *k): v for k, v in
                                                                       notes.items()})
    return parse_scenario(text), notes[("deal", "contract_value")]


def run_means(scenario) -> np.ndarray:
    """Each run's expected contract value, median x exp(sigma^2 / 2), at the run's drawn median and sigma."""
    means = np.empty(RUNS)
    for run in range(RUNS):
        law = resolve(scenario.motions["smb"], scenario.seed, run, "smb", "motions.smb").deal.contract_value
        means[run] = law.mean()
    return means


def test_the_median_and_sigma_are_drawn_per_run_from_their_sampling_distributions():
    amounts = np.random.default_rng(3).lognormal(math.log(TRUE_MEDIAN), TRUE_SIGMA, 200)
    value = fit_value(amounts)
    scenario, note = fitted_value(amounts)
    law = scenario.motions["smb"].deal.contract_value
    median, sigma = law.drawn()["median"], law.drawn()["sigma"]
    assert law.per == "deal" and median.per == "run" and sigma.per == "run"
    assert median.lognormal.median == pytest.approx(value.median, rel=1e-3)
    assert median.lognormal.sigma == pytest.approx(value.sigma / math.sqrt(200), rel=1e-3)
    assert sigma.gamma.mean_ == pytest.approx(value.sigma, rel=1e-3)
    assert sigma.gamma.sd == pytest.approx(value.sigma / math.sqrt(2 * 199), rel=1e-3)
    assert "drawn once per run from their sampling distributions" in note


def test_few_won_deals_give_a_wider_spread_of_mean_contract_value_than_many():
    rng = np.random.default_rng(11)
    spread = {}
    for n in (40, 4000):
        amounts = rng.lognormal(math.log(TRUE_MEDIAN), TRUE_SIGMA, n)
        value = fit_value(amounts)
        logs = np.log(run_means(fitted_value(amounts)[0]))
        # log(run mean) = log median + sigma^2 / 2: variance tau^2 + (sigma x sd of sigma)^2, to first order
        theory = math.sqrt(value.log_median_se ** 2 + (value.sigma * value.sigma_se) ** 2)
        assert abs(logs.std() - theory) < 4 * theory / math.sqrt(2 * RUNS) + 0.02 * theory, n
        spread[n] = logs.std()
    # a hundred times the deals: about a tenth of the spread (each fit has its own sigma)
    assert spread[40] > 5 * spread[4000]


def test_an_empirical_contract_value_is_resampled_as_it_is_and_says_so():
    rng = np.random.default_rng(5)
    amounts = np.concatenate([rng.normal(5_000, 100, 150), rng.normal(50_000, 500, 150)])   # no lognormal
    scenario, note = fitted_value(amounts)
    law = scenario.motions["smb"].deal.contract_value
    assert law.name == "empirical" and not law.drawn()
    assert "their sampling error is not simulated" in note
