"""`--set PATH=VALUE` overrides: read as YAML, validated like the file, errors pointing at the --set."""
from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, load_scenario, parse_scenario, scenario_yaml
from simulator.scenario.distributions import Distribution

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "enterprise_vs_smb.yaml"


def problems_of(*overrides):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(DEFAULT, overrides=list(overrides))
    return caught.value.problems


def test_set_changes_a_value_in_the_motion_and_the_strategies_that_do_not_override_it():
    scenario = load_scenario(DEFAULT, overrides=["motions.enterprise.team.reps=4"])
    assert scenario.motions["enterprise"].team.reps == 4
    assert scenario.strategy_motions("enterprise")["enterprise"].team.reps == 4
    assert scenario.strategy_motions("hybrid")["enterprise"].team.reps == 2   # the hybrid's own override wins


def test_set_reaches_into_a_strategy_override():
    scenario = load_scenario(DEFAULT, overrides=["strategies.hybrid.overrides.enterprise.team.reps=1"])
    assert scenario.strategy_motions("hybrid")["enterprise"].team.reps == 1


@pytest.mark.parametrize("written", ["2_500_000", "2500000", "2.5e6", "2.5E6", "2.5e+6"])
def test_set_reads_money_in_every_format(written):
    scenario = load_scenario(DEFAULT, overrides=[f"company.starting_cash={written}"])
    assert scenario.company.starting_cash == 2_500_000


def test_set_reads_a_whole_number_written_with_an_exponent():
    scenario = load_scenario(DEFAULT, overrides=["runs=1e4", "motions.smb.team.hires.0.month=8.0"])
    assert scenario.runs == 10_000 and isinstance(scenario.runs, int)
    assert scenario.motions["smb"].team.hires[0].month == 8


def test_set_takes_a_flow_mapping_as_a_distribution():
    scenario = load_scenario(DEFAULT, overrides=["motions.smb.leads.per_month={poisson: {mean: 3}}"])
    value = scenario.motions["smb"].leads.per_month
    assert isinstance(value, Distribution)
    assert value.name == "poisson" and value.mean() == 3 and value.per == "run"


def test_set_takes_text_and_lists():
    scenario = load_scenario(DEFAULT, overrides=["motions.enterprise.deal.billing=quarterly",
                                                 "strategies.smb.motions=[smb, enterprise]"])
    assert scenario.motions["enterprise"].deal.billing == "quarterly"
    assert scenario.strategies["smb"].motions == ["smb", "enterprise"]


def test_set_can_add_a_motion_and_a_strategy():
    scenario = load_scenario(DEFAULT, overrides=["motions.mid={type: midmarket}", "strategies.mid={motions: [mid]}"])
    assert scenario.strategy_motions("mid")["mid"].process.committee_size.name == "uniform_int"


def test_a_digit_names_a_mapping_key_and_indexes_a_list():
    scenario = load_scenario(DEFAULT, overrides=["motions.2024={type: smb}", "strategies.new={motions: ['2024']}",
                                                 "motions.enterprise.team.hires.1.reps=3"])
    assert "2024" in scenario.motions
    assert scenario.motions["enterprise"].team.hires[1].reps == 3


def test_overrides_are_part_of_the_scenario_as_run_and_its_hash():
    plain = load_scenario(DEFAULT)
    changed = load_scenario(DEFAULT, overrides=["motions.enterprise.team.reps=4"])
    assert plain.sha256 != changed.sha256
    assert "reps: 4" in scenario_yaml(changed)


def test_a_bad_value_is_reported_against_the_set():
    (problem,) = problems_of("motions.enterprise.team.reps=-4")
    assert problem.source == "--set motions.enterprise.team.reps=-4"
    assert problem.path == "motions.enterprise.team.reps"
    assert "got -4" in str(problem) and problem.line is None


def test_a_bad_distribution_is_reported_against_the_set():
    (problem,) = problems_of("motions.enterprise.deal.contract_value={lognormal: {p5: 5, p95: 1}}")
    assert problem.source.startswith("--set motions.enterprise.deal.contract_value=")
    assert "p5 (=5) must be below p95 (=1)" in problem.message


def test_an_unknown_path_gets_a_suggestion():
    (problem,) = problems_of("motions.enterprise.team.repz=4")
    assert problem.path == "motions.enterprise.team.repz"
    assert "did you mean 'reps'?" in problem.message


