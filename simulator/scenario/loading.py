"""From a YAML file to a validated Scenario: read, apply overrides, validate, cross-check.

Stages, as Ciw configures a network: read the file (safe YAML, with lines;
top-level ``x-`` keys set aside) -> apply ``--set`` overrides -> validate
every section against the schema (defaults filled in) -> the rules across
keys (:mod:`simulator.scenario.checks`), which run on whatever parts are
valid even when the schema failed. Every problem is collected and raised
at once as a :class:`ScenarioError`. :meth:`Scenario.with_values` goes
through the same stages, from the scenario's own data.
"""
from __future__ import annotations

import copy
import difflib
import typing
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping, Optional

import yaml
from pydantic import BaseModel, ValidationError

from simulator.scenario.checks import correlation_matrix as correlation_matrix   # the engine reads it from here
from simulator.scenario.checks import cross_problems
from simulator.scenario.distributions import DISTRIBUTIONS, DRAWN_PARAMETERS, Distribution
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.params import plain_data
from simulator.scenario.schema import LOCATED_CHECKS, Motion, Scenario
from simulator.scenario.yamlio import YamlProblem, parse_scalar, read_yaml

DEFAULT_SCENARIO = "enterprise_vs_smb.yaml"
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
    data, lines = _read(text, source)
    changes, problems = [], []
    for item in overrides:
        try:
            label, parts, value = f"--set {item}", *_parse_override(item)
        except ValueError as err:
            problems.append(Problem(str(err), source=f"--set {item}"))
            continue
        earlier = next((c for c in changes if c[1] == parts and c[2] != value), None)
        if earlier is not None:   # the later would silently replace the earlier
            problems.append(Problem(f"{'.'.join(map(str, parts))} is already set by {earlier[0]}: set it once",
                                    source=label))
            continue
        changes.append((label, parts, value))
    return _validate(data, lines, source, changes, problems)


def vary(scenario: Scenario, values: Mapping[str, object]) -> Scenario:
    """:meth:`Scenario.with_values`: the scenario's data changed at dotted paths, validated like a file."""
    changes, problems = [], []
    for key, value in values.items():
        label = f"with_values {key}={_flow(value)}"
        try:
            changes.append((label, _dotted_path(key), _plain_value(value)))
        except ValueError as err:
            problems.append(Problem(str(err), source=label))
    return _validate(scenario.as_data(), {}, scenario.source, changes, problems)


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as run, as YAML text: its :meth:`~Section.as_data`, every key written out.

    Derived from the value, so overrides, :meth:`Scenario.with_values` and
    ``model_copy`` changes are in it; reading it back gives an equal
    scenario (and the same :attr:`Scenario.sha256`). The file's comments
    and anchors are not kept.
    """
    return yaml.safe_dump(scenario.as_data(), sort_keys=False, allow_unicode=True)


def check_scenario(scenario: Scenario) -> list[Problem]:
    """The problems across keys of a Scenario built in Python, each with its dotted path (no line)."""
    return cross_problems(scenario.as_data(), _Locator("", {}, {}), scenario)


def _read(text: str | bytes, source: str) -> tuple[dict, dict]:
    """The file's top-level mapping, without its ``x-`` keys, and the line of each path."""
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
    # Top-level x- keys belong to the file (a place for anchors), as in docker-compose files.
    return {key: value for key, value in data.items() if not key.startswith("x-")}, lines


def _validate(data: dict, lines: dict, source: str, changes: list, problems: list) -> Scenario:
    """Apply ``changes`` (label, path, value) to ``data``, validate, check across keys; raise every problem."""
    set_sources: dict[tuple, str] = {}
    for label, path, value in changes:
        try:
            set_sources[_apply_override(data, path, value)] = label
        except ValueError as err:
            problems.append(Problem(str(err), source=label))
    if problems:
        raise ScenarioError(problems)
    locate = _Locator(source, lines, set_sources)
    scenario = None
    try:
        scenario = Scenario.model_validate(data, context={LOCATED_CHECKS: True})
    except ValidationError as err:
        problems = [locate.problem(e, (), data) for e in err.errors()]
    problems += cross_problems(data, locate, scenario)
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))   # a problem found twice is told once
    scenario._source = source
    return scenario


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
    parts = _dotted_path(key)
    try:
        return parts, parse_scalar(value)
    except YamlProblem as err:
        raise ValueError(f"cannot read the value '{value}': {err.message}") from None


def _dotted_path(key) -> tuple:
    """``motions.enterprise.team.hires.0.month`` as parts; digits index a list (in a mapping they are text)."""
    if not isinstance(key, str):
        raise ValueError(f"{key!r} is not a dotted path such as motions.enterprise.team.reps")
    parts = tuple(int(p) if p.isascii() and p.isdigit() else p for p in key.strip().split("."))
    if not key.strip() or any(p == "" for p in parts):
        raise ValueError(f"'{key}' is not a dotted path such as motions.enterprise.team.reps")
    return parts


