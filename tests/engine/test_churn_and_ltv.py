"""Churn and LTV against known answers: yearly renewals, monthly churn, no churn at all."""
import math

import numpy as np
import pytest

from engine_helpers import certain_enterprise, scenario_from
from simulator.engine import run_strategy
from simulator.engine.customers import renewals_due


def test_renewals_due_count_what_a_walk_through_contract_years_counts():
    rng = np.random.default_rng(3)
    horizon = 40
    live = rng.integers(0, 45, 500)
    ends = live + rng.integers(1, 60, 500)
    got = renewals_due(live, ends, horizon)
    due = lost = stayed = 0
    for start, end in zip(live.tolist(), ends.tolist()):
        year = start
        while year + 12 <= horizon - 1 and end > year:   # its renewal month lies within the horizon
            due += 1
            lost += end <= year + 12
            stayed += min(end, year + 12) - year
            year += 12
    assert (got.due, got.lost, got.months_stayed) == (due, lost, stayed)


def _metric_over_runs(scenario, name, runs=30):
    values = np.array([run_strategy(scenario, "e", run).metrics[name] for run in range(runs)])
    assert not np.isnan(values).any()          # no run is dropped
    return values.mean(), values.std(ddof=1) / np.sqrt(runs)


@pytest.mark.parametrize("renewal", [0.8, 0.9])
def test_yearly_renewals_give_annual_churn_one_minus_renewal(renewal):
    """Customers can leave only at anniversaries: monthly churn 1 - r^(1/12), lifetime 12 / (1 - r) months."""
    motion = certain_enterprise(leads__per_month=10, deal__renewal_chance=renewal)
    scenario = scenario_from({"e": motion}, horizon_months=60,
                             company={"starting_cash": 1e6, "overhead_per_month": 0, "ltv_max_months": 600})
    mean, se = _metric_over_runs(scenario, "churn_rate")
    assert abs(mean - (1 - renewal ** (1 / 12))) < 4 * se
    mean, se = _metric_over_runs(scenario, "ltv")
    assert abs(mean - 1_000 * 12 / (1 - renewal)) < 4 * se + 0.01 * mean   # ARPA 1,000 a month, margin 1


def test_monthly_churn_gives_its_own_rate_and_lifetime():
    motion = certain_enterprise(leads__per_month=10, deal__renewal_chance=1, deal__monthly_churn=0.05)
    scenario = scenario_from({"e": motion}, horizon_months=48,
                             company={"starting_cash": 1e6, "overhead_per_month": 0, "ltv_max_months": 600})
    mean, se = _metric_over_runs(scenario, "churn_rate")
    assert abs(mean - 0.05) < 4 * se
    mean, se = _metric_over_runs(scenario, "ltv")
    assert abs(mean - 1_000 / 0.05) < 4 * se + 0.01 * mean


def test_no_churn_counts_the_capped_lifetime_and_drops_no_run():
    scenario = scenario_from({"e": certain_enterprise(leads__per_month=2)},
                             company={"starting_cash": 1e6, "overhead_per_month": 0, "ltv_max_months": 48})
    for run in range(5):
        metrics = run_strategy(scenario, "e", run).metrics
        assert metrics["churn_rate"] == 0
        assert metrics["ltv"] == 1_000 * 48


def test_new_money_is_what_keeps_cash_above_the_buffer():
    """Zero leads: cash falls by the fixed costs every month; the new money is what the trough lacks."""
    motion = certain_enterprise(leads__per_month=0)
    for starting, buffer in ((1_000_000, 0), (1_000_000, 300_000), (5_000_000, 0)):
        scenario = scenario_from({"e": motion}, company={"starting_cash": starting, "overhead_per_month": 10_000,
                                                         "minimum_cash": buffer})
        metrics = run_strategy(scenario, "e", 0).metrics
        burn = 36 * (10_000 + 10 * 10_000)                # overhead and ten reps' salaries, 36 months
        assert metrics["capital_needed"] == pytest.approx(burn)
        assert metrics["new_money_needed"] == pytest.approx(max(0, burn + buffer - starting))
        assert math.isfinite(metrics["new_money_needed"])
