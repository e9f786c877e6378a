"""One run of a strategy: its motions' SimPy worlds, their customers, and the company's books.

``run_strategy(scenario, strategy, run)`` is a pure function of its
arguments: run ``i`` of a motion draws only from streams derived from
(seed, i, motion), so any process computing it gets the same books, and
strategies sharing a motion share its draws (common random numbers).
Motions compete for nothing with each other (each has its own team and
accounts), so each runs in its own SimPy world, and
``run_strategies`` simulates a motion shared by several strategies once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np
import simpy

from simulator.engine.customers import Retention, build_book
from simulator.engine.enterprise import start_committee_motion
from simulator.engine.ledger import COST_CATEGORIES, SERIES, Ledger
from simulator.engine.metrics import motion_metrics, run_metrics, won_cycles_and_objections
from simulator.engine.plan import MotionPlan, react, reaction_outputs
from simulator.engine.resolve import correlated_uniforms, resolve, uncertain_inputs
from simulator.engine.smb import start_smb_motion
from simulator.engine.streams import motion_streams
from simulator.engine.team import team_schedule
from simulator.engine.units import DAYS_PER_MONTH

__all__ = ["COST_CATEGORIES", "SERIES", "MotionRun", "RunResult", "input_names", "run_strategies", "run_strategy",
           "simulate_motion"]


@dataclass
class RunResult:
    """The books and metrics of one run of one strategy."""

    monthly: dict[str, np.ndarray]          # SERIES -> (months,)
    costs: dict[str, np.ndarray]            # COST_CATEGORIES -> (months,)
    metrics: dict[str, float]               # METRICS -> value (NaN where undefined)
    by_motion: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # flows and costs per motion
    deals: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)      # per-lead records per motion
    inputs: dict[str, float] = field(default_factory=dict)    # the run's draws of uncertain inputs, by path


@dataclass
class MotionRun:
    """One motion's part of a run: its monthly flows and costs, and its deals."""

    flows: dict[str, np.ndarray]
    costs: dict[str, np.ndarray]
    detail: dict[str, np.ndarray]     # reps and deal slots by month
    deals: dict[str, np.ndarray]
    retention: Retention = field(default_factory=Retention)   # contract years due, for churn and LTV
    slot_days: float = 0.0           # rep-slot days held within the horizon
    kind: str = "enterprise"         # the motion's type
    quota_per_rep: Optional[float] = None
    inputs: dict[str, float] = field(default_factory=dict)   # this run's draws of uncertain inputs, by path
    metrics: dict[str, float] = field(default_factory=dict)  # the motion's own figures (motion_metrics)


