"""`salesim run`: output files, the comparison table, progress, and every exit code of the contract."""
from __future__ import annotations

import io
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from montecarlo_helpers import FAST, fast_scenario

import cli
import simulator.engine
from simulator.montecarlo import runner
from simulator.montecarlo.progress import ProgressBar

FAST_SET = [arg for item in FAST for arg in ("--set", item)]


def run(*args, runs=20):
    """`salesim run` of the quick scenario, without charts or workbook (the report's and workbook's tests cover
    those)."""
    return CliRunner().invoke(cli.main, ["run", "--runs", str(runs), "--quiet", "--no-plots", "--no-xlsx", *FAST_SET,
                                         *map(str, args)])


def summary(directory: Path) -> dict:
    return json.loads((directory / "summary.json").read_text())


def test_run_writes_the_files_and_prints_the_table(tmp_path):
    result = run("--out", tmp_path / "out", "--workers", 1)
    assert result.exit_code == 0, result.output
    for name in ("summary.json", "runs.csv", "monthly.npz", "scenario.yaml"):
        assert (tmp_path / "out" / name).is_file()
    table = result.stdout
    assert "enterprise" in table and "smb" in table and "hybrid" in table
    assert "capital needed" in table and "ending ARR" in table and "P50" in table and "$" in table
    assert "P(enterprise beats smb)" in table and "P(smb beats hybrid)" in table
    assert f"results: {tmp_path / 'out'}" in table
    assert summary(tmp_path / "out")["provenance"]["runs"] == 20


@pytest.mark.slow
def test_workers_1_and_2_and_dask_give_identical_runs_csv(tmp_path):
    outputs = []
    for name, extra in (("one", ["--workers", 1]), ("two", ["--workers", 2]), ("dask", ["--dask", "--workers", 2])):
        result = run("--out", tmp_path / name, *extra, runs=30)
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name / "runs.csv").read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert summary(tmp_path / "dask")["provenance"]["executor"] == "dask LocalCluster"


def test_set_changes_the_result(tmp_path):
    base = run("--out", tmp_path / "base", "--workers", 1)
    more = run("--out", tmp_path / "more", "--workers", 1, "--set", "motions.enterprise.team.salary_per_month=30000")
    assert base.exit_code == more.exit_code == 0
    cost = [summary(tmp_path / d)["strategies"]["enterprise"]["cost"]["mean"] for d in ("base", "more")]
    assert cost[1] > cost[0]
    assert "salary_per_month: 30000" in (tmp_path / "more" / "scenario.yaml").read_text()


def test_seed_changes_the_result_and_is_recorded(tmp_path):
    result = run("--out", tmp_path / "s", "--workers", 1, "--seed", 123)
    assert result.exit_code == 0
    assert summary(tmp_path / "s")["provenance"]["seed"] == 123
    assert "seed: 123" in (tmp_path / "s" / "scenario.yaml").read_text()


def test_default_output_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("--workers", 1, runs=5)
    assert result.exit_code == 0, result.output
    made = list((tmp_path / "results").iterdir())
    assert len(made) == 1 and made[0].name.startswith("enterprise_vs_smb-") and made[0].name.endswith("Z")


def _no_simulation(*args, **kwargs):
    raise AssertionError("the simulation ran before --out was checked")


