"""Scenarios mutated at random are either valid or cleanly invalid: never any other exception.

The mutations are those a person editing a file makes (a key deleted, a
sign flipped, a typo, a value of the wrong kind, a section replaced by a
list or text) and some no person makes (random bytes). Hypothesis runs
derandomized, so the examples are the same on every run.
"""
import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from simulator.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from simulator.scenario.yamlio import read_yaml

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
DEFAULT = next(path for path in SCENARIOS if path.name == "enterprise_vs_smb.yaml")
TEXTS = {path.name: path.read_text(encoding="utf-8") for path in SCENARIOS}
DATA = {name: read_yaml(text)[0] for name, text in TEXTS.items()}

FUZZ = settings(max_examples=150, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["run", "deal", "enterprise", "smb", "midmarket", "monthly", "p5", "lognormal", "1e6", "-0"]),
)
junk = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def paths(tree, prefix=()):
    """Every path to a value in a tree of mappings and lists (the root included)."""
    found = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            found += paths(value, prefix + (i,))
    return found


def parent_and_key(tree, path):
    node = tree
    for part in path[:-1]:
        node = node[part]
    return node, path[-1]


def mutate(tree, draw):
    """One random edit of the tree, in place."""
    path = draw(st.sampled_from(paths(tree)[1:]))
    parent, key = parent_and_key(tree, path)
    value = parent[key]
    action = draw(st.sampled_from(["delete", "replace", "flip sign", "change type", "insert key", "near miss",
                                   "subtree to list", "subtree to text", "subtree to none", "duplicate item"]))
    if action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = draw(junk)
    elif action == "flip sign" and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[key] = -value if value else -1
    elif action == "change type":
        parent[key] = (str(value) if isinstance(value, (int, float)) else [value] if isinstance(value, dict)
                       else {"value": value} if isinstance(value, list) else draw(scalars))
    elif action == "insert key":
        target = value if isinstance(value, dict) else parent if isinstance(parent, dict) else None
        if target is not None:
            target[draw(st.text(min_size=1, max_size=10))] = draw(junk)
    elif action == "near miss" and isinstance(parent, dict) and isinstance(key, str) and key:
        parent[key[:-1] + draw(st.sampled_from("sxz_"))] = parent.pop(key)
    elif action == "subtree to list":
        parent[key] = [value, draw(scalars)]
    elif action == "subtree to text":
        parent[key] = draw(st.text(max_size=20))
    elif action == "subtree to none":
        parent[key] = None
    elif action == "duplicate item" and isinstance(parent, list):
        parent.append(copy.deepcopy(value))


def assert_valid_or_clean(text, **kwargs):
    try:
        result = parse_scenario(text, source="fuzzed.yaml", **kwargs)
    except ScenarioError as err:
        assert err.problems, "a ScenarioError lists at least one problem"
        for problem in err.problems:
            assert str(problem).strip() and problem.message
        return None
    assert isinstance(result, Scenario)
    for name in result.strategies:
        result.strategy_motions(name)
    return result


@pytest.mark.slow
@FUZZ
@given(st.sampled_from(sorted(DATA)), st.integers(min_value=1, max_value=4), st.data())
def test_mutated_scenarios_are_valid_or_cleanly_invalid(name, edits, data):
    tree = copy.deepcopy(DATA[name])
    for _ in range(edits):
        if isinstance(tree, dict) and len(paths(tree)) > 1:
            mutate(tree, data.draw)
    assert_valid_or_clean(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False))


@FUZZ
@given(st.sampled_from(sorted(TEXTS)), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), st.binary(max_size=4)),
                                                  min_size=1, max_size=4))
def test_scenarios_with_random_bytes_are_valid_or_cleanly_invalid(name, cuts):
    raw = TEXTS[name].encode("utf-8")
    for where, deleted, inserted in cuts:
        at = int(where * len(raw))
        raw = raw[:at] + inserted + raw[at + deleted:]
    assert_valid_or_clean(raw)


@pytest.mark.slow
@FUZZ
@given(st.data())
def test_random_set_overrides_are_valid_or_cleanly_invalid(data):
    tree = DATA["enterprise_vs_smb.yaml"]
    path = data.draw(st.sampled_from(paths(tree)[1:]))
    if data.draw(st.booleans()):
        path = path + (data.draw(st.text(min_size=1, max_size=6)),)
    value = data.draw(st.one_of(st.text(max_size=15), junk.map(lambda v: yaml.safe_dump(v, default_flow_style=True)
                                                                 .strip().removesuffix("...").strip())))
    item = ".".join(map(str, path)) + "=" + value
    try:
        load_scenario(DEFAULT, overrides=[item])
    except ScenarioError as err:
        assert err.problems
