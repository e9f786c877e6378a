"""From a YAML file to a validated Scenario: read, apply overrides, validate, cross-check.

Stages, as Ciw configures a network: read the file (safe YAML, with lines)
-> apply ``--set`` overrides -> validate every section against the schema
(defaults filled in) -> merge each strategy's overrides into its motions and
validate those -> cross-field rules. Every problem is collected and raised
at once as a :class:`ScenarioError`.
"""
from __future__ import annotations

import copy
import difflib
import hashlib
import typing
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from simulator.scenario.distributions import DISTRIBUTIONS, Distribution
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.schema import Motion, Scenario
from simulator.scenario.yamlio import YamlProblem, parse_scalar, read_yaml

DEFAULT_SCENARIO = "enterprise_vs_smb.yaml"
_MOTION = TypeAdapter(Motion)
_UNION_TAGS = {"number", "distribution"}
_MOTION_TAGS = {"enterprise", "midmarket", "smb"}


def default_scenario_path() -> Path:
    """The bundled default scenario (enterprise vs SMB vs hybrid over 36 months)."""
    return Path(str(resources.files("simulator") / "data" / DEFAULT_SCENARIO))


def load_scenario(path: str | Path | None = None, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override (``PATH=VALUE`` strings) and validate a scenario file.

    ``path`` None loads the bundled default. Raises :class:`ScenarioError`
    listing every problem, each with its file, line and dotted path.
    """
    path = default_scenario_path() if path is None else Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError([Problem(f"cannot read the file: {err.strerror}", source=str(path))]) from None
    return parse_scenario(raw, source=str(path), overrides=overrides)


def parse_scenario(text: str | bytes, source: str = "<text>", overrides: Iterable[str] = ()) -> Scenario:
    """Like :func:`load_scenario`, from the text of a scenario."""
    try:
        data, lines = read_yaml(text)
    except YamlProblem as err:
        raise ScenarioError([Problem(err.message, ".".join(map(str, err.path)), err.line, source)]) from None
    if data is None:
        raise ScenarioError([Problem("the file is empty: expected a scenario mapping with name, motions and "
                                     "strategies", source=source)])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(f"expected a mapping of keys (name, motions, strategies, ...) at the top, "
                                     f"got a {_kind(data)}", line=1, source=source)])
    overrides = list(overrides)
    set_sources: dict[tuple, str] = {}
    problems = []
    for item in overrides:
        try:
            key_path, value = _parse_override(item)
            set_sources[_apply_override(data, key_path, value)] = f"--set {item}"
        except ValueError as err:
            problems.append(Problem(str(err), source=f"--set {item}"))
    if problems:
        raise ScenarioError(problems)
    locate = _Locator(source, lines, set_sources)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        problems = [locate.problem(e, (), data) for e in err.errors()]
        raise ScenarioError(problems + _unknown_motions(data, locate)) from None
    strategy_motions = _strategy_motions(scenario, data, locate, problems)
    problems += _cross_checks(scenario, strategy_motions, locate)
    if problems:
        raise ScenarioError(problems)
    text_bytes = text if isinstance(text, bytes) else text.encode()
    scenario._source = source
    scenario._data = data
    scenario._sha256 = hashlib.sha256(text_bytes + "\n".join(overrides).encode()).hexdigest()
    scenario._strategy_motions = strategy_motions
    return scenario


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as run (overrides applied), as YAML text."""
    return yaml.safe_dump(scenario._data, sort_keys=False, allow_unicode=True)


def _kind(value) -> str:
    return {list: "list", dict: "mapping", str: "text", int: "number", float: "number", bool: "true/false",
            type(None): "empty value"}.get(type(value), type(value).__name__)


def _show(value, limit: int = 60) -> str:
    """A bad value as the message shows it: short, whatever it is."""
    if isinstance(value, (dict, list)):
        return f"a {_kind(value)}"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 15]}...{text[-10:]} ({len(text)} characters)"


