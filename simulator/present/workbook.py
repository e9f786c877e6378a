"""The workbook finance opens: ``results.xlsx``, a run's answer, statements and every figure, in one file.

Sheets, in order: *Answer* (the answer in words and the strategies side by
side), *Summary* (every statistic of every metric, as summary.json has it,
and the mean cost by category), *Assumptions* (the key assumptions in
words), one *Statements* sheet per strategy (the monthly P&L and cash-flow
view at the mean, P10, P50 and P90, months as columns), one *Runs* sheet
per strategy (each run's metrics and its draw of every uncertain input),
*Comparisons* (run by run, every pair of strategies) and *Provenance*.
Numbers are numbers, formatted in the scenario's currency, as percentages or
in their unit; headers are frozen and columns sized.

The per-run sheets hold most of the cells (10,000 runs x ~80 columns for a
strategy), more than a cell-by-cell writer can write in a few seconds. So
XlsxWriter writes every sheet, with the first and last row of each per-run
table, and the rows between are then added to those sheets' XML in one
pass, cell styles copied from the first row: the same workbook, its
per-run sheets written about five times faster. The file appears only once
complete.
"""
from __future__ import annotations

import html
import math
import os
import re
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from simulator.engine import input_names
from simulator.engine.catalogue import metric_entry, run_metric_names
from simulator.montecarlo.statements import STATISTICS, StatementsUnavailable
from simulator.montecarlo.statistics import PERCENTILES
from simulator.present import assumptions
from simulator.present.report import TABLE_METRICS, answer_items, provenance_rows

WORKBOOK = "results.xlsx"
# The statistics of a metric in summary.json, in the order the Summary sheet lists them (ci95 in two columns).
SUMMARY_STATS = ("mean", "std", "se", "ci95_low", "ci95_high", *(f"p{q}" for q in PERCENTILES), "min", "max", "n",
                 "nan_runs", "share_defined")
COMPARISON_STATS = ("p_better", "p_tie", "mean_diff", "std", "se", "ci95_low", "ci95_high",
                    *(f"p{q}" for q in PERCENTILES), "min", "max", "n")
SIDE_BY_SIDE_STATS = ("mean", "p5", "p50", "p95")
STATEMENT_NOTE = ("The mean statement adds up: gross profit = revenue - cost of revenue; EBITDA = gross profit - "
                  "sales and marketing - overhead; ending cash = opening cash + collections - payments (+ funding "
                  "received, with funding rounds). "
                  "P10, P50 and P90 are percentiles over the runs taken line by line, so their lines do not add up, "
                  "and a year's percentile is taken over the runs' years, so it is not the sum of its months'.")
