"""`salesim fit`: the shipped sample export round trip, the scenario it writes, and bad input in one line."""
import csv
import math
import os
import shutil

import numpy as np
import pytest
from cli_helpers import assert_one_line_error
from click.testing import CliRunner

import cli
from simulator.fit import fit_export, read_export
from simulator.fit.motion import lost_at_stages, stage_shares
from simulator.fit.sample import SAMPLE, SAMPLE_SCENARIO
from simulator.scenario import load_scenario
from simulator.scenario.schema import STAGES

ROOT = SAMPLE.parents[2]


@pytest.fixture(scope="module")
def sample_fit():
    return fit_export(read_export(SAMPLE), motion="smb", kind="smb")


def test_the_sample_is_labelled_generated_and_small():
    assert SAMPLE.stat().st_size < 1_000_000
    assert "GENERATED" in SAMPLE_SCENARIO.read_text(encoding="utf-8")


def test_fit_recovers_the_generating_scenario_within_its_standard_errors(sample_fit):
    truth = load_scenario(SAMPLE_SCENARIO).motions["smb"]
    cycle = truth.process.cycle_days.law
    group = sample_fit.groups[0]
    fit = group.cycles
    checks = {
        "opportunities per month": ((group.rate.per_month, group.rate.per_month_sd), truth.leads.per_month),
        "win rate": (fit.estimate(lambda f: f.win_rate), truth.process.buy_chance),
        "won cycle mean": (fit.estimate(lambda f: f.cycle("won").mean()), cycle.mean_),
        "won cycle sd": (fit.estimate(lambda f: f.cycle("won").std()), cycle.sd),
        "lost cycle mean": (fit.estimate(lambda f: f.cycle("lost").mean()), cycle.mean_),
        "contract value median": ((group.value.median, group.value.median_se),
                                  truth.deal.contract_value.law.median),
        "contract value sigma": ((group.value.sigma, group.value.sigma_se), truth.deal.contract_value.law.sigma),
    }
    for name, ((value, se), true) in checks.items():
        assert abs(value - true) < 3 * se, f"{name}: fitted {value:.4g} (se {se:.3g}), true {true}"
    assert not group.rate.trend_kept
    assert group.value.kept == "lognormal"


def test_the_fitted_smb_motion_carries_the_estimates_and_their_uncertainty(sample_fit):
    scenario = sample_fit.scenario()
    motion = scenario.motions["smb"]
    group = sample_fit.groups[0]
    w, w_se = group.cycles.estimate(lambda f: f.win_rate)
    chance = motion.process.buy_chance
    law = chance.law
    assert chance.per == "run"
    a, b = law.a, law.b
    assert a / (a + b) == pytest.approx(w, rel=1e-3)
    assert math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(w_se, rel=0.01)
    assert motion.leads.per_month.law.mean_ == pytest.approx(group.rate.per_month, rel=1e-3)
    assert motion.process.cycle_days.mean() == pytest.approx(group.cycles.cycle("won").mean(), rel=1e-3)
    text = sample_fit.scenario_text()
    assert "# 912 opportunities created over 24.0 months (2023-01 to 2024-12)" in text
    assert "cannot be set apart" in text


def test_committee_motion_stages_add_up_to_the_fitted_won_cycle_and_win_rate(sample_fit):
    group = sample_fit.groups[0]
    fitted = fit_export(group.export, motion="enterprise", kind="enterprise")
    motion = fitted.scenario().motions["enterprise"]
    gamma = fitted.groups[0].alternatives["gamma"]
    shape, scale = np.exp(gamma.theta[1:3])
    stages = [getattr(motion.process.stages, s) for s in STAGES]
    assert sum(s.days.law.shape for s in stages) == pytest.approx(shape, rel=1e-3)
    assert all(s.days.law.scale == pytest.approx(scale, rel=1e-3) for s in stages)
    kept = np.prod([1 - (s.loss_chance.mean() if not isinstance(s.loss_chance, (int, float)) else s.loss_chance)
                    for s in stages])
    assert kept == pytest.approx(gamma.win_rate, rel=0.01)
    assert lost_at_stages(gamma, stage_shares("enterprise")).sum() == pytest.approx(1.0)
    assert motion.process.objections_per_member == 0


