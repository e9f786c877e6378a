"""Per-run metrics from a run's monthly books, in the finance terms of the domain.

Months are numbered from 1 (the first simulated month). A month that never
happens (the company never ran out of cash) is NaN, never a sentinel; so is
a ratio whose denominator is zero (CAC with no new customer).
"""
from __future__ import annotations

import math

import numpy as np

from simulator.engine.catalogue import METRICS, STAGES, motion_metric_names
from simulator.engine.units import DAYS_PER_MONTH

__all__ = ["METRICS", "motion_metrics", "run_metrics"]

SALES_AND_MARKETING = ("salaries", "commissions", "lead_generation")


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom > 0 else math.nan


def median(values: np.ndarray) -> float:
    """``float(np.median(values))`` of a 1-d array without NaN, NaN when empty.

    The same middle value, or the same mean of the two middle values
    ((a + b) / 2), found by one partition: np.median's handling of axes,
    outputs and NaN costs several times the partition on a run's arrays.
    """
    n = len(values)
    if not n:
        return math.nan
    half = n // 2
    if n % 2:
        return float(np.partition(values, half)[half])
    middle = np.partition(values, (half - 1, half))
    return (float(middle[half - 1]) + float(middle[half])) / 2


def capital_needed(net_cash_flow: np.ndarray) -> float:
    """How far cumulative net cash flow falls below zero at its worst (0 if it never does)."""
    return float(max(0.0, -np.cumsum(net_cash_flow).min(initial=0.0)))


def first_month(condition: np.ndarray) -> float:
    """1-based number of the first month where ``condition`` holds, NaN if it never does."""
    hits = np.flatnonzero(condition)
    return float(hits[0] + 1) if len(hits) else math.nan


def breakeven_month(net_cash_flow: np.ndarray) -> float:
    """First month from which the trailing three-month net cash flow stays >= 0 to the horizon's end.

    Smoothing over three months keeps one lumpy annual invoice from
    counting as breakeven; "stays" keeps a lucky month from counting.
    """
    trailing = np.convolve(net_cash_flow, np.ones(3), mode="full")[:len(net_cash_flow)]
    negative = np.flatnonzero(trailing < 0)
    start = negative[-1] + 1 if len(negative) else 0
    return float(start + 1) if start < len(net_cash_flow) else math.nan


def npv(net_cash_flow: np.ndarray, discount_rate_annual: float) -> float:
    """Net present value of monthly net cash flows, each at its month's end, at the annual rate."""
    monthly = (1 + discount_rate_annual) ** (1 / 12)
    return float(np.sum(net_cash_flow / monthly ** np.arange(1, len(net_cash_flow) + 1)))


def churn_and_lifetime(retention, ltv_max_months: float) -> tuple[float, float]:
    """Monthly logo churn and the expected customer lifetime in months, from the contract years due.

    Annual logo churn A is the share of contract years due (renewal within
    the horizon) in which the customer left; the monthly churn is its
    monthly equivalent, 1 - (1 - A)^(1/12). The expected lifetime is the
    months stayed in those years over the years lost, E[min(T, 12)] /
    P(T <= 12), which is exact both for yearly renewal (12 / (1 - renewal))
    and for monthly churn c (1 / c); capped at ``ltv_max_months``, and the
    cap when no customer left. NaN, NaN when no contract year was due.
    """
    if retention.due <= 0:
        return math.nan, math.nan
    annual = retention.lost / retention.due
    lifetime = retention.months_stayed / retention.lost if retention.lost > 0 else math.inf
    return 1 - (1 - annual) ** (1 / 12), min(lifetime, float(ltv_max_months))


def new_money_needed(cash: np.ndarray, starting_cash: float, minimum_cash: float) -> float:
    """New money, raised at the start on top of the starting cash, that keeps the balance at or above
    ``minimum_cash`` every month: ``cash`` is each month's end balance, rounds received by then included."""
    return float(max(0.0, minimum_cash - min(starting_cash, float(cash.min(initial=starting_cash)))))


def _unit_economics(series: dict, costs: dict, live_customers: float, cycle_median: float, retention,
                    ltv_max_months: float) -> dict[str, float]:
    """The figures a company and a motion define alike, from monthly ``series`` (revenue, mrr, bookings,
    won, lost, open_deals) and ``costs`` by category: win rate, CAC, gross margin, ARPA (monthly), LTV,
    LTV:CAC, churn, mean first-year contract value and sales velocity."""
    revenue = float(series["revenue"].sum())
    won, lost = float(series["won"].sum()), float(series["lost"].sum())
    churn_rate, lifetime = churn_and_lifetime(retention, ltv_max_months)
    cac = _ratio(float(sum(costs[c].sum() for c in SALES_AND_MARKETING)), won)
    gross_margin = 1 - _ratio(float(costs["cost_of_revenue"].sum()), revenue) if revenue > 0 else math.nan
    arpa = _ratio(float(series["mrr"][-1]), live_customers)
    ltv = arpa * gross_margin * lifetime
    win_rate = _ratio(won, won + lost)
    mean_acv = _ratio(float(series["bookings"].sum()), won)   # first-year value of a new contract
    return {
        "win_rate": win_rate, "cac": cac, "gross_margin": gross_margin, "arpa": arpa, "ltv": ltv,
        "ltv_to_cac": _ratio(ltv, cac) if math.isfinite(ltv) else math.nan, "churn_rate": churn_rate,
        "mean_acv": mean_acv,
        "sales_velocity": float(series["open_deals"].mean()) * win_rate * mean_acv / (cycle_median / DAYS_PER_MONTH)
        if won > 0 and cycle_median > 0 else math.nan,
    }


