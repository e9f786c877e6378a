"""The bundled defaults reproduce the source article's facts (over a few hundred seeded runs)."""
import numpy as np
import pytest

import simulator
from simulator.engine import run_strategy
from simulator.engine.committee import draw_committees
from simulator.engine.resolve import resolve
from simulator.engine.units import DAYS_PER_MONTH

SCENARIO = simulator.load_scenario()


def _collect(strategy: str, motion: str, runs: int):
    cycles, objections, acv, first_month, win_rates, leads_to_won, churn = [], [], [], [], [], [], []
    for run in range(runs):
        result = run_strategy(SCENARIO, strategy, run)
        deals = result.deals[motion]
        won = deals["won"] & ~np.isnan(deals["close_day"])
        cycles.append((deals["close_day"] - deals["open_day"])[won])
        objections.append(deals["objections"][won])
        acv.append(result.monthly["bookings"].sum() / max(result.metrics["deals_won"], 1))
        first_month.append((result.monthly["deals_opened"][0], result.monthly["leads"][0]))
        win_rates.append(result.metrics["win_rate"])
        leads_to_won.append(result.metrics["deals_won"] / result.monthly["leads"].sum())
        churn.append(result.metrics["churn_rate"])
    return {"cycle_months": np.median(np.concatenate(cycles)) / DAYS_PER_MONTH,
            "objections": np.concatenate(objections), "acv": np.mean(acv),
            "first_month": np.mean(first_month, axis=0), "win_rate": np.nanmean(win_rates),
            "leads_to_won": np.mean(leads_to_won), "churn": np.nanmean(churn)}


@pytest.fixture(scope="module")
def enterprise():
    return _collect("enterprise", "enterprise", 200)


@pytest.fixture(scope="module")
def smb():
    return _collect("smb", "smb", 60)


@pytest.mark.slow
def test_enterprise_cycle_is_about_seven_months(enterprise):
    assert 6 <= enterprise["cycle_months"] <= 8


@pytest.mark.slow
def test_enterprise_deal_raises_about_thirty_objections(enterprise):
    assert 25 <= enterprise["objections"].mean() <= 35


def test_committee_has_six_to_ten_members():
    process = resolve(SCENARIO.motions["enterprise"], SCENARIO.seed, 0, "enterprise", "motions.enterprise").process
    members = draw_committees(process, 5000, np.random.default_rng(1)).members
    assert members.min() == 6 and members.max() == 10
    assert 6 <= members.mean() <= 10


@pytest.mark.slow
def test_contract_sizes_enterprise_100k_smb_1k(enterprise, smb):
    assert 70_000 <= enterprise["acv"] <= 130_000
    assert 700 <= smb["acv"] <= 1_300


def test_smb_cycle_is_about_three_months(smb):
    assert 2 <= smb["cycle_months"] <= 4


@pytest.mark.slow
def test_seed_stage_volumes(enterprise, smb):
    assert enterprise["first_month"][0] >= 4        # new enterprise opportunities in month 1
    assert smb["first_month"][1] >= 300             # SMB trial sign-ups in month 1


@pytest.mark.slow
def test_win_rates_within_public_benchmarks(enterprise, smb):
    assert 0.10 <= enterprise["win_rate"] <= 0.25    # enterprise opportunities: 10-20%, ~21% all B2B
    assert 0.05 <= smb["leads_to_won"] <= 0.20       # trial to paid: opt-in trials ~15%
    assert 0.025 <= smb["churn"] <= 0.05             # SMB monthly logo churn 3-5%


def test_midmarket_sits_between_enterprise_and_smb():
    """Default mid-market: a cycle between SMB's ~3 and enterprise's ~7 months, win rates of 15-25%."""
    scenario = simulator.parse_scenario("name: m\nmotions: {m: {type: midmarket}}\nstrategies: {m: {motions: [m]}}")
    cycles, win_rates = [], []
    for run in range(100):
        result = run_strategy(scenario, "m", run)
        deals = result.deals["m"]
        won = deals["won"] & ~np.isnan(deals["close_day"])
        cycles.append((deals["close_day"] - deals["open_day"])[won])
        win_rates.append(result.metrics["win_rate"])
    assert 3 <= np.median(np.concatenate(cycles)) / DAYS_PER_MONTH <= 6
    assert 0.15 <= np.nanmean(win_rates) <= 0.25
