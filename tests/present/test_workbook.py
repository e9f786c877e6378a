"""results.xlsx read back with openpyxl: every figure is the summary's, the statements the API's, the runs the
results'; number formats, frozen headers and widths set; atomic; opened by LibreOffice when installed."""
from __future__ import annotations

import csv
import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from montecarlo_helpers import fast_scenario
from plot_helpers import fake_results

import simulator
from simulator.engine import input_names
from simulator.engine.catalogue import metric_entry, run_metric_names
from simulator.montecarlo.statements import STATISTICS
from simulator.present import workbook
from simulator.present.workbook import COMPARISON_STATS, SIDE_BY_SIDE_STATS, SUMMARY_STATS, write_workbook

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def results():
    return simulator.simulate(fast_scenario(), runs=30, seed=5, workers=1)


@pytest.fixture(scope="module")
def saved(results, tmp_path_factory):
    return results.save(tmp_path_factory.mktemp("book") / "run", extras=write_workbook)


@pytest.fixture(scope="module")
def book(saved):
    return openpyxl.load_workbook(saved / "results.xlsx")


@pytest.fixture(scope="module")
def summary(saved):
    return json.loads((saved / "summary.json").read_text())


def as_written(value):
    """A number as the workbook holds it (16 significant digits); None for a missing one (NaN, null)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(f"{value:.16G}")


def test_the_sheets_in_order(book):
    kinds = ("enterprise", "smb", "hybrid")
    assert book.sheetnames == ["Answer", "Summary", "Assumptions", *(f"Statements {s}" for s in kinds),
                               *(f"Runs {s}" for s in kinds), "Comparisons", "Provenance"]


def test_every_summary_figure_is_summary_json(book, summary):
    sheet = book["Summary"]
    header = [c.value for c in sheet[1]]
    assert header == ["strategy", "metric", "label", *SUMMARY_STATS]
    seen = set()
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] is None:
            break
        strategy, metric = row[:2]
        entry = summary["strategies"][strategy][metric]
        expected = {**entry, "ci95_low": entry["ci95"][0], "ci95_high": entry["ci95"][1]}
        for stat, value in zip(SUMMARY_STATS, row[3:]):
            assert value == as_written(expected[stat]), (strategy, metric, stat)
        seen.add((strategy, metric))
    assert seen == {(s, m) for s, metrics in summary["strategies"].items() for m in metrics}


def test_mean_costs_by_category_are_summary_jsons(book, summary):
    rows = list(book["Summary"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Mean cost over the horizon, by category")
    categories = [c for c in rows[start + 1][1:] if c]
    for row in rows[start + 2:start + 2 + len(summary["costs"])]:
        for category, value in zip(categories, row[1:]):
            assert value == as_written(summary["costs"][row[0]][category])


def test_the_side_by_side_table_is_summary_json(book, summary, results):
    rows = list(book["Answer"].iter_rows(values_only=True))
    head = next(i for i, row in enumerate(rows) if row[0] == "metric")
    assert [v for v in rows[head][2:] if v] == results.strategies
    checked = 0
    for row in rows[head + 2:]:
        if not row[0]:
            break
        for k, strategy in enumerate(results.strategies):
            for j, stat in enumerate(SIDE_BY_SIDE_STATS):
                expected = summary["strategies"][strategy][row[0]][stat]
                assert row[2 + k * len(SIDE_BY_SIDE_STATS) + j] == as_written(expected)
                checked += 1
    assert checked >= 4 * 3 * 10


def test_the_answer_is_in_words(book):
    text = " ".join(str(v) for row in book["Answer"].iter_rows(max_row=8, values_only=True) for v in row if v)
    assert "has the highest NPV on average" in text and "new money to raise" in text and "<b>" not in text


def test_comparisons_are_summary_jsons(book, summary):
    sheet = book["Comparisons"]
    assert [c.value for c in sheet[2]] == ["pair", "metric", "better", *COMPARISON_STATS]
    count = 0
    for row in sheet.iter_rows(min_row=3, values_only=True):
        entry = summary["comparisons"][row[0]][row[1]]
        expected = {**entry, "ci95_low": entry["ci95"][0], "ci95_high": entry["ci95"][1]}
        assert row[2] == entry["better"]
        assert list(row[3:]) == [as_written(expected[stat]) for stat in COMPARISON_STATS]
        count += 1
    assert count == sum(len(metrics) for metrics in summary["comparisons"].values())


def test_statements_are_the_apis(book, results):
    for strategy, found in results.statements().items():
        rows = list(book[f"Statements {strategy}"].iter_rows(values_only=True))
        assert rows[3][:3] == ("line", "statistic", "Month 1") and rows[3][-2:] == ("Year 1", "Year 2 (1 month)")
        labels = [line.label for line in found.lines]
        lines = [row for row in rows if row[0] in labels and row[1] in STATISTICS]
        assert len(lines) == len(labels) * len(STATISTICS)
        for row in lines:
            key = found.lines[labels.index(row[0])].key
            expected = [*found.line(key, row[1]), *found.line(key, row[1], by="year")]
            assert list(row[2:]) == [as_written(v) for v in expected], (strategy, row[:2])
        assert any("do not add up" in str(row[0]) for row in rows[:3])


def test_each_runs_sheet_holds_every_run_metric_and_input(book, results):
    for strategy in results.strategies:
        sheet = book[f"Runs {strategy}"]
        rows = list(sheet.iter_rows(values_only=True))
        metrics = [m for m in run_metric_names(results.scenario) if m in results.runs[strategy]]
        inputs = [p for p in input_names(results.scenario) if p in results.inputs[strategy]]
        assert list(rows[0]) == ["run", *metrics, *inputs]
        assert len(rows) == 1 + results.n_runs
        table = np.array([[np.nan if v is None else v for v in row] for row in rows[1:]], dtype=float)
        assert np.array_equal(table[:, 0], results.run_ids)
        for j, name in enumerate(metrics + inputs, start=1):
            values = results.runs[strategy][name] if name in metrics else results.inputs[strategy][name]
            expected = [np.nan if not math.isfinite(v) else as_written(v) for v in values.tolist()]
            assert np.array_equal(table[:, j], expected, equal_nan=True), (strategy, name)
        assert any(np.isnan(table).ravel()), "some metric is undefined in a run (an empty cell)"


def test_numbers_have_formats_in_the_scenarios_currency_and_as_percentages(book, results):
    sheet = book["Runs hybrid"]
    header = [c.value for c in sheet[1]]
    for row in (2, 3, 1 + results.n_runs):   # written by XlsxWriter, added after, and the last
        cells = {name: sheet.cell(row, col + 1) for col, name in enumerate(header)}
        assert cells["revenue"].number_format == '"$"#,##0;-"$"#,##0'
        assert cells["win_rate"].number_format == "0.0%" and cells["enterprise.win_rate"].number_format == "0.0%"
        assert cells["motions.smb.deal.monthly_churn"].number_format == "0.0%"
        assert cells["ltv_to_cac"].number_format == '0.00"x"'
        assert cells["run"].number_format == "#,##0" and cells["deals_won"].number_format == "#,##0"
        assert cells["objections_per_deal"].number_format == "#,##0.0"
    summary = book["Summary"]
    for row in summary.iter_rows(min_row=2, max_row=30):
        kind = metric_entry(row[1].value).kind
        assert row[3].number_format == {"money": '"$"#,##0;-"$"#,##0', "percent": "0.0%"}.get(kind,
                                                                                                row[3].number_format)
        assert row[-1].number_format == "0.0%"   # share_defined
    statement = book["Statements smb"]
    assert statement.cell(7, 3).number_format == '"$"#,##0;-"$"#,##0'


def test_another_currency_is_written_after_the_amount(tmp_path):
    results = fake_results(runs=4)
    results.scenario = results.scenario.with_values({"company.currency": "EUR"})
    book = openpyxl.load_workbook(write_workbook(results, tmp_path))
    assert book["Runs " + results.strategies[0]]["B2"].number_format == '#,##0 "EUR";-#,##0 "EUR"'


def test_headers_are_frozen_and_columns_sized(book):
    assert book["Summary"].freeze_panes == "D2"
    assert book["Runs smb"].freeze_panes == "B2"
    assert book["Statements smb"].freeze_panes == "C5"
    assert book["Comparisons"].freeze_panes == "C3"
    for name in book.sheetnames:
        width = book[name].column_dimensions["A"]
        assert width.customWidth and width.width >= 8, name


def test_provenance_names_the_scenario_seed_runs_and_version(book, summary, results):
    rows = dict(book["Provenance"].iter_rows(min_row=2, values_only=True))
    assert rows["seed"] == str(summary["provenance"]["seed"]) and rows["runs per strategy"] == "30"
    assert rows["salesim version"] == simulator.__version__
    assert rows["scenario SHA-256"] == summary["provenance"]["scenario_sha256"]
    assert rows["scenario file"] == str(results.scenario.source) and rows["workbook written (UTC)"]


def test_results_without_monthly_costs_get_a_workbook_that_says_why(tmp_path):
    book = openpyxl.load_workbook(write_workbook(fake_results(runs=3), tmp_path))
    assert "Statements" in book.sheetnames
    assert "no monthly costs by category" in book["Statements"]["A1"].value


def test_a_failure_leaves_no_workbook_and_the_old_one_untouched(results, tmp_path, monkeypatch):
    (tmp_path / "results.xlsx").write_bytes(b"the workbook written before")

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workbook, "_add_rows", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_workbook(results, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]
    assert (tmp_path / "results.xlsx").read_bytes() == b"the workbook written before"


def test_sheet_names_are_valid_and_distinct():
    names = workbook.sheet_names("Statements", ["a/b", "x" * 40, "x" * 40 + "y", "A/B", "q'"])
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") and not n.endswith("'") for n in names.values())
    assert len({n.lower() for n in names.values()}) == 5


def test_strategies_of_any_name_get_their_sheets(tmp_path):
    strategies = ("a&b <bet>", "it's", "x" * 40)
    book = openpyxl.load_workbook(write_workbook(fake_results(strategies, runs=5), tmp_path))
    names = workbook.sheet_names("Runs", strategies)
    for strategy, name in names.items():
        assert book[name].max_row == 6, strategy


@pytest.mark.slow
def test_libreoffice_opens_it(saved, results, tmp_path):
    """LibreOffice converts every sheet to CSV: the answer is there, and each run's revenue, the rows written by
    XlsxWriter and those added after alike."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice (soffice or libreoffice) is not installed: install it to check that a spreadsheet "
                    "application opens results.xlsx")
    # CSV options: comma, double quotes, UTF-8, from line 1, ..., the values (not as shown), every sheet (-1).
    every_sheet = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    done = subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                           every_sheet, "--outdir", str(tmp_path), str(saved / "results.xlsx")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "has the highest NPV on average" in (tmp_path / "results-Answer.csv").read_text(encoding="utf-8")
    with open(tmp_path / "results-Runs hybrid.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + results.n_runs
    revenue = [float(row[rows[0].index("revenue")]) for row in rows[1:]]
    np.testing.assert_allclose(revenue, results.runs["hybrid"]["revenue"], rtol=1e-14)   # 15 digits shown
