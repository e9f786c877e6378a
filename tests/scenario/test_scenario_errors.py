"""Bad scenario files: `salesim validate` exits 2 and points at the key and the line, never a traceback."""
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import pytest
from click.testing import CliRunner

import cli
from simulator.scenario import ScenarioError, parse_scenario
from simulator.scenario.yamlio import MAX_BYTES

DEFAULT = (Path(__file__).resolve().parents[2] / "scenarios" / "enterprise_vs_smb.yaml").read_text()


def edit(old: str, new: str) -> str:
    """The default scenario with one piece of text replaced."""
    assert DEFAULT.count(old) == 1, f"{old!r} is not in the default scenario exactly once"
    return DEFAULT.replace(old, new)


def add_correlation(first: str, second: str, rank: float = 0.3) -> str:
    return DEFAULT + f"  - between: [{first}, {second}]\n    rank: {rank}\n"


@dataclass
class Bad:
    """A broken file; what the message must say; where (dotted path, and the text on the line meant)."""

    id: str
    text: Union[str, bytes]
    says: str
    path: Optional[str] = None
    line_of: Optional[str] = None   # text found on the line the message must name
    line: Optional[int] = None      # or the line number itself


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))

CASES = [
    Bad("unknown key, did you mean", edit("      growth_per_month: 0.02", "      growth_per_mnth: 0.02"),
        "did you mean 'growth_per_month'?", "motions.enterprise.leads.growth_per_mnth", "growth_per_mnth"),
    Bad("unknown top-level key", edit("horizon_months: 36", "horizon_month: 36"),
        "did you mean 'horizon_months'?", "horizon_month", "horizon_month:"),
    Bad("wrong type", edit("  overhead_per_month: 40_000", "  overhead_per_month: lots"),
        "got 'lots'", "company.overhead_per_month", "lots"),
    Bad("negative money", edit("  starting_cash: 2_500_000", "  starting_cash: -2_500_000"),
        "expected >= 0, got -2.5e+06", "company.starting_cash", "starting_cash"),
    Bad("probability above 1", edit("      discount: 0.10", "      discount: 1.5"),
        "<= 1, got 1.5", "motions.enterprise.deal.discount", "discount: 1.5"),
    Bad("p5 not below p95", edit("{lognormal: {p5: 50_000, p95: 200_000}}", "{lognormal: {p5: 300_000, p95: 200_000}}"),
        "p5 (=300000) must be below p95 (=200000)", "motions.enterprise.deal.contract_value.lognormal",
        "p5: 300_000"),
    Bad("p5 without p95", edit("{lognormal: {p5: 600, p95: 1_800}}", "{lognormal: {p5: 600}}"),
        "p5 and p95 go together", "motions.smb.deal.contract_value.lognormal", "p5: 600}"),
    Bad("unknown distribution", edit("{gamma: {mean: 95, sd: 40}}", "{gama: {mean: 95, sd: 40}}"),
        "did you mean 'gamma'?", "motions.smb.process.cycle_days.gama", "gama"),
    Bad("two distributions in one key",
        edit("{gamma: {mean: 95, sd: 40}}", "{gamma: {mean: 95, sd: 40}, normal: {mean: 95, sd: 40}}"),
        "expected exactly one distribution", "motions.smb.process.cycle_days", "normal: {mean: 95"),
    Bad("impossible gamma percentiles",
        edit("{gamma: {mean: 95, sd: 40}}", "{gamma: {p5: 5, p95: 5.000000001}}"),
        "no gamma distribution has these percentiles", "motions.smb.process.cycle_days.gamma", "p5: 5,"),
    Bad("per: deal on a per-run key",
        edit("      buy_chance: 0.04", "      buy_chance: {beta: {a: 2, b: 40}, per: deal}"),
        "per: deal is not possible here", "motions.smb.process.buy_chance", "buy_chance"),
    Bad("unbounded normal on a positive key", edit("{gamma: {mean: 95, sd: 40}}", "{normal: {mean: 95, sd: 40}}"),
        "truncate it with low/high", "motions.smb.process.cycle_days", "cycle_days"),
    Bad("strategy names a missing motion", edit("    motions: [smb]\n", "    motions: [smbb]\n"),
        "no motion named 'smbb'; did you mean 'smb'?", "strategies.smb.motions.0", "[smbb]"),
    Bad("override of a key that does not exist",
        edit("team: {reps: 2, hires: [{month: 13, reps: 1}]}", "team: {repz: 2}"),
        "unknown key 'repz'; did you mean 'reps'?", "strategies.hybrid.overrides.enterprise.team.repz", "repz"),
    Bad("override with a value of the wrong type",
        edit("team: {reps: 2, hires: [{month: 13, reps: 1}]}", "team: {reps: many}"),
        "got 'many'", "strategies.hybrid.overrides.enterprise.team.reps", "many"),
    Bad("override changing the motion type",
        edit("team: {reps: 2, hires: [{month: 13, reps: 1}]}", "type: smb"),
        "cannot change a motion's type", "strategies.hybrid.overrides.enterprise.type", "        type: smb"),
    Bad("override for a motion the strategy does not run",
        edit("      enterprise:\n        team: {reps: 2", "      smbz:\n        team: {reps: 2"),
        "'smbz' is not one of this strategy's motions", "strategies.hybrid.overrides.smbz", "smbz:"),
    Bad("hire month beyond the horizon", edit("hires: [{month: 10, reps: 1}]", "hires: [{month: 40, reps: 1}]"),
        "month 40 is beyond the horizon (36 months)", "motions.smb.team.hires.0.month", "{month: 40"),
    Bad("hire beyond the horizon in an override",
        edit("team: {reps: 2, hires: [{month: 13, reps: 1}]}", "team: {hires: [{month: 99}]}"),
        "beyond the horizon", "strategies.hybrid.overrides.enterprise.team.hires.0.month", "month: 99"),
    Bad("motion starting beyond the horizon", edit("    type: smb\n", "    type: smb\n    start_month: 37\n"),
        "month 37 is beyond the horizon (36 months)", "motions.smb.start_month", "start_month: 37"),
    Bad("hire before its motion starts", edit("    type: smb\n", "    type: smb\n    start_month: 12\n"),
        "month 10 is before the motion starts (start_month 12)", "motions.smb.team.hires.0.month",
        "{month: 10"),
    Bad("a strategy starting a motion after its hires",
        edit("team: {reps: 2, hires: [{month: 13, reps: 1}]}", "start_month: 20"),
        "before the motion starts in strategy 'hybrid' (start_month 20)",
        "motions.enterprise.team.hires.1.month", "{month: 13"),
    Bad("duplicate key",
        edit("  overhead_per_month: 40_000\n", "  overhead_per_month: 40_000\n  overhead_per_month: 1\n"),
        "duplicate key 'overhead_per_month'", "company.overhead_per_month", "overhead_per_month: 1"),
    Bad("YAML syntax error", edit("  overhead_per_month: 40_000", "  overhead_per_month: [40_000"),
        "YAML syntax", None, "discount_rate_annual"),
    Bad("tab indentation", edit("  overhead_per_month: 40_000", "\toverhead_per_month: 40_000"),
        "YAML syntax", None, "overhead_per_month"),
    Bad("empty file", "", "the file is empty"),
    Bad("only comments", "# nothing here\n", "the file is empty"),
    Bad("a list at the top", "- name: x\n- motions: {}\n", "expected a mapping", None, line=1),
    Bad("binary junk", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00", "line 1 is not UTF-8 text (byte 0x89)"),
    Bad("saved as UTF-16", DEFAULT.encode("utf-16"), "UTF-16 text, not UTF-8 (it starts with a UTF-16 byte order "
        "mark): save the scenario as UTF-8"),
    Bad("saved as Latin-1", edit("  currency: USD", "  currency: USD  # dólares").encode("latin-1"),
        f"line {DEFAULT.split('  currency: USD')[0].count(chr(10)) + 1} is not UTF-8 text (byte 0xf3)"),
    Bad("NUL bytes", "name: x\x00\n", "NUL bytes"),
    Bad("a !!python/object tag",
        edit("  starting_cash: 2_500_000", "  starting_cash: !!python/object/apply:os.system ['echo hi']"),
        "is not allowed", "company.starting_cash", "python/object"),
    Bad("a custom tag", edit("  currency: USD", "  currency: !money USD"), "plain data only", "company.currency",
        "!money"),
    Bad("a huge file", DEFAULT + "#" * (MAX_BYTES + 1), f"at most {MAX_BYTES:,}"),
    Bad("billion laughs", LAUGHS, "more than", None, line=1),
    Bad("nesting far too deep", "name: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested more than", None, line=1),
    Bad("correlations that cannot hold together",
        add_correlation("motions.enterprise.leads.per_month", "motions.enterprise.process.unresolved_chance", 0.9)
        + "  - between: [motions.smb.leads.per_month, motions.enterprise.process.unresolved_chance]\n"
          "    rank: -0.9\n",
        "not positive definite", "correlations", "correlations:"),
    Bad("correlation on a per-deal parameter",
        add_correlation("motions.enterprise.leads.per_month", "motions.enterprise.deal.contract_value"),
        "is a per-deal distribution", "correlations.1.between.1", "deal.contract_value]"),
    Bad("correlation on a fixed number", add_correlation("motions.enterprise.leads.per_month", "company.starting_cash"),
        "is a fixed number", "correlations.1.between.1", "company.starting_cash]"),
    Bad("correlation on a key that does not exist",
        add_correlation("motions.enterprise.leads.per_mnth", "motions.smb.leads.per_month"),
        "is not a parameter", "correlations.1.between.0", "per_mnth"),
    Bad("the same pair correlated twice",
        add_correlation("motions.smb.leads.per_month", "motions.enterprise.leads.per_month"),
        "already correlated", "correlations.1.between", "between: [motions.smb.leads.per_month, motions.ent"),
    Bad("rank correlation above 1", edit("    rank: 0.5", "    rank: 1.5"), "got 1.5", "correlations.0.rank",
        "rank: 1.5"),
    Bad("a bool where a number is expected", edit("  overhead_per_month: 40_000", "  overhead_per_month: true"),
        "got True", "company.overhead_per_month", "overhead_per_month: true"),
    Bad("NaN", edit("  overhead_per_month: 40_000", "  overhead_per_month: .nan"), "finite number",
        "company.overhead_per_month", ".nan"),
    Bad("infinity", edit("      cost_per_lead: 12", "      cost_per_lead: .inf"), "finite number",
        "motions.smb.leads.cost_per_lead", ".inf"),
    Bad("a fraction where a whole number is expected", edit("      reps: 3\n", "      reps: 2.5\n"),
        "expected a whole number", "motions.enterprise.team.reps", "reps: 2.5"),
    Bad("money with a currency sign", edit("  starting_cash: 2_500_000", "  starting_cash: $2,500,000"),
        "got '$2,500,000'", "company.starting_cash", "$2,500,000"),
    Bad("unknown motion type", edit("    type: smb", "    type: startup"),
        "'startup' is not a motion type", "motions.smb", "smb:"),
    Bad("a required key missing", DEFAULT.split("\nstrategies:")[0] + "\n", "required key is missing", "strategies"),
    Bad("a key that is not text", edit("  currency: USD", "  1: USD"), "is not text", "company", "1: USD"),
    Bad("a section that is a list", edit("      billing: monthly\n", "      billing: [monthly]\n"),
        "got a list", "motions.smb.deal.billing", "[monthly]"),
    # results name a motion's metrics <motion>.<metric>: those of a motion 'self.serve' were silently dropped
    Bad("a motion name with a dot", edit("\nmotions:\n", "\nmotions:\n  self.serve: {type: smb}\n"),
        "a motion's name cannot be empty or hold a '.' (got 'self.serve')", "motions.self.serve", "self.serve:"),
    Bad("an empty strategy name", edit("\nstrategies:\n", "\nstrategies:\n  '': {motions: [smb]}\n"),
        "a strategy's name cannot be empty", "strategies.", "'': {motions: [smb]}"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_reports_a_bad_file(case, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode("utf-8"))
    result = CliRunner().invoke(cli.main, ["validate", str(path)])
    output = result.output
    assert result.exit_code == 2, output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in output
    assert f"{path}: invalid" in output
    assert case.says in output, output
    if case.path is not None:
        assert f": {case.path}: " in output, output
    line = case.line
    if case.line_of is not None:
        text = case.text if isinstance(case.text, str) else case.text.decode()
        line = next(i for i, row in enumerate(text.splitlines(), 1) if case.line_of in row)
    if line is not None:
        assert f"{path}:{line}: " in output, output


def test_there_are_enough_bad_files():
    assert len(CASES) >= 20


def test_every_problem_is_reported_at_once():
    text = edit("  starting_cash: 2_500_000", "  starting_cash: -1")
    text = text.replace("      discount: 0.10", "      discount: 2")
    text = text.replace("      buy_chance: 0.04", "      buy_chanse: 0.04")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="three.yaml")
    paths = {p.path for p in caught.value.problems}
    assert paths == {"company.starting_cash", "motions.enterprise.deal.discount", "motions.smb.process.buy_chanse"}
    assert all(p.line is not None and p.source == "three.yaml" for p in caught.value.problems)


def test_validate_goes_on_to_the_next_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    good = Path(__file__).resolve().parents[2] / "scenarios" / "smb.yaml"
    result = CliRunner().invoke(cli.main, ["validate", str(bad), str(good)])
    assert result.exit_code == 2
    assert f"{good}: valid" in result.output


def test_validate_reports_a_missing_file(tmp_path):
    result = CliRunner().invoke(cli.main, ["validate", str(tmp_path / "nowhere.yaml")])
    assert result.exit_code == 2
    assert "cannot read the file" in result.output and "Traceback" not in result.output


def line_of(text: str, fragment: str) -> int:
    (line,) = [i for i, row in enumerate(text.splitlines(), 1) if fragment in row]
    return line


def test_problems_across_keys_are_reported_with_the_schema_errors():
    text = edit("  starting_cash: 2_500_000", "  starting_cash: -1")
    text = text.replace("    type: smb\n", "    type: smb\n    start_month: 37\n")
    text = text.replace("hires: [{month: 10, reps: 1}]", "hires: [{month: 40, reps: 1}]")
    text = text.replace("    motions: [smb]\n", "    motions: [smb, smb]\n")
    text = text.replace("    motions: [enterprise]\n", "    motions: [enterprise]\n    overrides:\n"
                                                       "      smb: {team: {reps: 1}}\n")
    text += "  - between: [motions.enterprise.leads.per_month, motions.enterprise.leads.per_month]\n    rank: 0.3\n"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="many.yaml")
    found = {(p.path, p.line) for p in caught.value.problems}
    expected = {
        ("company.starting_cash", line_of(text, "starting_cash: -1")),
        ("motions.smb.start_month", line_of(text, "start_month: 37")),
        ("motions.smb.team.hires.0.month", line_of(text, "{month: 40")),
        ("strategies.smb.motions", line_of(text, "[smb, smb]")),
        ("strategies.enterprise.overrides.smb", line_of(text, "smb: {team: {reps: 1}}")),
        ("correlations.1.between", line_of(text, "per_month, motions.enterprise.leads.per_month]")),
    }
    assert found == expected, caught.value
    messages = "\n".join(p.message for p in caught.value.problems)
    for says in ("expected >= 0", "month 37 is beyond the horizon", "month 40 is beyond the horizon",
                 "a motion is listed twice", "'smb' is not one of this strategy's motions",
                 "cannot be correlated with itself"):
        assert messages.count(says) == 1, messages


def test_a_motion_that_fails_the_schema_is_not_reported_again_through_a_strategy():
    text = edit("      discount: 0.10", "      discount: 2")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="one.yaml")
    assert [p.path for p in caught.value.problems] == ["motions.enterprise.deal.discount"]