def test_an_out_under_a_file_exits_2_before_running(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    monkeypatch.setattr(simulator, "simulate", _no_simulation)
    result = run("--out", tmp_path / "notes.txt" / "out")
    assert result.exit_code == 2, result.output
    assert "notes.txt' is a file" in result.stderr and "Traceback" not in result.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/sys is a Linux file system")
def test_an_out_that_cannot_be_written_exits_2_before_running(monkeypatch):
    monkeypatch.setattr(simulator, "simulate", _no_simulation)
    result = run("--out", "/sys/salesim-out/run")   # not writable, even by root
    assert result.exit_code == 2, result.output
    assert "cannot write in '/sys'" in result.stderr and "Traceback" not in result.output


def test_an_out_in_a_read_only_directory_exits_2_before_running(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("this user may write anywhere (root)")
        monkeypatch.setattr(simulator, "simulate", _no_simulation)
        result = run("--out", locked / "out")
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2, result.output
    assert "cannot write in" in result.stderr and "locked" in result.stderr


def _same_second(monkeypatch):
    """Every run starts at the same UTC second; returns the default output directory's name."""
    moment = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(cli, "_utc_now", lambda: moment)
    return "enterprise_vs_smb-20240501T120000Z"


def test_runs_started_in_the_same_second_get_their_own_default_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = _same_second(monkeypatch)
    for _ in range(3):
        result = run("--workers", 1, runs=3)
        assert result.exit_code == 0, result.output
    made = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert made == [name, f"{name}-2", f"{name}-3"]
    assert f"results: results/{name}-3/" in result.stdout


def _another_run_saves_into(directory: Path, monkeypatch):
    """While this run simulates, another one saves its results into ``directory``."""
    real = simulator.simulate

    def simulate(*args, **kwargs):
        results = real(*args, **kwargs)
        directory.mkdir(parents=True)
        (directory / "summary.json").write_text("{}")
        return results

    monkeypatch.setattr(simulator, "simulate", simulate)


def test_a_default_directory_taken_while_running_moves_to_the_next_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = _same_second(monkeypatch)
    _another_run_saves_into(tmp_path / "results" / name, monkeypatch)
    result = run("--workers", 1, runs=3)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / name / "summary.json").read_text() == "{}"
    assert summary(tmp_path / "results" / f"{name}-2")["provenance"]["runs"] == 3
    assert f"results: results/{name}-2/" in result.stdout


def test_an_explicit_out_taken_while_running_exits_1_and_keeps_the_results_beside_it(tmp_path, monkeypatch):
    _another_run_saves_into(tmp_path / "out", monkeypatch)
    result = run("--out", tmp_path / "out", "--workers", 1, runs=3)
    assert result.exit_code == 1, result.output
    assert f"--out '{tmp_path / 'out'}' was filled by another run" in result.stderr
    assert f"saved in '{tmp_path / 'out-2'}' instead" in result.stderr and "Traceback" not in result.output
    assert (tmp_path / "out" / "summary.json").read_text() == "{}"
    assert summary(tmp_path / "out-2")["provenance"]["runs"] == 3
    assert "P(enterprise beats smb)" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out-2"]


def test_runs_that_do_not_fit_in_memory_exit_2_before_running(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "available_memory", lambda: 4 * 2**30)
    monkeypatch.setattr(runner, "run_chunk", _no_simulation)
    result = run("--out", tmp_path / "big", runs=10_000_000)
    assert result.exit_code == 2, result.output
    assert "10,000,000 runs would need" in result.stderr and "4.0 GiB is available" in result.stderr
    assert "MemoryError" not in result.output and not (tmp_path / "big").exists()


def test_precision_up_to_ten_million_runs_reserves_nothing_for_them(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "available_memory", lambda: 4 * 2**30)
    result = run("--out", tmp_path / "p", "--workers", 1, "--precision", 0.5, "--max-runs", 10_000_000, runs=10)
    assert result.exit_code == 0, result.output
    assert summary(tmp_path / "p")["provenance"]["stopping_rule"]["rule"] == "precision"


def test_precision_stopped_by_memory_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "available_memory", lambda: 60 * runner.memory_per_run(fast_scenario()))
    result = run("--out", tmp_path / "m", "--workers", 1, "--precision", 1e-9, "--max-runs", 10_000_000, runs=20)
    assert result.exit_code == 0, result.output
    assert "before the precision was reached" in result.stdout and "of memory, with" in result.stdout
    assert summary(tmp_path / "m")["provenance"]["stopping_rule"]["rule"] == "memory"


def test_precision_and_the_stopping_rule(tmp_path):
    result = run("--out", tmp_path / "p", "--workers", 1, "--precision", 1e-6, "--max-runs", 30, runs=10)
    assert result.exit_code == 0, result.output
    rule = summary(tmp_path / "p")["provenance"]["stopping_rule"]
    assert rule["rule"] == "max_runs" and summary(tmp_path / "p")["provenance"]["runs"] == 30
    assert "max runs (30)" in result.stdout


