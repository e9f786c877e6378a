"""One SimPy world = one run of one strategy: motions, teams, deals, customers, the books.

``run_strategy(scenario, strategy, run)`` is a pure function of its
arguments: run ``i`` of a motion draws only from streams derived from
(seed, i, motion), so any process computing it gets the same books, and
strategies sharing a motion share its draws (common random numbers).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from simulator.engine.customers import build_book
from simulator.engine.enterprise import start_committee_motion
from simulator.engine.ledger import COST_CATEGORIES, SERIES, Ledger
from simulator.units import DAYS_PER_MONTH
from simulator.engine.resolve import correlated_uniforms, resolve
from simulator.engine.smb import start_smb_motion
from simulator.engine.team import team_schedule
from simulator.metrics import run_metrics
from simulator.streams import motion_streams

__all__ = ["COST_CATEGORIES", "SERIES", "RunResult", "run_strategy"]


@dataclass
class RunResult:
    """The books and metrics of one run of one strategy."""

    monthly: dict[str, np.ndarray]          # SERIES -> (months,)
    costs: dict[str, np.ndarray]            # COST_CATEGORIES -> (months,)
    metrics: dict[str, float]               # METRICS -> value (NaN where undefined)
    by_motion: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # flows and costs per motion
    deals: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)      # per-lead records per motion


def run_strategy(scenario, strategy: str, run: int, seed: int | None = None) -> RunResult:
    """Simulate run ``run`` of ``strategy`` over the scenario's horizon."""
    seed = scenario.seed if seed is None else int(seed)
    horizon = scenario.horizon_months
    uniforms = correlated_uniforms(scenario, seed, run)
    company = resolve(scenario.company, seed, run, "company", "company", uniforms)
    env = simpy.Environment()
    started = []
    for name, spec in scenario.strategy_motions(strategy).items():
        motion = resolve(spec, seed, run, name, f"motions.{name}", uniforms)
        streams = motion_streams(seed, run, name)
        schedule = team_schedule(motion.team, horizon, streams["team"])
        start = start_smb_motion if spec.type == "smb" else start_committee_motion
        started.append((name, motion, schedule, start(env, motion, streams, schedule.capacity, horizon)))
    env.run(until=horizon * DAYS_PER_MONTH)

    ledger = Ledger(horizon, company.starting_cash)
    overhead = np.full(horizon, float(company.overhead_per_month))
    ledger.add({}, {"overhead": overhead})
    by_motion, deals, won_cycles, won_objections = {}, {}, [], []
    for name, motion, schedule, record in started:
        won = record.won_deals()
        book = build_book(won, motion.deal, horizon)
        leads = motion.leads
        flows = {
            "leads": record.leads, "deals_opened": record.deals_opened, "won": record.won, "lost": record.lost,
            "open_deals": record.open_deals(), "customers": book.customers, "mrr": book.mrr,
            "bookings": book.bookings, "billings": book.billings, "revenue": book.revenue,
            "collections": book.collections, "churned": book.churned, "cold": record.cold,
            "deferred_revenue": book.deferred_revenue, "receivables": book.receivables, "new_mrr": book.new_mrr,
            "expansion_mrr": book.expansion_mrr, "churned_mrr": book.churned_mrr,
        }
        costs = {
            "salaries": schedule.salaries,
            "commissions": book.bookings * motion.team.commission_rate,
            "lead_generation": record.paid_leads * leads.cost_per_lead + leads.marketing_per_month
                               + leads.outsourced_per_month,
            "customization": book.customization,
            "cost_of_revenue": book.revenue * (1 - motion.deal.gross_margin),
            "payment_fees": book.payment_fees,
        }
        ledger.add(flows, costs)
        by_motion[name] = {**flows, **{f"cost_{k}": v for k, v in costs.items()}, "reps": schedule.headcount,
                           "capacity": schedule.capacity}
        deals[name] = {"open_day": record.open_day, "close_day": record.close_day, "won": record.is_won,
                       "objections": record.objections}
        won_cycles.append(record.cycle_days())
        won_objections.append(record.objections[record.is_won])
    monthly = ledger.series()
    metrics = run_metrics(
        monthly, ledger.costs, ledger.flows, starting_cash=ledger.starting_cash,
        discount_rate_annual=company.discount_rate_annual,
        won_cycle_days=np.concatenate(won_cycles) if won_cycles else np.zeros(0),
        won_objections=np.concatenate(won_objections) if won_objections else np.zeros(0),
    )
    return RunResult(monthly=monthly, costs=ledger.costs, metrics=metrics, by_motion=by_motion, deals=deals)