def _parse_override(item: str) -> tuple[tuple, object]:
    if "=" not in item:
        raise ValueError("expected PATH=VALUE, such as motions.enterprise.team.reps=4")
    key, value = item.split("=", 1)
    # Digits index a list (hires.0.month); in a mapping they are a text key again.
    parts = tuple(int(p) if p.isascii() and p.isdigit() else p for p in key.strip().split("."))
    if not key.strip() or any(p == "" for p in parts):
        raise ValueError(f"'{key}' is not a dotted path such as motions.enterprise.team.reps")
    try:
        return parts, parse_scalar(value)
    except YamlProblem as err:
        raise ValueError(f"cannot read the value '{value}': {err.message}") from None


def _apply_override(data: dict, parts: tuple, value) -> tuple:
    """Set the value at a dotted path; return the path as the data spells it (mapping keys as text)."""
    node = data
    used = []
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            _check_index(node, part, parts[:i])
            node = node[part]
            used.append(part)
        else:
            node = node.setdefault(str(part), {})
            used.append(str(part))
        if not isinstance(node, (dict, list)):
            where = ".".join(map(str, parts[:i + 1]))
            raise ValueError(f"{where} is not a mapping, so {'.'.join(map(str, parts))} cannot be set")
    last = parts[-1]
    if isinstance(node, list):
        _check_index(node, last, parts[:-1])
    else:
        last = str(last)
    node[last] = value
    return tuple(used) + (last,)


def _check_index(items: list, part, where: tuple) -> None:
    if not isinstance(part, int) or part >= len(items):
        raise ValueError(f"no item {part} in the list at {'.'.join(map(str, where))} "
                         f"(it has {len(items)}: 0 to {len(items) - 1})" if items else
                         f"the list at {'.'.join(map(str, where))} is empty; set it whole, as [...]")


class _Locator:
    """Turns a pydantic error into a Problem with a clean dotted path and a line."""

    def __init__(self, source: str, lines: dict, set_sources: dict):
        self.source, self.lines, self.set_sources = source, lines, set_sources

    def clean(self, loc: tuple, prefix: tuple) -> tuple:
        path = list(prefix)
        for i, part in enumerate(loc):
            full = len(path)
            if part in _UNION_TAGS and full >= 2:
                continue
            if part in _MOTION_TAGS and full == 2 and path[0] == "motions":
                continue
            if part in _MOTION_TAGS and prefix and full == len(prefix) and i == 0:
                continue
            path.append(part)
        return tuple(path)

    def problem(self, error: dict, prefix: tuple, data, shown=None) -> Problem:
        """A pydantic error at ``prefix + loc``; ``shown`` may move the path (to a strategy's override)."""
        path = self.clean(error["loc"], prefix)
        return self.at(shown(path) if shown else path, _message(error, path, data))

    def at(self, path: tuple, message: str) -> Problem:
        """A problem at a dotted path: its line, or the --set that put the value there."""
        for set_path, source in self.set_sources.items():
            if path[:len(set_path)] == set_path or set_path[:len(path)] == path:
                return Problem(message, ".".join(map(str, path)), None, source)
        return Problem(message, ".".join(map(str, path)), self.line(path), self.source)

    def line(self, path: tuple) -> Optional[int]:
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None


def _message(error: dict, path: tuple, data) -> str:
    kind, msg = error["type"], error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(path[:-1], data)
        guess = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{guess[0]}'?" if guess else (f"; expected one of: {', '.join(allowed)}"
                                                            if allowed else "")
        return f"unknown key '{path[-1]}'{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return f"type {error['input'].get('type')!r} is not a motion type; expected enterprise, smb or midmarket"
    if kind == "union_tag_not_found":
        return "missing 'type': expected enterprise, smb or midmarket"
    value = error.get("input")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys (key: value, or {{key: value}}), got {_show(value)}"
    if kind.endswith(("_type", "_parsing")):
        return f"{msg[0].lower() + msg[1:]}, got {_show(value)}"
    if kind in ("literal_error", "string_pattern_mismatch", "too_short", "too_long", "greater_than",
                "greater_than_equal", "less_than", "less_than_equal", "string_too_short", "string_too_long",
                "finite_number", "int_from_float"):
        if kind in ("too_short", "too_long") and isinstance(value, (dict, list)):
            return f"{msg[0].lower() + msg[1:]}"
        return f"{msg[0].lower() + msg[1:]}, got {_show(value)}"
    return msg


