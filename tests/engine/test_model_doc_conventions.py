"""Conventions docs/model.md states, each recomputed from the doc's words out of a run's public records.

Every figure here is rebuilt from per-lead records (``RunResult.deals``) and
the monthly series with plain loops written from the doc, never through the
engine's own helpers, so that a reader who follows the doc gets the engine's
numbers.
"""
import math

import numpy as np

from engine_helpers import certain_enterprise, scenario_from
from simulator.engine import run_strategy
from simulator.montecarlo.statistics import summarize

DAYS_PER_MONTH = 365.25 / 12


def _win_months(deals) -> list[tuple[float, int]]:
    """(win day, 0-based month of the win) of each won deal, from the per-lead records."""
    days = [float(d) for d, w in zip(deals["close_day"], deals["won"]) if w]
    return [(d, math.floor(d / DAYS_PER_MONTH)) for d in days]


def test_a_replacement_starts_after_the_delay_counted_from_the_month_after_the_last_on_the_team():
    """A rep whose last month on the team is L is replaced in month L + 1 + d: the seat stays empty d months."""
    for delay in (0, 2, 3):
        motion = certain_enterprise(team__reps=1, team__attrition_per_year=1.0,
                                    team__replacement_delay_months=delay, team__salary_per_month=1000)
        scenario = scenario_from({"e": motion}, horizon_months=30)
        for run in range(3):
            result = run_strategy(scenario, "e", run)
            reps = result.by_motion["e"]["reps"].astype(int).tolist()
            assert result.costs["salaries"].tolist() == [1000.0 * r for r in reps]
            gaps, t = [], 0
            while t < len(reps):
                if reps[t] == 0:
                    start = t
                    while t < len(reps) and reps[t] == 0:
                        t += 1
                    if t < len(reps):          # a gap closed by a replacement within the horizon
                        gaps.append(t - start)
                else:
                    t += 1
            assert all(g == delay for g in gaps), (delay, reps)
            if delay == 0:
                assert reps == [1] * 30
            else:
                assert gaps, reps              # with attrition 1 a year, someone leaves within 30 months


def test_ramping_reps_carry_a_share_of_a_load_and_slots_are_the_floor_of_the_sum():
    """Month j (0 = first) of a ramping rep carries (j + 1) / ramp_months of deals_per_rep; slots = floor(sum)."""
    motion = certain_enterprise(team__reps=1, team__hires=[{"month": 3, "reps": 2}], team__ramp_months=4,
                                team__deals_per_rep=3)
    result = run_strategy(scenario_from({"e": motion}, horizon_months=8), "e", 0)
    expected = []
    for month in range(1, 9):
        load = 3.0
        if month >= 3:
            load += 2 * 3 * min(1.0, (month - 3 + 1) / 4)
        expected.append(math.floor(load))
    assert result.by_motion["e"]["capacity"].tolist() == expected == [3, 3, 4, 6, 7, 9, 9, 9]
    assert result.by_motion["e"]["reps"].tolist() == [1, 1, 3, 3, 3, 3, 3, 3]


def test_leads_grow_from_the_motion_s_second_month():
    """Month m's expected leads are per_month x (1 + growth)^(m - 1) + outsourced: month 1 is not grown."""
    motion = certain_enterprise(leads__per_month=40, leads__growth_per_month=0.1,
                                leads__outsourced_leads_per_month=5)
    scenario = scenario_from({"e": motion}, horizon_months=12)
    runs = 10
    total = sum(run_strategy(scenario, "e", run).by_motion["e"]["leads"].sum() for run in range(runs))
    expected = runs * sum(40 * 1.1 ** (m - 1) + 5 for m in range(1, 13))
    assert abs(total - expected) < 4 * math.sqrt(expected)      # Poisson: variance = mean
    grown_from_month_1 = runs * sum(40 * 1.1 ** m + 5 for m in range(1, 13))
    assert abs(total - grown_from_month_1) > 4 * math.sqrt(grown_from_month_1)


