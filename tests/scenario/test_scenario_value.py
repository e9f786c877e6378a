"""A scenario is one immutable value: every way of changing it gives the same, validated, freshly derived value."""
import copy
import math
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from simulator.engine import run_strategy
from simulator.scenario import Scenario, ScenarioError, load_scenario, parse_scenario, scenario_yaml
from simulator.scenario.distributions import Distribution
from simulator.scenario.params import plain_data
from simulator.scenario.reference import EXAMPLES
from simulator.scenario.schema import Hire

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
DEFAULT = ROOT / "scenarios" / "enterprise_vs_smb.yaml"


@pytest.fixture(scope="module")
def base():
    return load_scenario(DEFAULT)


def with_reps(scenario: Scenario, reps) -> Scenario:
    """The enterprise motion's reps changed by model_copy, section by section (no validation)."""
    motion = scenario.motions["enterprise"]
    team = motion.team.model_copy(update={"reps": reps})
    motions = {**scenario.motions, "enterprise": motion.model_copy(update={"team": team})}
    return scenario.model_copy(update={"motions": motions})


def metrics(scenario: Scenario, strategy: str = "enterprise", runs=(0, 1, 2)) -> list[dict]:
    return [run_strategy(scenario, strategy, run).metrics for run in runs]


def same_metrics(a: list[dict], b: list[dict]) -> bool:
    return all(x.keys() == y.keys() and all(x[k] == y[k] or (math.isnan(x[k]) and math.isnan(y[k])) for k in x)
               for x, y in zip(a, b))


def test_every_way_of_changing_a_value_gives_the_same_scenario_and_results(base):
    assert base.motions["enterprise"].team.reps != 4
    data = base.as_data()
    data["motions"]["enterprise"]["team"]["reps"] = 4
    ways = {
        "--set": load_scenario(DEFAULT, overrides=["motions.enterprise.team.reps=4"]),
        "with_values": base.with_values({"motions.enterprise.team.reps": 4}),
        "model_copy": with_reps(base, 4.0),
        "model_validate": Scenario.model_validate(data),
    }
    expected = metrics(ways["--set"])
    assert not same_metrics(expected, metrics(base))
    for way, scenario in ways.items():
        assert scenario == ways["--set"], way
        assert scenario.sha256 == ways["--set"].sha256 != base.sha256, way
        assert same_metrics(metrics(scenario), expected), way


def test_a_change_reaches_the_strategies_that_use_the_motion(base):
    changed = with_reps(base, 5.0)
    assert changed.strategy_motions("enterprise")["enterprise"].team.reps == 5
    assert changed.strategy_motions("hybrid")["enterprise"].team.reps == 2   # the hybrid's own override wins
    assert changed.strategy_motions("hybrid")["enterprise"].deal == changed.motions["enterprise"].deal
    assert base.strategy_motions("enterprise")["enterprise"].team.reps == 3   # the original is untouched


def test_a_changed_override_is_merged_afresh(base):
    hybrid = base.strategies["hybrid"]
    overrides = {**hybrid.overrides, "enterprise": {"team": {"reps": 1}}}
    changed = base.model_copy(update={"strategies": {**base.strategies,
                                                     "hybrid": hybrid.model_copy(update={"overrides": overrides})}})
    assert base.strategy_motions("hybrid")["enterprise"].team.reps == 2
    assert changed.strategy_motions("hybrid")["enterprise"].team.reps == 1
    assert base.strategy_motions("hybrid")["enterprise"].team.reps == 2


def test_strategy_motions_keep_their_identity(base):
    # The engine simulates a motion shared by strategies once, telling motions apart by identity.
    assert base.strategy_motions("enterprise")["enterprise"] is base.motions["enterprise"]
    assert base.strategy_motions("hybrid")["smb"] is base.motions["smb"]
    first, again = base.strategy_motions("hybrid"), base.strategy_motions("hybrid")
    assert all(first[name] is again[name] for name in first)
    assert first["enterprise"] is not base.motions["enterprise"]


def test_a_scenario_built_in_python_runs(base):
    scenario = Scenario.model_validate(base.as_data())
    assert scenario == base and scenario.source == ""
    assert same_metrics(metrics(scenario, "hybrid", (0,)), metrics(base, "hybrid", (0,)))


def test_model_validate_checks_across_keys(base):
    data = base.as_data()
    data["strategies"]["smb"]["motions"] = ["smb", "smb"]
    data["motions"]["smb"]["team"]["hires"] = [{"month": 40}]
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(data)
    message = str(caught.value)
    assert "strategies.smb.motions: a motion is listed twice" in message
    assert "motions.smb.team.hires.0.month: month 40 is beyond the horizon (36 months)" in message


def test_a_model_copy_that_breaks_a_strategy_is_reported_when_used(base):
    hybrid = base.strategies["hybrid"].model_copy(update={"overrides": {"enterprise": {"team": {"reps": -1}}}})
    broken = base.model_copy(update={"strategies": {**base.strategies, "hybrid": hybrid}})
    with pytest.raises(ScenarioError) as caught:
        broken.strategy_motions("hybrid")
    (problem,) = caught.value.problems
    assert problem.path == "strategies.hybrid.overrides.enterprise.team.reps" and "got -1" in problem.message


def test_sha256_is_the_value_s_not_the_file_s(base):
    commented = DEFAULT.read_text(encoding="utf-8").replace("horizon_months: 36", "horizon_months: 36  # three years")
    assert parse_scenario(commented).sha256 == base.sha256
    assert base.with_values({"seed": base.seed + 1}).sha256 != base.sha256
    assert len(base.sha256) == 64 and base.sha256 == base.model_copy().sha256


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_scenario_as_run_reads_back_equal(path):
    scenario = load_scenario(path)
    again = parse_scenario(scenario_yaml(scenario))
    assert again == scenario and again.sha256 == scenario.sha256
    assert scenario_yaml(again) == scenario_yaml(scenario)


