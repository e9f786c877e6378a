"""`salesim report DIR` on damaged directories: every file checked first, exit 2 saying what is wrong, and
charts replaced only once all are drawn."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from plot_helpers import fake_results

import simulator
from cli import main
from simulator.engine.ledger import SERIES
from simulator.montecarlo.results import DamagedResults
from simulator.present import plots, report

OLD_CHART = b"the chart drawn before"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Synthetic results of 40 runs, saved, with a chart and a report standing in for the drawn ones."""
    directory = fake_results(runs=40).save(tmp_path_factory.mktemp("saved") / "run")
    (directory / "revenue.png").write_bytes(OLD_CHART)
    (directory / "report.html").write_text("the report drawn before")
    return directory


@pytest.fixture
def copy(saved, tmp_path):
    return shutil.copytree(saved, tmp_path / "copy")


def _no_drawing(monkeypatch):
    monkeypatch.setattr(report, "write_outputs", lambda *args: pytest.fail("charts drawn from a damaged directory"))


def _report_refuses(directory, monkeypatch, *expected: str) -> str:
    """`salesim report` exits 2 naming each expected problem, and leaves the old charts as they were."""
    _no_drawing(monkeypatch)
    result = CliRunner().invoke(main, ["report", str(directory)])
    assert result.exit_code == 2, result.output
    assert "damaged, nothing redrawn" in result.stderr and "Traceback" not in result.output
    for text in expected:
        assert text in result.stderr, result.stderr
    assert (directory / "revenue.png").read_bytes() == OLD_CHART
    assert (directory / "report.html").read_text() == "the report drawn before"
    return result.stderr


def _rewrite_npz(path, change):
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    change(arrays)
    np.savez(path, **arrays)