MERGED = """\
name: merged
motions:
  smb:
    type: smb
    team: &team
      reps: 2
      salary_per_month: 9_000
      hires: [{month: 3}]
    deal: &deal {billing: monthly, payment_terms_days: 0}
  mid:
    type: midmarket
    team:
      <<: *team
      reps: 3
    deal: {<<: *deal}
  late:
    type: midmarket
    team: {<<: *team, hires: [], salary_per_month: 12_000}
strategies:
  all: {motions: [smb, mid, late]}
"""


def test_a_merge_key_takes_an_anchor_s_keys_and_explicit_keys_override_them():
    scenario = parse_scenario(MERGED)
    mid, late = scenario.motions["mid"], scenario.motions["late"]
    assert mid.team.reps == 3 and mid.team.salary_per_month == 9_000 and mid.team.hires[0].month == 3
    assert mid.deal.billing == "monthly" and mid.deal.payment_terms_days == 0
    assert late.team.reps == 2 and late.team.salary_per_month == 12_000 and late.team.hires == []


def test_merges_follow_yaml_explicit_keys_first_then_earlier_mappings():
    from simulator.scenario.yamlio import read_yaml

    data, _ = read_yaml("a: &a {x: 1, y: 2}\nc: &c {x: 5, <<: *a}\nb: {z: 0, <<: [*c, {y: 9, w: 1}]}\n")
    assert data["c"] == {"x": 5, "y": 2}
    assert data["b"] == {"z": 0, "x": 5, "y": 2, "w": 1}