def test_invoices_collections_and_implementation_cost_follow_the_win_s_day_of_the_month():
    """Annual invoices dated on the go-live month's day matching the win's day, paid in the month their
    terms fall in; implementation cost in equal parts from the month of the win; revenue from go-live."""
    motion = certain_enterprise(deal__billing="annual", deal__payment_terms_days=45, deal__implementation_months=2,
                                deal__implementation_cost=3000, deal__expansion_per_year=0.1)
    horizon = 30
    result = run_strategy(scenario_from({"e": motion}, horizon_months=horizon), "e", 0)
    billings, collections, revenue, customization = (np.zeros(horizon) for _ in range(4))
    lags = set()
    for day, month in _win_months(result.deals["e"]):
        live = month + 2
        invoice_day = live * DAYS_PER_MONTH + (day - month * DAYS_PER_MONTH)
        for year in range(3):
            price = 12_000 * 1.1 ** year
            first = live + 12 * year
            if first < horizon:
                billings[first] += price
                paid = math.floor((invoice_day + 12 * year * DAYS_PER_MONTH + 45) / DAYS_PER_MONTH)
                lags.add(paid - first)
                if paid < horizon:
                    collections[paid] += price
            for m in range(first, min(first + 12, horizon)):
                revenue[m] += price / 12
        for k in range(2):
            if month + k < horizon:
                customization[month + k] += 1500
    flows = result.by_motion["e"]
    np.testing.assert_allclose(flows["billings"], billings, atol=1e-6)
    np.testing.assert_allclose(flows["collections"], collections, atol=1e-6)
    np.testing.assert_allclose(flows["revenue"], revenue, atol=1e-6)
    np.testing.assert_allclose(flows["cost_customization"], customization, atol=1e-6)
    assert billings.sum() > 0 and collections.sum() < billings.sum()   # some invoices still unpaid at the end
    assert lags == {1, 2}       # the win's day of the month decides whether 45 days cross one month end or two


def test_a_leaver_counts_as_a_customer_through_its_last_paid_month_and_churns_in_the_next():
    """Nobody renews: a customer live in month L pays months L..L+11, counts until L+11, churns in L+12."""
    motion = certain_enterprise(deal__renewal_chance=0, deal__implementation_months=1)
    horizon = 30
    result = run_strategy(scenario_from({"e": motion}, horizon_months=horizon), "e", 0)
    customers, live_customers, churned = np.zeros(horizon), np.zeros(horizon), np.zeros(horizon)
    for _, month in _win_months(result.deals["e"]):
        live = month + 1
        for m in range(month, min(live + 12, horizon)):
            customers[m] += 1
            live_customers[m] += m >= live
        if live + 12 < horizon:
            churned[live + 12] += 1
    flows = result.by_motion["e"]
    assert flows["customers"].tolist() == customers.tolist()
    assert flows["live_customers"].tolist() == live_customers.tolist()
    assert flows["churned"].tolist() == churned.tolist()
    assert churned.sum() > 0


def test_ltv_and_cac_payback_use_the_service_margin_and_cac_counts_every_deal_won():
    """Gross margin for LTV and CAC payback is 1 - cost of service / revenue (not customization or card fees);
    CAC's new customers are the deals won, live or still in implementation; CAC payback divides by the mean
    first-year value of those deals / 12."""
    motion = certain_enterprise(deal__gross_margin=0.7, deal__card_fee=0.03, deal__implementation_cost=5000,
                                deal__implementation_months=3, team__commission_rate=0.1)
    scenario = scenario_from({"e": motion}, horizon_months=30,
                             company={"starting_cash": 1e6, "overhead_per_month": 0, "discount_rate_annual": 0.1,
                                      "ltv_max_months": 60})
    result = run_strategy(scenario, "e", 0)
    m, costs, flows = result.monthly, result.costs, result.by_motion["e"]
    won = len(_win_months(result.deals["e"]))
    assert won > flows["live_customers"][-1]          # some deals won are not live yet
    sales_and_marketing = sum(costs[c].sum() for c in ("salaries", "commissions", "lead_generation"))
    cac = sales_and_marketing / won
    margin = 1 - costs["cost_of_revenue"].sum() / m["revenue"].sum()
    assert margin == 0.7 or math.isclose(margin, 0.7, rel_tol=1e-12)
    arpa = m["mrr"][-1] / flows["live_customers"][-1]
    assert math.isclose(result.metrics["cac"], cac, rel_tol=1e-12)
    assert math.isclose(result.metrics["ltv"], arpa * margin * 60, rel_tol=1e-12)   # nobody leaves: the cap
    mean_acv = sum(v for v, w in zip(result.deals["e"]["acv"], result.deals["e"]["won"]) if w) / won
    assert math.isclose(result.metrics["cac_payback_months"], cac / (mean_acv / 12 * margin), rel_tol=1e-12)
    statement_margin = 1 - sum(costs[c].sum() for c in ("cost_of_revenue", "customization", "payment_fees")) \
        / m["revenue"].sum()
    assert statement_margin < margin - 0.01          # the statements' gross profit is a different figure


