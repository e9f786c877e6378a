"""salesim seek: the answer, its check and files, and bad input told in one line with exit code 2."""
from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from engine_helpers import certain_enterprise

from cli import main
from cli_helpers import assert_one_line_error

REPS = "motions.a.team.reps"


def _scenario_file(tmp_path, strategies=("a",)):
    data = {"name": "certain", "horizon_months": 12, "seed": 3, "runs": 4,
            "company": {"starting_cash": 1_000_000, "overhead_per_month": 10_000},
            "motions": {s: certain_enterprise() for s in strategies},
            "strategies": {s: {"motions": [s]} for s in strategies}}
    path = tmp_path / "certain.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


@pytest.mark.parametrize("args, words", [
    (["--vary", "motions.a.team.rep", "--target", "mean(npv) max"], ("unknown key 'motions.a.team.rep'",
                                                                     "did you mean 'reps'")),
    (["--vary", "company.currency", "--target", "mean(npv) max"], ("'company.currency' is not a numeric key",)),
    (["--vary", REPS, "--target", "mean(npvv) max"], ("unknown metric 'npvv'", "did you mean 'npv'")),
    (["--vary", REPS, "--target", "p500(npv) max"], ("unknown statistic 'p500'",)),
    (["--vary", REPS, "--target", "P(cash_out) <= 5"], ("P(cash_out) is a share from 0 to 1: write 0.05 for 5%",)),
    (["--vary", REPS, "--target", "P(npv < 0) >= 20"], ("P(npv < 0) is a share from 0 to 1: write 0.2 for 20%",)),
    (["--vary", REPS, "--target", "mean(npv) max", "--strategy", "nosuch"], ("unknown strategy 'nosuch'; expected "
                                                                             "one of a",)),
    (["--vary", REPS, "--target", "mean(npv) max", "--maximize"], ("says what to seek",)),
    (["--vary", REPS, "--target", "p50(ending_cash) >= 1e9", "--low", "1", "--high", "4"],
     ("cannot be met", "within [1, 4]")),
])
def test_bad_input_exits_2_in_one_line(tmp_path, args, words):
    result = CliRunner().invoke(main, ["seek", _scenario_file(tmp_path), "--workers", "1", "--out",
                                       str(tmp_path / "out"), *args])
    assert_one_line_error(result, *words)
    assert not (tmp_path / "out").exists()


def test_the_answer_the_check_and_the_files(tmp_path):
    out = tmp_path / "enough"
    result = CliRunner().invoke(main, ["seek", _scenario_file(tmp_path), "--vary", REPS, "--target",
                                       "mean(ending_cash) max", "--low", "1", "--high", "5", "--workers", "1",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "answer: motions.a.team.reps=1 " in result.stdout
    assert "check with seed 4: mean(ending_cash)" in result.stdout and "Student t interval" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["evaluations.csv", "report.html", "seek.json", "seek.png",
                                                     "seek.svg"]
    assert json.loads((out / "seek.json").read_text())["answer"] == 1
    assert f"report: {out / 'report.html'}" in result.stdout


def test_no_plots_writes_the_numbers_only(tmp_path):
    out = tmp_path / "enough"
    result = CliRunner().invoke(main, ["seek", _scenario_file(tmp_path), "--vary", REPS, "--target",
                                       "mean(ending_cash) max", "--low", "1", "--high", "2", "--workers", "1",
                                       "--out", str(out), "--no-plots"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["evaluations.csv", "seek.json"] and "report:" not in result.stdout


def test_an_unknown_metric_with_no_near_name_lists_the_metrics(tmp_path):
    """No did-you-mean to offer: the message lists the company's metrics and the motions' own, each once."""
    result = CliRunner().invoke(main, ["seek", _scenario_file(tmp_path), "--workers", "1", "--out",
                                       str(tmp_path / "out"), "--vary", REPS, "--target", "p95(zzqqxx) <= 2e6"])
    assert_one_line_error(result, "unknown metric 'zzqqxx' in 'p95(zzqqxx) <= 2e6'; expected one of revenue, cost, ",
                          "capital_needed", "or a motion's as MOTION.METRIC, MOTION a: leads, ", "win_rate")
    assert result.stderr.count("capital_needed") == 1
    assert not (tmp_path / "out").exists()


def test_a_metric_of_a_motion_the_strategy_does_not_run_fails_before_any_run(tmp_path):
    result = CliRunner().invoke(main, ["seek", _scenario_file(tmp_path, ("a", "b")), "--workers", "1", "--out",
                                       str(tmp_path / "out"), "--vary", REPS, "--target", "p50(b.win_rate) >= 0.2",
                                       "--strategy", "a", "--low", "1", "--high", "3"])
    assert_one_line_error(result, "reads b.win_rate, a metric of motion 'b', which strategy 'a' does not run "
                                  "(its motions: a)")
    assert not (tmp_path / "out").exists()


def test_minimize_and_maximize_together_are_refused(tmp_path):
    """Both given, the last silently won."""
    result = CliRunner().invoke(main, ["seek", _scenario_file(tmp_path), "--workers", "1", "--out",
                                       str(tmp_path / "out"), "--vary", REPS, "--target", "p50(ending_cash) >= 0",
                                       "--minimize", "--maximize"])
    assert result.exit_code == 2, result.output
    assert "--minimize and --maximize ask for opposite ends: give one" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_set_of_the_key_sought_is_refused(tmp_path):
    """The values tried replaced the one set, silently."""
    result = CliRunner().invoke(main, ["seek", _scenario_file(tmp_path), "--workers", "1", "--out",
                                       str(tmp_path / "out"), "--vary", REPS, "--target", "mean(npv) max",
                                       "--set", f"{REPS}=3"])
    assert result.exit_code == 2, result.output
    assert f"--set {REPS}=3 and --vary {REPS} change the same key" in result.stderr
    assert not (tmp_path / "out").exists()
