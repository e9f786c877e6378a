"""A scenario's key assumptions in words: the tables at the head of a report.

A reader should not need the YAML to know what was assumed: "leads per
month: lognormal, 90% between 4 and 9, once per run" says what the file's
``{lognormal: {p5: 4, p95: 9}}`` means. Units come from the schema's own
declarations, so money reads as money and chances as percentages.
"""
from __future__ import annotations

import json
import math
from typing import Optional

import numpy as np

from simulator.present.formatting import format_money, format_number, format_percent
from simulator.scenario.distributions import DISTRIBUTIONS, Distribution
from simulator.scenario.params import bounds_of, key_value
from simulator.scenario.schema import STAGES

# (label, path inside a motion); a path of None is worked out by a function below.
COMMON_ROWS = (
    ("Starts", "start_month"),
    ("Leads per month", "leads.per_month"),
    ("Lead growth", "leads.growth_per_month"),
    ("Cost per lead", "leads.cost_per_lead"),
    ("Marketing", "leads.marketing_per_month"),
    ("Outsourced lead generation", "leads.outsourced_per_month"),
    ("Referrals per customer", "leads.referrals_per_customer_per_month"),
    ("Reps at the start", "team.reps"),
    ("Hiring plan", "team.hires"),
    ("Rep cost", "team.salary_per_month"),
    ("Commission", "team.commission_rate"),
    ("Deals a rep works at once", "team.deals_per_rep"),
    ("Ramp-up of a new rep", "team.ramp_months"),
    ("Rep attrition", "team.attrition_per_year"),
    ("Contract value (per year)", "deal.contract_value"),
    ("Discount", "deal.discount"),
    ("Implementation cost", "deal.implementation_cost"),
    ("Billing and payment", "deal.billing"),
    ("Renewal chance each year", "deal.renewal_chance"),
    ("Monthly churn", "deal.monthly_churn"),
    ("Expansion", "deal.expansion_per_year"),
    ("Gross margin", "deal.gross_margin"),
)
COMMITTEE_ROWS = (
    ("Target accounts", "leads.target_accounts"),
    ("Buying committee", "process.committee_size"),
    ("Objections per member", "process.objections_per_member"),
    ("Unresolved objection chance", "process.unresolved_chance"),
    ("Days per stage", "process.stages.days"),
    ("Loss chance per stage", "process.stages.loss_chance"),
)
DECIDER_ROWS = (
    ("Decision cycle", "process.cycle_days"),
    ("Buy chance with no buying signal", "process.buy_chance"),
    ("Leads that need a rep", "process.touched_share"),
    ("Objections per touched lead", "process.objections"),
    ("Card fee", "deal.card_fee"),
)

_PER = {"money/month": " a month", "money/lead": " a lead", "fraction/year": " a year",
        "fraction/month": " a month", "leads/month": " a month", "leads/customer/month": " leads a month"}
_COUNTED = ("days", "months", "people", "reps", "deals", "objections", "members")


def _amount(x: float, unit: str, currency: str, digits: int = 3, named: bool = True) -> str:
    """One value in the parameter's unit; ``named=False`` leaves out a unit word (the '6' of '6 to 10 people')."""
    if unit.startswith("money"):
        return format_money(x, currency, digits)
    if unit.startswith("fraction"):
        return _trim_number(f"{100 * x:.{digits}g}") + "%"
    text = format_number(x, digits)
    if named and unit in _COUNTED:
        return f"{text} {unit[:-1] if text == '1' else unit}"
    return text


