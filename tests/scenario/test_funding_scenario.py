"""Funding rounds and runway rules in a scenario file: read, validated with lines, conditions parsed safely."""
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from simulator.scenario import ScenarioError, parse_scenario
from simulator.scenario.funding import parse_condition

BASE = """\
name: funded
horizon_months: 24
company:
  starting_cash: 500000
  funding:
    - {name: seed, amount: 1.5e6, month: 1}
    - {name: bridge, amount: 500_000, window: [1, 24], when: "cash < 3e5"}
motions:
  enterprise: {type: enterprise}
  smb: {type: smb}
policies:
  - name: freeze
    when: months_of_runway < 6
    release: months_of_runway > 9 and arr >= 1e6
    actions: {freeze_hiring: all, scale_marketing: {smb: 0.5}, stop_replacing: [enterprise], cut_overhead: 0.1}
strategies:
  rules: {motions: [enterprise, smb]}
  plain: {motions: [enterprise, smb], policies: []}
"""


def _problems(old: str, new: str) -> list:
    assert BASE.count(old) == 1, old
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(BASE.replace(old, new), source="f.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_funded_plan_reads_and_round_trips():
    scenario = parse_scenario(BASE)
    assert [r.name for r in scenario.company.funding] == ["seed", "bridge"]
    assert scenario.company.funding[1].window == [1, 24]
    assert scenario.policies[0].actions.marketing_factor("smb") == 0.5
    assert scenario.policies[0].actions.marketing_factor("enterprise") == 1.0
    assert scenario.policies[0].actions.motions("freeze_hiring", ["enterprise", "smb"]) == ("enterprise", "smb")
    assert scenario.strategies["plain"].policies == []
    again = parse_scenario(__import__("yaml").safe_dump(scenario.as_data()))
    assert again == scenario and again.sha256 == scenario.sha256


def test_a_scenario_without_funding_writes_no_funding_keys():
    text = "name: plain\nmotions:\n  smb: {type: smb}\nstrategies:\n  a: {motions: [smb]}\n"
    data = parse_scenario(text).as_data()
    assert "funding" not in data["company"] and "policies" not in data and "policies" not in data["strategies"]["a"]


@pytest.mark.parametrize("old,new,says", [
    ('when: "cash < 3e5"', 'when: "csh < 3e5"', "f.yaml:7: company.funding.1.when: unknown state 'csh' in "
                                                "'csh < 3e5'; did you mean 'cash'?"),
    ('when: "cash < 3e5"', 'when: "cash = 3e5"', "f.yaml:7: company.funding.1.when: 'cash = 3e5': expected <, <=, > "
                                                 "or >= after 'cash', got '='"),
    ('when: "cash < 3e5"', 'when: "cash < 3M"', "expected a number after '<' (300000, 3e5, 300_000), got '3M'"),
    ('when: "cash < 3e5"', 'when: "__import__(\'os\')"', "unknown state '__import__'"),
    ('when: "cash < 3e5"', 'when: "cash <"', "company.funding.1.when: 'cash <': expected a number after '<'"),
    ("window: [1, 24]", "window: [1, 30]", "f.yaml:7: company.funding.1.window: month 30 is beyond the horizon (24"),
    ("window: [1, 24]", "window: [9, 2]", "window [9, 2]: expected [first, last] with 1 <= first <= last"),
    ("window: [1, 24]", "month: 3, window: [1, 24]", "give either month or window"),
    ("{name: seed, amount: 1.5e6", "{name: bridge, amount: 1.5e6", "f.yaml:7: company.funding.1.name: another round "
                                                                   "is already named 'bridge'"),
    ("amount: 1.5e6", "amount: -5", "company.funding.0.amount: input should be greater than 0"),
    ("scale_marketing: {smb: 0.5}", "scale_marketing: {smb: 1.5}", "f.yaml:15: policies.0.actions.scale_marketing: "
                                                                   "a marketing factor must be from 0 to 1"),
    ("stop_replacing: [enterprise]", "stop_replacing: [enterprse]", "f.yaml:15: policies.0.actions.stop_replacing.0:"
                                                                    " no motion named 'enterprse'; did you mean "
                                                                    "'enterprise'?"),
    ("scale_marketing: {smb: 0.5}", "scale_marketing: {smbb: 0.5}", "no motion named 'smbb'; did you mean 'smb'?"),
    ("cut_overhead: 0.1", "cut_overhead: 2", "policies.0.actions.cut_overhead: input should be less than or equal"),
    ("release: months_of_runway > 9 and arr >= 1e6", "release: months_of_runway > 9 and ar >= 1e6",
     "f.yaml:14: policies.0.release: unknown state 'ar'"),
    ("policies: []", "policies: [frieze]", "f.yaml:18: strategies.plain.policies.0: no rule named 'frieze'; did you "
                                           "mean 'freeze'?"),
    ("  smb: {type: smb}\n", "  smb: {type: smb}\n  round: {type: smb}\n", "motions.round: a motion cannot be named "
                                                                         "'round'"),
])
def test_a_bad_round_or_rule_is_reported_with_its_line(old, new, says):
    problems = _problems(old, new)
    assert any(says in p for p in problems), problems


def test_a_motion_cannot_take_a_name_the_rounds_and_rules_metrics_use_even_without_them():
    from engine_helpers import certain_enterprise, scenario_from
    from simulator.scenario import ScenarioError
    with pytest.raises(ScenarioError, match="motions.round: a motion cannot be named 'round'"):
        scenario_from({"round": certain_enterprise()})


def test_a_rule_needs_an_action():
    problems = _problems("actions: {freeze_hiring: all, scale_marketing: {smb: 0.5}, stop_replacing: [enterprise], "
                         "cut_overhead: 0.1}", "actions: {}")
    assert any("policies.0.actions: a rule needs at least one action" in p for p in problems), problems


def test_validate_exits_2_with_one_line_per_problem(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("cash < 3e5", "runway < 3"))
    result = CliRunner().invoke(cli.main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "unknown state 'runway' in 'runway < 3'; did you mean 'months_of_runway'?" in result.output
    assert "Traceback" not in result.output


def test_conditions_join_comparisons_with_and():
    tests = parse_condition("arr >= 1_000_000 and months_of_runway<9")
    assert [(t.name, t.op, t.value) for t in tests] == [("arr", ">=", 1e6), ("months_of_runway", "<", 9.0)]
    state = {"arr": 1e6, "months_of_runway": 8.0}
    assert all(t.holds(state) for t in tests)
    with pytest.raises(ValueError, match="got '3 or arr > 1'"):
        parse_condition("cash < 3 or arr > 1")
    with pytest.raises(ValueError, match="'' in 'cash < 3 and ' is not a comparison"):
        parse_condition("cash < 3 and ")