def _allowed_keys(path: tuple, data) -> list[str]:
    """The keys the schema accepts at a dotted path (for 'did you mean')."""
    target = Scenario
    node = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
        target = _step(target, part, node)
        if target is None:
            return []
    if isinstance(target, type) and issubclass(target, BaseModel):
        return [f.alias or name for name, f in target.model_fields.items()] if target is not Distribution \
            else list(DISTRIBUTIONS) + ["per"]
    return []


def _step(target, part, node):
    origin = typing.get_origin(target)
    if origin is typing.Annotated:
        return _step(typing.get_args(target)[0], part, node)
    if isinstance(target, type) and issubclass(target, BaseModel):
        if target is Distribution:
            return DISTRIBUTIONS.get(part)
        field = target.model_fields.get(part)
        return _unwrap(field.annotation, node) if field else None
    if origin in (dict, list):
        return _unwrap(typing.get_args(target)[-1], node)
    return None


def _unwrap(annotation, node):
    """Strip Optional/Annotated; pick the union member the data selects."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0], node)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        for member in members:
            inner = _unwrap(member, node)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                type_field = inner.model_fields.get("type")
                if type_field is None or (isinstance(node, dict)
                                          and node.get("type") in typing.get_args(type_field.annotation)):
                    return inner
        return members[0] if len(members) == 1 else None
    return annotation


def _deep_merge(base: dict, changes: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not _is_distribution(value):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _is_distribution(value: dict) -> bool:
    return any(key in DISTRIBUTIONS for key in value)


def _has_path(tree, path: tuple) -> bool:
    for part in path:
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


def _unknown_motions(data: dict, locate: _Locator) -> list[Problem]:
    """Strategies naming motions that do not exist, checked on the raw data (the schema failed)."""
    motions, strategies = data.get("motions"), data.get("strategies")
    if not isinstance(motions, dict) or not isinstance(strategies, dict):
        return []
    problems = []
    for name, strategy in strategies.items():
        listed = strategy.get("motions") if isinstance(strategy, dict) else None
        for i, motion_name in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(motion_name, str) and motion_name not in motions:
                problems.append(_no_such_motion(locate, ("strategies", name, "motions", i), motion_name, motions))
    return problems


def _no_such_motion(locate: _Locator, path: tuple, name: str, motions) -> Problem:
    guess = difflib.get_close_matches(name, list(motions), n=1)
    return locate.at(path, f"no motion named '{name}'" + (f"; did you mean '{guess[0]}'?" if guess else
                                                           f"; the motions are {', '.join(motions)}"))


def _strategy_motions(scenario: Scenario, data: dict, locate: _Locator, problems: list) -> dict:
    """Each strategy's motions, its overrides merged and validated like the file."""
    result = {}
    for name, strategy in scenario.strategies.items():
        base = ("strategies", name)
        motions = {}
        for i, motion_name in enumerate(strategy.motions):
            if motion_name not in scenario.motions:
                problems.append(_no_such_motion(locate, base + ("motions", i), motion_name, scenario.motions))
        if len(set(strategy.motions)) != len(strategy.motions):
            problems.append(locate.at(base + ("motions",), "a motion is listed twice"))
        for motion_name, changes in strategy.overrides.items():
            if motion_name not in strategy.motions:
                where = base + ("overrides", motion_name)
                problems.append(locate.at(where, f"'{motion_name}' is not one of this strategy's motions "
                                                 f"({', '.join(strategy.motions)})"))
            elif "type" in changes:
                where = base + ("overrides", motion_name, "type")
                problems.append(locate.at(where, "a strategy cannot change a motion's type"))
        for motion_name in strategy.motions:
            if motion_name not in scenario.motions:
                continue
            changes = strategy.overrides.get(motion_name)
            if not changes:
                motions[motion_name] = scenario.motions[motion_name]
                continue
            if "type" in changes:
                continue   # reported above; the merged motion would only add confusing problems
            merged = _deep_merge(data["motions"][motion_name], changes)
            try:
                motions[motion_name] = _MOTION.validate_python(merged)
            except ValidationError as err:
                override_root = base + ("overrides", motion_name)

                def shown(path, override_root=override_root, changes=changes):
                    rel = path[2:]
                    return override_root + rel if _has_path(changes, rel[:1]) else path

                for e in err.errors():
                    problems.append(locate.problem(e, ("motions", motion_name), {"motions": {motion_name: merged}},
                                                   shown))
        result[name] = motions
    return result


