"""The engine against theory and exact answers: Little's law, capacity, degenerate scenarios."""
import numpy as np
import pytest

from engine_helpers import certain_enterprise, scenario_from
from simulator.engine import run_strategy
from simulator.engine.committee import committee_outcomes, draw_committees, simulate_committee
from simulator.engine.resolve import resolve
from simulator.scenario.schema import CommitteeProcess
from simulator.engine.units import DAYS_PER_MONTH


def test_zero_leads_cost_exactly_the_fixed_costs():
    scenario = scenario_from({"e": certain_enterprise(leads__per_month=0, leads__marketing_per_month=2_000)})
    result = run_strategy(scenario, "e", 0)
    months = scenario.horizon_months
    monthly_cost = 10_000 + 10 * 10_000 + 2_000           # overhead + salaries + marketing
    assert result.monthly["revenue"].sum() == 0
    assert np.all(result.monthly["costs"] == monthly_cost)
    assert result.monthly["cash"][-1] == pytest.approx(1_000_000 - months * monthly_cost, rel=1e-14)
    assert result.metrics["capital_needed"] == pytest.approx(months * monthly_cost, rel=1e-14)
    assert np.isnan(result.metrics["cac"])


def test_certain_wins_give_exact_revenue_and_cash():
    """Every deal is won 100 days after its lead arrives, pays 1,000 a month from then on, forever."""
    scenario = scenario_from({"e": certain_enterprise()})
    for run in range(5):
        result = run_strategy(scenario, "e", run)
        deals = result.deals["e"]
        assert np.all(deals["won"][~np.isnan(deals["close_day"])])
        np.testing.assert_allclose((deals["close_day"] - deals["open_day"])[~np.isnan(deals["close_day"])], 100)
        win_month = (deals["close_day"][deals["won"]] // DAYS_PER_MONTH).astype(int)
        months = scenario.horizon_months
        expected_revenue = 1_000 * sum(months - m for m in win_month)
        leads = result.monthly["leads"].sum()
        expected_costs = months * (10_000 + 100_000) + 100 * leads
        assert result.metrics["revenue"] == pytest.approx(expected_revenue, rel=1e-12)
        assert result.monthly["costs"].sum() == pytest.approx(expected_costs, rel=1e-12)
        assert result.monthly["cash"][-1] == pytest.approx(1_000_000 + expected_revenue - expected_costs, rel=1e-12)
        assert result.metrics["deals_won"] == len(win_month)
        assert result.metrics["win_rate"] == 1.0


def test_annual_prepay_defers_revenue_exactly():
    """One annual invoice per customer a year: deferred revenue is what is billed and not yet earned."""
    scenario = scenario_from({"e": certain_enterprise(deal__billing="annual", deal__payment_terms_days=45)})
    result = run_strategy(scenario, "e", 1)
    flows = result.by_motion["e"]
    # every invoice is a whole year in advance, so billings are multiples of the 12,000 price
    assert np.allclose(flows["billings"] % 12_000, 0)
    assert flows["deferred_revenue"].min() >= 0
    # net-45 terms: an invoice is paid one or two months after it is sent, never before
    billed, collected = np.cumsum(flows["billings"]), np.cumsum(flows["collections"])
    assert np.all(collected <= billed + 1e-6)
    assert np.all(collected[2:] >= billed[:-2] - 1e-6)


def test_littles_law_on_the_pipeline():
    """Time-averaged open deals = deal arrival rate x mean time in the pipeline."""
    motion = certain_enterprise(leads__per_month=8)
    motion["process"] = {"committee_size": {"uniform_int": {"low": 2, "high": 4}, "per": "deal"},
                         "objections_per_member": {"poisson": {"mean": 2}, "per": "deal"},
                         "unresolved_chance": 0.05, "blockers_to_lose": 1}
    scenario = scenario_from({"e": motion}, horizon_months=120)
    ratios = []
    for run in range(30):
        result = run_strategy(scenario, "e", run)
        deals = result.deals["e"]
        lo, hi = 24 * DAYS_PER_MONTH, 96 * DAYS_PER_MONTH
        # exact time average of the number of open deals over [lo, hi]
        start = np.clip(deals["open_day"], lo, hi)
        stop = np.clip(np.where(np.isnan(deals["close_day"]), np.inf, deals["close_day"]), lo, hi)
        opened = ~np.isnan(deals["open_day"])
        average_open = np.sum((stop - start)[opened]) / (hi - lo)
        window = opened & (deals["open_day"] >= lo) & (deals["open_day"] < hi)
        rate = window.sum() / (hi - lo)
        sojourn = (deals["close_day"] - deals["open_day"])[window]
        assert not np.isnan(sojourn).any()
        ratios.append(average_open / (rate * sojourn.mean()))
    ratios = np.array(ratios)
    se = ratios.std(ddof=1) / np.sqrt(len(ratios))
    assert abs(ratios.mean() - 1) < 4 * se + 0.01


def test_capacity_binds_when_leads_far_exceed_reps():
    """2 reps x 5 deals, 100-day deals: at most 10 x 30.4 / 100 = 3.04 deals can start a month."""
    motion = certain_enterprise(leads__per_month=200, leads__max_wait_days=10)
    motion["team"].update({"reps": 2, "deals_per_rep": 5})
    scenario = scenario_from({"e": motion})
    capacity_rate = 10 * DAYS_PER_MONTH / 100
    opened = np.array([run_strategy(scenario, "e", run).monthly["deals_opened"][6:].mean() for run in range(10)])
    assert abs(opened.mean() - capacity_rate) < 0.05 * capacity_rate
    cold = run_strategy(scenario, "e", 0).by_motion["e"]["cold"].sum()
    assert cold > 0.9 * 200 * 36 - 10 * 36


def test_smb_rep_capacity_binds():
    """Every SMB lead needs a rep; one rep with 10 slots and 5-day touches serves at most 2 leads a day."""
    smb = {"type": "smb",
           "leads": {"per_month": 300, "max_wait_days": 3, "referrals_per_customer_per_month": 0},
           "team": {"reps": 1, "deals_per_rep": 10, "attrition_per_year": 0},
           "process": {"touched_share": 1, "objections": 1, "objection_days": 5, "unresolved_chance": 0}}
    scenario = scenario_from({"s": smb})
    result = run_strategy(scenario, "s", 0)
    days = scenario.horizon_months * DAYS_PER_MONTH
    opened = result.monthly["deals_opened"].sum()
    assert opened <= 10 * np.ceil(days / 5)          # each slot starts a lead at most every 5 days
    assert opened >= 0.97 * 10 * days / 5             # and is hardly ever idle with leads waiting
    assert result.by_motion["s"]["cold"].sum() > 0.7 * result.monthly["leads"].sum()


def test_committee_as_member_processes_matches_the_vectorized_committee():
    """The same draws, run as concurrent SimPy member processes, end every deal the same way."""
    process = resolve(CommitteeProcess(unresolved_chance=0.03), 1, 0, "enterprise", "process")
    draws = draw_committees(process, 300, np.random.default_rng(5))
    outcomes = committee_outcomes(draws)
    assert 0 < outcomes.won.sum() < 300
    for i in range(300):
        won, duration = simulate_committee(draws, i)
        assert won == outcomes.won[i]
        assert duration == pytest.approx(outcomes.duration[i], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("overrides", [[], ["motions.smb.team.deals_per_rep=45"],
                                       ["motions.smb.team.reps=1", "motions.smb.team.hires=[]",
                                        "motions.smb.team.deals_per_rep=25"]], ids=["loose", "edge", "binding"])
def test_smb_desk_shortcut_gives_the_lead_by_lead_answer(overrides, monkeypatch, request):
    """Months are first settled assuming every touched lead finds a slot, then lead by lead from the first
    month where one would not (the desk's numpy shortcut within a month, too): the books must not change.
    Loose: most runs never wait; edge: runs start waiting in different months; binding: from the start."""
    import simulator
    from simulator.engine.smb import SmbDesk
    from simulator.engine.team import RepDesk
    scenario = simulator.load_scenario(overrides=overrides)
    rewound = []
    monkeypatch.setattr(SmbDesk, "_rewind", lambda self, month, f=SmbDesk._rewind: (rewound.append(month),
                                                                                     f(self, month)))
    for run in range(6):
        monkeypatch.setattr(RepDesk, "fast", True)
        fast = run_strategy(scenario, "smb", run)
        monkeypatch.setattr(RepDesk, "fast", False)
        slow = run_strategy(scenario, "smb", run)
        for name in fast.monthly:
            assert np.array_equal(fast.monthly[name], slow.monthly[name]), name
        for name, values in slow.deals["smb"].items():
            assert np.array_equal(fast.deals["smb"][name], values, equal_nan=True), name
    if "edge" in request.node.callspec.id:
        assert max(rewound) > 1                # a second pass from late in the run: the state is restored
    if "binding" in request.node.callspec.id:
        assert rewound


def test_smb_buy_rate_is_the_mixture_over_buying_signals():
    """Self-serve deciders buy with the chance their signals give: overall, the mixture over all 16 combinations."""
    from itertools import product
    signals = {"return_visit": (0.5, 1.5), "pricing_page": (0.35, 2.5), "adds_teammate": (0.15, 3.0),
               "uses_product": (0.4, 3.0)}
    smb = {"type": "smb", "leads": {"per_month": 400, "referrals_per_customer_per_month": 0},
           "process": {"touched_share": 0, "buy_chance": 0.04, "cycle_days": 30,
                       "signals": {k: {"chance": c, "lift": lift} for k, (c, lift) in signals.items()}}}
    scenario = scenario_from({"s": smb})
    expected = 0.0
    for shown in product([False, True], repeat=4):
        chance, odds = 1.0, 0.04 / 0.96
        for on, (c, lift) in zip(shown, signals.values()):
            chance *= c if on else 1 - c
            odds *= lift if on else 1
        expected += chance * odds / (1 + odds)
    won = lost = 0
    for run in range(5):
        result = run_strategy(scenario, "s", run)
        won += result.metrics["deals_won"]
        lost += result.metrics["deals_lost"]
    rate = won / (won + lost)
    se = np.sqrt(expected * (1 - expected) / (won + lost))
    assert abs(rate - expected) < 4 * se


def test_a_motion_starting_later_is_the_same_motion_shifted():
    """start_month 7 over 36 months = the motion from month 1 over 30 months, six empty months before it."""
    motion = certain_enterprise(leads__per_month=4)
    motion["team"]["hires"] = [{"month": 3, "reps": 2}]
    later = dict(motion, start_month=7, team=dict(motion["team"], hires=[{"month": 9, "reps": 2}]))
    shifted = scenario_from({"e": later}, horizon_months=36)
    alone = scenario_from({"e": motion}, horizon_months=30)
    for run in range(3):
        a, b = run_strategy(shifted, "e", run), run_strategy(alone, "e", run)
        for name, flows in a.by_motion["e"].items():
            assert np.all(flows[:6] == 0), name
            assert np.array_equal(flows[6:], b.by_motion["e"][name]), name
        overhead = 10_000
        assert np.all(a.monthly["costs"][:6] == overhead)
        np.testing.assert_allclose(a.deals["e"]["open_day"] - 6 * DAYS_PER_MONTH, b.deals["e"]["open_day"])


def test_smb_referrals_come_from_the_customers_paying_at_the_month_start():
    """Referral sign-ups in month m are Poisson(rate x customers live in the book in month m - 1): with three
    months of implementation, customers signed but not yet live refer nobody (they would add about a third)."""
    rate = 0.3
    smb = {"type": "smb", "leads": {"per_month": 300, "referrals_per_customer_per_month": rate,
                                    "cost_per_lead": 1, "marketing_per_month": 0, "outsourced_per_month": 0},
           "process": {"touched_share": 0, "buy_chance": 0.3, "cycle_days": 20},
           "deal": {"implementation_months": 3, "monthly_churn": 0.05}}
    scenario = scenario_from({"s": smb})
    referred = expected = signed = 0.0
    for run in range(4):
        flows = run_strategy(scenario, "s", run).by_motion["s"]
        marketing_leads = flows["cost_lead_generation"]           # one per lead at cost 1
        referred += float(np.sum(flows["leads"] - marketing_leads))
        expected += rate * float(np.sum(flows["live_customers"][:-1]))
        signed += rate * float(np.sum(flows["customers"][:-1]))
    assert referred > 1_000 and signed > 1.2 * expected
    assert abs(referred - expected) < 4 * np.sqrt(expected)