def test_a_truncated_runs_csv_is_refused(copy, monkeypatch):
    text = (copy / "runs.csv").read_text()
    (copy / "runs.csv").write_text(text[:len(text) * 2 // 3])   # cut in the middle of a line
    _report_refuses(copy, monkeypatch, "runs.csv line", "a truncated file?")


def test_a_runs_csv_cut_inside_its_header_names_the_column_where_it_stops(copy, monkeypatch):
    header = (copy / "runs.csv").read_text().splitlines()[0]
    (copy / "runs.csv").write_text(header[:header.index(",cost") + 3])   # ...,revenue,co
    _report_refuses(copy, monkeypatch, "runs.csv: header column 4 is 'co', expected 'cost'", "(a truncated file?)")


def test_a_runs_csv_with_other_columns_says_which_and_that_another_version_may_have_saved_it(copy, monkeypatch):
    """An older directory without a metric added since: the header message said only where it first differs."""
    lines = (copy / "runs.csv").read_text().splitlines(keepends=True)
    column = lines[0].split(",").index("new_money_needed")
    (copy / "runs.csv").write_text("".join(",".join(c for i, c in enumerate(line.split(",")) if i != column)
                                           for line in lines))
    _report_refuses(copy, monkeypatch, "expected 'new_money_needed'", "it lacks new_money_needed (saved by another "
                    "version of salesim? simulate its scenario.yaml again)")


def test_a_runs_csv_cut_at_a_line_end_is_refused(copy, monkeypatch):
    lines = (copy / "runs.csv").read_text().splitlines(keepends=True)
    (copy / "runs.csv").write_text("".join(lines[:-5]))
    _report_refuses(copy, monkeypatch, "runs.csv: 40 of enterprise, 40 of smb, 35 of hybrid runs; every strategy "
                                       "must have the same runs")


def test_runs_csv_with_as_many_runs_but_other_ones_says_where_they_part(copy, monkeypatch):
    """The message gave only the counts, all equal: it did not say what was wrong."""
    lines = (copy / "runs.csv").read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("smb,"))
    lines[first] = lines[first].replace("smb,0,", "smb,99,", 1)
    (copy / "runs.csv").write_text("".join(lines))
    _report_refuses(copy, monkeypatch, "runs.csv: 40 of enterprise, 40 of smb, 40 of hybrid runs, but not the same "
                                       "ones: row 1 of smb is run 99, row 1 of enterprise run 0")


def test_a_broken_monthly_npz_is_refused(copy, monkeypatch):
    data = (copy / "monthly.npz").read_bytes()
    (copy / "monthly.npz").write_bytes(data[:len(data) // 2])
    _report_refuses(copy, monkeypatch, "monthly.npz cannot be read")


def test_missing_series_are_named(copy, monkeypatch):
    _rewrite_npz(copy / "monthly.npz", lambda arrays: [arrays.pop(f"smb/{k}") for k in ("cash", "mrr")])
    _report_refuses(copy, monkeypatch, "monthly.npz lacks", "smb/mrr", "smb/cash")


def test_monthly_arrays_with_other_runs_are_refused(copy, monkeypatch):
    def fewer_runs(arrays):
        arrays["hybrid/cash"] = arrays["hybrid/cash"][:30]

    _rewrite_npz(copy / "monthly.npz", fewer_runs)
    _report_refuses(copy, monkeypatch, "hybrid/cash is 30 x 36; expected 40 runs x 36 months")


def test_runs_that_disagree_with_the_provenance_are_refused(copy, monkeypatch):
    summary = json.loads((copy / "summary.json").read_text())
    summary["provenance"]["runs"] = 50
    (copy / "summary.json").write_text(json.dumps(summary))
    _report_refuses(copy, monkeypatch, "runs.csv: 40 runs of each strategy, but 50 in the provenance",
                    "expected 50 runs x 36 months")


def test_a_summary_json_laid_out_otherwise_is_refused(copy, monkeypatch):
    """A hand-edited summary.json whose figures are not where they belong is damaged (exit 2), not an error of
    the drawing (it was an AttributeError, exit 1)."""
    summary = json.loads((copy / "summary.json").read_text())
    summary["strategies"]["smb"] = 5
    summary["strategies"]["hybrid"]["npv"] = [1]
    summary["strategies"]["enterprise"]["npv"]["p50"] = {"a": 1}
    summary["provenance"]["seed"] = "abc"
    (copy / "summary.json").write_text(json.dumps(summary))
    _report_refuses(copy, monkeypatch, "summary.json: strategies.smb is 5, expected a mapping of metrics",
                    "summary.json: strategies.hybrid.npv is [1], expected a mapping of figures",
                    'summary.json: strategies.enterprise.npv.p50 is {"a": 1}, expected a number',
                    'summary.json: provenance.seed is "abc", expected a whole number >= 0')


def test_monthly_arrays_of_text_are_refused(copy, monkeypatch):
    def as_text(arrays):
        arrays["smb/cash"] = arrays["smb/cash"].astype(str)

    _rewrite_npz(copy / "monthly.npz", as_text)
    _report_refuses(copy, monkeypatch, "monthly.npz: smb/cash holds <U32 values; expected numbers")


def test_a_directory_where_the_report_goes_leaves_every_old_chart(copy):
    """The charts were moved into place one by one until the report, which could not be (exit 1, half the charts
    new); now none is moved and the command says which path is in the way (exit 2)."""
    (copy / "report.html").unlink()
    (copy / "report.html").mkdir()
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 2, result.output
    assert f"error: {copy / 'report.html'} is a directory, not a chart or report that can be replaced: nothing " \
           "redrawn" in result.stderr
    assert (copy / "revenue.png").read_bytes() == OLD_CHART
    assert not [p for p in copy.iterdir() if p.name.endswith(".partial")]


def test_every_problem_is_listed_at_once(copy, monkeypatch):
    text = (copy / "runs.csv").read_text()
    (copy / "runs.csv").write_text(text[:text.index("\n", 5000) - 10])
    (copy / "monthly.npz").write_bytes(b"not a zip file")
    stderr = _report_refuses(copy, monkeypatch, "runs.csv", "(a truncated file?)",
                             "monthly.npz cannot be read: not an .npz")
    assert "2 problems" in stderr


def test_an_edited_scenario_yaml_is_refused(copy, monkeypatch):
    path = copy / "scenario.yaml"
    path.write_text(path.read_text().replace("horizon_months: 36", "horizon_months: 24"))
    _report_refuses(copy, monkeypatch, "scenario.yaml was changed after the run")


def test_even_a_comment_added_to_scenario_yaml_is_a_change(copy, monkeypatch):
    path = copy / "scenario.yaml"
    path.write_text(path.read_text() + "# reps doubled next quarter\n")
    _report_refuses(copy, monkeypatch, "scenario.yaml was changed after the run")


def test_save_records_the_sha256_of_scenario_yaml_as_written(saved):
    import hashlib

    recorded = json.loads((saved / "summary.json").read_text())["provenance"]["scenario_yaml_sha256"]
    assert recorded == hashlib.sha256((saved / "scenario.yaml").read_bytes()).hexdigest()


def test_a_directory_saved_before_the_hash_was_recorded_loads_unchecked(copy):
    summary = json.loads((copy / "summary.json").read_text())
    del summary["provenance"]["scenario_yaml_sha256"]
    (copy / "summary.json").write_text(json.dumps(summary))
    path = copy / "scenario.yaml"
    path.write_text(path.read_text() + "# a note added later\n")
    loaded = simulator.Results.load(copy)
    assert loaded.n_runs == 40 and set(loaded.monthly["smb"]) == set(SERIES)


def test_load_raises_damaged_results_listing_the_problems(copy):
    (copy / "summary.json").write_text('{"provenance": {}}')
    with pytest.raises(DamagedResults) as damaged:
        simulator.Results.load(copy)
    assert damaged.value.problems == ["summary.json has no provenance and no strategies"]


def test_a_failure_while_drawing_leaves_the_old_charts_and_no_new_ones(copy, monkeypatch):
    def half_drawn(results, directory, formats=("png", "svg")):
        (directory / "revenue.png").write_bytes(b"new")
        (directory / "cost.png").write_bytes(b"new")
        raise RuntimeError("the font cache is locked")

    monkeypatch.setattr(plots, "write_plots", half_drawn)
    before = sorted(p.name for p in copy.iterdir())
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 1 and "the font cache is locked" in result.stderr
    assert sorted(p.name for p in copy.iterdir()) == before, "a chart or a staging directory was left behind"
    assert (copy / "revenue.png").read_bytes() == OLD_CHART


def test_charts_move_into_place_only_once_all_are_drawn(copy, monkeypatch):
    seen = []

    def drawn(results, directory, formats=("png", "svg")):
        for name in plots.CHARTS:
            (directory / f"{name}.png").write_bytes(b"new " + name.encode())
        seen.append((copy / "revenue.png").read_bytes())
        return {name: b"png" for name in plots.CHARTS}

    monkeypatch.setattr(plots, "write_plots", drawn)
    monkeypatch.setattr(report, "report_html", lambda results, images: "<html>new</html>")
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert seen == [OLD_CHART]          # while drawing, the directory still held the old chart
    assert (copy / "revenue.png").read_bytes() == b"new revenue" and "new" in (copy / "report.html").read_text()
    assert not [p for p in copy.iterdir() if p.name.startswith(".")]