def run_metrics(monthly: dict, costs: dict, flows: dict, *, starting_cash: float, discount_rate_annual: float,
                minimum_cash: float, ltv_max_months: float, retention, won_cycle_days: np.ndarray,
                won_objections: np.ndarray) -> dict[str, float]:
    """Every metric of METRICS for one run.

    - revenue, cost, net_cash_flow: totals over the horizon (recognized revenue;
      all costs; collections - costs).
    - ending_cash, min_cash: the cash balance at the end, and at its lowest
      (the trough of the J-curve, the starting cash included).
    - capital_needed: how far cumulative net cash flow falls below zero at
      its worst: the money the plan consumes before it pays for itself,
      whatever the starting cash.
    - cash_out_month: first month the cash balance is below zero (NaN: never).
    - breakeven_month: see :func:`breakeven_month` (NaN: not within the horizon).
    - ending_arr: 12 x MRR at the horizon's end. customers: customers then.
    - deals_won, deals_lost: deals decided over the horizon (leads that went
      cold before a rep took them are not deals). win_rate: won / (won + lost).
    - cycle_days_median: median days from a rep taking the deal to the win.
    - objections_per_deal: mean objections raised in a won deal.
    - cac: sales and marketing cost (salaries, commissions, lead generation and
      marketing) / new customers. ltv: ARPA (MRR per live customer at the
      end) x gross margin x expected lifetime in months (see
      :func:`churn_and_lifetime`, capped at ``ltv_max_months``).
      ltv_to_cac: their ratio (>= 3 is healthy).
    - cac_payback_months: CAC / (new MRR per new customer x gross margin).
    - npv: :func:`npv` of the monthly net cash flows at the scenario's rate.
    - burn_multiple: net burn over the horizon / net new ARR (< 1 amazing, > 3
      bad); 0 when the plan generates cash.
    - sales_velocity: average open opportunities x win rate x average new
      contract value (ACV) / median cycle in months: new ACV the pipeline
      yields per month.
    - churn_rate: monthly equivalent of the annual logo churn over
      contract years due (:func:`churn_and_lifetime`).
    - new_money_needed: money to raise at the start, on top of the starting
      cash and the rounds received, so that the month-end balance never
      falls below ``minimum_cash`` (:func:`new_money_needed`).
    """
    revenue = float(monthly["revenue"].sum())
    cost = float(monthly["costs"].sum())
    net = monthly["net_cash_flow"]
    cash = monthly["cash"]
    won = float(monthly["won"].sum())
    lost = float(monthly["lost"].sum())
    ending_arr = float(12 * monthly["mrr"][-1])
    cycle_median = median(won_cycle_days)
    unit = _unit_economics(monthly, costs, float(flows["live_customers"][-1]), cycle_median, retention,
                           ltv_max_months)
    new_mrr_per_customer, gross_margin = unit["mean_acv"] / 12, unit["gross_margin"]
    net_burn = max(0.0, -float(net.sum()))
    values = {
        "revenue": revenue,
        "cost": cost,
        "net_cash_flow": float(net.sum()),
        "ending_cash": float(cash[-1]),
        "min_cash": float(min(starting_cash, cash.min())),
        "capital_needed": capital_needed(net),
        "cash_out_month": first_month(cash < 0),
        "breakeven_month": breakeven_month(net),
        "ending_arr": ending_arr,
        "customers": float(monthly["customers"][-1]),
        "deals_won": won,
        "deals_lost": lost,
        "win_rate": unit["win_rate"],
        "cycle_days_median": cycle_median,
        "objections_per_deal": float(np.mean(won_objections)) if len(won_objections) else math.nan,
        "cac": unit["cac"],
        "ltv": unit["ltv"],
        "ltv_to_cac": unit["ltv_to_cac"],
        "cac_payback_months": _ratio(unit["cac"], new_mrr_per_customer * gross_margin)
        if math.isfinite(new_mrr_per_customer) and math.isfinite(gross_margin) else math.nan,
        "npv": npv(net, discount_rate_annual),
        "burn_multiple": (_ratio(net_burn, ending_arr) if net_burn > 0 else 0.0),
        "sales_velocity": unit["sales_velocity"],
        "churn_rate": unit["churn_rate"],
        "new_money_needed": new_money_needed(cash, starting_cash, minimum_cash),
    }
    return {name: values[name] for name in METRICS}


