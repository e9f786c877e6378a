"""The plan that reacts to cash: funding rounds and runway rules, month by month within one run.

Picture a finance team closing the books at every month's end: it reads
the cash, the burn and the ARR, takes the rounds that come this month, and
checks its rules ("under 6 months of runway, freeze hiring"). A rule that
fires changes the plan from next month on; one that lets go (``release``)
changes it back.

A run is causal: what happens in months 1..m does not depend on the plan
after month m, and every draw is keyed by run, motion, purpose and month or
lead (:mod:`simulator.engine.streams`). So the months are walked in order
on the books of the plan as it stands, and at the first month whose end
changes the plan, the motions it touches are simulated again, from the
start, under the new plan: months 1..m come out the same, bit for bit, and
the walk goes on from month m + 1. (The caller may hand back a motion's
earlier run when the new plan changes nothing it reads, such as a freeze
in months when no hire is due.) Without rounds or rules nothing here
runs, and a run is exactly what it was without this module.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simulator.engine.units import DAYS_PER_MONTH
from simulator.scenario.funding import holds, parse_condition

RUNWAY_MONTHS = 3   # months of net burn averaged for the runway


@dataclass(frozen=True)
class MotionPlan:
    """How a motion's plan differs, month by month, from the scenario's: None where it does not.

    ``hiring`` and ``replacing``: whether a planned hire, or a replacement
    for a rep who left, may start in each month; ``marketing``: the factor
    on the paid lead flow and its fixed spend in each month.
    """

    hiring: np.ndarray | None = None
    replacing: np.ndarray | None = None
    marketing: np.ndarray | None = None

    def later(self, months: int) -> "MotionPlan":
        """The plan of a motion that starts ``months`` later, on its own calendar."""
        return MotionPlan(*(None if v is None else v[months:] for v in (self.hiring, self.replacing, self.marketing)))

    def same(self, other: "MotionPlan") -> bool:
        return all((a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))
                   for a, b in ((self.hiring, other.hiring), (self.replacing, other.replacing),
                                (self.marketing, other.marketing)))


UNCHANGED = MotionPlan()


@dataclass
class Reaction:
    """What the plan did in one run: the money that came, the rules in force, the plan it ended with."""

    funding: np.ndarray                      # money received in each month
    overhead: np.ndarray | None              # overhead paid in each month (None: as planned)
    rounds: dict[str, float]                 # round -> 1 if it came, 0 if not
    in_force: dict[str, np.ndarray]          # rule -> 1.0 in the months its actions apply
    fired: dict[str, float] = field(default_factory=dict)   # rule -> 1 if it ever fired


def trailing_burn(net_cash_flow: np.ndarray) -> np.ndarray:
    """Average monthly net burn (costs - collections; funding is not burn) of each month and the two before
    (fewer at the start); negative when cash comes in."""
    trailing = np.convolve(net_cash_flow, np.ones(RUNWAY_MONTHS))[:len(net_cash_flow)]
    return -trailing / np.minimum(np.arange(1, len(net_cash_flow) + 1), RUNWAY_MONTHS)


def runway(cash: np.ndarray, net_cash_flow: np.ndarray) -> np.ndarray:
    """Months of runway at each month's end: max(cash, 0) / :func:`trailing_burn`; infinite when not burning."""
    burn = trailing_burn(net_cash_flow)
    return np.where(burn > 0, np.maximum(cash, 0.0) / np.where(burn > 0, burn, 1.0), math.inf)


def pipeline_value(parts: dict, horizon: int) -> np.ndarray:
    """First-year contract value of the deals open at each month's end, over the motions' parts."""
    ends = (np.arange(horizon) + 1) * DAYS_PER_MONTH
    total = np.zeros(horizon)
    for part in parts.values():
        deals = part.deals
        opened, closed, acv = deals["open_day"], deals["close_day"], deals["acv"][:len(deals["open_day"])]
        for month, end in enumerate(ends.tolist()):
            total[month] += acv[(opened < end) & ~(closed < end)].sum()
    return total


class _Rule:
    """A policy as the walk uses it: parsed conditions and, per motion, what it does."""

    def __init__(self, policy, motions):
        self.name, self.actions = policy.name, policy.actions
        self.when = parse_condition(policy.when)
        self.release = parse_condition(policy.release) if policy.release else None
        self.freezes = set(self.actions.motions("freeze_hiring", motions))
        self.stops = set(self.actions.motions("stop_replacing", motions))
        self.cut = float(self.actions.cut_overhead or 0.0)