def test_an_unknown_motion_in_the_path_is_reported():
    problems = problems_of("motions.enterprize.team.reps=4")
    assert all(p.source == "--set motions.enterprize.team.reps=4" for p in problems)
    assert any(p.path == "motions.enterprize" for p in problems)
    # read as a new motion without its type; the name it is close to is the likelier meaning
    assert any("did you mean the motion 'enterprise'?" in p.message for p in problems), problems


def test_one_key_set_twice_to_two_values_is_reported_against_the_second():
    """The second value replaced the first, silently; the same value twice, or a key within a section set
    before, is no contradiction."""
    (problem,) = problems_of("motions.enterprise.team.reps=3", "motions.enterprise.team.reps=5")
    assert problem.source == "--set motions.enterprise.team.reps=5"
    assert problem.message == ("motions.enterprise.team.reps is already set by --set motions.enterprise.team.reps=3: "
                               "set it once")
    assert load_scenario(DEFAULT, ["motions.enterprise.team.reps=3"] * 2).motions["enterprise"].team.reps == 3
    assert load_scenario(DEFAULT, ["motions.x={type: smb}", "motions.x.team.reps=3"]).motions["x"].team.reps == 3


def test_a_new_motion_without_a_type_near_no_other_name_asks_only_for_its_type():
    (problem,) = problems_of("motions.zzz.team.reps=4")
    assert problem.message == "missing 'type': expected enterprise, smb or midmarket"


@pytest.mark.parametrize("item, says", [
    ("motions.enterprise.team.reps", "expected PATH=VALUE"),
    ("=4", "is not a dotted path"),
    ("motions..reps=4", "is not a dotted path"),
    ("company.starting_cash.low=4", "company.starting_cash is not a mapping"),
    ("motions.enterprise.team.hires.9.month=4", "no item 9 in the list"),
    ("motions.smb.leads.per_month={poisson: {mean: 3}", "cannot read the value"),
    ("seed=!!python/object/apply:os.system [ls]", "plain data only"),
])
def test_a_malformed_set_is_reported(item, says):
    (problem,) = problems_of(item)
    assert problem.source == f"--set {item}"
    assert says in problem.message


def test_a_set_that_breaks_a_cross_check_points_at_the_file_line_it_breaks():
    problems = problems_of("horizon_months=6")
    assert {p.path for p in problems} >= {"motions.enterprise.team.hires.0.month", "motions.smb.team.hires.0.month"}
    assert all(p.line is not None for p in problems)


NO_HIRES = """\
name: no_hires
motions:
  enterprise: {type: enterprise, team: {reps: 2}}
  smb: {type: smb, team: {hires: []}}
strategies:
  both: {motions: [enterprise, smb]}
"""


def problem_of_text(*overrides):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(NO_HIRES, overrides=list(overrides))
    (problem,) = caught.value.problems
    return problem


def test_set_into_a_list_the_file_leaves_out_says_how_to_set_it_whole():
    problem = problem_of_text("motions.enterprise.team.hires.0.month=3")
    assert problem.message == ("the list motions.enterprise.team.hires is not in the file, so it is empty and has "
                               "no item 0; set it whole: motions.enterprise.team.hires=[{month: 3}]")
    assert problem.source == "--set motions.enterprise.team.hires.0.month=3"
    scenario = parse_scenario(NO_HIRES, overrides=["motions.enterprise.team.hires=[{month: 3}]"])
    assert scenario.motions["enterprise"].team.hires[0].month == 3


def test_set_into_an_empty_list_says_how_to_set_it_whole():
    problem = problem_of_text("motions.smb.team.hires.0={month: 3, reps: 2}")
    assert problem.message == ("the list motions.smb.team.hires is empty and has no item 0; set it whole: "
                               "motions.smb.team.hires=[{month: 3, reps: 2}]")


def test_set_into_a_list_a_strategy_override_leaves_out_says_the_same():
    problem = problem_of_text("strategies.both.overrides.enterprise.team.hires.0.month=3")
    assert problem.message.startswith("the list strategies.both.overrides.enterprise.team.hires is not in the file")
    assert problem.message.endswith("set it whole: strategies.both.overrides.enterprise.team.hires=[{month: 3}]")


def test_a_digit_after_a_missing_mapping_key_is_still_a_key():
    scenario = parse_scenario(NO_HIRES, overrides=["strategies.both.overrides.2024.team.reps=1",
                                                    "motions.2024={type: smb}",
                                                    "strategies.both.motions=[enterprise, smb, '2024']"])
    assert scenario.strategy_motions("both")["2024"].team.reps == 1