def test_the_win_rate_betas_follow_the_effective_count_docs_fit_md_gives(sample_fit):
    group = sample_fit.groups[0]
    w, se = group.cycles.estimate(lambda f: f.win_rate)
    n_eff = w * (1 - w) / se ** 2
    assert n_eff == pytest.approx(1 / (w * (1 - w) * group.cycles.cov[0, 0]), rel=1e-4)
    smb = sample_fit.scenario().motions["smb"].process.buy_chance.law
    assert (smb.a, smb.b) == (pytest.approx(n_eff * w, rel=1e-3), pytest.approx(n_eff * (1 - w), rel=1e-3))
    stages = fit_export(group.export, motion="enterprise", kind="enterprise").scenario().motions["enterprise"]
    lost = (1 - w) * lost_at_stages(group.alternatives["gamma"], stage_shares("enterprise"))
    reached = 1 - np.concatenate([[0.0], np.cumsum(lost)[:-1]])
    for k, name in enumerate(STAGES):
        law = getattr(stages.process.stages, name).loss_chance.law
        assert law.a == pytest.approx(n_eff * lost[k], rel=1e-3)
        assert law.b == pytest.approx(n_eff * (reached[k] - lost[k]), rel=1e-3)


def test_fit_command_writes_a_scenario_that_validates(tmp_path):
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--out", str(out), "--no-report"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "fit.html").exists()
    assert "win rate" in result.output and f"fitted scenario: {out}" in result.output
    assert "outcome from the 'Won' and 'Closed' columns" in result.output
    check = CliRunner().invoke(cli.main, ["validate", str(out)])
    assert check.exit_code == 0, check.output


def test_fit_into_a_base_scenario_by_lead_source(tmp_path):
    out = tmp_path / "whole.yaml"
    base = ROOT / "scenarios" / "enterprise_vs_smb.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--scenario", str(base), "--motion", "smb",
                                           "--by", "Lead Source", "--out", str(out), "--no-report"])
    assert result.exit_code == 0, result.output
    scenario = load_scenario(out)
    assert {"enterprise", "smb_Partner", "smb_Referral", "smb_Web"} == set(scenario.motions)
    assert scenario.strategies["hybrid"].motions == ["enterprise", "smb_Partner", "smb_Referral", "smb_Web"]
    assert scenario.motions["smb_Web"].team == load_scenario(base).motions["smb"].team


def test_a_group_value_with_a_dot_names_a_motion_without_one(tmp_path):
    """A motion's name holds no '.' (its metrics are <motion>.<metric>): the group 'Web.com' fits smb_Web_com."""
    export = tmp_path / "export.csv"
    export.write_text(SAMPLE.read_text(encoding="utf-8").replace(",Web,", ",Web.com,"), encoding="utf-8")
    out = tmp_path / "by.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(export), "--by", "Lead Source", "--out", str(out),
                                           "--no-report"])
    assert result.exit_code == 0, result.output
    assert {"smb_Partner", "smb_Referral", "smb_Web_com"} == set(load_scenario(out).motions)