def simulate_motion(spec, name: str, horizon: int, seed: int, run: int, uniforms: dict,
                    shared: list | None = None, plan: MotionPlan | None = None) -> MotionRun:
    """Run ``run`` of one motion in its own SimPy world, then its customer book.

    A motion that starts later is simulated from its own start, over the
    months left, and placed on the scenario's calendar.

    Motions share nothing but the run's per-run draws (correlations), so a
    motion's part of a strategy's run depends only on its spec and its
    streams; strategies running the same motion share the result.
    ``shared`` (a list kept for one run index and motion name) lets
    strategies whose versions of the motion differ only in the team share
    its leads and deal draws. ``plan``, when given, changes the plan month
    by month (hires and replacements that wait, marketing scaled): a plan
    that reacts to cash (:mod:`simulator.engine.plan`).
    """
    if spec.start_month > 1:
        later = spec.start_month - 1
        own = spec.model_copy(update={"start_month": 1, "team": _hires_moved(spec.team, later)})
        return _started_later(simulate_motion(own, name, horizon - later, seed, run, uniforms, shared,
                                              plan.later(later) if plan is not None else None), later)
    inputs: dict[str, float] = {}
    motion = resolve(spec, seed, run, name, f"motions.{name}", uniforms, inputs)
    streams = motion_streams(seed, run, name)
    plan = plan or MotionPlan()
    schedule = team_schedule(motion.team, horizon, streams["team"], plan.hiring, plan.replacing)
    env = simpy.Environment()
    if spec.type == "smb":
        record = start_smb_motion(env, motion, streams, schedule.capacity, horizon, marketing=plan.marketing)
    else:
        record = start_committee_motion(env, motion, streams, schedule.capacity, horizon, shared,
                                        marketing=plan.marketing)
    env.run(until=horizon * DAYS_PER_MONTH)
    book = build_book(record.won_deals(), motion.deal, horizon)
    leads = motion.leads
    factor = 1.0 if plan.marketing is None else plan.marketing   # fixed spend scaled with the paid leads kept
    lead_generation = (record.paid_leads * leads.cost_per_lead + leads.marketing_per_month * factor
                       + leads.outsourced_per_month * factor)
    flows = {
        "leads": record.leads, "deals_opened": record.deals_opened, "won": record.won, "lost": record.lost,
        "open_deals": record.open_deals(), "customers": book.customers, "mrr": book.mrr,
        "bookings": book.bookings, "billings": book.billings, "revenue": book.revenue,
        "collections": book.collections, "churned": book.churned, "cold": record.cold,
        "deferred_revenue": book.deferred_revenue, "receivables": book.receivables, "new_mrr": book.new_mrr,
        "expansion_mrr": book.expansion_mrr, "churned_mrr": book.churned_mrr, "live_customers": book.live_customers,
    }
    costs = {
        "salaries": schedule.salaries,
        "commissions": book.bookings * motion.team.commission_rate,
        "lead_generation": lead_generation,
        "customization": book.customization,
        "cost_of_revenue": book.revenue * (1 - motion.deal.gross_margin),
        "payment_fees": book.payment_fees,
    }
    deals = {"arrival_day": record.arrival_day, "open_day": record.open_day, "close_day": record.close_day,
             "won": record.is_won, "objections": record.objections, "acv": record.acv, **record.stages}
    return MotionRun(flows=flows, costs=costs, detail={"reps": schedule.headcount, "capacity": schedule.capacity},
                     deals=deals, retention=book.retention, slot_days=record.slot_days, kind=spec.type,
                     quota_per_rep=motion.team.quota_per_rep, inputs=inputs)


def plan_effect(spec, name: str, horizon: int, seed: int, run: int, uniforms: dict,
                plan: MotionPlan | None) -> bytes:
    """What :func:`simulate_motion` reads of a plan: the team's schedule and the marketing factors, as bytes.

    Two plans with the same effect give the same motion run, so a plan
    change that moves no hire or replacement (a freeze in months when none
    is due) needs no new simulation. Costs a resolve and a team schedule.
    """
    plan = plan or MotionPlan()
    if spec.start_month > 1:
        later = spec.start_month - 1
        own = spec.model_copy(update={"start_month": 1, "team": _hires_moved(spec.team, later)})
        return plan_effect(own, name, horizon - later, seed, run, uniforms, plan.later(later))
    team = resolve(spec.team, seed, run, name, f"motions.{name}.team", uniforms)
    schedule = team_schedule(team, horizon, motion_streams(seed, run, name)["team"], plan.hiring, plan.replacing)
    marketing = b"" if plan.marketing is None else plan.marketing.tobytes()
    return schedule.headcount.tobytes() + schedule.capacity.tobytes() + marketing


def _hires_moved(team, months: int):
    """The team with its hiring plan counted from the motion's own start."""
    return team.model_copy(update={"hires": [h.model_copy(update={"month": h.month - months}) for h in team.hires]})


def _started_later(part: MotionRun, months: int) -> MotionRun:
    """A motion simulated from its own start, placed ``months`` later on the scenario's calendar.

    Before it starts it has no leads, deals, customers or costs.
    """
    def pad(series: dict) -> dict:
        return {k: np.concatenate((np.zeros(months), v)) for k, v in series.items()}

    days = months * DAYS_PER_MONTH
    deals = {k: (v + days if k.endswith("_day") else v) for k, v in part.deals.items()}
    # Its retention windows, counted on its own calendar, are the scenario's windows shifted.
    return replace(part, flows=pad(part.flows), costs=pad(part.costs), detail=pad(part.detail), deals=deals)


def input_names(scenario) -> tuple[str, ...]:
    """The uncertain inputs of a scenario, drawn once per run: dotted paths over the company and every
    strategy's motions (overrides included), in file order. A run's ``RunResult.inputs`` holds its draws."""
    names = uncertain_inputs(scenario.company, "company")
    for strategy in scenario.strategies:
        for name, spec in scenario.strategy_motions(strategy).items():
            names += [p for p in uncertain_inputs(spec, f"motions.{name}") if p not in names]
    return tuple(names)