def _last_months(values: np.ndarray, months: int, before: int = 0) -> float:
    """The sum of ``months`` months ending ``before`` months before the horizon's end (NaN if they do not fit)."""
    stop = len(values) - before
    return float(values[stop - months:stop].sum()) if stop - months >= 0 else math.nan


def won_cycles_and_objections(deals: dict) -> tuple[np.ndarray, np.ndarray]:
    """Each won deal's days from opening to the win, and the objections it raised, in lead order.

    (Selected through indices: on tens of thousands of leads with a random mask, numpy's boolean indexing is
    about three times slower.)
    """
    won = np.flatnonzero(deals["won"])
    return deals["close_day"].take(won) - deals["open_day"].take(won), deals["objections"].take(won)


def motion_metrics(kind: str, flows: dict, costs: dict, team: dict, deals: dict, retention, slot_days: float, *,
                   ltv_max_months: float, quota_per_rep=None) -> dict[str, float]:
    """The metrics of one motion within a run (the names of ``motion_metric_names(kind)``).

    Every figure counts the motion's own leads, deals, customers and costs
    (salaries, commissions, lead generation, implementation, cost of revenue,
    fees; not the company's overhead). Definitions as in :func:`run_metrics`,
    plus the funnel and the pipeline: stage conversion = deals that passed
    the stage within the horizon / (those + deals lost in it); stalled deals
    are open at the end for more than twice this run's median won cycle;
    rep utilisation = rep-slot days held / slot days available; pipeline
    coverage = first-year value of the open deals at the end / the next
    quarter's quota (reps at the end x ``quota_per_rep`` / 4); quota
    attainment = bookings of the last 12 months / (``quota_per_rep`` x
    average reps over them).
    """
    horizon = len(flows["revenue"])
    end = horizon * DAYS_PER_MONTH
    open_day, close_day, won_flag = deals["open_day"], deals["close_day"], deals["won"]
    opened, closed = ~np.isnan(open_day), ~np.isnan(close_day)
    still_open = opened & ~closed
    won, lost, open_now = float(flows["won"].sum()), float(flows["lost"].sum()), float(still_open.sum())
    cycles, objections = won_cycles_and_objections(deals)
    cycle_median = median(cycles)
    revenue = float(flows["revenue"].sum())
    unit = _unit_economics(flows, costs, float(flows["live_customers"][-1]), cycle_median, retention,
                           ltv_max_months)
    quota = quota_per_rep if quota_per_rep else math.nan
    reps = team["reps"]
    out = {
        "leads": float(flows["leads"].sum()),
        "deals_opened": float(flows["deals_opened"].sum()),
        "leads_lost_waiting": float(flows["cold"].sum()),
        "deals_won": won,
        "deals_lost": lost,
        "open_deals": open_now,
        "stalled_deals": float(np.sum(still_open & (end - open_day > 2 * cycle_median)))
        if math.isfinite(cycle_median) else math.nan,
        "win_rate": unit["win_rate"],
        "pipeline_win_rate": _ratio(won, won + lost + open_now),
        "cycle_days_median": cycle_median,
        "objections_per_deal": float(np.mean(objections)) if won else math.nan,
        "customers": float(flows["customers"][-1]),
        "ending_arr": float(12 * flows["mrr"][-1]),
        "arpa": 12 * unit["arpa"],
        "annual_expansion": _ratio(_last_months(flows["expansion_mrr"], 12), float(flows["mrr"][-13]))
        if horizon >= 13 else math.nan,
        "sales_growth": _ratio(_last_months(flows["revenue"], 12), _last_months(flows["revenue"], 12, 12)) - 1,
        "sales_velocity": unit["sales_velocity"],
        "cac": unit["cac"],
        "ltv": unit["ltv"],
        "ltv_to_cac": unit["ltv_to_cac"],
        "churn_rate": unit["churn_rate"],
        "net_profit": revenue - float(sum(v.sum() for v in costs.values())),
        "rep_utilisation": _ratio(slot_days, float(team["capacity"].sum()) * DAYS_PER_MONTH),
        "pipeline_coverage": _ratio(float(np.sum(deals["acv"].take(np.flatnonzero(still_open)))),
                                    float(reps[-1]) * quota / 4),
        "quota_attainment": _ratio(_last_months(flows["bookings"], 12), quota * float(reps[-12:].mean()))
        if horizon >= 12 else math.nan,
    }
    if kind != "smb":
        # every stage at once, a column each: stage by stage, the handful of operations on every lead add up
        last_stage, stage_ends, index = deals["last_stage"][:, None], deals["stage_ends"], np.arange(len(STAGES))
        passed = (opened[:, None] & (won_flag[:, None] | (last_stage > index))
                  & (open_day[:, None] + stage_ends < end)).sum(axis=0).tolist()
        lost_here = ((closed & ~won_flag)[:, None] & (last_stage == index)).sum(axis=0).tolist()
        for stage, passed_it, lost_in_it in zip(STAGES, passed, lost_here):
            out[f"{stage}_conversion"] = _ratio(float(passed_it), float(passed_it + lost_in_it))
    return {name: out[name] for name in motion_metric_names(kind)}
