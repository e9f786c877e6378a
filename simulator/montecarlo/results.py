"""Results of a Monte Carlo run: per-run metrics, monthly trajectories, the summary, and their files.

An output directory holds ``summary.json`` (provenance, per-strategy
statistics, comparisons), ``runs.csv`` (one row per strategy and run: the
company's metrics, then each motion's as ``<motion>.<metric>``, empty for a
motion the strategy does not run), ``inputs.csv`` (one row per strategy and
run: its draw of every uncertain input, by dotted path), ``monthly.npz``
(``<strategy>/<series>`` arrays of runs x months, float32: the contract's
series, then each cost category's monthly amounts as ``costs.<category>``),
``costs.csv``
(each run's total cost by category) and ``scenario.yaml`` (the scenario as
run: overrides applied, the seed and the number of runs used).
A directory is written whole or not at all: files go into a hidden sibling
first, which is renamed into place only when complete. Whether a directory
can take results is checked before a run (:func:`check_output_directory`),
so that a bad one costs no simulation. The provenance records the SHA-256 of
scenario.yaml as written, so that reading the directory back can tell when
the file was edited after the run; reading checks every file and that they
agree (:class:`DamagedResults` lists what does not).
"""
from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
import uuid
import zipfile
from pathlib import Path

import numpy as np
import yaml

from simulator.engine import input_names
from simulator.engine.catalogue import belongs_to, run_metric_names, run_series_names
from simulator.engine.ledger import COST_CATEGORIES
from simulator.montecarlo.statistics import summarize
from simulator.scenario import Scenario, ScenarioError, parse_scenario, scenario_yaml

# Each cost category's amounts month by month (their sum is the ``costs`` series), kept beside the contract's
# monthly series under these names: what the monthly statements break costs down by.
COST_SERIES = tuple(f"costs.{category}" for category in COST_CATEGORIES)


def monthly_series_names(scenario) -> tuple[str, ...]:
    """The monthly series results keep for a scenario: :func:`run_series_names`, then :data:`COST_SERIES`."""
    return run_series_names(scenario) + COST_SERIES


FILES = ("summary.json", "runs.csv", "inputs.csv", "monthly.npz", "costs.csv", "scenario.yaml")
# Problems of one file listed before the rest of it is left out (a truncated file has one, a wrong one many).
PROBLEMS_PER_FILE = 5
# Rows of one strategy formatted at once when a table is written: 10,000 rows of runs.csv are about 8 MB of text.
ROWS_PER_BLOCK = 10_000
# The float types whose values a table holds exactly as float64 (what ``tolist`` gives, and repr writes).
_FLOATS = (np.float16, np.float32, np.float64)


class DamagedResults(ValueError):
    """A results directory whose files cannot be read, or disagree; ``problems`` lists each thing wrong."""

    def __init__(self, directory, problems: list[str]):
        self.directory, self.problems = Path(directory), list(problems)
        super().__init__(f"'{directory}' is damaged: " + "; ".join(self.problems))


