"""Rules across keys: months within the horizon, strategies that add up, correlations that can hold.

The schema judges each key on its own; these rules relate keys to each
other. They read the scenario as plain data (the file as read, or a
Scenario's ``as_data()``) and take each value only where it is valid on its
own, like a proof-reader who checks the dates in a contract even though a
name on page one is misspelt: a file with schema errors hears about its
cross-key problems in the same report, and a value that is wrong on its own
is reported once, by the schema.
"""
from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Annotated, Iterator, Optional

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from simulator.scenario.distributions import Distribution
from simulator.scenario.errors import Problem
from simulator.scenario.funding import RESERVED, Actions, Round, dotted_or_empty
from simulator.scenario.params import key_value
from simulator.scenario.schema import (Company, Correlation, EnterpriseMotion, Hire, Motion, Scenario, deep_merge,
                                       merged_motion)

UNKNOWN = object()
"""A value that is not valid on its own: the rules across keys say nothing about it."""

_MOTION = TypeAdapter(Motion)


def cross_problems(data: dict, locate, scenario: Optional[Scenario] = None) -> list[Problem]:
    """Every problem across keys of scenario ``data``; ``scenario`` is its value when the schema passed.

    ``locate`` turns a path and a message into a Problem (``locate.at``) and
    a pydantic error into one (``locate.problem``), with the line or the
    ``--set`` to blame.
    """
    motions = _valid_motions(data, scenario)
    problems = _strategy_problems(data, motions, locate)
    problems += _month_problems(data, locate)
    problems += _correlation_problems(data, motions, scenario, locate)
    problems += _funding_problems(data, locate)
    return problems


def _valid_motions(data: dict, scenario: Optional[Scenario]) -> dict:
    """Each motion's validated value, or UNKNOWN where the motion is invalid on its own."""
    if scenario is not None:
        return dict(scenario.motions)
    motions = {}
    for name, motion in _mapping(data, "motions").items():
        try:
            motions[name] = _MOTION.validate_python(motion)
        except ValidationError:
            motions[name] = UNKNOWN
    return motions