def react(company, policies, horizon: int, parts: dict, simulate, books):
    """The books of one run whose plan reacts to its cash: (final RunResult, Reaction, parts as simulated).

    ``parts`` are the motions simulated under the scenario's plan;
    ``simulate(name, plan)`` simulates one again under a :class:`MotionPlan`;
    ``books(parts, funding, overhead)`` makes a RunResult. Rounds come in
    file order, each seeing the cash of those before it; then the rules are
    checked on the state after this month's rounds.
    """
    rounds = list(company.funding or ())
    conditions = {r.name: parse_condition(r.when) if r.when else () for r in rounds}
    rules = [_Rule(p, list(parts)) for p in policies]
    reaction = Reaction(funding=np.zeros(horizon), overhead=None, rounds={r.name: 0.0 for r in rounds},
                        in_force={r.name: np.zeros(horizon) for r in rules}, fired={r.name: 0.0 for r in rules})
    plans = {name: UNCHANGED for name in parts}
    active = {r.name: False for r in rules}
    needs_pipeline = any(t.name == "pipeline" for tests in [*conditions.values(), *(r.when for r in rules),
                                                             *(r.release or () for r in rules)] for t in tests)
    state = _State(books(parts, None, None), parts, horizon, needs_pipeline)
    received = 0.0
    for month in range(horizon):
        for r in rounds:
            due = r.month == month + 1 if r.month is not None else r.window[0] <= month + 1 <= r.window[1]
            if due and not reaction.rounds[r.name] and holds(conditions[r.name], state.at(month, received)):
                reaction.funding[month] += r.amount
                received += r.amount
                reaction.rounds[r.name] = 1.0
        now = state.at(month, received)
        changed = False
        for rule in rules:
            if not active[rule.name] and holds(rule.when, now):
                active[rule.name] = changed = True
                reaction.fired[rule.name] = 1.0
            elif active[rule.name] and rule.release is not None and holds(rule.release, now):
                active[rule.name], changed = False, True
        if not changed or month + 1 >= horizon:
            continue
        for rule in rules:
            reaction.in_force[rule.name][month + 1:] = 1.0 if active[rule.name] else 0.0
        new_plans, reaction.overhead = _plans(rules, reaction.in_force, list(parts), company, horizon)
        redo = [name for name in parts if not new_plans[name].same(plans[name])]
        for name in redo:
            parts[name] = simulate(name, None if new_plans[name] is UNCHANGED else new_plans[name])
        plans.update(new_plans)
        state = _State(books(parts, None, reaction.overhead), parts, horizon, needs_pipeline)
    return books(parts, reaction.funding, reaction.overhead), reaction, parts


class _State:
    """The company's state at each month's end under one plan, before any funding (added by :meth:`at`)."""

    def __init__(self, result, parts: dict, horizon: int, needs_pipeline: bool):
        monthly = result.monthly
        self.cash, self.burn = monthly["cash"], trailing_burn(monthly["net_cash_flow"])
        self.mrr, self.customers = monthly["mrr"], monthly["customers"]
        self.pipeline = pipeline_value(parts, horizon) if needs_pipeline else None

    def at(self, month: int, received: float) -> dict:
        """The state at ``month``'s end (0 = the first) with ``received`` funding so far."""
        cash, burn = float(self.cash[month]) + received, float(self.burn[month])
        return {"cash": cash, "burn": burn, "months_of_runway": max(cash, 0.0) / burn if burn > 0 else math.inf,
                "arr": 12 * float(self.mrr[month]), "mrr": float(self.mrr[month]),
                "customers": float(self.customers[month]), "month": float(month + 1),
                "pipeline": float(self.pipeline[month]) if self.pipeline is not None else math.nan}


def _plans(rules: list, in_force: dict, motions: list, company, horizon: int) -> tuple[dict, np.ndarray | None]:
    """Each motion's plan, and the overhead, from the months each rule is in force.

    Where several rules in force act on the same thing, the strongest wins:
    a hire waits if any rule freezes it, marketing takes the smallest
    factor, overhead the largest cut.
    """
    plans = {}
    for name in motions:
        hiring, replacing, marketing = np.ones(horizon, bool), np.ones(horizon, bool), np.ones(horizon)
        for rule in rules:
            months = in_force[rule.name] > 0
            if name in rule.freezes:
                hiring &= ~months
            if name in rule.stops:
                replacing &= ~months
            factor = rule.actions.marketing_factor(name)
            if factor < 1:
                marketing = np.where(months, np.minimum(marketing, factor), marketing)
        plan = MotionPlan(None if hiring.all() else hiring, None if replacing.all() else replacing,
                          None if (marketing == 1).all() else marketing)
        plans[name] = UNCHANGED if plan.same(UNCHANGED) else plan
    cut = np.zeros(horizon)
    for rule in rules:
        cut = np.maximum(cut, rule.cut * (in_force[rule.name] > 0))
    overhead = None if not cut.any() else float(company.overhead_per_month) * (1 - cut)
    return plans, overhead


def reaction_outputs(result, reaction: Reaction, rules=()) -> None:
    """Add the reaction's metrics and series to a run's result (names as in the catalogue); ``rules``, the
    names of every rule of the scenario, those the strategy does not follow never in force."""
    for name in rules:
        reaction.in_force.setdefault(name, np.zeros(len(reaction.funding)))
        reaction.fired.setdefault(name, 0.0)
    monthly = result.monthly
    monthly["funding"] = reaction.funding
    monthly["runway"] = runway(monthly["cash"], monthly["net_cash_flow"])
    result.metrics["funding_received"] = float(reaction.funding.sum())
    for name, came in reaction.rounds.items():
        result.metrics[f"round.{name}"] = came
    for name, months in reaction.in_force.items():
        monthly[f"rule.{name}"] = months
        result.metrics[f"rule.{name}.fired"] = reaction.fired[name]
        result.metrics[f"rule.{name}.months"] = float(months.sum())


