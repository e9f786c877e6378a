"""salesim sensitivity: the table, --out files, and bad input told in one line with exit code 2."""
from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from engine_helpers import certain_enterprise

from cli import main
from cli_helpers import assert_one_line_error

PRICE = {"uniform": {"low": 6000, "high": 18000}, "per": "run"}


def _scenario_file(tmp_path, uncertain: bool = True):
    data = {"name": "certain", "horizon_months": 24, "seed": 3, "runs": 20,
            "company": {"starting_cash": 1_000_000, "overhead_per_month": 10_000},
            "motions": {"a": certain_enterprise(**({"deal__contract_value": PRICE} if uncertain else {})),
                        "b": certain_enterprise()},
            "strategies": {"a": {"motions": ["a"]}, "b": {"motions": ["b"]}}}
    path = tmp_path / ("certain.yaml" if uncertain else "fixed.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


@pytest.mark.parametrize("args, words", [
    (["--metric", "npx"], ("unknown metric 'npx'", "did you mean 'npv'")),
    (["--strategy", "c"], ("unknown strategy 'c'",)),
    (["--versus", "a", "a"], ("two different strategies",)),
])
def test_bad_names_exit_2_in_one_line_before_any_run(tmp_path, args, words):
    result = CliRunner().invoke(main, ["sensitivity", _scenario_file(tmp_path), "--quiet", *args])
    assert_one_line_error(result, *words)


def test_a_scenario_without_uncertain_inputs_says_so(tmp_path):
    result = CliRunner().invoke(main, ["sensitivity", _scenario_file(tmp_path, uncertain=False), "--quiet"])
    assert_one_line_error(result, "no uncertain inputs")


def test_an_invalid_scenario_or_a_damaged_directory_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["sensitivity", _scenario_file(tmp_path), "--set", "horizon_months=-1"])
    assert result.exit_code == 2 and "invalid" in result.stderr
    result = CliRunner().invoke(main, ["sensitivity", str(tmp_path)])
    assert_one_line_error(result, "summary.json")


def test_the_table_and_the_files(tmp_path):
    out = tmp_path / "drivers"
    result = CliRunner().invoke(main, ["sensitivity", _scenario_file(tmp_path), "--metric", "revenue", "--runs", "20",
                                       "--swing-runs", "10", "--workers", "1", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "What drives Revenue over the horizon (revenue) over 20 runs" in text
    assert "a - b (revenue of a less b's, run by run)" in text
    assert "a.deal.contract_value" in text and "at P90" in text
    assert sorted(p.name for p in out.iterdir()) == ["sensitivity.csv", "sensitivity.json", "tornado_revenue.png",
                                                     "tornado_revenue.svg"]
    # a saved results directory is analysed as it is; what changes a simulation does not apply to it
    saved = tmp_path / "run"
    assert CliRunner().invoke(main, ["run", _scenario_file(tmp_path), "--runs", "12", "--workers", "1", "--quiet",
                                     "--no-plots", "--out", str(saved)]).exit_code == 0
    result = CliRunner().invoke(main, ["sensitivity", str(saved), "--no-swing", "--strategy", "a"])
    assert result.exit_code == 0, result.output
    assert "over 12 runs" in result.stdout and "at P90" not in result.stdout and "a - b" not in result.stdout
    result = CliRunner().invoke(main, ["sensitivity", str(saved), "--runs", "5"])
    assert result.exit_code == 2 and "--runs" in result.stderr
    # --out is checked before anything runs
    result = CliRunner().invoke(main, ["sensitivity", _scenario_file(tmp_path), "--quiet", "--out", str(out)])
    assert result.exit_code == 2 and "already exists" in result.stderr


@pytest.mark.parametrize("swing_runs", ["5", "200"])
def test_swing_runs_with_no_swing_is_refused_before_any_run(tmp_path, swing_runs):
    """Both given, one was silently ignored."""
    result = CliRunner().invoke(main, ["sensitivity", _scenario_file(tmp_path), "--quiet", "--no-swing",
                                       "--swing-runs", swing_runs, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"--swing-runs {swing_runs} sets the runs of the swing, which --no-swing skips" in result.stderr
    assert not (tmp_path / "out").exists()