def _mapping(data, key: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


@lru_cache(maxsize=None)
def _adapter(cls: type, name: str) -> TypeAdapter:
    field = cls.model_fields[name]
    return TypeAdapter(Annotated[field.annotation, field])


def _field(cls: type, name: str, data) -> object:
    """The valid value of one key of ``data`` (its default when left out), or UNKNOWN."""
    if not isinstance(data, dict):
        return UNKNOWN
    if name not in data:
        field = cls.model_fields[name]
        return UNKNOWN if field.is_required() else field.get_default(call_default_factory=True)
    try:
        return _adapter(cls, name).validate_python(data[name], strict=True)
    except ValidationError:
        return UNKNOWN


# ---------------------------------------------------------------- strategies


def _listed(strategy: dict) -> Optional[list]:
    listed = strategy.get("motions")
    return listed if isinstance(listed, list) else None


def _overrides(data: dict) -> Iterator[tuple[str, str, dict]]:
    """(strategy, motion, changes) for each override that can be merged into a motion of the file."""
    declared = _mapping(data, "motions")
    for s_name, strategy in _mapping(data, "strategies").items():
        if not isinstance(strategy, dict):
            continue
        names = [m for m in _listed(strategy) or [] if isinstance(m, str)]
        overrides = _mapping(strategy, "overrides")
        for m_name in dict.fromkeys(names):
            changes = overrides.get(m_name)
            if isinstance(changes, dict) and changes and "type" not in changes and isinstance(declared.get(m_name),
                                                                                               dict):
                yield s_name, m_name, changes


def _strategy_problems(data: dict, motions: dict, locate) -> list[Problem]:
    """Strategies name existing motions, each once; overrides are their own motions' and validate."""
    problems = []
    declared = data.get("motions") if isinstance(data.get("motions"), dict) else None
    for s_name, strategy in _mapping(data, "strategies").items():
        if not isinstance(strategy, dict):
            continue
        base = ("strategies", s_name)
        if isinstance(s_name, str) and not s_name.strip():
            problems.append(locate.at(base, "a strategy's name cannot be empty: commands, charts and results "
                                            "name a strategy by it"))
        listed = _listed(strategy)
        names = [m for m in listed or [] if isinstance(m, str)]
        for i, m_name in enumerate(listed or []):
            if declared is not None and isinstance(m_name, str) and m_name not in declared:
                problems.append(no_such_motion(locate, base + ("motions", i), m_name, declared))
        if len(set(names)) != len(names):
            problems.append(locate.at(base + ("motions",), "a motion is listed twice"))
        for m_name, changes in _mapping(strategy, "overrides").items():
            if listed is not None and m_name not in names:
                problems.append(locate.at(base + ("overrides", m_name), f"'{m_name}' is not one of this strategy's "
                                                                      f"motions ({', '.join(names)})"))
            elif isinstance(changes, dict) and "type" in changes:
                problems.append(locate.at(base + ("overrides", m_name, "type"),
                                          "a strategy cannot change a motion's type"))
    for s_name, m_name, changes in _overrides(data):
        if motions.get(m_name, UNKNOWN) is UNKNOWN:
            continue   # the motion's own problems are reported; merged, they would only repeat
        try:
            merged_motion(data["motions"][m_name], changes)
        except ValidationError as err:
            root = ("strategies", s_name, "overrides", m_name)

            def shown(path, root=root, changes=changes):
                rel = path[2:]
                return root + rel if _has_path(changes, rel[:1]) else path

            merged = {"motions": {m_name: deep_merge(data["motions"][m_name], changes)}}
            problems += [locate.problem(e, ("motions", m_name), merged, shown) for e in err.errors()]
    return problems


def no_such_motion(locate, path: tuple, name: str, motions) -> Problem:
    """A strategy names a motion that is not there: say so, with the nearest name."""
    guess = difflib.get_close_matches(name, list(motions), n=1)
    return locate.at(path, f"no motion named '{name}'" + (f"; did you mean '{guess[0]}'?" if guess else
                                                           f"; the motions are {', '.join(motions)}"))


def _has_path(tree, path: tuple) -> bool:
    for part in path:
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


# ---------------------------------------------------------------- months


def _plan(motion: dict) -> tuple:
    """A motion's start month and its hires' months, (index, month), where each is valid."""
    start = _field(EnterpriseMotion, "start_month", motion)   # the same key in every motion type
    team = motion.get("team", {})
    hires = team.get("hires", []) if isinstance(team, dict) else []
    months = [(i, _field(Hire, "month", hire)) for i, hire in enumerate(hires if isinstance(hires, list) else [])]
    return start, tuple((i, month) for i, month in months if month is not UNKNOWN)


def _month_problems(data: dict, locate) -> list[Problem]:
    """Motions start, and hires come, within the horizon; no hire comes before its motion starts."""
    horizon = _field(Scenario, "horizon_months", data)
    if horizon is UNKNOWN:
        return []
    problems = []

    def check(plan: tuple, at, strategy: str = ""):
        start, hires = plan
        context = f" in strategy '{strategy}'" if strategy else ""
        if start is not UNKNOWN and start > horizon:
            problems.append(locate.at(at(("start_month",)), f"month {start} is beyond the horizon ({horizon} months)"))
        for i, month in hires:
            where = at(("team", "hires", i, "month"))
            if month > horizon:
                problems.append(locate.at(where, f"month {month} is beyond the horizon ({horizon} months)"))
            elif start is not UNKNOWN and month < start:
                problems.append(locate.at(where, f"month {month} is before the motion starts{context} "
                                                 f"(start_month {start})"))

    declared = _mapping(data, "motions")
    for name, motion in declared.items():
        if isinstance(motion, dict):
            check(_plan(motion), lambda rel, name=name: ("motions", name) + rel)
    for s_name, m_name, changes in _overrides(data):
        plan = _plan(deep_merge(declared[m_name], changes))
        if plan == _plan(declared[m_name]):
            continue   # the strategy keeps the motion's months: checked above

        def at(rel, root=("strategies", s_name, "overrides", m_name), m_name=m_name, changes=changes):
            return (root if _has_path(changes, rel[:1]) else ("motions", m_name)) + rel

        check(plan, at, s_name)
    return problems


# ---------------------------------------------------------------- funding and rules


def _named_once(items: list, what: str, base: tuple, locate) -> tuple[list[str], list[Problem]]:
    """The names of a list of rounds or rules, and a problem for each name given twice."""
    names, problems = [], []
    for i, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str):
            if name in names:
                problems.append(locate.at(base + (i, "name"), f"another {what} is already named '{name}'"))
            names.append(name)
    return names, problems


