"""The committee motion's pipeline against its literal SimPy model: the same books and deals, draw for draw."""
import numpy as np
import pytest

import simulator
from engine_helpers import certain_enterprise, scenario_from
from literal_enterprise import literal_committee_motions
from simulator.engine import run_strategies

REVSIM = "benchmarks/revsim_simple.yaml"


def _binding(target_accounts=None, **changes) -> dict:
    """A committee motion whose one or two reps are the bottleneck: leads wait, some go cold,
    capacity moves with ramping hires and attrition, and accounts cool off."""
    motion = certain_enterprise(**{
        "leads__per_month": 9, "leads__max_wait_days": 12,
        "team__reps": 1, "team__deals_per_rep": 3, "team__attrition_per_year": 0.5, "team__ramp_months": 2,
        "team__hires": [{"month": 7, "reps": 1}],
        "process__committee_size": {"uniform": {"low": 1, "high": 4}},
        "process__objections_per_member": {"poisson": {"mean": 2}}, "process__unresolved_chance": 0.15,
        "process__blockers_to_lose": 2,
        "deal__monthly_churn": 0.05, **changes})
    motion["process"]["stages"]["demo"]["loss_chance"] = 0.3
    if target_accounts:
        motion["leads"].update(target_accounts=target_accounts, cooling_off_months=2)
    return motion


CASES = {
    "default": lambda: simulator.load_scenario(None),
    "midmarket": lambda: simulator.load_scenario("scenarios/midmarket.yaml"),
    "revsim": lambda: simulator.load_scenario(REVSIM),
    "binding": lambda: scenario_from({"e": _binding()}),
    "binding_accounts": lambda: scenario_from({"e": _binding(target_accounts=40)}),
    "no_patience": lambda: scenario_from({"e": _binding(target_accounts=25, leads__max_wait_days=0.5)}),
}


def _same(fast, slow, where):
    for part in ("monthly", "costs"):
        for key, value in getattr(slow, part).items():
            np.testing.assert_allclose(getattr(fast, part)[key], value, rtol=1e-12, atol=1e-9,
                                       err_msg=f"{where} {part} {key}")
    for key, value in slow.metrics.items():
        assert fast.metrics[key] == pytest.approx(value, rel=1e-12, abs=1e-9, nan_ok=True), f"{where} {key}"
    for motion, deals in slow.deals.items():
        for key, value in deals.items():
            np.testing.assert_allclose(fast.deals[motion][key], value, rtol=1e-12, atol=1e-9,
                                       err_msg=f"{where} {motion} {key}")


@pytest.mark.parametrize("case", list(CASES))
def test_the_pipeline_gives_the_literal_models_books_and_deals(case):
    """Every series, cost, metric and per-lead record of every strategy, for several run indices."""
    scenario = CASES[case]()
    runs = (0, 1) if case in ("default", "revsim") else (0, 1, 2, 3)
    for run in runs:
        fast = run_strategies(scenario, run)
        with literal_committee_motions():
            slow = run_strategies(scenario, run)
        for strategy in slow:
            _same(fast[strategy], slow[strategy], f"{case} run {run} {strategy}")


def test_the_binding_cases_exercise_the_queue():
    """The cases above would prove little if nobody waited: some leads wait, some go cold, accounts turn leads away."""
    scenario = CASES["binding_accounts"]()
    result = run_strategies(scenario, 0)["e"]
    deals = result.deals["e"]
    lead = ~np.isnan(deals["arrival_day"])
    waited = deals["open_day"][lead] - deals["arrival_day"][lead] > 0
    assert waited.sum() > 10
    assert result.by_motion["e"]["cold"].sum() > 10
    arrivals = 9 * 36    # expected arrivals; leads are the arrivals that found their account free
    assert lead.sum() == result.by_motion["e"]["leads"].sum() < arrivals - 5 * arrivals ** 0.5
