"""The metrics catalogue: every per-run metric once, with its label, unit, better direction and where it is shown.

The summary, the comparisons, precision control, the terminal table, the
charts and the report all read this one list instead of keeping their own.
Company metrics (:data:`COMPANY`) describe a strategy's whole run; motion
metrics (:data:`MOTION`) describe one motion within it and are named
``<motion>.<metric>`` in results (``enterprise.win_rate``). A scenario with
funding rounds or runway rules adds :data:`FUNDING` and, per round and
rule, :data:`ROUND` (``round.<name>``) and :data:`RULE`
(``rule.<name>.fired``, ``rule.<name>.months``), and the monthly series of
:data:`REACTION_SERIES` (see :func:`run_series_names`).

Kinds: ``money``, ``months``, ``days``, ``percent`` (a share: 0.25 is 25%),
``ratio`` (an x-multiple), ``count``. ``better`` says which way a strategy
beats another on the metric. ``never`` marks the month of an event that may
not happen within the horizon: there NaN means "never", later than any
month, and ranks as such (a strategy that never runs out of cash beats one
that does; one that never breaks even loses to one that does); elsewhere NaN
means the metric is undefined in that run, and comparisons leave the run
out. ``shown`` lists where the metric appears:

- ``table``: the terminal table's P5 / P50 / P95 rows (company money figures);
- ``report``: the report's side-by-side table;
- ``compare``: run-by-run comparisons (P(A beats B)), the default precision
  target, and the report's comparisons in words;
- ``convergence``: the report's table of standard errors;
- ``duel``: the head-to-head chart;
- ``motion_table``: the per-motion block of the terminal table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from simulator.engine.ledger import SERIES
from simulator.scenario.schema import STAGES


@dataclass(frozen=True)
class Metric:
    """One per-run metric: what it is called, how it reads, and which way is better."""

    name: str
    label: str          # for a reader: "Revenue over the horizon"
    short: str          # for a table row or a sentence: "revenue"
    kind: str           # money, months, days, percent, ratio, count
    better: str         # "higher" or "lower"
    shown: frozenset = frozenset()
    never: bool = False  # NaN means the event never happened: later than any month


def _m(name, label, short, kind, better="higher", shown=(), never=False) -> Metric:
    return Metric(name, label, short, kind, better, frozenset(shown), never)


# Per-run metrics of a strategy (contract: the names are fixed), in the order files list them.
COMPANY = (
    _m("revenue", "Revenue over the horizon", "revenue", "money", shown=("table", "report", "compare", "convergence")),
    _m("cost", "Cost over the horizon", "cost", "money", "lower", ("table", "report")),
    _m("net_cash_flow", "Net cash flow over the horizon", "net cash flow", "money", shown=("table", "report")),
    _m("npv", "NPV of monthly net cash flows", "NPV", "money", shown=("report", "compare", "convergence", "duel")),
    _m("ending_cash", "Cash at the end", "ending cash", "money",
       shown=("report", "compare", "convergence", "duel")),
    _m("min_cash", "Lowest cash balance (the trough)", "lowest cash", "money", shown=("report",)),
    _m("capital_needed", "Capital needed (total the plan consumes)", "capital needed", "money", "lower",
       ("table", "report", "compare", "convergence")),
    _m("new_money_needed", "New money to raise (beyond the starting cash)", "new money to raise", "money", "lower",
       ("table", "report")),
    _m("cash_out_month", "Month cash runs out", "month cash runs out", "months", "higher", never=True),
    _m("breakeven_month", "Month of cash-flow breakeven", "breakeven month", "months", "lower", ("report",),
       never=True),
    _m("ending_arr", "ARR at the end", "ending ARR", "money", shown=("table", "report", "convergence")),
    _m("customers", "Customers at the end", "customers", "count", shown=("report",)),
    _m("deals_won", "Deals won", "deals won", "count", shown=("report",)),
    _m("deals_lost", "Deals lost", "deals lost", "count", "lower", ("report",)),
    _m("win_rate", "Win rate", "win rate", "percent", shown=("report",)),
    _m("cycle_days_median", "Median sales cycle", "median cycle", "days", "lower", ("report",)),
    _m("objections_per_deal", "Objections per won deal", "objections per won deal", "count", "lower", ("report",)),
    _m("cac", "CAC (cost to acquire a customer)", "CAC", "money", "lower", ("report",)),
    _m("ltv", "LTV (customer lifetime value)", "LTV", "money", shown=("report",)),
    _m("ltv_to_cac", "LTV : CAC", "LTV:CAC", "ratio", shown=("report",)),
    _m("cac_payback_months", "CAC payback", "CAC payback", "months", "lower", ("report",)),
    _m("burn_multiple", "Burn multiple", "burn multiple", "ratio", "lower", ("report",)),
    _m("sales_velocity", "Sales velocity (per month)", "sales velocity", "money", shown=("report",)),
    _m("churn_rate", "Churn rate (per month)", "churn", "percent", "lower", ("report",)),
)

# Per-run metrics of one motion within a strategy, named "<motion>.<metric>". Stage conversions are for
# committee motions (enterprise, midmarket) only.
MOTION = (
    _m("leads", "Leads", "leads", "count", shown=("motion_table",)),
    _m("deals_opened", "Deals taken (by a rep, or self-serve)", "deals taken", "count"),
    _m("leads_lost_waiting", "Leads lost waiting for a rep", "lost waiting", "count", "lower", ("motion_table",)),
    *(_m(f"{stage}_conversion", f"Passed the {stage} stage (of deals decided there)", f"{stage} pass rate",
         "percent") for stage in STAGES),
    _m("deals_won", "Deals won", "won", "count", shown=("motion_table",)),
    _m("deals_lost", "Deals lost", "lost", "count", "lower"),
    _m("open_deals", "Open deals at the end", "open", "count"),
    _m("stalled_deals", "Stalled deals at the end (open over twice the median won cycle)", "stalled", "count",
       "lower"),
    _m("win_rate", "Win rate (won / decided)", "win rate", "percent", shown=("motion_table",)),
    _m("pipeline_win_rate", "Win rate against every opportunity (won / won, lost and open)", "win rate, all",
       "percent"),
    _m("cycle_days_median", "Median sales cycle", "cycle", "days", "lower", ("motion_table",)),
    _m("objections_per_deal", "Objections per won deal", "objections", "count", "lower"),
    _m("customers", "Customers at the end", "customers", "count", shown=("motion_table",)),
    _m("ending_arr", "ARR at the end", "ARR", "money", shown=("motion_table",)),
    _m("arpa", "ARR per customer at the end", "ARR per customer", "money"),
    _m("annual_expansion", "Annual expansion (expansion ARR of the last 12 months / ARR 12 months earlier)",
       "expansion", "percent"),
    _m("sales_growth", "Sales growth (revenue of the last 12 months / the 12 before, less 1)", "growth",
       "percent"),
    _m("sales_velocity", "Sales velocity (per month)", "velocity", "money"),
    _m("cac", "CAC (cost to acquire a customer)", "CAC", "money", "lower", ("motion_table",)),
    _m("ltv", "LTV (customer lifetime value)", "LTV", "money", shown=("motion_table",)),
    _m("ltv_to_cac", "LTV : CAC", "LTV:CAC", "ratio"),
    _m("churn_rate", "Churn rate (per month)", "churn", "percent", "lower", ("motion_table",)),
    _m("net_profit", "Net profit (revenue less the motion's own costs, before overhead)", "net profit", "money",
       shown=("motion_table",)),
    _m("rep_utilisation", "Rep utilisation (deal slots in use)", "utilisation", "percent",
       shown=("motion_table",)),
    _m("pipeline_coverage", "Pipeline coverage (open pipeline / next quarter's quota)", "coverage", "ratio"),
    _m("quota_attainment", "Quota attainment (bookings / quota, last 12 months)", "attainment", "percent"),
)

# Per-run metrics of a plan that reacts to cash (scenarios with company.funding or policies).
FUNDING = (
    _m("funding_received", "Funding received (rounds that came)", "funding received", "money"),
)
# Per round, named "round.<round>": 1 when the round came, 0 when it did not (its mean is the chance it comes).
# Short names are templates filled with the round's or rule's name.
ROUND = _m("round", "Round came", "round {round} comes", "percent", "lower")
# Per runway rule, named "rule.<rule>.<metric>".
RULE = (
    _m("fired", "Rule fired", "rule {rule} fires", "percent", "lower"),
    _m("months", "Months under the rule", "months under {rule}", "months", "lower"),
)
# Monthly series of a plan that reacts to cash, with their labels; each rule adds "rule.<rule>" (1 in the
# months its actions apply, else 0).
REACTION_SERIES = {"funding": "Funding received", "runway": "Months of runway (cash / trailing 3-month net burn)"}

METRICS = tuple(m.name for m in COMPANY)
_COMPANY = {m.name: m for m in COMPANY + FUNDING}
_RULE = {m.name: m for m in RULE}
_MOTION = {m.name: m for m in MOTION}
COMMITTEE_ONLY = frozenset(f"{stage}_conversion" for stage in STAGES)


def metric_entry(name: str) -> Metric:
    """The catalogue entry of a metric: a company metric, or ``<motion>.<metric>`` (labelled for the motion)."""
    if name in _COMPANY:
        return _COMPANY[name]
    kind, _, rest = name.partition(".")
    if kind == "round" and rest:
        return Metric(name, f"{ROUND.label}: {rest}", ROUND.short.format(round=rest), ROUND.kind, ROUND.better,
                      ROUND.shown)
    rule, _, own = rest.rpartition(".")
    if kind == "rule" and rule and own in _RULE:
        entry = _RULE[own]
        return Metric(name, f"{entry.label}: {rule}", entry.short.format(rule=rule), entry.kind, entry.better,
                      entry.shown)
    motion, _, own = name.rpartition(".")
    if motion and own in _MOTION:
        entry = _MOTION[own]
        return Metric(name, f"{entry.label} ({motion})", entry.short, entry.kind, entry.better, entry.shown,
                      entry.never)
    raise KeyError(f"no metric named '{name}'")


def motion_metric_entry(own: str) -> Metric:
    """The catalogue entry of a motion metric by its own name (``win_rate``), labelled for any motion."""
    return _MOTION[own]


def lower_is_better(name: str) -> bool:
    """Whether less of the metric is better (capital needed, CAC, churn ...)."""
    return metric_entry(name).better == "lower"


def nan_means_never(name: str) -> bool:
    """Whether NaN in the metric means the event never happened (ranked later than any month), not undefined."""
    return metric_entry(name).never


def shown_in(place: str, metrics: Iterable[Metric] = COMPANY) -> tuple[str, ...]:
    """Names of the metrics shown in ``place`` (see the module docstring), in catalogue order."""
    return tuple(m.name for m in metrics if place in m.shown)


def motion_metric_names(motion_type: str) -> tuple[str, ...]:
    """The metrics of a motion of this type (stage conversions only for committee motions)."""
    return tuple(m.name for m in MOTION if motion_type != "smb" or m.name not in COMMITTEE_ONLY)


def reacts(scenario) -> bool:
    """Whether the scenario's plan reacts to cash: it has funding rounds or runway rules."""
    return bool(scenario.company.funding or scenario.policies)