def _plain_value(value):
    """A with_values value as a file would hold it: sections and distributions as their data."""
    if isinstance(value, BaseModel):
        return plain_data(value)
    if isinstance(value, dict):
        return {key: _plain_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_value(item) for item in value]
    return copy.deepcopy(value)


def _flow(value) -> str:
    """A value in YAML flow style, as --set would take it."""
    try:
        text = yaml.safe_dump(_plain_value(value), default_flow_style=True, width=1_000_000, allow_unicode=True)
    except yaml.YAMLError:
        return repr(value)
    return text.strip().removesuffix("...").strip()


def _apply_override(data: dict, parts: tuple, value) -> tuple:
    """Set the value at a dotted path; return the path as the data spells it (mapping keys as text)."""
    node = data
    used = []
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            _check_index(node, parts, i, value)
            node = node[part]
            used.append(part)
        else:
            if str(part) not in node and isinstance(parts[i + 1], int) and _is_list(data, parts[:i + 1]):
                raise ValueError(_no_list(parts, i + 1, value, "is not in the file, so it is empty"))
            node = node.setdefault(str(part), {})
            used.append(str(part))
        if not isinstance(node, (dict, list)):
            where = ".".join(map(str, parts[:i + 1]))
            raise ValueError(f"{where} is not a mapping, so {'.'.join(map(str, parts))} cannot be set")
    last = parts[-1]
    if isinstance(node, list):
        _check_index(node, parts, len(parts) - 1, value)
    else:
        last = str(last)
    node[last] = value
    return tuple(used) + (last,)


def _check_index(items: list, parts: tuple, at: int, value) -> None:
    """``parts[at]`` must index an item of ``items``, the list at ``parts[:at]``."""
    index = parts[at]
    if isinstance(index, int) and index < len(items):
        return
    if items:
        raise ValueError(f"no item {index} in the list at {'.'.join(map(str, parts[:at]))} "
                         f"(it has {len(items)}: 0 to {len(items) - 1})")
    raise ValueError(_no_list(parts, at, value, "is empty"))


def _no_list(parts: tuple, at: int, value, state: str) -> str:
    """Item ``parts[at]`` of an empty list: say so, and how to set the list whole."""
    where = ".".join(map(str, parts[:at]))
    item = value
    for key in reversed(parts[at + 1:]):
        if isinstance(key, int):
            item = ...
            break
        item = {key: item}
    shown = "..." if item is ... else _flow(item)
    return f"the list {where} {state} and has no item {parts[at]}; set it whole: {where}=[{shown}]"


def _is_list(data: dict, path: tuple) -> bool:
    """Does the schema hold a list at this path (a strategy's override read as its motion)?"""
    target, node = Scenario, data
    for i, part in enumerate(path):
        if i == 3 and path[0] == "strategies" and path[2] == "overrides":
            motions = data.get("motions")
            node = motions.get(part) if isinstance(motions, dict) else None
            target = _unwrap(Motion, node)
        else:
            node = node.get(str(part)) if isinstance(node, dict) else None
            target = _step(target, part, node)
        if target is None:
            return False
    return typing.get_origin(target) is list


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
        # a new motion needs its type, but a motion named like another is more likely a typo (--set motions.X...)
        others = [m for m in _mapping_at(data, path[:-1]) if m != path[-1]] if path[:1] == ("motions",) else []
        guess = difflib.get_close_matches(str(path[-1]), [str(m) for m in others], n=1)
        hint = f"; or did you mean the motion '{guess[0]}'?" if len(path) == 2 and guess else ""
        return "missing 'type': expected enterprise, smb or midmarket" + hint
    value = error.get("input")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys (key: value, or {{key: value}}), got {_show(value)}"
    if kind.endswith(("_type", "_parsing")) and isinstance(value, dict) and len(path) >= 2 \
            and path[-2] in DISTRIBUTIONS:
        drawable = "; ".join(f"{name} {', '.join(keys)}" for name, keys in DRAWN_PARAMETERS.items() if keys)
        return (f"expected a number, got a mapping: a {path[-2]}'s {path[-1]} cannot be drawn once per run "
                f"(these can: {drawable})")
    if kind.endswith(("_type", "_parsing")):
        return f"{msg[0].lower() + msg[1:]}, got {_show(value)}"
    if kind in ("literal_error", "string_pattern_mismatch", "too_short", "too_long", "greater_than",
                "greater_than_equal", "less_than", "less_than_equal", "string_too_short", "string_too_long",
                "finite_number", "int_from_float"):
        if kind in ("too_short", "too_long") and isinstance(value, (dict, list)):
            return f"{msg[0].lower() + msg[1:]}"
        return f"{msg[0].lower() + msg[1:]}, got {_show(value)}"
    return msg


def _mapping_at(data, path: tuple) -> dict:
    """The mapping at ``path`` in ``data``, or an empty one when there is none."""
    node = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


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
