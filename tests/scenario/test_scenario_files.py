"""The bundled scenarios load, the packaged default matches, and the reference is up to date."""
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from simulator.scenario.distributions import DISTRIBUTIONS, Distribution
from simulator.scenario import Scenario, default_scenario_path, load_scenario, parse_scenario, scenario_yaml
from simulator.scenario.reference import EXAMPLES, main as reference_main, reference
from simulator.scenario.yamlio import read_yaml

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_the_four_bundled_scenarios_are_there():
    assert {p.name for p in BUNDLED} >= {"enterprise_vs_smb.yaml", "enterprise.yaml", "smb.yaml", "midmarket.yaml"}


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_loads(path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.source == str(path)
    for name, strategy in scenario.strategies.items():
        assert set(scenario.strategy_motions(name)) == set(strategy.motions)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_opens_with_its_question_and_sources(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and lines[0].rstrip().endswith("?"), "the first line asks the question"
    header = "\n".join(line for line in lines if line.startswith("#"))
    assert "Where the numbers come from" in header


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_as_run_reads_back_the_same(path):
    scenario = load_scenario(path)
    again = parse_scenario(scenario_yaml(scenario))
    assert again.model_dump() == scenario.model_dump()


def test_validate_accepts_every_bundled_scenario():
    result = CliRunner().invoke(cli.main, ["validate", *map(str, BUNDLED)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": valid (") == len(BUNDLED)


def test_packaged_default_is_the_bundled_default():
    packaged = ROOT / "simulator" / "data" / "enterprise_vs_smb.yaml"
    assert packaged.read_bytes() == (ROOT / "scenarios" / "enterprise_vs_smb.yaml").read_bytes()
    assert default_scenario_path().read_bytes() == packaged.read_bytes()


def test_load_scenario_without_a_path_loads_the_default():
    scenario = load_scenario()
    assert scenario.name == "enterprise_vs_smb"
    assert set(scenario.strategies) == {"enterprise", "smb", "hybrid"}
    assert scenario.source == str(default_scenario_path())


def test_committed_reference_is_the_generated_one():
    committed = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    assert committed == reference(), ("docs/scenario-reference.md is out of date: run "
                                      "python -m simulator.scenario.reference > docs/scenario-reference.md")


def test_reference_module_prints_the_reference(capsys):
    reference_main()
    assert capsys.readouterr().out == reference()


def test_reference_names_every_key_and_distribution():
    text = reference()
    for name in DISTRIBUTIONS:
        assert f"#### `{name}`" in text
    for key in ("starting_cash", "committee_size", "vendor_time_share", "objections_per_member", "cycle_days",
                "contract_value", "payment_terms_days", "referrals_per_customer_per_month", "target_accounts",
                "cooling_off_months", "attrition_per_year", "overrides", "between", "rank"):
        assert f"| `{key}` |" in text


def test_every_reference_example_is_a_valid_distribution():
    assert set(EXAMPLES) == set(DISTRIBUTIONS)
    for name, text in EXAMPLES.items():
        data, _ = read_yaml(text)
        assert Distribution.model_validate(data).name == name


def guide_scenario() -> str:
    """The complete example file of docs/scenarios.md."""
    guide = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    return guide.split("## The whole file", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_guide_example_is_valid_and_takes_its_set_overrides():
    scenario = parse_scenario(guide_scenario())
    assert set(scenario.strategies) == {"smb_only", "smb_and_mid", "smb_and_small_mid"}
    changed = parse_scenario(guide_scenario(), overrides=[
        "motions.mid.team.reps=4", "company.starting_cash=2.5e6",
        "motions.smb.leads.per_month={lognormal: {p5: 200, p95: 500}}", "motions.smb.team.hires.0.month=6"])
    assert changed.motions["mid"].team.reps == 4 and changed.company.starting_cash == 2_500_000


def test_the_guide_shows_the_real_messages_for_its_typos(tmp_path):
    text = guide_scenario().replace("salary_per_month: 9_000", "salary_per_mnth: 9_000")
    text = text.replace("motions: [smb, mid]\n", "motions: [smb, midd]\n", 1)
    path = tmp_path / "my_scenario.yaml"
    path.write_text(text)
    result = CliRunner().invoke(cli.main, ["validate", str(path)])
    guide = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    shown = [line.strip() for line in guide.split("```\nmy_scenario.yaml: invalid", 1)[1].split("```")[0].splitlines()]
    assert result.exit_code == 2
    for line in filter(None, shown[1:]):
        assert line.replace("my_scenario.yaml", str(path), 1) in result.output


def test_a_partial_section_keeps_the_rest_of_its_own_defaults():
    """Giving only the demo stage's days keeps the demo's loss chance, not a generic stage's."""
    from simulator import parse_scenario

    scenario = parse_scenario("""
name: partial
motions:
  e: {type: enterprise, process: {stages: {demo: {days: 5}}}}
  m: {type: midmarket, process: {committee_size: 4, stages: {order: {days: 3}}}}
  s: {type: smb, process: {signals: {return_visit: {chance: 0.9}}}}
strategies: {all: {motions: [e, m, s]}}
""")
    enterprise, midmarket, smb = (scenario.motions[k].process for k in "ems")
    full_enterprise = type(enterprise)()
    full_midmarket = type(midmarket)()
    assert enterprise.stages.demo.days == 5
    assert enterprise.stages.demo.loss_chance == full_enterprise.stages.demo.loss_chance == 0.30
    assert midmarket.stages.order.days == 3
    assert midmarket.stages.demo == full_midmarket.stages.demo
    assert midmarket.objections_per_member == full_midmarket.objections_per_member
    assert smb.signals.return_visit.chance == 0.9 and smb.signals.return_visit.lift == 1.5


def yaml_after(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_guide_s_anchor_example_merges_and_overrides():
    guide = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    block = yaml_after(guide, "## 9. Say it once: anchors and `x-` keys")
    scenario = parse_scenario("name: anchors\n" + block + "strategies: {both: {motions: [smb, mid]}}\n")
    smb, mid = scenario.motions["smb"].team, scenario.motions["mid"].team
    assert (smb.reps, smb.salary_per_month, smb.ramp_months) == (2, 9_000, 3)
    assert (mid.reps, mid.salary_per_month, mid.attrition_per_year) == (3, 11_000, 0.2)


def test_the_reference_s_anchor_example_is_valid():
    block = yaml_after(reference(), "Top-level keys that start with `x-`")
    scenario = parse_scenario("name: anchors\n" + block + "strategies: {smb: {motions: [smb]}}\n")
    assert scenario.motions["smb"].team.salary_per_month == 9_000