def run_strategies(scenario, run: int, seed: int | None = None, strategies=None) -> dict[str, RunResult]:
    """Run ``run`` of several strategies (default: all), each distinct motion simulated once."""
    seed = scenario.seed if seed is None else int(seed)
    horizon = scenario.horizon_months
    uniforms = correlated_uniforms(scenario, seed, run)
    company_inputs: dict[str, float] = {}
    company = resolve(scenario.company, seed, run, "company", "company", uniforms, company_inputs)
    done: dict[tuple, MotionRun] = {}
    shared: dict[str, list] = {}
    results = {}

    def simulate(name, spec, plan=None) -> MotionRun:
        part = simulate_motion(spec, name, horizon, seed, run, uniforms, shared.setdefault(name, []), plan)
        part.metrics = motion_metrics(part.kind, part.flows, part.costs, part.detail, part.deals, part.retention,
                                      part.slot_days, ltv_max_months=company.ltv_max_months,
                                      quota_per_rep=part.quota_per_rep)
        return part

    for strategy in (scenario.strategies if strategies is None else strategies):
        parts = {}
        specs = scenario.strategy_motions(strategy)
        for name, spec in specs.items():
            key = (name, id(spec))
            if key not in done:
                done[key] = simulate(name, spec)
            parts[name] = done[key]
        if company.funding or scenario.policies:
            # a plan change that moves nothing the motion reads (no hire due while frozen) is not simulated again
            known = {(name, plan_effect(specs[name], name, horizon, seed, run, uniforms, None)): part
                     for name, part in parts.items()}

            def replan(name, plan, specs=specs, known=known):
                key = (name, plan_effect(specs[name], name, horizon, seed, run, uniforms, plan))
                if key not in known:
                    known[key] = simulate(name, specs[name], plan)
                return known[key]

            results[strategy], reaction, parts = react(
                company, strategy_policies(scenario, strategy), horizon, dict(parts), replan,
                lambda parts, funding, overhead: _books(company, horizon, parts, funding, overhead))
            reaction_outputs(results[strategy], reaction, [p.name for p in scenario.policies or ()])
        else:
            results[strategy] = _books(company, horizon, parts)
        results[strategy].inputs = {**company_inputs, **{k: v for p in parts.values() for k, v in p.inputs.items()}}
    return results


def strategy_policies(scenario, strategy: str) -> list:
    """The runway rules a strategy follows: those its ``policies`` names, every rule when it names none."""
    named = scenario.strategies[strategy].policies
    return [p for p in scenario.policies or () if named is None or p.name in named]


def run_strategy(scenario, strategy: str, run: int, seed: int | None = None) -> RunResult:
    """Simulate run ``run`` of ``strategy`` over the scenario's horizon."""
    return run_strategies(scenario, run, seed, [strategy])[strategy]


def _books(company, horizon: int, parts: dict[str, MotionRun], funding: np.ndarray | None = None,
           overhead: np.ndarray | None = None) -> RunResult:
    """A strategy's books: its motions' flows and costs, the company's overhead, cash, metrics.

    ``funding`` (money received each month) and ``overhead`` (overhead paid
    each month, when a rule cuts it) come from a plan that reacts to cash.
    """
    ledger = Ledger(horizon, company.starting_cash)
    ledger.add({}, {"overhead": np.full(horizon, float(company.overhead_per_month)) if overhead is None else overhead})
    for part in parts.values():
        ledger.add(part.flows, part.costs)
    monthly = ledger.series(funding)
    won_cycles, won_objections = zip(*(won_cycles_and_objections(p.deals) for p in parts.values()))
    retention = sum((p.retention for p in parts.values()), Retention())
    metrics = run_metrics(monthly, ledger.costs, ledger.flows, starting_cash=ledger.starting_cash,
                          discount_rate_annual=company.discount_rate_annual, minimum_cash=company.minimum_cash,
                          ltv_max_months=company.ltv_max_months, retention=retention,
                          won_cycle_days=np.concatenate(won_cycles), won_objections=np.concatenate(won_objections))
    for name, p in parts.items():
        metrics.update({f"{name}.{key}": value for key, value in p.metrics.items()})
    return RunResult(monthly=monthly, costs=ledger.costs, metrics=metrics,
                     by_motion={name: {**p.flows, **{f"cost_{k}": v for k, v in p.costs.items()}, **p.detail}
                                for name, p in parts.items()},
                     deals={name: p.deals for name, p in parts.items()})