def test_scenario_as_run_holds_the_changes(base):
    changed = with_reps(base, 6.0)
    assert "reps: 6\n" in scenario_yaml(changed)
    assert parse_scenario(scenario_yaml(changed)) == changed


DISTRIBUTIONS = [*EXAMPLES.values(), "{uniform: {p10: 2, p90: 5}}", "{pert: {low: 1, mode: 2, high: 6, lambda: 2}}",
                 "{normal: {mean: 1, sd: 2, low: 0}}", "{lognormal: {mean: 100, sd: 30}, per: deal}",
                 "{beta: {a: 0.5, b: 0.5, low: 100, high: 200}}", "{choice: {values: [7, 5]}}"]


@pytest.mark.parametrize("text", DISTRIBUTIONS)
def test_every_distribution_is_written_as_it_reads(text):
    dist = Distribution.model_validate(yaml.safe_load(text))
    assert Distribution.model_validate(yaml.safe_load(yaml.safe_dump(plain_data(dist)))) == dist


def test_with_values_takes_python_values_and_models(base):
    changed = base.with_values({"motions.smb.leads.per_month": Distribution.model_validate({"poisson": {"mean": 3}}),
                                "motions.enterprise.team.hires": [Hire(month=3)],
                                "motions.enterprise.deal.billing": "quarterly",
                                "strategies.smb.motions": ["smb", "enterprise"]})
    assert changed.motions["smb"].leads.per_month.name == "poisson"
    assert changed.motions["enterprise"].team.hires == [Hire(month=3)]
    assert changed.motions["enterprise"].deal.billing == "quarterly"
    assert set(changed.strategy_motions("smb")) == {"smb", "enterprise"}
    assert changed.source == base.source and base.motions["enterprise"].deal.billing == "annual"


def test_with_values_does_not_hold_on_to_the_caller_s_values(base):
    hires = [{"month": 3}]
    changed = base.with_values({"motions.enterprise.team.hires": hires})
    hires[0]["month"] = 99
    assert changed.motions["enterprise"].team.hires[0].month == 3


@pytest.mark.parametrize("path, value, text", [
    ("motions.enterprise.team.reps", -4, "-4"),
    ("motions.enterprise.team.repz", 4, "4"),
    ("motions.enterprise.deal.contract_value", {"lognormal": {"p5": 5, "p95": 1}}, "{lognormal: {p5: 5, p95: 1}}"),
    ("motions.enterprise.team.hires.9.month", 4, "4"),
    ("company.starting_cash.low", 4, "4"),
    ("horizon_months", 6, "6"),
    ("motions.enterprize.team.reps", 4, "4"),
])
def test_with_values_reports_what_set_reports(base, path, value, text):
    with pytest.raises(ScenarioError) as by_set:
        load_scenario(DEFAULT, overrides=[f"{path}={text}"])
    with pytest.raises(ScenarioError) as by_values:
        base.with_values({path: value})
    expected = [(p.path, p.message) for p in by_set.value.problems]
    assert [(p.path, p.message) for p in by_values.value.problems] == expected
    for got, want in zip(by_values.value.problems, by_set.value.problems):
        assert got.source == (f"with_values {path}={text}" if want.source.startswith("--set") else base.source)


def test_with_values_refuses_a_path_that_is_not_text(base):
    with pytest.raises(ScenarioError) as caught:
        base.with_values({3: 4})
    assert "is not a dotted path" in caught.value.problems[0].message


def test_equal_values_are_equal_scenarios_wherever_they_were_read_from(base):
    again = parse_scenario(DEFAULT.read_bytes(), source="elsewhere.yaml")
    assert again == base and again.source != base.source
    assert copy.deepcopy(base) == base


def test_a_model_copy_with_a_bad_value_is_reported_when_a_strategy_merges_it(base):
    motion = base.motions["enterprise"]
    deal = motion.deal.model_copy(update={"discount": 2.0})   # model_copy does not validate
    broken = base.model_copy(update={"motions": {**base.motions,
                                                 "enterprise": motion.model_copy(update={"deal": deal})}})
    with pytest.raises(ScenarioError) as caught:
        broken.strategy_motions("hybrid")
    (problem,) = caught.value.problems
    assert problem.path == "motions.enterprise.deal.discount" and "got 2" in problem.message
    with pytest.raises(ScenarioError):
        broken.with_values({})


def test_the_memo_of_merged_motions_goes_with_its_scenario(base):
    from simulator.scenario import schema

    scenario = base.model_copy()
    scenario.strategy_motions("hybrid")
    key = id(scenario)
    assert key in schema._MERGES and id(base) != key
    del scenario
    assert key not in schema._MERGES


def test_every_optional_key_means_unset_when_left_out():
    """as_data leaves out keys holding None; that is only right if None is every such key's default."""
    import typing

    from pydantic import BaseModel

    from simulator.scenario.schema import EnterpriseMotion, MidmarketMotion, SmbMotion

    seen, wrong = set(), []

    def walk(cls):
        if cls in seen:
            return
        seen.add(cls)
        for name, field in cls.model_fields.items():
            if type(None) in typing.get_args(field.annotation) and field.default is not None:
                wrong.append(f"{cls.__name__}.{name}")
            stack = [field.annotation]
            while stack:
                item = stack.pop()
                if isinstance(item, type) and issubclass(item, BaseModel):
                    walk(item)
                stack += typing.get_args(item)

    for cls in (Scenario, EnterpriseMotion, MidmarketMotion, SmbMotion):
        walk(cls)
    assert len(seen) > 40 and wrong == []
