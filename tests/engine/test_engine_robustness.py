"""Any valid scenario runs: random corners of the parameter space keep the books' identities."""
import numpy as np
import yaml
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


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(motion_type=st.sampled_from(["enterprise", "midmarket", "smb"]),
       per_month=st.sampled_from([0, 0.05, 0.3, 1, 3]), touched=st.sampled_from([0, 0.5, 1]),
       start_month=st.sampled_from([1, 4]), run=st.integers(0, 10_000))
def test_sparse_funnels_of_every_type_run(motion_type, per_month, touched, start_month, run):
    """Zero, one or a handful of leads a month (a first month with no lead included) runs and keeps the flow."""
    motion = {"type": motion_type, "start_month": start_month,
              "leads": {"per_month": per_month, "referrals_per_customer_per_month": 0.5 if per_month else 0}}
    if motion_type == "smb":
        motion["process"] = {"touched_share": touched}
    data = {"name": "sparse", "horizon_months": 12, "motions": {"m": motion},
            "strategies": {"only": {"motions": ["m"]}}}
    scenario = simulator.parse_scenario(yaml.safe_dump(data))
    result = run_strategies(scenario, run)["only"]
    flows = result.by_motion["m"]
    assert flows["won"].sum() + flows["lost"].sum() + flows["open_deals"][-1] == flows["deals_opened"].sum()
    assert flows["leads"].sum() >= flows["deals_opened"].sum() + flows["cold"].sum()
    if per_month == 0:
        assert flows["leads"].sum() == 0 and result.metrics["revenue"] == 0
