"""Results of a Monte Carlo run: per-run metrics, monthly trajectories, the summary, and their files.

An output directory holds ``summary.json`` (provenance, per-strategy
statistics, comparisons), ``runs.csv`` (one row per strategy and run),
``monthly.npz`` (``<strategy>/<series>`` arrays of runs x months, float32),
``costs.csv`` (each run's total cost by category) and ``scenario.yaml`` (the
scenario as run: overrides applied, the seed and the number of runs used).
A directory is written whole or not at all: files go into a hidden sibling
first, which is renamed into place only when complete. Whether a directory
can take results is checked before a run (:func:`check_output_directory`),
so that a bad one costs no simulation.
"""
from __future__ import annotations

import csv
import errno
import json
import math
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import numpy as np
import yaml

from simulator.engine.ledger import COST_CATEGORIES, SERIES
from simulator.engine.metrics import METRICS
from simulator.montecarlo.statistics import summarize
from simulator.scenario import Scenario, parse_scenario, scenario_yaml

FILES = ("summary.json", "runs.csv", "monthly.npz", "costs.csv", "scenario.yaml")


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
    ``monthly[strategy][series]``: float32 array (n, months);
    ``costs[strategy][category]``: float64 array (n,), each run's total cost
    in that category over the horizon; ``run_ids``: the run number of each
    row (0..n-1, except in partial results); ``summary``: exactly the
    summary.json content.
    """

    def __init__(self, scenario: Scenario, strategies, runs: dict, monthly: dict, summary: dict,
                 costs: dict | None = None, run_ids=None):
        self.scenario = scenario
        self.strategies = list(strategies)
        self.runs = runs
        self.monthly = monthly
        self.costs = costs if costs is not None else {}
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
        with open(directory / "summary.json", "w", encoding="utf-8") as f:
            json.dump(self.summary, f, indent=2, allow_nan=False)
            f.write("\n")
        self._write_table(directory / "runs.csv", self.runs, METRICS)
        self._write_table(directory / "costs.csv", self.costs, COST_CATEGORIES)
        arrays = {f"{s}/{series}": self.monthly[s][series] for s in self.strategies for series in SERIES}
        np.savez(directory / "monthly.npz", **arrays)
        data = yaml.safe_load(scenario_yaml(self.scenario))
        data["seed"] = int(self.provenance.get("seed", self.scenario.seed))
        if self.n_runs and not self.partial:
            data["runs"] = self.n_runs
        with open(directory / "scenario.yaml", "w", encoding="utf-8") as f:
            f.write(f"# as run by salesim {self.provenance.get('salesim_version', '')}: overrides applied, "
                    "with the seed and runs used\n")
            yaml.safe_dump(data, f, sort_keys=False, allow_unicode=True)

    def _write_table(self, path: Path, values: dict, columns) -> None:
        """One row per strategy and run; floats exactly (shortest repr); NaN as an empty cell."""
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["strategy", "run", *columns])
            ids = self.run_ids.tolist()
            for s in self.strategies:
                if s not in values:
                    continue
                for first in range(0, len(ids), 10_000):   # in blocks: 100,000 rows of Python floats are big
                    block = slice(first, first + 10_000)
                    table = np.column_stack([values[s][c][block] for c in columns]).tolist()
                    for run, row in zip(ids[block], table):
                        writer.writerow([s, run, *("" if v != v else repr(v) for v in row)])

    @classmethod
    def load(cls, directory) -> "Results":
        """Read an output directory written by :meth:`save`."""
        directory = Path(directory)
        missing = [name for name in ("summary.json", "runs.csv", "monthly.npz", "scenario.yaml")
                   if not (directory / name).is_file()]
        if missing:
            raise FileNotFoundError(f"'{directory}' is not a salesim output directory: "
                                    f"{', '.join(missing)} missing")
        with open(directory / "summary.json", encoding="utf-8") as f:
            summary = json.load(f)
        scenario = parse_scenario((directory / "scenario.yaml").read_bytes(), source=str(directory / "scenario.yaml"))
        strategies = list(summary["strategies"])
        run_ids, runs = _read_table(directory / "runs.csv", strategies, METRICS)
        costs = {}
        if (directory / "costs.csv").is_file():
            costs = _read_table(directory / "costs.csv", strategies, COST_CATEGORIES)[1]
        with np.load(directory / "monthly.npz") as npz:
            monthly = {s: {series: npz[f"{s}/{series}"] for series in SERIES} for s in strategies}
        return cls(scenario, strategies, runs, monthly, summary, costs, run_ids)


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


def _read_table(path: Path, strategies, columns) -> tuple[np.ndarray, dict]:
    """runs.csv or costs.csv back into run ids and strategy -> column -> float64 array."""
    rows: dict = {s: [] for s in strategies}
    ids: dict = {s: [] for s in strategies}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        expected = ["strategy", "run", *columns]
        if header != expected:
            raise ValueError(f"{path}: unexpected columns {header[:5]}...; expected {expected[:5]}...")
        for line, row in enumerate(reader, start=2):
            if row[0] not in rows:
                raise ValueError(f"{path}:{line}: unknown strategy '{row[0]}'")
            ids[row[0]].append(int(row[1]))
            rows[row[0]].append([float(v) if v else math.nan for v in row[2:]])
    first = strategies[0]
    table = {s: np.asarray(rows[s], dtype=np.float64).reshape(-1, len(columns)) for s in strategies}
    return (np.asarray(ids[first], dtype=np.int64),
            {s: {c: np.ascontiguousarray(table[s][:, j]) for j, c in enumerate(columns)} for s in strategies})