def test_sales_velocity_averages_the_month_end_open_deals_and_coverage_counts_ramping_reps_whole():
    motion = certain_enterprise(leads__per_month=6, team__reps=1, team__deals_per_rep=4, team__ramp_months=4,
                                team__hires=[{"month": 12, "reps": 1}], team__quota_per_rep=48_000)
    horizon = 12
    result = run_strategy(scenario_from({"e": motion}, horizon_months=horizon), "e", 0)
    deals = result.deals["e"]
    ends = [(t + 1) * DAYS_PER_MONTH for t in range(horizon)]
    open_at_end = [sum(1 for o, c in zip(deals["open_day"], deals["close_day"])
                       if o < e and not c < e) for e in ends]
    won = [(c - o, v) for o, c, v, w in zip(deals["open_day"], deals["close_day"], deals["acv"], deals["won"]) if w]
    lost = sum(1 for c, w in zip(deals["close_day"], deals["won"]) if not math.isnan(c) and not w)
    cycles = sorted(c for c, _ in won)
    mid = len(cycles) // 2
    median = cycles[mid] if len(cycles) % 2 else (cycles[mid - 1] + cycles[mid]) / 2
    velocity = (sum(open_at_end) / horizon) * (len(won) / (len(won) + lost)) * (sum(v for _, v in won) / len(won)) \
        / (median / DAYS_PER_MONTH)
    assert math.isclose(result.metrics["sales_velocity"], velocity, rel_tol=1e-12)
    # pipeline coverage: first-year value open at the end / (reps on the team in the last month x quota / 4),
    # the hire of month 12, in its first ramp month, counted whole
    open_value = sum(v for o, c, v in zip(deals["open_day"], deals["close_day"], deals["acv"])
                     if not math.isnan(o) and math.isnan(c))
    assert result.by_motion["e"]["reps"][-1] == 2
    assert math.isclose(result.metrics["e.pipeline_coverage"], open_value / (2 * 48_000 / 4), rel_tol=1e-12)


def test_annual_expansion_is_the_anniversary_increases_of_the_last_twelve_months_over_mrr_twelve_months_back():
    motion = certain_enterprise(deal__expansion_per_year=0.1)
    horizon = 30
    result = run_strategy(scenario_from({"e": motion}, horizon_months=horizon), "e", 0)
    added = 0.0
    for _, month in _win_months(result.deals["e"]):
        for year in (1, 2):
            anniversary = month + 12 * year
            if horizon - 12 <= anniversary < horizon:
                added += 12_000 * 1.1 ** (year - 1) * 0.1 / 12
    mrr_back = result.by_motion["e"]["mrr"][horizon - 13]        # month H - 12, counting from 1
    assert added > 0
    assert math.isclose(result.metrics["e.annual_expansion"], added / mrr_back, rel_tol=1e-9)


def test_the_summary_compares_every_pair_on_the_key_metrics_only():
    rng = np.random.default_rng(0)
    metrics = ("revenue", "npv", "ending_cash", "capital_needed", "cash_out_month", "breakeven_month", "cac")
    runs = {s: {m: rng.normal(size=20) for m in metrics} for s in ("a", "b", "c")}
    comparisons = summarize(runs)["comparisons"]
    assert list(comparisons) == ["a vs b", "a vs c", "b vs c"]
    for entry in comparisons.values():
        assert set(entry) == {"revenue", "npv", "ending_cash", "capital_needed"}
    a, b = runs["a"]["capital_needed"], runs["b"]["capital_needed"]
    first = comparisons["a vs b"]["capital_needed"]
    assert first["p_better"] == sum(x < y for x, y in zip(a, b)) / 20     # lower is better for capital


def test_a_stage_s_own_days_pass_before_its_objections_and_a_blocker_counts_when_its_objection_is_done():
    """Three members, two objections each, all in the demo stage, 1.7 buyer days / 0.17 = 10 days each; every
    stage 20 days. Won: 20 + (20 + 20) + 20 + 20 + 20 = 120 days. Every objection unresolved, two blockers
    lose the deal: the demo starts on day 20, its own days end on day 40, the members' first objections
    on day 50: the "no" comes then, in the demo, with all six objections counted."""
    stages = ("meeting", "demo", "technical", "procurement", "order")
    for unresolved, cycle, won, last_stage in ((0.0, 120.0, True, 4), (1.0, 50.0, False, 1)):
        motion = certain_enterprise(process__committee_size=3, process__objections_per_member=2,
                                    process__objection_buyer_days=1.7, process__vendor_time_share=0.17,
                                    process__unresolved_chance=unresolved, process__blockers_to_lose=2)
        motion["process"]["stages"] = {s: {"days": 20, "loss_chance": 0, "objection_share": float(s == "demo")}
                                       for s in stages}
        deals = run_strategy(scenario_from({"e": motion}, horizon_months=12), "e", 0).deals["e"]
        closed = [i for i, c in enumerate(deals["close_day"]) if not math.isnan(c)]
        assert closed
        for i in closed:
            assert math.isclose(deals["close_day"][i] - deals["open_day"][i], cycle, abs_tol=1e-9)
            assert bool(deals["won"][i]) is won and deals["last_stage"][i] == last_stage
            assert deals["objections"][i] == 6
            np.testing.assert_allclose(deals["stage_ends"][i], [20, 60, 80, 100, 120])