@pytest.mark.parametrize("arguments, words", [
    (["--columns", "created"], ["'created' is not FIELD=COLUMN"]),
    (["--columns", "created=Engage Date"], ["column 'Engage Date' (--columns created=...)", "columns found:"]),
    (["--by", "Lead Sorce"], ["--by: no column 'Lead Sorce'", "did you mean 'Lead Source'?"]),
    # a label no row has is named with the stages there are (it counted its deals as open, and the error was
    # "no closed deals" or "0 won deals")
    (["--won-stage", "Signed", "--lost-stage", "Dead"],
     ["--won-stage 'Signed': no row of column 'Stage' has that stage", "'Closed Won' (193)"]),
    (["--won-stage", "Closed Wom"], ["--won-stage 'Closed Wom'", "did you mean 'Closed Won'?"]),
    (["--scenario", "scenarios/enterprise_vs_smb.yaml"], ["--motion: which motion"]),
    (["--as-of", "soon"], ["--as-of: 'soon' is not a date"]),
    (["--as-of", "2024-06-30"], ["--as-of 2024-06-30: the export has dates up to 2024-12-31, after it"]),
    (["--stage-map", "Demo=pitch"], ["--stage-map: 'pitch' is not a stage"]),
    # names the fitted scenario could not take: it failed its own validation after the fit (exit 1)
    (["--motion", "self.serve"], ["--motion: 'self.serve' cannot name a motion", "holds no '.'"]),
    (["--motion", "round"], ["--motion: 'round' cannot name a motion"]),
])
def test_fit_command_bad_input_is_one_line_and_exit_2(tmp_path, arguments, words):
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--out", str(out), *arguments])
    assert_one_line_error(result, *words)
    assert not out.exists()