def _trim_number(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


def describe_value(value, unit: str = "", currency: str = "USD") -> str:
    """A number or distribution in words: '$40k a month', 'lognormal, 90% between 4 and 9 a month (median 6)'.

    Distributions add when they are drawn: once per run (an unknown but fixed
    fact) or per deal.
    """
    per = _PER.get(unit, "")
    if not isinstance(value, Distribution):
        return _amount(float(value), unit, currency) + per
    law, name = value.law, value.name
    if name == "constant":
        text = _amount(law.value, unit, currency) + per
    elif name == "uniform_int":
        text = (f"{_amount(law.low, unit, currency, named=False)} to {_amount(law.high, unit, currency)}{per}, "
                f"equally likely")
    elif name in ("poisson", "binomial"):
        text = f"{name.capitalize()}, mean {_amount(law.mean(), unit, currency)}{per}"
    elif name == "choice":
        shown = [_amount(float(v), unit, currency, named=False) for v in law.values]
        listed = (", ".join(shown[:-1]) + " or " if len(shown) > 1 else "") + _amount(law.values[-1], unit, currency)
        if law.weights is None or len(set(law.weights)) == 1:
            text = f"{listed}{per}, equally likely"
        else:
            total = sum(law.weights)
            text = f"{listed}{per}, with chances " + ", ".join(format_percent(w / total) for w in law.weights)
    else:   # drawn parameters, if any, at their medians
        low, median, high = (float(x) for x in np.asarray(value.typical().ppf(np.array([0.05, 0.5, 0.95]))))
        text = (f"{name}, 90% between {_amount(low, unit, currency, 2, named=False)} and "
                f"{_amount(high, unit, currency, 2)}{per} (median {_amount(median, unit, currency, 2)})")
    level = {"deal": "drawn per deal", "run": "once per run"}.get(value.per or "run")
    drawn = list(value.drawn())
    if drawn:
        level += f", its {' and '.join(drawn)} once per run"
    return f"{text}, {level}"


def _lookup(motion, path: str):
    """(value, unit) at a dotted path inside a motion; (None, '') when the motion has no such key."""
    node, parts = motion, path.split(".")
    unit = ""
    for part in parts[:-1]:
        if isinstance(node, Distribution):
            law = getattr(node, part, None)   # a per-deal distribution's drawn parameter (``...lognormal.median``)
            value = key_value(law, parts[-1]) if law is not None and part == parts[-2] else None
            # a location or scale parameter is in the key's unit; sigma and shape have none
            return value, (unit if parts[-1] in ("median", "mean", "sd", "scale") else "")
        field = type(node).model_fields.get(part)
        bounds = bounds_of(field) if field is not None else None
        unit = bounds.unit if bounds else ""
        node = getattr(node, part, None)
        if node is None:
            return None, ""
    field = type(node).model_fields.get(parts[-1])
    if field is None:
        return None, ""
    bounds = bounds_of(field)
    return getattr(node, parts[-1]), (bounds.unit if bounds else "")


def input_unit(scenario, path: str) -> str:
    """The unit of an uncertain input named by its dotted path (``motions.smb.leads.per_month``,
    ``company.starting_cash``), as the schema declares it; '' when it declares none."""
    head, _, rest = path.partition(".")
    if head == "motions":
        name, _, rest = rest.partition(".")
        return _lookup(scenario.motions[name], rest)[1]
    return _lookup(getattr(scenario, head), rest)[1]


def _describe_special(motion, path: str, currency: str) -> Optional[str]:
    """Rows that combine keys: the start, the hiring plan, billing with payment terms, stages."""
    if path == "start_month":
        return "from the start" if motion.start_month == 1 else f"in month {motion.start_month}"
    if path == "team.hires":
        hires = motion.team.hires
        return ", ".join(f"+{h.reps} in month {h.month}" for h in hires) if hires else "none"
    if path == "deal.billing":
        terms = motion.deal.payment_terms_days
        paid = "paid at once" if terms == 0 else f"paid after {describe_value(terms, 'days', currency)}"
        billed = {"annual": "yearly", "quarterly": "quarterly", "monthly": "monthly"}[motion.deal.billing]
        return f"billed {billed} in advance, {paid}"
    if path == "leads.target_accounts":
        accounts = motion.leads.target_accounts
        if accounts is None:
            return "unlimited market"
        cooling = describe_value(motion.leads.cooling_off_months, "months", currency)
        return f"{accounts:,}; an account that said no cools off for {cooling}"
    if path.startswith("process.stages."):
        key = path.rsplit(".", 1)[1]
        unit = "fraction" if key == "loss_chance" else "days"
        values = [getattr(getattr(motion.process.stages, stage), key) for stage in STAGES]
        text = "; ".join(f"{stage} {describe_value(v, unit, currency)}" for stage, v in zip(STAGES, values))
        if key == "loss_chance" and all(not isinstance(v, Distribution) for v in values):
            survive = math.prod(1 - v for v in values)
            text += f" (before objections, {format_percent(survive)} of deals survive every stage)"
        return text
    return None


def motion_rows(motion, currency: str = "USD") -> list[tuple[str, str]]:
    """(label, value in words) for the key assumptions of one motion."""
    extra = DECIDER_ROWS if motion.type == "smb" else COMMITTEE_ROWS
    rows = []
    for label, path in COMMON_ROWS + extra:
        special = _describe_special(motion, path, currency)
        if special is not None:
            rows.append((label, special))
            continue
        value, unit = _lookup(motion, path)
        if value is None:
            continue
        if path.startswith("leads.") and not isinstance(value, Distribution) and value == 0 \
                and path != "leads.per_month":
            continue  # a lead cost or source the motion does not use
        rows.append((label, describe_value(value, unit, currency)))
    return rows


def company_rows(scenario) -> list[tuple[str, str]]:
    """(label, value in words) for the company and the horizon."""
    company, currency = scenario.company, scenario.company.currency
    return [
        ("Starting cash", describe_value(company.starting_cash, "money", currency)),
        ("Fixed costs", describe_value(company.overhead_per_month, "money/month", currency)),
        ("Discount rate (for NPV)", describe_value(company.discount_rate_annual, "fraction/year", currency)),
        ("Horizon", f"{scenario.horizon_months} months"),
        ("Currency", currency),
    ] + _funding_rows(scenario)


def _funding_rows(scenario) -> list[tuple[str, str]]:
    """(label, words) for each funding round and runway rule (none without them)."""
    currency = scenario.company.currency
    rows = []
    for r in scenario.company.funding or ():
        when = f"month {r.month}" if r.month is not None else f"the first month of months {r.window[0]}-{r.window[1]}"
        rows.append((f"Round {r.name}", f"{describe_value(r.amount, 'money', currency)} in {when}"
                     + (f" when {r.when}" if r.when else "")))
    for p in scenario.policies or ():
        actions = "; ".join(f"{key} {json.dumps(value)}" for key, value in p.actions.as_data().items())
        rows.append((f"Rule {p.name}", f"when {p.when}: {actions}" + (f"; until {p.release}" if p.release
                                                                     else "; to the end")))
    return rows


def _flatten(tree: dict, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and not any(k in value for k in DISTRIBUTIONS):
            out.extend(_flatten(value, path))
        else:
            out.append((path, value))
    return out


def strategy_rows(scenario) -> list[tuple[str, str, str]]:
    """(strategy, motions it runs, its description and what it changes) for each strategy."""
    rows = []
    for name, strategy in scenario.strategies.items():
        changes = [f"{motion}.{path} = {json.dumps(value)}" for motion, tree in strategy.overrides.items()
                   for path, value in _flatten(tree)]
        text = strategy.description + (f" Changes: {'; '.join(changes)}." if changes else "")
        if scenario.policies and strategy.policies is not None:
            text += f" Follows the rules: {', '.join(strategy.policies) or 'none'}."
        rows.append((name, ", ".join(strategy.motions), text.strip()))
    return rows


def motion_tables(scenario) -> dict[str, tuple[list[str], list[tuple[str, list[str]]]]]:
    """Per motion: (strategies that run it, rows of (label, value per strategy)).

    Values come from each strategy's own copy of the motion, its overrides
    merged in, so a smaller team in one strategy shows in its column.
    """
    currency = scenario.company.currency
    tables = {}
    for motion_name in scenario.motions:
        users = [s for s in scenario.strategies if motion_name in scenario.strategies[s].motions]
        if not users:
            continue
        columns = [dict(motion_rows(scenario.strategy_motions(s)[motion_name], currency)) for s in users]
        labels = list(dict.fromkeys(label for col in columns for label in col))
        tables[motion_name] = (users, [(label, [col.get(label, "") for col in columns]) for label in labels])
    return tables


_COMPANY_WORDS = {"starting_cash": "starting cash", "overhead_per_month": "fixed costs",
                  "discount_rate_annual": "discount rate", "minimum_cash": "cash buffer",
                  "ltv_max_months": "months LTV counts"}
_ROW_WORDS = {path: label for label, path in COMMON_ROWS + COMMITTEE_ROWS + DECIDER_ROWS}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def input_words(path: str) -> str:
    """An uncertain input's dotted path in words, for a sentence: 'motions.smb.deal.monthly_churn' reads
    'smb monthly churn', 'motions.enterprise.process.stages.demo.loss_chance' 'enterprise demo loss chance',
    'company.starting_cash' 'starting cash'; a path this does not know reads as its last key."""
    parts = path.split(".")
    if parts[0] == "company" and len(parts) == 2:
        return _COMPANY_WORDS.get(parts[1], parts[1].replace("_", " "))
    if parts[0] != "motions" or len(parts) < 3:
        return path
    motion, rest = parts[1], ".".join(parts[2:])
    if rest.startswith("process.stages.") and len(parts) == 6:
        return f"{motion} {parts[4]} {parts[5].replace('_', ' ')}"
    label = _ROW_WORDS.get(rest)
    return f"{motion} {_lower_first(label) if label else parts[-1].replace('_', ' ')}"