def _cross_checks(scenario: Scenario, strategy_motions: dict, locate: _Locator) -> list[Problem]:
    problems = []

    def add(message, path):
        problems.append(locate.at(path, message))

    horizon = scenario.horizon_months

    def check(motion, path, moved=lambda rel: False, strategy=""):
        """Month rules of one motion; ``moved(rel)`` says a key comes from a strategy's override."""
        def at(rel):
            return (path[1] if moved(rel) else path[0]) + rel
        context = f" in strategy '{strategy}'" if strategy else ""
        if motion.start_month > horizon:
            add(f"month {motion.start_month} is beyond the horizon ({horizon} months)", at(("start_month",)))
        for i, hire in enumerate(motion.team.hires):
            where = at(("team", "hires", i, "month"))
            if hire.month > horizon:
                add(f"month {hire.month} is beyond the horizon ({horizon} months)", where)
            elif hire.month < motion.start_month:
                add(f"month {hire.month} is before the motion starts{context} (start_month "
                    f"{motion.start_month})", where)

    for name, motion in scenario.motions.items():
        check(motion, (("motions", name), ("motions", name)))
    for s_name, motions in strategy_motions.items():
        overrides = scenario.strategies[s_name].overrides
        for m_name, motion in motions.items():
            if motion is scenario.motions.get(m_name):
                continue
            changes = overrides.get(m_name, {})
            check(motion, (("motions", m_name), ("strategies", s_name, "overrides", m_name)),
                  lambda rel, changes=changes: _has_path(changes, rel[:1]), s_name)
    problems += _check_correlations(scenario, locate)
    return problems


def correlated_parameter(scenario: Scenario, dotted: str):
    """The value at a dotted path of the scenario (for correlations), or None."""
    node = scenario
    for part in dotted.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        else:
            return None
    return node


def _check_correlations(scenario: Scenario, locate: _Locator) -> list[Problem]:
    problems = []
    names: list[str] = []
    pairs: dict[frozenset, int] = {}
    for i, corr in enumerate(scenario.correlations):
        pair = frozenset(corr.between)
        if pair in pairs and len(pair) == 2:
            problems.append(locate.at(("correlations", i, "between"), f"this pair is already correlated in "
                                                                      f"correlations.{pairs[pair]}"))
        pairs.setdefault(pair, i)
        for j, dotted in enumerate(corr.between):
            path = ("correlations", i, "between", j)
            value = correlated_parameter(scenario, dotted)
            if not isinstance(value, Distribution) or value.per != "run":
                what = ("a per-deal distribution" if isinstance(value, Distribution) else
                        "not a parameter" if value is None else "a fixed number")
                problems.append(locate.at(path, f"'{dotted}' is {what}; correlations join per-run distributions"))
            elif dotted not in names:
                names.append(dotted)
        if corr.between[0] == corr.between[1]:
            path = ("correlations", i, "between")
            problems.append(locate.at(path, "a parameter cannot be correlated with itself"))
    if problems or not names:
        return problems
    matrix = correlation_matrix(scenario, names)
    if np.linalg.eigvalsh(matrix).min() <= 1e-10:
        problems.append(locate.at(("correlations",), "these rank correlations cannot hold together (the "
                                  "matrix is not positive definite); weaken some of them"))
    return problems


def correlation_matrix(scenario: Scenario, names: list[str]) -> np.ndarray:
    """Normal-copula correlation matrix for the named parameters.

    Spearman's rank correlation r between two Gaussian-copula variables
    needs a normal correlation of 2 sin(pi r / 6).
    """
    matrix = np.eye(len(names))
    for corr in scenario.correlations:
        a, b = (names.index(p) for p in corr.between)
        matrix[a, b] = matrix[b, a] = 2 * np.sin(np.pi * corr.rank / 6)
    return matrix
