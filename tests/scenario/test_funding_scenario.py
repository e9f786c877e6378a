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


@pytest.mark.parametrize("new,says", [
    ("freeze_hiring: smb", "f.yaml:15: policies.0.actions.freeze_hiring: expected all or a list of motion names "
                           "such as [smb], got 'smb'"),
    ("freeze_hiring: true", "f.yaml:15: policies.0.actions.freeze_hiring: expected all or a list of motion names "
                            "such as [smb], got True"),
    ("freeze_hiring: [smb, 3]", "f.yaml:15: policies.0.actions.freeze_hiring: expected all or a list of motion "
                                "names such as [smb], got 3 in the list"),
    ("stop_replacing: enterprise", "f.yaml:15: policies.0.actions.stop_replacing: expected all or a list of motion "
                                   "names such as [enterprise], got 'enterprise'"),
    ("scale_marketing: true", "f.yaml:15: policies.0.actions.scale_marketing: expected a factor from 0 to 1, or "
                              "{motion: factor} such as {smb: 0.5}, got True"),
    ("scale_marketing: .nan", "f.yaml:15: policies.0.actions.scale_marketing: expected a factor from 0 to 1, or "
                              "{motion: factor} such as {smb: 0.5}, got nan"),
    ("scale_marketing: {smb: half}", "f.yaml:15: policies.0.actions.scale_marketing: expected a factor from 0 to 1, or "
                                     "{motion: factor} such as {smb: 0.5}, got smb: 'half'"),
])
def test_a_wrong_action_value_is_one_problem_saying_what_is_expected(new, says):
    problems = _problems("actions: {freeze_hiring: all, scale_marketing: {smb: 0.5}, stop_replacing: [enterprise], "
                         "cut_overhead: 0.1}", f"actions: {{{new}}}")
    assert problems == [says], problems


@pytest.mark.parametrize("empty", ["freeze_hiring: []", "stop_replacing: []", "scale_marketing: {}"])
def test_an_empty_list_of_motions_is_no_action(empty):
    problems = _problems("actions: {freeze_hiring: all, scale_marketing: {smb: 0.5}, stop_replacing: [enterprise], "
                         "cut_overhead: 0.1}", f"actions: {{{empty}}}")
    assert len(problems) == 1, problems
    assert "f.yaml:15: policies.0.actions: a rule needs at least one action" in problems[0]
    assert f"{empty.replace(':', '', 1).split()[0]}: {empty.split(': ')[1]} names no motion" in problems[0]
    # beside another action, an empty list is allowed and does nothing
    parse_scenario(BASE.replace("scale_marketing: {smb: 0.5}, stop_replacing: [enterprise]", "freeze_hiring: []")
                   .replace("freeze_hiring: all, ", ""))


def test_a_round_and_a_rule_may_share_a_name_as_the_reference_says():
    from simulator.scenario.reference import reference
    assert "no two funding rounds, and no two rules, share a name (a round and a\n  rule may)" in reference()
    scenario = parse_scenario(BASE.replace("name: freeze", "name: seed").replace("policies: []", "policies: [seed]"))
    assert scenario.company.funding[0].name == scenario.policies[0].name == "seed"


@pytest.mark.parametrize("number", ["1_", "3_e5", "1__000", "_1", "1_.5", "1._5", "1e_5", "1e5_"])
def test_a_number_with_a_misplaced_underscore_is_not_a_number(number):
    assert _problems('when: "cash < 3e5"', f'when: "cash < {number}"') == [
        f"f.yaml:7: company.funding.1.when: 'cash < {number}': expected a number after '<' (300000, 3e5, 300_000), "
        f"got '{number}'"]


def test_numbers_are_read_as_python_reads_them():
    for text, value in [("300_000", 3e5), ("3e5", 3e5), ("1_000.000_5", 1000.0005), ("1.", 1.0), (".5", 0.5),
                        ("+2.5e-1_0", 2.5e-10), ("-1", -1.0)]:
        assert parse_condition(f"cash < {text}")[0].value == value, text


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