def test_fit_command_missing_file_and_too_few_deals(tmp_path):
    assert_one_line_error(CliRunner().invoke(cli.main, ["fit", str(tmp_path / "none.csv")]), "no such file")
    few = tmp_path / "few.csv"
    few.write_text("Created Date,Close Date,Stage,Amount\n2024-01-01,2024-02-01,Closed Won,10\n"
                   "2024-01-02,2024-02-11,Closed Lost,10\n2024-01-03,2024-02-21,Closed Lost,10\n", encoding="utf-8")
    assert_one_line_error(CliRunner().invoke(cli.main, ["fit", str(few), "--out", str(tmp_path / "f.yaml")]),
                          f"{few}: 1 won deal with distinct cycle lengths", "at least 2")
    rows = [f"2023-{1 + i % 12:02d}-{1 + i:02d},2024-{1 + i % 5:02d}-{1 + i:02d},Closed {'Won' if i % 2 else 'Lost'},"
            f"{10 if i == 1 else ''}" for i in range(24)]   # one won amount
    few.write_text("Created Date,Close Date,Stage,Amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert_one_line_error(CliRunner().invoke(cli.main, ["fit", str(few), "--out", str(tmp_path / "f.yaml")]),
                          f"{few}: 1 won deal with distinct amounts above 0", "at least 2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["few.csv"]


def test_many_deals_of_one_cycle_length_or_one_amount_say_so(tmp_path):
    """The message counted them as 'deals with distinct ...' (193 of them) and asked for at least 2."""
    rows = [f"2023-{1 + i % 12:02d}-{1 + i:02d},2023-{1 + i % 12:02d}-{1 + i:02d},Closed {'Won' if i % 2 else 'Lost'},"
            f"{100 + i}" for i in range(24)]   # every deal closed the day it was created
    same = tmp_path / "same.csv"
    same.write_text("Created Date,Close Date,Stage,Amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert_one_line_error(CliRunner().invoke(cli.main, ["fit", str(same), "--out", str(tmp_path / "f.yaml")]),
                          f"{same}: 12 won deals, all with the same cycle length (0 days from creation to close): "
                          "at least 2 distinct lengths are needed to fit the won cycle")
    rows = [f"2023-{1 + i % 12:02d}-{1 + i:02d},2024-{1 + i % 5:02d}-{1 + i:02d},Closed {'Won' if i % 2 else 'Lost'},"
            "5000" for i in range(24)]
    same.write_text("Created Date,Close Date,Stage,Amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert_one_line_error(CliRunner().invoke(cli.main, ["fit", str(same), "--out", str(tmp_path / "f.yaml")]),
                          f"{same}: 12 won deals with amounts above 0, all of 5,000.00: at least 2 distinct amounts "
                          "are needed to fit the contract value")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.csv"]


def test_an_export_without_an_amount_column_is_named_with_the_columns_found(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert "Amount" in header
    export = tmp_path / "no_amount.csv"
    rows = list(csv.reader(lines))
    at = header.index("Amount")
    export.write_text("\n".join(",".join(f'"{c}"' for c in row[:at] + row[at + 1:]) for row in rows) + "\n",
                      encoding="utf-8")
    out = tmp_path / "out" / "fitted.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(export), "--type", "smb", "--out", str(out)])
    assert_one_line_error(result, f"{export}: no column for its amount", "'Amount' or 'Deal Amount'",
                          "--columns amount=COLUMN", "columns found: ")
    assert "Amount" not in result.stderr.split("columns found: ")[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no_amount.csv"]


@pytest.mark.slow
def test_standard_errors_are_calibrated_over_many_histories(tmp_path):
    """Over histories drawn from the known scenario, (fitted - true) / se averages near 0 with a spread near 1."""
    from simulator.fit.sample import simulated_deals, write_export

    scenario = load_scenario(SAMPLE_SCENARIO)
    z = []
    for run in range(1, 9):
        path = write_export(simulated_deals(scenario, "smb", "smb", run=run), tmp_path / f"{run}.csv")
        group = fit_export(read_export(path), "smb", "smb").groups[0]
        fit = group.cycles
        z.append([(value - true) / se for (value, se), true in (
            ((group.rate.per_month, group.rate.per_month_sd), 40),
            (fit.estimate(lambda f: f.win_rate), 0.25),
            (fit.estimate(lambda f: f.cycle("won").mean()), 60),
            (fit.estimate(lambda f: f.cycle("lost").mean()), 60),
            ((group.value.median, group.value.median_se), 12_000))])
    z = np.array(z)
    assert np.all(np.abs(z.mean(axis=0)) < 3 / np.sqrt(len(z)))   # no bias beyond 3 standard errors of a mean
    assert 0.5 < z.std() < 1.5                                      # standard errors neither too small nor too large


def test_committee_round_trip_with_the_stage_reached_recovers_each_stage_loss(tmp_path):
    from fit_helpers import COMMITTEE, COMMITTEE_LOSSES

    from simulator.fit.sample import simulated_deals, write_export
    from simulator.scenario import parse_scenario

    deals = simulated_deals(parse_scenario(COMMITTEE), "enterprise", "enterprise")
    export = read_export(write_export(deals, tmp_path / "committee.csv", "salesforce"))
    assert np.sum(export.lost_at >= 0) == np.sum(export.outcome == "lost")
    fitted = fit_export(export, "enterprise", "enterprise")
    w, w_se = fitted.groups[0].cycles.estimate(lambda f: f.win_rate)
    assert abs(w - np.prod(1 - np.array(COMMITTEE_LOSSES))) < 3 * w_se
    mean, mean_se = fitted.groups[0].alternatives["gamma"].estimate(lambda f: f.cycle("won").mean())
    assert abs(mean - 85) < 3 * mean_se
    motion = fitted.scenario().motions["enterprise"]
    for stage, true in zip(STAGES, COMMITTEE_LOSSES):
        law = getattr(motion.process.stages, stage).loss_chance.law
        a, b = law.a, law.b
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        assert abs(a / (a + b) - true) < 3 * sd, (stage, a / (a + b), sd, true)
    assert "lost deals whose last stage the export records" in fitted.groups[0].notes[
        ("process", "stages", "meeting", "loss_chance")]


def test_a_team_too_small_for_the_exported_pipeline_is_warned_of(sample_fit, tmp_path):
    assert sample_fit.capacity_warnings() == []
    enterprise = fit_export(sample_fit.groups[0].export, motion="enterprise", kind="enterprise")
    open_deals = enterprise.capacity_warnings()
    assert len(open_deals) == 1 and "its team works 16 deals at once" in open_deals[0]
    assert "# Warning: motion 'enterprise'" in enterprise.scenario_text()
    base = tmp_path / "base.yaml"
    base.write_text("name: big\nmotions:\n  enterprise:\n    type: enterprise\n"
                    "    team: {reps: 10, deals_per_rep: 10}\nstrategies:\n  only: {motions: [enterprise]}\n",
                    encoding="utf-8")
    roomy = fit_export(sample_fit.groups[0].export, motion="enterprise", kind="enterprise", base=str(base))
    assert roomy.capacity_warnings() == []


def test_a_motion_the_base_scenario_lacks_is_refused_with_its_motions_and_a_guess(tmp_path):
    out = tmp_path / "fitted.yaml"
    base = ROOT / "scenarios" / "funded_plan.yaml"
    motions = list(load_scenario(base).motions)
    assert "smb" in motions and "smbb" not in motions
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--scenario", str(base), "--motion", "smbb",
                                           "--out", str(out)])
    assert_one_line_error(result, "--motion: 'smbb' is not a motion of", "funded_plan.yaml",
                          f"its motions are {', '.join(motions)}", "did you mean 'smb'?")
    assert list(tmp_path.iterdir()) == []


def test_fit_export_refuses_a_motion_the_base_scenario_lacks():
    from simulator.fit import FitError

    with pytest.raises(FitError, match="'nosuch' is not a motion of"):
        fit_export(read_export(SAMPLE), motion="nosuch", kind="smb", base=str(ROOT / "scenarios" / "funded_plan.yaml"))


def _unwritable(tmp_path):
    """A path whose directory cannot be made: it lies under a file."""
    blocker = tmp_path / "taken.yaml"
    blocker.write_text("a file\n", encoding="utf-8")
    return blocker / "x.yaml"


@pytest.mark.parametrize("option", ["--out", "--report"])
def test_an_output_that_cannot_be_written_is_refused_before_the_export_is_read(tmp_path, option):
    bad = _unwritable(tmp_path)
    out = tmp_path / "out" / "fitted.yaml"
    paths = {"--out": out, "--report": tmp_path / "out" / "fit.html", option: bad}
    # The export does not exist: the destination is checked first, so the error is about the option.
    result = CliRunner().invoke(cli.main, ["fit", str(tmp_path / "none.csv"), "--out", str(paths["--out"]),
                                           "--report", str(paths["--report"])])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.stderr and str(bad) in result.stderr
    assert "is a file, not a directory" in result.stderr and "Traceback" not in result.output
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--out", str(paths["--out"]),
                                           "--report", str(paths["--report"])])
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.stderr, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.yaml"]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_an_output_in_a_directory_that_cannot_be_written_is_refused(tmp_path):
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--out", str(out), "--report", "/proc/nope/fit.html"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--report'" in result.stderr and "/proc/nope/fit.html" in result.stderr
    assert list(tmp_path.iterdir()) == []
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--out", "/proc/x.yaml", "--no-report"])
    assert result.exit_code == 2 and "Invalid value for '--out'" in result.stderr, result.output
    assert "cannot write in '/proc'" in result.stderr


def test_an_output_that_would_replace_the_export_or_the_other_output_is_refused(tmp_path):
    """The fit report written over the fitted scenario, or either over the export read, was done silently."""
    export = tmp_path / "export.csv"
    shutil.copyfile(SAMPLE, export)
    text = export.read_text(encoding="utf-8")
    same = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(export), "--out", str(same), "--report", str(same)])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--report': '{same}' is also --out" in result.stderr
    for option in ("--out", "--report"):
        paths = {"--out": str(tmp_path / "f.yaml"), "--report": str(tmp_path / "f.html"), option: str(export)}
        result = CliRunner().invoke(cli.main, ["fit", str(export), "--out", paths["--out"], "--report",
                                               paths["--report"]])
        assert result.exit_code == 2, result.output
        assert f"Invalid value for '{option}': '{export}' is the export being fitted" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]
    assert export.read_text(encoding="utf-8") == text