# A cell's number as XlsxWriter writes it: 16 significant digits (Excel shows 15).
_VALUE = "<v>{:.16G}</v>"
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_COLUMN_WIDTH = {"label": 44, "name": 30, "number": 13, "month": 12, "text": 90}
_NS = {"main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def write_workbook(results, directory) -> Path:
    """Write ``results.xlsx`` into ``directory`` (replacing one there) and return its path.

    It is written under a hidden name beside it and renamed into place only
    when complete, so an error or an interrupt leaves no half-written
    workbook (and any earlier one untouched).
    """
    path = Path(directory) / WORKBOOK
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a workbook that can be replaced: nothing written")
    stem = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    drafted, finished = stem.with_suffix(".draft"), stem.with_suffix(".partial")
    try:
        bulk = _draft(results, drafted)
        _add_rows(drafted, finished, bulk)
        os.replace(finished, path)
    finally:
        for leftover in (drafted, finished):
            leftover.unlink(missing_ok=True)
    return path


class _Formats:
    """The workbook's cell formats, made once each: by metric kind, for money in the scenario's currency."""

    def __init__(self, book, currency: str):
        self.book = book
        money = '"$"#,##0;-"$"#,##0' if currency.upper() == "USD" else f'#,##0 "{currency}";-#,##0 "{currency}"'
        self.numbers = {"money": money, "percent": "0.0%", "months": "0.0", "days": "0.0", "ratio": '0.00"x"',
                        "count": "#,##0.0", "integer": "#,##0", "number": "#,##0.00"}
        self.cache: dict = {}
        self.header = self.get("header")
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def get(self, kind: str, *, bold: bool = False, indent: bool = False):
        """The format of a number of ``kind`` (money, percent, months, ...), or 'header'."""
        key = (kind, bold, indent)
        if key not in self.cache:
            spec = ({"bold": True, "bottom": 1, "bg_color": "#F2F2F2", "text_wrap": True, "valign": "top"}
                    if kind == "header" else {"num_format": self.numbers[kind]})
            if bold:
                spec["bold"] = True
            if indent:
                spec["indent"] = 1
            self.cache[key] = self.book.add_format(spec)
        return self.cache[key]


def plain_text(fragment: str) -> str:
    """An HTML fragment of the report (escaped text and inline tags) as plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _number(sheet, row: int, col: int, value, fmt) -> None:
    """A number, or an empty cell (still formatted) where there is none: NaN, infinite or missing."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_blank(row, col, None, fmt)


def _header(sheet, formats: _Formats, row: int, cells, first_col: int = 0) -> None:
    for col, text in enumerate(cells, start=first_col):
        sheet.write_string(row, col, str(text), formats.header)


def _kind(name: str) -> str:
    """A metric's kind from the catalogue (money, percent, ...); a name it does not know is a count."""
    try:
        return metric_entry(name).kind
    except KeyError:
        return "count"


def _unit_kind(unit: str) -> str:
    """The number kind of a scenario unit: money, a fraction as a percentage, anything else as a number."""
    return "money" if unit.startswith("money") else "percent" if unit.startswith("fraction") else "number"


def sheet_names(prefix: str, strategies) -> dict[str, str]:
    """``<prefix> <strategy>`` for each strategy, as a sheet name may be: at most 31 characters, none of
    ``[]:*?/\\``, not ending in an apostrophe, and distinct (a clash gets `` (2)``, `` (3)`` ...)."""
    names: dict[str, str] = {}
    for strategy in strategies:
        base = _SHEET_NAME_BAD.sub("_", f"{prefix} {strategy}")[:31].rstrip("'")
        name, count = base, 1
        while name.lower() in (n.lower() for n in names.values()):
            count += 1
            name = f"{base[:31 - len(str(count)) - 3]} ({count})"
        names[strategy] = name
    return names


def _draft(results, path: Path) -> dict:
    """Write every sheet with XlsxWriter; return the per-run tables whose middle rows are still to add."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    formats = _Formats(book, results.scenario.company.currency)
    _answer_sheet(book, formats, results)
    _summary_sheet(book, formats, results)
    _assumptions_sheet(book, formats, results.scenario)
    _statement_sheets(book, formats, results)
    bulk = {name: _runs_sheet(book, formats, results, s, name)
            for s, name in sheet_names("Runs", results.strategies).items()}
    _comparisons_sheet(book, formats, results)
    _provenance_sheet(book, formats, results)
    book.close()
    return bulk


def _answer_sheet(book, formats: _Formats, results) -> None:
    sheet = book.add_worksheet("Answer")
    scenario = results.scenario
    sheet.write_string(0, 0, scenario.name, formats.title)
    sheet.write_string(1, 0, scenario.description or "")
    row = 3
    sheet.write_string(row, 0, "The answer", formats.bold)
    for item in answer_items(results):
        row += 1
        sheet.merge_range(row, 0, row, 1 + len(SIDE_BY_SIDE_STATS) * len(results.strategies), plain_text(item),
                          formats.wrap)
        sheet.set_row(row, 48)
    row += 2
    sheet.write_string(row, 0, f"Side by side ({results.n_runs:,} runs of each strategy)", formats.bold)
    top = row + 1
    _header(sheet, formats, top, ["metric", "label"])
    _header(sheet, formats, top + 1, ["", ""])
    for k, s in enumerate(results.strategies):
        first = 2 + k * len(SIDE_BY_SIDE_STATS)
        sheet.merge_range(top, first, top, first + len(SIDE_BY_SIDE_STATS) - 1, s, formats.header)
        _header(sheet, formats, top + 1, [stat.upper() if stat != "mean" else "Mean" for stat in SIDE_BY_SIDE_STATS],
                first)
    row = top + 2
    stats = results.summary["strategies"]
    for metric in TABLE_METRICS:
        if not any(metric in stats[s] for s in results.strategies):
            continue
        sheet.write_string(row, 0, metric)
        sheet.write_string(row, 1, metric_entry(metric).label)
        fmt = formats.get(_kind(metric))
        for k, s in enumerate(results.strategies):
            for j, stat in enumerate(SIDE_BY_SIDE_STATS):
                _number(sheet, row, 2 + k * len(SIDE_BY_SIDE_STATS) + j, (stats[s].get(metric) or {}).get(stat), fmt)
        row += 1
    sheet.set_column(0, 0, _COLUMN_WIDTH["name"])
    sheet.set_column(1, 1, _COLUMN_WIDTH["label"])
    sheet.set_column(2, 1 + len(SIDE_BY_SIDE_STATS) * len(results.strategies), _COLUMN_WIDTH["number"])
    sheet.freeze_panes(top + 2, 2)


def _summary_sheet(book, formats: _Formats, results) -> None:
    sheet = book.add_worksheet("Summary")
    _header(sheet, formats, 0, ["strategy", "metric", "label", *SUMMARY_STATS])
    row = 1
    for s, metrics in results.summary["strategies"].items():
        for metric, entry in metrics.items():
            sheet.write_string(row, 0, s)
            sheet.write_string(row, 1, metric)
            sheet.write_string(row, 2, metric_entry(metric).label)
            _stat_cells(sheet, formats, row, 3, entry, SUMMARY_STATS, _kind(metric))
            row += 1
    row += 1
    sheet.write_string(row, 0, "Mean cost over the horizon, by category", formats.bold)
    costs = results.summary.get("costs") or {}
    categories = list(dict.fromkeys(c for by_category in costs.values() for c in by_category))
    _header(sheet, formats, row + 1, ["strategy", *categories])
    for k, (s, by_category) in enumerate(costs.items()):
        sheet.write_string(row + 2 + k, 0, s)
        for j, category in enumerate(categories):
            _number(sheet, row + 2 + k, 1 + j, by_category.get(category), formats.get("money"))
    sheet.set_column(0, 1, _COLUMN_WIDTH["name"] * 0.7)
    sheet.set_column(2, 2, _COLUMN_WIDTH["label"])
    sheet.set_column(3, 2 + len(SUMMARY_STATS), _COLUMN_WIDTH["number"])
    sheet.freeze_panes(1, 3)
    sheet.autofilter(0, 0, max(row - 2, 1), 2 + len(SUMMARY_STATS))


def _stat_cells(sheet, formats: _Formats, row: int, col: int, entry: dict, stats, kind: str) -> None:
    """One statistic per cell from a summary entry: ci95 split into low and high; shares as percentages."""
    ci95 = entry.get("ci95") or [None, None]
    for j, stat in enumerate(stats):
        value = {"ci95_low": ci95[0], "ci95_high": ci95[1]}.get(stat, entry.get(stat))
        own = ("percent" if stat in ("share_defined", "p_better", "p_tie")
               else "integer" if stat in ("n", "nan_runs") else kind)
        _number(sheet, row, col + j, value, formats.get(own))


def _assumptions_sheet(book, formats: _Formats, scenario) -> None:
    sheet = book.add_worksheet("Assumptions")
    row = 0
    sheet.write_string(row, 0, "The company", formats.bold)
    for label, value in assumptions.company_rows(scenario):
        row += 1
        sheet.write_string(row, 0, label)
        sheet.write_string(row, 1, value)
    row += 2
    sheet.write_string(row, 0, "The strategies", formats.bold)
    _header(sheet, formats, row + 1, ["strategy", "motions", "what it is"])
    row += 1
    for cells in assumptions.strategy_rows(scenario):
        row += 1
        for col, text in enumerate(cells):
            sheet.write_string(row, col, text, formats.wrap)
    for motion, (users, rows) in assumptions.motion_tables(scenario).items():
        row += 2
        sheet.write_string(row, 0, f"Motion {motion} ({scenario.motions[motion].type})", formats.bold)
        row += 1
        _header(sheet, formats, row, ["", *(f"in {u}" for u in users)])
        for label, values in rows:
            row += 1
            sheet.write_string(row, 0, label)
            for col, text in enumerate(values, start=1):
                sheet.write_string(row, col, text, formats.wrap)
    sheet.set_column(0, 0, _COLUMN_WIDTH["name"])
    sheet.set_column(1, 8, _COLUMN_WIDTH["label"])


def _statement_sheets(book, formats: _Formats, results) -> None:
    try:
        found = results.statements()
    except StatementsUnavailable as err:
        sheet = book.add_worksheet("Statements")
        sheet.write_string(0, 0, f"No monthly statements: {err}.")
        return
    for s, name in sheet_names("Statements", results.strategies).items():
        _statement_sheet(book.add_worksheet(name), formats, found[s])


def _statement_sheet(sheet, formats: _Formats, statement) -> None:
    """Months as columns, then years; a block of lines for the mean, then for P10, P50 and P90."""
    months = statement.months
    sheet.write_string(0, 0, f"{statement.strategy}: monthly statements over {statement.runs:,} runs, in "
                             f"{statement.currency}", formats.title)
    sheet.write_string(1, 0, STATEMENT_NOTE)
    years = [f"Year {k}" if last - first == 11 else f"Year {k} ({last - first + 1} month{'s' * (last > first)})"
             for k, (first, last) in enumerate(statement.year_months, start=1)]
    _header(sheet, formats, 3, ["line", "statistic", *(f"Month {t}" for t in range(1, months + 1)), *years])
    row = 4
    titles = {"mean": "Mean over the runs (adds up)", "p10": "P10, line by line (does not add up)",
              "p50": "P50 (median), line by line (does not add up)", "p90": "P90, line by line (does not add up)"}
    totals = ("gross_profit", "ebitda", "ending_cash")
    for statistic in STATISTICS:
        sheet.write_string(row, 0, titles[statistic], formats.bold)
        row += 1
        section = None
        for i, line in enumerate(statement.lines):
            if line.section != section:
                section = line.section
                sheet.write_string(row, 0, section, formats.bold)
                row += 1
            label_format = formats.get("money", indent=line.part, bold=line.key in totals)
            sheet.write_string(row, 0, line.label, label_format)
            sheet.write_string(row, 1, statistic)
            values = [*statement.values[statistic][i].tolist(), *statement.years[statistic][i].tolist()]
            for t, value in enumerate(values):
                _number(sheet, row, 2 + t, value, formats.get("money", bold=line.key in totals))
            row += 1
        row += 1
    sheet.set_column(0, 0, _COLUMN_WIDTH["label"] * 0.8)
    sheet.set_column(1, 1, 9)
    sheet.set_column(2, 1 + months, _COLUMN_WIDTH["month"])
    sheet.set_column(2 + months, 1 + months + len(years), _COLUMN_WIDTH["number"] + 2)
    sheet.freeze_panes(4, 2)


def runs_table(results, strategy: str) -> tuple[list[str], list[str], np.ndarray]:
    """A per-run sheet's columns: (names, number kinds, table runs x columns): run, the strategy's metrics
    (the company's, then its motions'), then its draw of every uncertain input it has."""
    scenario = results.scenario
    metrics = [m for m in run_metric_names(scenario) if m in results.runs[strategy]]
    inputs = [p for p in input_names(scenario) if p in results.inputs.get(strategy, {})]
    names = ["run", *metrics, *inputs]
    kinds = ["integer", *(_kind(m) for m in metrics),
             *(_unit_kind(assumptions.input_unit(scenario, p)) for p in inputs)]
    columns = [results.run_ids.astype(np.float64), *(results.runs[strategy][m] for m in metrics),
               *(results.inputs[strategy][p] for p in inputs)]
    table = np.column_stack(columns).astype(np.float64)
    # A count that is whole in every run (deals, customers) reads 409, not 409.0.
    whole = np.all(np.isnan(table) | (table == np.round(table)), axis=0)
    kinds = ["integer" if kind == "count" and is_whole else kind for kind, is_whole in zip(kinds, whole)]
    return names, kinds, table


def _runs_sheet(book, formats: _Formats, results, strategy: str, name: str) -> np.ndarray:
    """The header and the first and last runs, written here; returns the whole table (the rows between are
    added by :func:`_add_rows`, styled as the first)."""
    sheet = book.add_worksheet(name)
    names, kinds, table = runs_table(results, strategy)
    _header(sheet, formats, 0, names)
    cells = [formats.get(kind) for kind in kinds]
    for row in sorted({0, len(table) - 1}):
        for col, value in enumerate(table[row].tolist()):
            _number(sheet, 1 + row, col, value, cells[col])
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, len(names) - 1, _COLUMN_WIDTH["number"])
    sheet.freeze_panes(1, 1)
    return table


def _comparisons_sheet(book, formats: _Formats, results) -> None:
    sheet = book.add_worksheet("Comparisons")
    sheet.write_string(0, 0, "Run by run, with the same draws (common random numbers): A against B. p_better: the "
                             "share of runs in which A does better (higher, or lower where lower is better); the "
                             "other figures describe A - B.")
    _header(sheet, formats, 1, ["pair", "metric", "better", *COMPARISON_STATS])
    row = 2
    for pair, metrics in results.summary.get("comparisons", {}).items():
        for metric, entry in metrics.items():
            sheet.write_string(row, 0, pair)
            sheet.write_string(row, 1, metric)
            sheet.write_string(row, 2, str(entry.get("better", "")))
            _stat_cells(sheet, formats, row, 3, entry, COMPARISON_STATS, _kind(metric))
            row += 1
    sheet.set_column(0, 1, _COLUMN_WIDTH["name"] * 0.8)
    sheet.set_column(2, 2, 8)
    sheet.set_column(3, 2 + len(COMPARISON_STATS), _COLUMN_WIDTH["number"])
    sheet.freeze_panes(2, 2)


def _provenance_sheet(book, formats: _Formats, results) -> None:
    sheet = book.add_worksheet("Provenance")
    _header(sheet, formats, 0, ["", ""])
    rows = provenance_rows(results)
    rows.append(("workbook written (UTC)", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")))
    for row, (label, value) in enumerate(rows, start=1):
        sheet.write_string(row, 0, label)
        sheet.write_string(row, 1, value)
    sheet.set_column(0, 0, _COLUMN_WIDTH["name"])
    sheet.set_column(1, 1, _COLUMN_WIDTH["text"])
    sheet.freeze_panes(1, 0)


# -- the rows between the first and last of each per-run table ----------------------------------------------------

def _add_rows(drafted: Path, finished: Path, bulk: dict) -> None:
    """Copy the drafted workbook to ``finished``, adding to each per-run sheet the rows of its table between
    the first and the last (which XlsxWriter wrote), with the cell styles of the first."""
    with zipfile.ZipFile(drafted) as draft, zipfile.ZipFile(finished, "w", zipfile.ZIP_DEFLATED) as out:
        parts = _sheet_parts(draft)
        wanted = {parts[name]: table for name, table in bulk.items() if len(table) > 2}
        for info in draft.infolist():
            data = draft.read(info)
            level = 6
            if info.filename in wanted:
                data, level = _with_middle_rows(data, wanted[info.filename]), 1   # large: compress fast
            out.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the package (``xl/worksheets/sheet3.xml``), from workbook.xml and its rels."""
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("rel:Relationship", _NS)}
    parts = {}
    for sheet in book.iterfind("main:sheets/main:sheet", _NS):
        target = targets[sheet.get(_REL_ID)]
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _column_letters(count: int) -> list[str]:
    letters = []
    for col in range(count):
        name, n = "", col + 1
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _with_middle_rows(xml: bytes, table: np.ndarray) -> bytes:
    """A per-run sheet's XML with the rows of ``table[1:-1]`` (sheet rows 3 .. n) put before its last row.

    A row is one ``str.format`` of a template holding every cell's reference and style; a value is
    ``<v>number</v>``, or nothing for an empty cell (``<c r="B7" s="3"></c>``, still styled).
    """
    rows, cols = table.shape
    first = re.search(rb'<row r="2"[^>]*>(.*?)</row>', xml, re.S).group(1)
    styles = {letter.decode(): _style(index) for letter, index in re.findall(rb'<c r="([A-Z]+)2"(?: s="(\d+)")?',
                                                                           first)}
    template = '<row r="{0}">' + "".join(f'<c r="{letter}{{0}}"{styles.get(letter, "")}>{{{j}}}</c>'
                                         for j, letter in enumerate(_column_letters(cols), start=1)) + "</row>"
    middle = table[1:-1]
    defined = np.isfinite(middle)
    values = np.full(middle.shape, "", dtype=object)
    values[defined] = list(map(_VALUE.format, middle[defined].tolist()))
    body = "".join(template.format(r, *line) for r, line in zip(range(3, rows + 1), values.tolist()))
    last = xml.index(f'<row r="{rows + 1}"'.encode())
    return xml[:last] + body.encode("utf-8") + xml[last:]


def _style(index: bytes) -> str:
    return f' s="{index.decode()}"' if index else ""
