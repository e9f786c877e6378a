"""Every per-run draw of an uncertain input is recorded with the run, and is the value the run used."""
import numpy as np

import simulator
from simulator.engine import input_names, run_strategies


def test_every_uncertain_input_of_every_strategy_is_recorded():
    scenario = simulator.load_scenario()
    names = input_names(scenario)
    assert "motions.enterprise.leads.per_month" in names and "motions.smb.leads.per_month" in names
    for strategy, result in run_strategies(scenario, 4).items():
        expected = {p for p in names if p.split(".")[1] in scenario.strategies[strategy].motions
                    or p.startswith("company.")}
        assert set(result.inputs) == expected, strategy


def test_the_recorded_lead_rate_is_the_rate_the_run_met():
    """Leads in a run's first month are Poisson with the recorded rate: their sum over runs matches its sum."""
    scenario = simulator.load_scenario(overrides=["motions.smb.leads.referrals_per_customer_per_month=0"])
    rates, leads = [], []
    for run in range(200):
        result = run_strategies(scenario, run, strategies=["smb"])["smb"]
        rates.append(result.inputs["motions.smb.leads.per_month"])
        leads.append(result.by_motion["smb"]["leads"][0])
    rates, leads = np.array(rates), np.array(leads)
    assert np.std(rates) > 10                                    # the rate is uncertain from run to run
    # Poisson: the sum of leads has variance the sum of rates
    assert abs(leads.sum() - rates.sum()) < 4 * np.sqrt(rates.sum())
    # and the runs with higher rates met more leads, one for one
    slope = np.polyfit(rates, leads, 1)[0]
    assert abs(slope - 1) < 0.1                                 # about 5 standard errors of the slope
