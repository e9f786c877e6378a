"""`salesim run` writes results.xlsx unless --no-xlsx; `salesim export DIR --xlsx` writes it from saved results,
and refuses (exit 2, nothing written) what is not a sound results directory."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from montecarlo_helpers import FAST

from cli import main

openpyxl = pytest.importorskip("openpyxl")
FAST_SET = [arg for item in FAST for arg in ("--set", item)]


def salesim(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "run"
    result = salesim("run", "--runs", 6, "--workers", 1, "--quiet", "--no-plots", *FAST_SET, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_run_writes_the_workbook_and_says_where(saved):
    assert (saved / "results.xlsx").is_file()
    assert openpyxl.load_workbook(saved / "results.xlsx").sheetnames[0] == "Answer"


def test_no_xlsx_skips_it(tmp_path):
    result = salesim("run", "--runs", 3, "--workers", 1, "--quiet", "--no-plots", "--no-xlsx", *FAST_SET,
                     "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "o" / "results.xlsx").exists() and "workbook" not in result.stdout


def test_export_writes_the_same_figures_from_the_saved_directory(saved, tmp_path):
    copy = shutil.copytree(saved, tmp_path / "copy")
    (copy / "results.xlsx").unlink()
    result = salesim("export", copy, "--xlsx")
    assert result.exit_code == 0, result.output
    assert f"workbook: {copy / 'results.xlsx'}" in result.stdout
    again, first = (openpyxl.load_workbook(d / "results.xlsx") for d in (copy, saved))
    assert again.sheetnames == first.sheetnames
    for name in ("Summary", "Statements hybrid", "Runs smb", "Comparisons"):
        assert list(again[name].values) == list(first[name].values), name
    assert sorted(p.name for p in copy.iterdir()) == sorted(p.name for p in saved.iterdir())


def test_export_needs_a_format(saved):
    result = salesim("export", saved)
    assert result.exit_code == 2 and "--xlsx" in result.output


def test_export_of_a_damaged_directory_exits_2_and_writes_nothing(saved, tmp_path):
    copy = shutil.copytree(saved, tmp_path / "copy")
    (copy / "results.xlsx").unlink()
    (copy / "runs.csv").write_text("strategy,run\n")
    result = salesim("export", copy, "--xlsx")
    assert result.exit_code == 2 and "damaged, nothing written" in result.stderr and "Traceback" not in result.output
    assert not (copy / "results.xlsx").exists() and not [p for p in copy.iterdir() if p.name.startswith(".")]


def test_export_of_a_directory_that_is_not_results_exits_2(tmp_path):
    result = salesim("export", tmp_path, "--xlsx")
    assert result.exit_code == 2 and "not a salesim output directory" in result.output


def test_export_where_results_xlsx_is_a_directory_exits_2_and_writes_nothing(saved, tmp_path):
    """It was an IsADirectoryError once the workbook was written (exit 1)."""
    copy = shutil.copytree(saved, tmp_path / "copy")
    (copy / "results.xlsx").unlink()
    (copy / "results.xlsx").mkdir()
    result = salesim("export", copy, "--xlsx")
    assert result.exit_code == 2, result.output
    assert f"error: {copy / 'results.xlsx'} is a directory, not a workbook that can be replaced: nothing written" \
        in result.stderr
    assert not [p for p in copy.iterdir() if p.name.startswith(".")]


def test_export_of_another_command_s_output_says_whose_it_is(tmp_path):
    """A sweep's directory was told only as 'not a salesim output directory'."""
    (tmp_path / "sweep.json").write_text("{}")
    result = salesim("export", tmp_path, "--xlsx")
    assert result.exit_code == 2, result.output
    assert "not a salesim output directory: summary.json, runs.csv, monthly.npz, scenario.yaml missing; it is the " \
           "output of `salesim sweep` (sweep.json), not of `salesim run`" in result.stderr