def reaction_metric_names(scenario) -> tuple[str, ...]:
    """The metrics of a plan that reacts to cash: funding received, each round, each rule (none without)."""
    if not reacts(scenario):
        return ()
    return (tuple(m.name for m in FUNDING) + tuple(f"round.{r.name}" for r in scenario.company.funding or ())
            + tuple(f"rule.{p.name}.{m.name}" for p in scenario.policies or () for m in RULE))


def run_metric_names(scenario) -> tuple[str, ...]:
    """Every per-run metric of a scenario's results: the company's, then each motion's, motions in file order,
    then those of a plan that reacts to cash."""
    return METRICS + tuple(f"{name}.{own}" for name, spec in scenario.motions.items()
                           for own in motion_metric_names(spec.type)) + reaction_metric_names(scenario)


def belongs_to(name: str, motions) -> bool:
    """Whether a strategy running ``motions`` has metric ``name``: a company metric, a round's or rule's, or
    the metric of one of its motions."""
    prefix, dot, _ = name.partition(".")
    return not dot or prefix in motions or prefix in ("round", "rule")


def run_series_names(scenario) -> tuple[str, ...]:
    """The monthly series of a scenario's results: the contract's SERIES, then those of a plan that reacts."""
    if not reacts(scenario):
        return SERIES
    return SERIES + tuple(REACTION_SERIES) + tuple(f"rule.{p.name}" for p in scenario.policies or ())


def series_label(name: str) -> str:
    """A reader's label for a series of :data:`REACTION_SERIES` or a rule's series."""
    if name.startswith("rule."):
        return f"Under rule {name[5:]} (share of runs)"
    return REACTION_SERIES[name]