def jsonable(value):
    """``value`` with numpy numbers made plain and NaN or infinity made None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.integer, bool, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def check_output_directory(directory) -> Path:
    """Raise unless results can be saved into ``directory``; return it as a Path.

    It must not exist or be an empty directory, and the nearest folder that
    exists on its way must be a directory this process can write in (tried
    by making and removing a hidden directory there, which also catches
    read-only file systems). FileExistsError, NotADirectoryError or
    PermissionError name the path that is in the way.
    """
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"'{target}' already exists and is not an empty directory; "
                              "choose another output directory")
    # The staging directory is made beside the target, so its parent is what must be writable.
    existing = target.absolute().parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(f"'{target}' cannot be made: '{existing}' is a file, not a directory")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".salesim-probe-", dir=existing))
    except OSError as err:
        raise PermissionError(f"'{target}' cannot be made: cannot write in '{existing}' "
                              f"({err.strerror or err})") from None
    return target


def unused_directory(directory) -> Path:
    """``directory`` if nothing is there yet, else the first of ``<directory>-2``, ``-3``, ... that is free."""
    target = Path(directory)
    candidate, count = target, 1
    while os.path.lexists(candidate):
        count += 1
        candidate = target.with_name(f"{target.name}-{count}")
    return candidate


def build_summary(provenance: dict, runs: dict, costs: dict) -> dict:
    """The summary.json content: provenance, per-strategy statistics, comparisons, mean costs."""
    stats = summarize(runs)
    mean_costs = {s: {c: float(np.mean(v)) if v.size else math.nan for c, v in by_category.items()}
                  for s, by_category in costs.items()}
    return jsonable({"provenance": provenance, **stats, "costs": mean_costs})


class Results:
    """What ``simulate`` returns and ``Results.load`` reads back.

    ``scenario``: the Scenario as run; ``strategies``: their names in order;
    ``runs[strategy][metric]``: float64 array (n,) of per-run values;
    ``monthly[strategy][series]``: float32 array (n, months), for the
    contract's SERIES (with a plan that reacts, funding, runway and its
    rules': :func:`~simulator.engine.catalogue.run_series_names`) and each
    cost category's monthly amounts
    (:data:`COST_SERIES`, ``costs.salaries``; absent from directories saved
    before they were recorded);
    ``costs[strategy][category]``: float64 array (n,), each run's total cost
    in that category over the horizon; ``inputs[strategy][path]``: float64
    array (n,), each run's draw of an uncertain input (a ``per: run``
    distribution) of the strategy; ``run_ids``: the run number of each row
    (0..n-1, except in partial results); ``summary``: exactly the
    summary.json content. ``runs[strategy]`` holds the company's metrics and
    those of the motions the strategy runs (``enterprise.win_rate``).
    """

    def __init__(self, scenario: Scenario, strategies, runs: dict, monthly: dict, summary: dict,
                 costs: dict | None = None, run_ids=None, inputs: dict | None = None):
        self.scenario = scenario
        self.strategies = list(strategies)
        self.runs = runs
        self.monthly = monthly
        self.costs = costs if costs is not None else {}
        self.inputs = inputs if inputs is not None else {}
        self.summary = summary
        n = len(next(iter(runs[self.strategies[0]].values()))) if self.strategies else 0
        self.run_ids = np.arange(n) if run_ids is None else np.asarray(run_ids, dtype=np.int64)

    @property
    def provenance(self) -> dict:
        """Where these results came from: version, scenario hash, seed, runs, executor, stopping rule."""
        return self.summary["provenance"]

    @property
    def partial(self) -> bool:
        """True when the run was interrupted and these are the runs completed so far."""
        return bool(self.provenance.get("partial"))

    @property
    def n_runs(self) -> int:
        """Runs of each strategy held here."""
        return int(self.run_ids.size)

    def statements(self) -> dict:
        """Each strategy's monthly P&L and cash-flow view at the mean, P10, P50 and P90 over the runs:
        strategy -> :class:`simulator.montecarlo.statements.Statement`."""
        from simulator.montecarlo.statements import statements

        return statements(self)

    def __repr__(self) -> str:
        flag = ", partial" if self.partial else ""
        return f"<Results {self.scenario.name}: {', '.join(self.strategies)}; {self.n_runs} runs{flag}>"

    # -- files -----------------------------------------------------------------------------------------

    def save(self, directory, extras=None, unique: bool = False) -> Path:
        """Write the output files into ``directory`` (created; must not exist or be empty); return it.

        Everything goes into a temporary sibling directory that is renamed
        into place only once complete, so an interruption or a failure never
        leaves a half-written ``directory`` behind. ``extras(results,
        directory)``, when given, adds more files (charts, a report) to the
        temporary directory before the rename.

        unique: when ``directory`` is taken, now or by another process while
        these files are written, save into ``<directory>-2`` (``-3``, ...)
        instead; the path returned says where. Without it, a ``directory``
        that another process filled meanwhile raises FileExistsError and
        nothing is saved.
        """
        target = unused_directory(directory) if unique else Path(directory)
        check_output_directory(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.partial"
        staging.mkdir()
        try:
            self._write(staging)
            if extras is not None:
                extras(self, staging)
            target = _rename_into_place(staging, target, Path(directory) if unique else None)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    def _write(self, directory: Path) -> None:
        scenario_bytes = self._scenario_yaml_bytes()
        # The hash of the exact bytes written: `salesim report` refuses a scenario.yaml edited since.
        self.provenance["scenario_yaml_sha256"] = hashlib.sha256(scenario_bytes).hexdigest()
        with open(directory / "summary.json", "w", encoding="utf-8") as f:
            json.dump(self.summary, f, indent=2, allow_nan=False)
            f.write("\n")
        self._write_table(directory / "runs.csv", self.runs, run_metric_names(self.scenario))
        self._write_table(directory / "inputs.csv", self.inputs, input_names(self.scenario))
        self._write_table(directory / "costs.csv", self.costs, COST_CATEGORIES)
        arrays = {f"{s}/{series}": self.monthly[s][series] for s in self.strategies
                  for series in monthly_series_names(self.scenario) if series in self.monthly[s]}
        np.savez(directory / "monthly.npz", **arrays)
        (directory / "scenario.yaml").write_bytes(scenario_bytes)

    def _scenario_yaml_bytes(self) -> bytes:
        """scenario.yaml as saved: the scenario as run, with the seed and (when complete) the runs used."""
        data = yaml.safe_load(scenario_yaml(self.scenario))
        data["seed"] = int(self.provenance.get("seed", self.scenario.seed))
        if self.n_runs and not self.partial:
            data["runs"] = self.n_runs
        text = (f"# as run by salesim {self.provenance.get('salesim_version', '')}: overrides applied, "
                "with the seed and runs used\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        return text.encode("utf-8")

    def _write_table(self, path: Path, values: dict, columns) -> None:
        """One row per strategy and run; floats exactly (shortest repr); NaN, or a column the strategy does
        not have, as an empty cell. CSV as the csv module writes it (``\\r\\n`` line ends)."""
        with open(path, "w", newline="", encoding="utf-8") as f:
            f.write(_csv_line(["strategy", "run", *columns]))
            ids = self.run_ids.tolist()
            for s in self.strategies:
                if s not in values:
                    continue
                none = np.full(len(ids), np.nan)
                for first in range(0, len(ids), ROWS_PER_BLOCK):
                    block = slice(first, first + ROWS_PER_BLOCK)
                    f.write(_table_rows(s, ids[block], [values[s].get(c, none)[block] for c in columns]))

    @classmethod
    def load(cls, directory) -> "Results":
        """Read an output directory written by :meth:`save`, checking all of it before using any.

        Raises FileNotFoundError when a file is missing, and
        :class:`DamagedResults`, listing every problem, when a file cannot be
        read, the files disagree (strategies; runs per strategy in runs.csv,
        in the provenance and in every monthly.npz array; months), or
        scenario.yaml was edited after the run (its SHA-256 is not the
        provenance's ``scenario_yaml_sha256``; directories saved before that
        key existed are not checked for it).
        """
        directory = Path(directory)
        missing = [name for name in ("summary.json", "runs.csv", "monthly.npz", "scenario.yaml")
                   if not (directory / name).is_file()]
        if missing:
            # another command's output is not damaged results: say whose it is
            other = next((f"; it is the output of `salesim {command}` ({name}), not of `salesim run`"
                          for name, command in (("sweep.json", "sweep"), ("seek.json", "seek"),
                                                ("sensitivity.json", "sensitivity"))
                          if (directory / name).is_file()), "")
            raise FileNotFoundError(f"'{directory}' is not a salesim output directory: "
                                    f"{', '.join(missing)} missing{other}")
        problems: list[str] = []
        summary = _read_summary(directory / "summary.json", problems)
        provenance = summary.get("provenance", {}) if summary else {}
        scenario = _read_scenario(directory / "scenario.yaml", provenance, problems)
        strategies = list(summary["strategies"]) if summary else []
        if scenario is not None and strategies and set(strategies) != set(scenario.strategies):
            problems.append(f"summary.json has strategies {', '.join(strategies)}; scenario.yaml has "
                            f"{', '.join(scenario.strategies)}")
        if not strategies:
            raise DamagedResults(directory, problems)
        recorded = provenance.get("runs")
        if scenario is None:
            raise DamagedResults(directory, problems)
        run_ids, runs = _read_table(directory / "runs.csv", strategies, run_metric_names(scenario), recorded,
                                    problems)
        runs = {s: _own_columns(scenario, s, columns) for s, columns in runs.items()}
        inputs: dict = {}
        if (directory / "inputs.csv").is_file():   # optional: results saved before inputs were recorded
            inputs = _read_table(directory / "inputs.csv", strategies, input_names(scenario), None, problems)[1]
            inputs = {s: {k: v for k, v in columns.items() if not np.isnan(v).all()} for s, columns in inputs.items()}
        # Every other file must hold the runs of the provenance (of runs.csv, for directories without it).
        n = recorded if isinstance(recorded, int) else len(run_ids)
        costs: dict = {}
        if (directory / "costs.csv").is_file():   # optional: results without costs leave it without rows
            costs = _read_table(directory / "costs.csv", strategies, COST_CATEGORIES, None, problems)[1]
            if costs and len(costs[strategies[0]][COST_CATEGORIES[0]]) != n:
                problems.append(f"costs.csv: {len(costs[strategies[0]][COST_CATEGORIES[0]]):,} runs of each "
                                f"strategy, but {n:,} in runs.csv")
        months = provenance.get("horizon_months", scenario.horizon_months if scenario else None)
        monthly = _read_monthly(directory / "monthly.npz", strategies, monthly_series_names(scenario), (n, months),
                                problems)
        if problems:
            raise DamagedResults(directory, problems)
        return cls(scenario, strategies, runs, monthly, summary, costs, run_ids, inputs)


def _own_columns(scenario: Scenario, strategy: str, columns: dict) -> dict:
    """A strategy's metrics: the company's, and those of the motions it runs (runs.csv has every motion's)."""
    own = scenario.strategies[strategy].motions
    return {name: values for name, values in columns.items() if belongs_to(name, own)}


def _read_summary(path: Path, problems: list) -> dict | None:
    """summary.json, or None (with the problem noted) when it is unreadable or lacks what a report needs."""
    try:
        with open(path, encoding="utf-8") as f:
            summary = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as err:   # json.JSONDecodeError is a ValueError
        problems.append(f"summary.json cannot be read: {err}")
        return None
    lacking = [key for key in ("provenance", "strategies") if not isinstance(summary, dict)
               or not isinstance(summary.get(key), dict) or not summary[key]]
    if lacking:
        problems.append(f"summary.json has no {' and no '.join(lacking)}")
        return None
    shape = _summary_shape_problems(summary)
    if shape:
        problems.extend(shape)
        return None
    return summary


def _summary_shape_problems(summary: dict) -> list[str]:
    """Where summary.json is not laid out as :func:`build_summary` writes it: the provenance's seed, runs and
    horizon_months are whole numbers; ``strategies`` and
    ``comparisons`` map a name to metrics, each metric to its figures (numbers, null, text or a [low, high]
    pair); ``costs`` maps a strategy to an amount per category."""
    found: list[str] = []

    def figure(value) -> bool:
        if isinstance(value, list):
            return all(v is None or isinstance(v, (int, float)) for v in value)
        return value is None or isinstance(value, (int, float, str))

    provenance = summary["provenance"]
    found += [f"summary.json: provenance.{key} is {_shown_json(provenance[key])}, expected a whole number >= "
              f"{least}" for key, least in (("seed", 0), ("runs", 1), ("horizon_months", 1)) if key in provenance
              and (not isinstance(provenance[key], int) or isinstance(provenance[key], bool)
                   or provenance[key] < least)]
    levels = {"strategies": ("metrics", "figures"), "comparisons": ("metrics", "figures"), "costs": ("amounts",)}
    for key, (inner, *deeper) in levels.items():
        block = summary.get(key)
        if block is None and key != "strategies":
            continue
        if not isinstance(block, dict):
            found.append(f"summary.json: {key} is {_shown_json(block)}, expected a mapping")
            continue
        for name, entry in block.items():
            if not isinstance(entry, dict):
                found.append(f"summary.json: {key}.{name} is {_shown_json(entry)}, expected a mapping of {inner}")
            elif not deeper:
                found += [f"summary.json: {key}.{name}.{k} is {_shown_json(v)}, expected a number"
                          for k, v in entry.items() if not isinstance(v, (int, float)) or isinstance(v, bool)]
            else:
                for metric, figures in entry.items():
                    if not isinstance(figures, dict):
                        found.append(f"summary.json: {key}.{name}.{metric} is {_shown_json(figures)}, expected a "
                                     "mapping of figures (mean, p50, ...)")
                    else:
                        found += [f"summary.json: {key}.{name}.{metric}.{k} is {_shown_json(v)}, expected a number"
                                  for k, v in figures.items() if not figure(v)]
    if len(found) > PROBLEMS_PER_FILE:
        return found[:PROBLEMS_PER_FILE] + ["summary.json: more problems not listed"]
    return found


def _shown_json(value) -> str:
    """A JSON value as a message shows it: short, as it was written."""
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _read_scenario(path: Path, provenance: dict, problems: list) -> Scenario | None:
    """scenario.yaml, or None (with the problem noted) when unreadable, invalid or edited since the run."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        problems.append(f"scenario.yaml cannot be read: {err}")
        return None
    recorded = provenance.get("scenario_yaml_sha256")
    if recorded is not None and hashlib.sha256(raw).hexdigest() != recorded:
        problems.append("scenario.yaml was changed after the run (its SHA-256 is not the one in summary.json's "
                        "provenance.scenario_yaml_sha256), so it no longer says what was simulated: put back "
                        "the file as saved, or run the changed scenario")
        return None
    try:
        return parse_scenario(raw, source=str(path))
    except ScenarioError as err:
        shown = "; ".join(str(p) for p in err.problems[:PROBLEMS_PER_FILE])
        problems.append(f"scenario.yaml is not a valid scenario: {shown}")
        return None


def _csv_line(cells) -> str:
    """One row as csv.writer writes it: quoted where needed, ending in ``\\r\\n``."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


def _table_rows(strategy: str, ids: list, cells: list) -> str:
    """The rows ``strategy, run, *cells`` (``cells``: one array per column) as :func:`_table_rows_one_by_one`
    writes them, byte for byte, with each distinct float formatted once and the rows joined whole."""
    table = np.column_stack(cells) if cells else np.empty((len(ids), 0))
    if table.dtype not in _FLOATS:
        return _table_rows_one_by_one(strategy, ids, cells)
    rows = min(len(ids), len(table))   # as zip() pairs them
    if not rows:
        return ""
    table = table[:rows].astype(np.float64)
    text = np.full((rows, 2 + table.shape[1]), "", dtype=object)
    text[:, 0] = _csv_line([strategy, ""])[:-3]   # the strategy's cell, quoted if it must be
    text[:, 1] = [str(run) for run in ids[:rows]]
    defined = ~np.isnan(table)
    # Distinct by bit pattern, so that -0.0 stays apart from 0.0; repr is most of the cost, counts repeat a lot.
    bits, where = np.unique(table[defined].view(np.int64), return_inverse=True)
    formatted = np.array(list(map(float.__repr__, bits.view(np.float64).tolist())) or [""], dtype=object)
    text[:, 2:][defined] = formatted[where]
    return "\r\n".join(map(",".join, text.tolist())) + "\r\n"


def _table_rows_one_by_one(strategy: str, ids: list, cells: list) -> str:
    """The rows ``strategy, run, *cells`` written by csv.writer one at a time: each value's repr, NaN empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    table = np.column_stack(cells).tolist() if cells else [[]] * len(ids)
    for run, row in zip(ids, table):
        writer.writerow([strategy, run, *("" if v != v else repr(v) for v in row)])
    return buffer.getvalue()


def _read_table(path: Path, strategies, columns, runs_expected, problems: list) -> tuple[np.ndarray, dict]:
    """runs.csv or costs.csv back into run ids and strategy -> column -> float64 array.

    Problems noted: unexpected columns, a row with the wrong number of cells
    or no line break at the end (a truncated file), a strategy or number that
    is not one, and strategies
    with other runs than the first or (an int) ``runs_expected``. With
    ``runs_expected`` None, a file of no rows is read as no values: ``{}``.
    """
    name = path.name
    rows: dict = {s: [] for s in strategies}
    ids: dict = {s: [] for s in strategies}
    found: list[str] = []
    expected = ["strategy", "run", *columns]
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header != expected:
                problems.append(f"{name}: {_header_problem(header or [], expected)}")
                return np.zeros(0, dtype=np.int64), {}
            for line, row in enumerate(reader, start=2):
                problem = _row_problem(row, rows, len(expected))
                if problem is None:
                    try:
                        values = [float(v) if v else math.nan for v in row[2:]]
                        ids[row[0]].append(int(row[1]))
                        rows[row[0]].append(values)
                        continue
                    except ValueError as err:
                        problem = f"not a number ({err})"
                found.append(f"{name} line {line}: {problem}")
                if len(found) >= PROBLEMS_PER_FILE:
                    found.append(f"{name}: more problems not listed")
                    break
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        found.append(f"{name} cannot be read: {err}")
    if not found and not _ends_with_a_line_break(path):
        found.append(f"{name}: the last line has no line break (a truncated file?)")
    problems.extend(found)
    if found or (runs_expected is None and not any(ids.values())):
        return np.zeros(0, dtype=np.int64), {}
    first = strategies[0]
    if any(ids[s] != ids[first] for s in strategies):
        counts = ", ".join(f"{len(ids[s]):,} of {s}" for s in strategies)
        differ = next(s for s in strategies if ids[s] != ids[first])
        if len(ids[differ]) == len(ids[first]):   # as many runs, not the same ones: say where they part
            k = next(k for k, (a, b) in enumerate(zip(ids[differ], ids[first])) if a != b)
            counts += (f" runs, but not the same ones: row {k + 1} of {differ} is run {ids[differ][k]}, row {k + 1} "
                       f"of {first} run {ids[first][k]}")
        else:
            counts += " runs"
        problems.append(f"{name}: {counts}; every strategy must have the same runs")
    if isinstance(runs_expected, int) and len(ids[first]) != runs_expected:
        problems.append(f"{name}: {len(ids[first]):,} runs of each strategy, but {runs_expected:,} in the "
                        "provenance of summary.json")
    table = {s: np.asarray(rows[s], dtype=np.float64).reshape(len(rows[s]), len(columns)) for s in strategies}
    return (np.asarray(ids[first], dtype=np.int64),
            {s: {c: np.ascontiguousarray(table[s][:, j]) for j, c in enumerate(columns)} for s in strategies})


def _ends_with_a_line_break(path: Path) -> bool:
    """Whether the file's last byte ends a line, as every file written here does (a cut number still reads)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def _header_problem(header: list[str], expected: list[str]) -> str:
    """What is wrong with a CSV header: the first column that differs, and the counts."""
    first = next((k for k, (got, wanted) in enumerate(zip(header, expected)) if got != wanted),
                 min(len(header), len(expected)))
    got = repr(header[first]) if first < len(header) else "nothing"
    wanted = repr(expected[first]) if first < len(expected) else "no more columns"
    # cut short: every column as expected up to the last, which is the start of the expected one
    truncated = (len(header) < len(expected) and header[:-1] == expected[:len(header) - 1]
                 and (not header or expected[len(header) - 1].startswith(header[-1])))
    cut = " (a truncated file?)" if truncated else ""
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    other = ""
    if not truncated and header[:2] == expected[:2] and (missing or extra):
        # whole column names, not a cut: results saved with other columns, by another version of salesim
        other = "; " + "; ".join(f"{what} {', '.join(names[:6])}{' ...' if len(names) > 6 else ''}"
                                 for what, names in (("it lacks", missing), ("it has unknown columns", extra))
                                 if names)
        other += " (saved by another version of salesim? simulate its scenario.yaml again)"
    return (f"header column {first + 1} is {got}, expected {wanted}; the header has {len(header)} columns, "
            f"{len(expected)} expected{cut}{other}")


def _row_problem(row: list, rows: dict, cells: int) -> str | None:
    """What is wrong with a row of ``cells`` cells whose strategy must be one of ``rows``, or None."""
    if len(row) != cells:
        return f"{len(row)} cells, {cells} expected (a truncated file?)"
    if row[0] not in rows:
        return f"unknown strategy '{row[0]}'"
    return None


def _read_monthly(path: Path, strategies, series: tuple, shape: tuple, problems: list) -> dict:
    """monthly.npz back into strategy -> ``series`` -> array, each checked to be ``shape`` (runs, months).

    The series of :func:`run_series_names` must all be there; the cost
    categories' series (:data:`COST_SERIES`) may all be absent (directories
    saved before they were recorded), but not some of them.
    """
    monthly: dict = {s: {} for s in strategies}
    found: list[str] = []
    if not zipfile.is_zipfile(path):   # np.load would take it for a pickle
        problems.append("monthly.npz cannot be read: not an .npz (zip) archive, truncated or overwritten")
        return monthly
    try:
        with np.load(path) as npz:
            names = set(npz.files)
            if not any(f"{s}/{k}" in names for s in strategies for k in COST_SERIES):
                series = tuple(k for k in series if k not in COST_SERIES)
            missing = [f"{s}/{k}" for s in strategies for k in series if f"{s}/{k}" not in names]
            if missing:
                shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
                found.append(f"monthly.npz lacks {shown}")
            for s in strategies:
                for k in series:
                    if f"{s}/{k}" not in names or len(found) >= PROBLEMS_PER_FILE:
                        continue
                    array = npz[f"{s}/{k}"]
                    rows, months = shape
                    if array.ndim != 2 or array.shape[0] != rows or (months is not None and array.shape[1] != months):
                        found.append(f"monthly.npz: {s}/{k} is {' x '.join(map(str, array.shape))}; "
                                     f"expected {rows:,} runs x {months} months")
                    elif array.dtype.kind not in "fiu":
                        found.append(f"monthly.npz: {s}/{k} holds {array.dtype} values; expected numbers")
                    monthly[s][k] = array
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        found.append(f"monthly.npz cannot be read: {err}")
    problems.extend(found)
    return monthly


def _rename_into_place(staging: Path, target: Path, base: Path | None) -> Path:
    """Rename the complete ``staging`` directory to ``target``; when another process took that name
    meanwhile, to the next free name after ``base`` (see :func:`unused_directory`), or fail without one."""
    while True:
        try:
            # Replaces an empty directory; fails when another process put files there meanwhile.
            os.rename(staging, target)
            return target
        except OSError as err:
            taken = isinstance(err, FileExistsError) or err.errno in (errno.ENOTEMPTY, errno.EEXIST)
            if not taken:
                raise
            if base is None:
                raise FileExistsError(f"'{target}' appeared while the results were being written (another run "
                                      "saved there)") from None
            target = unused_directory(base)
