"""salesim sweep: the table, the files and charts of --out, and bad input told in one line with exit code 2."""
from __future__ import annotations

import csv
import json

import pytest
import yaml
from click.testing import CliRunner
from engine_helpers import certain_enterprise

from cli import main
from cli_helpers import assert_one_line_error

REPS = "motions.a.team.reps"


def _scenario_file(tmp_path):
    data = {"name": "certain", "horizon_months": 12, "seed": 3, "runs": 4,
            "company": {"starting_cash": 1_000_000, "overhead_per_month": 10_000},
            "motions": {"a": certain_enterprise(), "b": certain_enterprise()},
            "strategies": {"a": {"motions": ["a"]}, "b": {"motions": ["b"]}}}
    path = tmp_path / "certain.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


@pytest.mark.parametrize("vary, words", [
    (["motions.a.team.rep=1,2"], ("unknown key 'motions.a.team.rep'", "did you mean 'reps'")),
    (["company.currency=1,2"], ("'company.currency' is not a numeric key",)),
    ([f"{REPS}=1,x"], ("--vary motions.a.team.reps=1,x: 'x' in '1,x' is not a number",)),
    (["company.starting_cash=abc"], ("error: --vary company.starting_cash=abc: 'abc' is not a number",)),
    ([f"{REPS}=3..1:1"], ("below its start",)),
    ([f"{REPS}"], ("is not PATH=VALUES",)),
    ([f"{REPS}=1", f"{REPS}=2"], ("varied twice",)),
    (["horizon_months=12,0"], ("at horizon_months=0",)),
])
def test_bad_input_exits_2_in_one_line_before_any_run(tmp_path, vary, words):
    args = [arg for v in vary for arg in ("--vary", v)]
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--quiet", *args])
    assert_one_line_error(result, *words)
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("metric, words", [
    ("nosuch", ("unknown metric 'nosuch'; expected one of revenue, cost, ",
                "or a motion's as MOTION.METRIC, MOTION one of a, b: leads, ", "win_rate")),
    ("npx", ("unknown metric 'npx'; did you mean 'npv'?",)),
])
def test_an_unknown_metric_says_which_there_are_before_any_run(tmp_path, metric, words):
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--quiet", "--vary", f"{REPS}=1,2",
                                       "--metric", metric])
    assert_one_line_error(result, *words)
    assert not (tmp_path / "results").exists()


def test_the_table_the_files_and_the_charts(tmp_path):
    out = tmp_path / "what-if"
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--vary", f"{REPS}=1..3:1", "--runs", "3",
                                       "--workers", "1", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("NPV of monthly net cash flows (npv) by motions.a.team.reps: mean over 3 runs")
    assert lines[2].split() == ["a.team.reps", "a", "mean", "a", "P(best)", "b", "mean", "b", "P(best)"]
    assert [line.split()[0] for line in lines[3:6]] == ["1", "2", "3"]
    assert lines[3].split()[-1].endswith("%")
    assert sorted(p.name for p in out.iterdir()) == ["points", "report.html", "sweep.csv", "sweep.json",
                                                     "sweep_metrics.png", "sweep_metrics.svg", "sweep_p_best.png",
                                                     "sweep_p_best.svg"]
    assert (out / "sweep_metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h1>certain: what if a.team.reps change</h1>" in page and "best most often" in page
    assert page.count('<img src="data:image/png;base64,') == 2 and "http" not in page   # self-contained
    with open(out / "sweep.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * 2 * 4   # points x strategies x key metrics
    assert json.loads((out / "sweep.json").read_text())["vary"] == {REPS: [1, 2, 3]}
    # --out is checked before anything runs
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--vary", f"{REPS}=1", "--out", str(out)])
    assert result.exit_code == 2 and "already exists" in result.stderr


def test_a_grid_of_two_keys_gets_heat_maps_and_the_default_directory_is_named_for_the_sweep(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--vary", f"{REPS}=1,2", "--vary",
                                       "company.starting_cash=5e5,1e6", "--runs", "2", "--workers", "1", "--quiet",
                                       "--metric", "npv"])
    assert result.exit_code == 0, result.output
    (saved,) = (tmp_path / "results").iterdir()
    assert saved.name.startswith("certain-sweep-")
    assert sorted(p.name for p in saved.iterdir()) == ["points", "report.html", "sweep.csv", "sweep.json",
                                                       "sweep_heatmap.png", "sweep_heatmap.svg", "sweep_p_best.png",
                                                       "sweep_p_best.svg"]
    assert len(list((saved / "points").iterdir())) == 4
    # three keys: the files, no chart
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--vary", f"{REPS}=1,2", "--vary",
                                       "company.starting_cash=5e5", "--vary", "horizon_months=11,12", "--runs", "2",
                                       "--workers", "1", "--quiet", "--metric", "npv", "--out", "three"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "three").iterdir()) == ["points", "report.html", "sweep.csv",
                                                                      "sweep.json"]
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--vary", f"{REPS}=1,2", "--runs", "2",
                                       "--workers", "1", "--quiet", "--metric", "npv", "--no-plots", "--out", "bare"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "bare").iterdir()) == ["points", "sweep.csv", "sweep.json"]


def test_dask_and_a_scheduler_together_are_refused(tmp_path):
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--vary", f"{REPS}=1", "--dask",
                                       "--scheduler", "tcp://localhost:1"])
    assert result.exit_code == 2 and "give one" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("item", [f"{REPS}=3", "motions.a.team={reps: 3}"])
def test_a_set_of_the_key_varied_is_refused(tmp_path, item):
    """The values varied replaced the one set, silently."""
    result = CliRunner().invoke(main, ["sweep", _scenario_file(tmp_path), "--quiet", "--vary", f"{REPS}=1,2",
                                       "--set", item])
    assert result.exit_code == 2, result.output
    assert f"--set {item} and --vary {REPS} change the same key" in result.stderr
    assert not (tmp_path / "results").exists()