def _funding_problems(data: dict, locate) -> list[Problem]:
    """Rounds come within the horizon; rules name motions that exist; strategies name rules that exist."""
    company = _mapping(data, "company")
    rounds = company.get("funding") if isinstance(company.get("funding"), list) else []
    rules = data.get("policies") if isinstance(data.get("policies"), list) else []
    _, problems = _named_once(rounds, "round", ("company", "funding"), locate)
    rule_names, more = _named_once(rules, "rule", ("policies",), locate)
    problems += more
    horizon = _field(Scenario, "horizon_months", data)
    for i, item in enumerate(rounds):
        for key in ("month", "window"):
            value = _field(Round, key, item)
            last = value if key == "month" else value[-1] if isinstance(value, list) else None
            if horizon is not UNKNOWN and isinstance(last, int) and last > horizon:
                problems.append(locate.at(("company", "funding", i, key),
                                          f"month {last} is beyond the horizon ({horizon} months)"))
    declared = _mapping(data, "motions")
    for i, item in enumerate(rules):
        actions = item.get("actions") if isinstance(item, dict) else None
        for key in ("freeze_hiring", "stop_replacing", "scale_marketing"):
            value = _field(Actions, key, actions)
            names = list(value) if isinstance(value, (list, dict)) else []
            for j, name in enumerate(names):
                at = ("policies", i, "actions", key) + ((j,) if isinstance(value, list) else (name,))
                if name not in declared:
                    problems.append(no_such_motion(locate, at, name, declared))
    for s_name, strategy in _mapping(data, "strategies").items():
        listed = strategy.get("policies") if isinstance(strategy, dict) else None
        for j, name in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(name, str) and name not in rule_names:
                guess = difflib.get_close_matches(name, rule_names, n=1)
                problems.append(locate.at(("strategies", s_name, "policies", j), f"no rule named '{name}'" + (
                    f"; did you mean '{guess[0]}'?" if guess else
                    f"; the rules (policies) are {', '.join(rule_names)}" if rule_names else
                    "; the scenario has no policies")))
    for name in RESERVED:
        if name in declared:
            problems.append(locate.at(("motions", name), f"a motion cannot be named '{name}': the metrics of "
                                                         "funding rounds and runway rules use the name"))
    for name in declared:
        if isinstance(name, str) and dotted_or_empty(name):
            problems.append(locate.at(("motions", name), f"a motion's name cannot be empty or hold a '.' (got "
                                                         f"'{name}'): results name its metrics "
                                                         "<motion>.<metric> (enterprise.win_rate), and --set "
                                                         "reaches its keys by a dotted path"))
    return problems


# ---------------------------------------------------------------- correlations


def _parameter(root, dotted: str):
    """The value at a dotted path (None: there is no such key; UNKNOWN: it is not valid on its own)."""
    node = root
    for part in dotted.split("."):
        if node is UNKNOWN:
            return UNKNOWN
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, BaseModel):
            node = key_value(node, part)   # into a distribution too: a parameter drawn once per run
        else:
            return None
    return node


def _partial_root(data: dict, motions: dict) -> dict:
    """What a correlation may name in a scenario that failed the schema: valid company and motions."""
    company = data.get("company", {})
    try:
        company = Company.model_validate(company)
    except ValidationError:
        company = UNKNOWN
    root = {name: UNKNOWN for name in Scenario.model_fields}
    root.update(company=company, motions=motions if isinstance(data.get("motions"), dict) else UNKNOWN)
    return root


def _correlation_problems(data: dict, motions: dict, scenario: Optional[Scenario], locate) -> list[Problem]:
    """Each correlation joins two per-run distributions, each pair once, and together they can hold."""
    items = data.get("correlations", [])
    if not isinstance(items, list):
        return []
    root = scenario if scenario is not None else _partial_root(data, motions)
    problems: list[Problem] = []
    names: list[str] = []
    pairs: dict[frozenset, int] = {}
    ranks: list[tuple[list, float]] = []
    complete = True
    for i, item in enumerate(items):
        between = item.get("between") if isinstance(item, dict) else None
        if not (isinstance(between, list) and len(between) == 2 and all(isinstance(p, str) for p in between)):
            complete = False
            continue
        pair = frozenset(between)
        if pair in pairs and len(pair) == 2:
            problems.append(locate.at(("correlations", i, "between"), f"this pair is already correlated in "
                                                                      f"correlations.{pairs[pair]}"))
        pairs.setdefault(pair, i)
        for j, dotted in enumerate(between):
            value = _parameter(root, dotted)
            if value is UNKNOWN:
                complete = False
            elif not isinstance(value, Distribution) or value.per != "run":
                what = ("a per-deal distribution" if isinstance(value, Distribution) else
                        "not a parameter" if value is None else "a fixed number")
                problems.append(locate.at(("correlations", i, "between", j),
                                          f"'{dotted}' is {what}; correlations join per-run distributions"))
            elif dotted not in names:
                names.append(dotted)
        if between[0] == between[1]:
            problems.append(locate.at(("correlations", i, "between"), "a parameter cannot be correlated with itself"))
        rank = _field(Correlation, "rank", item)
        if rank is UNKNOWN:
            complete = False
        else:
            ranks.append((between, rank))
    if problems or not names or not complete:
        return problems
    if np.linalg.eigvalsh(_normal_matrix(ranks, names)).min() <= 1e-10:
        problems.append(locate.at(("correlations",), "these rank correlations cannot hold together (the "
                                  "matrix is not positive definite); weaken some of them"))
    return problems


def correlation_matrix(scenario: Scenario, names: list[str]) -> np.ndarray:
    """Normal-copula correlation matrix for the named parameters.

    Spearman's rank correlation r between two Gaussian-copula variables
    needs a normal correlation of 2 sin(pi r / 6).
    """
    return _normal_matrix([(corr.between, corr.rank) for corr in scenario.correlations], names)


def _normal_matrix(ranks: list[tuple[list, float]], names: list[str]) -> np.ndarray:
    matrix = np.eye(len(names))
    for between, rank in ranks:
        a, b = (names.index(p) for p in between)
        matrix[a, b] = matrix[b, a] = 2 * np.sin(np.pi * rank / 6)
    return matrix
