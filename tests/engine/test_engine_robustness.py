"""Any valid scenario runs: random corners of the parameter space keep the books' identities."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import simulator
from simulator.engine import COST_CATEGORIES, run_strategies

CHANGES = {
    "motions.enterprise.team.reps": st.integers(0, 6),
    "motions.smb.team.reps": st.integers(0, 4),
    "motions.enterprise.team.deals_per_rep": st.integers(1, 12),
    "motions.smb.team.deals_per_rep": st.integers(1, 80),
    "motions.enterprise.team.attrition_per_year": st.sampled_from([0, 0.5, 1]),
    "motions.enterprise.leads.max_wait_days": st.sampled_from([0.5, 5, 60]),
    "motions.smb.leads.max_wait_days": st.sampled_from([0.5, 3, 30]),
    "motions.enterprise.leads.target_accounts": st.sampled_from([3, 50, 600]),
    "motions.enterprise.process.unresolved_chance": st.sampled_from([0, 0.2, 1]),
    "motions.enterprise.process.committee_size": st.integers(1, 12),
    "motions.smb.process.touched_share": st.sampled_from([0, 0.5, 1]),
    "motions.smb.leads.referrals_per_customer_per_month": st.sampled_from([0, 0.5]),
    "motions.enterprise.deal.billing": st.sampled_from(["annual", "quarterly", "monthly"]),
    "motions.smb.deal.billing": st.sampled_from(["annual", "monthly"]),
    "motions.enterprise.deal.payment_terms_days": st.sampled_from([0, 45, 120]),
    "motions.smb.deal.monthly_churn": st.sampled_from([0, 0.2, 1]),
    "motions.enterprise.deal.renewal_chance": st.sampled_from([0, 0.5, 1]),
    "motions.smb.start_month": st.sampled_from([1, 6, 12]),
}


@pytest.mark.slow
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional=CHANGES), st.integers(0, 1000))
def test_random_valid_scenarios_keep_the_identities(changes, run):
    overrides = ["horizon_months=12", "motions.enterprise.team.hires=[]", "motions.smb.team.hires=[]",
                 "strategies.hybrid.overrides={}"]
    overrides += [f"{key}={value}" for key, value in changes.items()]
    scenario = simulator.load_scenario(overrides=overrides)
    for strategy, result in run_strategies(scenario, run).items():
        m = result.monthly
        previous = np.concatenate(([scenario.company.starting_cash], m["cash"][:-1]))
        assert np.array_equal(m["cash"], previous + m["net_cash_flow"]), strategy
        assert np.array_equal(m["costs"], sum(result.costs[c] for c in COST_CATEGORIES)), strategy
        for name, flows in result.by_motion.items():
            scale = max(flows["billings"].sum(), 1.0)
            assert np.cumsum(flows["billings"] - flows["revenue"]).min() >= -1e-9 * scale, name
            assert np.cumsum(flows["billings"] - flows["collections"]).min() >= -1e-9 * scale, name
            assert flows["won"].sum() + flows["lost"].sum() + flows["open_deals"][-1] == flows["deals_opened"].sum()
            assert flows["leads"].sum() >= flows["deals_opened"].sum() + flows["cold"].sum()
            assert np.all(flows["customers"] >= 0)
        assert all(np.isfinite(v) or np.isnan(v) for v in result.metrics.values())