def test_a_key_written_twice_beside_a_merge_is_still_an_error():
    text = MERGED.replace("      reps: 3\n", "      reps: 3\n      reps: 4\n")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    (problem,) = caught.value.problems
    assert "duplicate key 'reps'" in problem.message and problem.line == line_of(text, "reps: 4")


def test_a_merged_key_s_problem_points_at_the_merge_and_an_explicit_one_at_its_key():
    text = MERGED.replace("  salary_per_month: 9_000", "  salary_per_month: -9_000")
    text = text.replace("reps: 3\n", "reps: -3\n")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    lines = {p.path: p.line for p in caught.value.problems}
    assert lines == {"motions.smb.team.salary_per_month": line_of(text, "salary_per_month: -9_000"),
                     "motions.mid.team.salary_per_month": line_of(text, "      <<: *team"),
                     "motions.mid.team.reps": line_of(text, "reps: -3")}


def test_a_merge_of_something_else_than_a_mapping_is_reported():
    text = MERGED.replace("deal: {<<: *deal}", "deal: {<<: 3}")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    (problem,) = caught.value.problems
    assert "'<<' merges a mapping or a list of mappings" in problem.message
    assert problem.line == line_of(text, "{<<: 3}")


def test_top_level_x_keys_are_ignored_but_other_unknown_keys_are_not():
    shared = "x-team: &shared {reps: 4, ramp_months: 5}\n"
    text = shared + MERGED.replace("team: &team", "team: &team\n      <<: *shared")
    scenario = parse_scenario(text + "x-notes: {anything: [goes, here]}\n")
    assert scenario.motions["smb"].team.reps == 2 and scenario.motions["smb"].team.ramp_months == 5
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(MERGED + "notes: {anything: 1}\n")
    assert caught.value.problems[0].path == "notes"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(MERGED.replace("    type: smb\n", "    type: smb\n    x-note: 1\n"))
    assert caught.value.problems[0].path == "motions.smb.x-note"   # only the top level is the file's own