def test_money_in_the_scenario_currency(tmp_path):
    result = run("--out", tmp_path / "eur", "--workers", 1, "--set", "company.currency=EUR")
    assert result.exit_code == 0
    assert " EUR" in result.stdout and "$" not in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--set", "horizon_months=0"], "horizon_months"),
    (["--set", "motions.enterprise.team.reps=many"], "reps"),
    (["--dask", "--scheduler", "tcp://localhost:8786"], "give one"),
    (["--max-runs", "10"], "--max-runs 10 applies only with --precision"),
    (["--runs", "0"], "--runs"),
    (["--workers", "0"], "--workers"),
    (["--precision", "-1"], "--precision"),
    # the second target of a metric silently replaced the first
    (["--precision", "npv=1e6", "--precision", "npv=2e6"], "'npv=2e6': npv already has a target ('npv=1e6'): give "
                                                           "one per metric"),
])
def test_bad_input_exits_2(tmp_path, args, message):
    result = CliRunner().invoke(cli.main, ["run", "--out", str(tmp_path / "x"), "--quiet", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("command", ["run", "sweep"])
@pytest.mark.parametrize("value", ["notanaddress", "process", "in-process", "dask", ""])
def test_a_scheduler_that_is_not_an_address_exits_2_before_anything_runs(tmp_path, monkeypatch, command, value):
    def no_run(*args, **kwargs):
        raise AssertionError("nothing should run")

    monkeypatch.setattr(cli.simulator, "simulate", no_run)
    monkeypatch.setattr(cli.simulator, "sweep", no_run)
    vary = ["--vary", "company.starting_cash=1e6,2e6"] if command == "sweep" else []
    result = CliRunner().invoke(cli.main, [command, "--out", str(tmp_path / "x"), *vary, "--scheduler", value])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--scheduler'" in result.stderr
    assert f"{value!r} is not a scheduler address" in result.stderr and "tcp://host:8786" in result.stderr
    assert "runs (" not in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_an_invalid_scenario_file_exits_2_with_its_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nhorizon_months: -3\nmotions: {}\nstrategies: {}\n")
    result = CliRunner().invoke(cli.main, ["run", str(bad), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "bad.yaml: invalid" in result.stderr and "horizon_months" in result.stderr


def test_an_output_directory_in_use_exits_2(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "summary.json").write_text("{}")
    result = run("--out", tmp_path / "used")
    assert result.exit_code == 2 and "already exists" in result.stderr


def test_a_failure_while_running_exits_1_without_a_traceback(tmp_path, monkeypatch):
    def broken(scenario, run, seed=None, strategies=None):
        raise RuntimeError(f"the books do not balance in run {run}")

    monkeypatch.setattr(simulator.engine, "run_strategies", broken)
    result = run("--out", tmp_path / "x", "--workers", 1)
    assert result.exit_code == 1
    assert "the books do not balance in run 0" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_ctrl_c_prints_a_partial_summary_exits_130_and_leaves_no_directory(tmp_path, monkeypatch):
    real = runner.run_chunk

    def interrupted_after_the_first_chunk(scenario, start, stop, seed):
        if start >= 3:
            raise KeyboardInterrupt
        return real(scenario, start, stop, seed)

    monkeypatch.setattr(runner, "run_chunk", interrupted_after_the_first_chunk)
    result = run("--out", tmp_path / "out", "--workers", 1)
    assert result.exit_code == 130
    assert "PARTIAL RESULTS" in result.stdout and "3 of 20 runs" in result.stdout
    assert "nothing was saved" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_before_any_run_exits_130(tmp_path, monkeypatch):
    def interrupted(scenario, start, stop, seed):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_chunk", interrupted)
    result = run("--out", tmp_path / "out", "--workers", 1)
    assert result.exit_code == 130 and "interrupted" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_progress_off_a_terminal_is_a_line_every_few_seconds_at_most():
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=False)
    for done in range(1, 101):
        bar(done, 100)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2                      # the first, then the last; no more within 5 seconds
    assert lines[-1].startswith("100/100 runs (100%)") and "runs/s" in lines[-1] and "left" in lines[-1]


def test_progress_on_a_terminal_redraws_one_line():
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=True, every_seconds=0)
    bar(50, 200)
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r[") and "50/200 runs" in text and "runs/s" in text and text.endswith("\n")


def test_progress_is_shown_on_stderr_unless_quiet(tmp_path):
    result = CliRunner().invoke(cli.main, ["run", "--runs", "5", "--workers", "1", "--no-plots", *FAST_SET,
                                           "--out", str(tmp_path / "o")])
    assert result.exit_code == 0 and "5/5 runs (100%)" in result.stderr


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["report"]])
def test_help_shows_percent_signs_as_written(command):
    """click does not %-format help text, so '%%' would show as it is."""
    result = CliRunner().invoke(cli.main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "%%" not in result.output
    if command == ["run"]:
        assert "95% CI" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml")),
                         ids=lambda path: path.stem)
def test_every_bundled_scenario_runs_to_its_charts_report_and_workbook(tmp_path, scenario):
    """The whole of `salesim run` (charts, report, workbook) on each bundled scenario, a few runs each."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(scenario), "--runs", "4", "--workers", "1", "--quiet",
                                           "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("summary.json", "runs.csv", "monthly.npz", "report.html", "results.xlsx", "cash_fan.png"):
        assert (out / name).is_file(), name
