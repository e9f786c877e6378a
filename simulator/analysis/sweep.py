"""Sweeps: "what if" one or more numeric keys of a scenario took each of several values.

A sweep is a row of experiments on the same market: the scenario is
simulated once per point (one value of each varied key; several keys make
a grid of every combination), every point with the same seed and runs, so
run i meets the same draws at every point (common random numbers) and the
change from point to point is the change of the key, not of the luck. A
point is exactly ``simulate(scenario.with_values(point), runs, seed)``.

For each point, strategy and key metric it keeps the mean, its standard
error, P5, P25, P50, P75 and P95 over the runs, and P(best): the share of
the runs in which the strategy did best on the metric (highest, or lowest
for a metric where less is better), run by run.

``sweep(scenario, vary)`` returns a :class:`Sweep`; ``save(directory)``
writes ``sweep.csv``, ``sweep.json`` and each point's summary.
"""
from __future__ import annotations

import contextlib
import difflib
import itertools
import math
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np
from pydantic import BaseModel

from simulator.analysis.files import write_directory, write_json, write_rows
from simulator.analysis.sensitivity import SensitivityError, metric_names
from simulator.engine.catalogue import lower_is_better, nan_means_never
from simulator.montecarlo import simulate
from simulator.montecarlo.interrupts import sigint_handled, stop_raised
from simulator.montecarlo.results import jsonable
from simulator.scenario import ScenarioError

FILES = ("sweep.csv", "sweep.json")
QUANTILES = (5, 25, 50, 75, 95)
MAX_POINTS = 1000


class SweepError(ValueError):
    """A sweep that cannot be run as asked: a path that is not a numeric key, values that cannot be read."""


@dataclass(frozen=True)
class Cell:
    """One metric of one strategy at one point: mean, standard error, percentiles and P(best) over ``n`` runs."""

    n: int
    mean: float
    se: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    p_best: float


# -- VALUES -------------------------------------------------------------------------------------------------------

def _number(text: str, whole: str):
    """``text`` as an int when written as one ('4'), else a float ('4.5', '1e6'); SweepError names it."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise SweepError(f"{_within(text, whole)} is not a number") from None
    if not math.isfinite(value):
        raise SweepError(f"{_within(text, whole)} is not a finite number")
    return value


def _within(part: str, whole: str) -> str:
    """A value of VALUES as a message names it: 'x', or 'x' in '2,x' when VALUES holds more."""
    return f"'{part}'" if part == whole.strip() else f"'{part}' in '{whole}'"


def parse_values(text: str) -> list:
    """The values of VALUES: a list ``2,4,6,8`` or a range ``1e6..3e6:5e5`` (from, to inclusive, step).

    Integers written as integers stay ints; a range gives floats unless its
    three numbers are ints. Raises :class:`SweepError` for text that is
    neither, a step that is not positive, an end below the start, a value
    listed twice, or more than MAX_POINTS values.
    """
    text = str(text).strip()
    if not text:
        raise SweepError("no values given: expected a list such as 2,4,6,8 or a range such as 1e6..3e6:5e5")
    if ".." in text:
        span, colon, step_text = text.partition(":")
        start_text, _, stop_text = span.partition("..")
        if not colon or not start_text.strip() or not stop_text.strip() or not step_text.strip():
            raise SweepError(f"'{text}' is not a range FROM..TO:STEP such as 1e6..3e6:5e5")
        start, stop, step = (_number(t, text) for t in (start_text, stop_text, step_text))
        if step <= 0:
            raise SweepError(f"the step of '{text}' (={step}) must be > 0")
        if stop < start:
            raise SweepError(f"the range '{text}' ends (={stop}) below its start (={start})")
        steps = (stop - start) / step
        if not math.isfinite(steps) or steps + 1 > MAX_POINTS:
            raise SweepError(f"the range '{text}' has more than {MAX_POINTS:,} values; at most {MAX_POINTS:,}")
        count = int(math.floor(steps + 1e-9)) + 1
        if count > MAX_POINTS:
            raise SweepError(f"the range '{text}' has {count:,} values; at most {MAX_POINTS:,}")
        if all(isinstance(v, int) for v in (start, stop, step)):
            return [start + k * step for k in range(count)]
        return [float(f"{start + k * step:.12g}") for k in range(count)]
    values = [_number(part, text) for part in text.split(",")]
    if len(values) > MAX_POINTS:
        raise SweepError(f"'{text[:40]}...' has {len(values):,} values; at most {MAX_POINTS:,}")
    twice = next((i for i, v in enumerate(values) if v in values[:i]), None)
    if twice is not None:   # the same point simulated again, and two rows of the table that say one thing
        raise SweepError(f"{_within(text.split(',')[twice].strip(), text)} is a value given before: "
                         "give each value once")
    return values


def parse_vary(text: str) -> tuple[str, list]:
    """``PATH=VALUES`` (as ``--vary`` takes it) as (path, values)."""
    path, equals, values = str(text).partition("=")
    if not equals or not path.strip():
        raise SweepError(f"'{text}' is not PATH=VALUES, such as motions.enterprise.team.reps=2,4,6")
    try:
        return path.strip(), parse_values(values)
    except SweepError as err:
        raise SweepError(f"--vary {path.strip()}={values.strip()}: {err}") from None


# -- which keys can vary -------------------------------------------------------------------------------------------

def _close(name: str, choices) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _fields(model: BaseModel) -> dict:
    """The model's fields by the name a file uses (its alias, if any): name -> (attribute, annotation)."""
    return {(info.alias or name): (name, info.annotation) for name, info in type(model).model_fields.items()}


def _kind(annotation) -> Optional[str]:
    """'integer', 'number', or None (not numeric) for a field's annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kind(typing.get_args(annotation)[0])
    if annotation is int:
        return "integer"
    if annotation is float:
        return "number"
    if origin is not None and origin not in (list, dict):
        kinds = {_kind(a) for a in typing.get_args(annotation)}
        return "integer" if "integer" in kinds else "number" if "number" in kinds else None
    return None


def key_kind(scenario, path: str) -> str:
    """'integer' or 'number': the kind of the numeric key at a dotted path of the scenario.

    Paths are those of ``scenario.with_values`` (``company.starting_cash``,
    ``motions.enterprise.team.reps``, ``strategies.hybrid.overrides.enterprise.team.reps``).
    Raises :class:`SweepError` for a path that names no key (with a did-you-mean), or a key that is not a
    number (a name, a list, a section).
    """
    parts = [p for p in str(path).split(".")]
    if not path or any(not p for p in parts):
        raise SweepError(f"'{path}' is not a dotted path such as motions.enterprise.team.reps")
    node, annotation = scenario, None
    for i, part in enumerate(parts):
        where = ".".join(parts[:i + 1])
        if i == 3 and parts[0] == "strategies" and parts[2] == "overrides":
            motions = scenario.strategy_motions(parts[1])   # an override is read as the motion it changes
            if part not in motions:
                raise SweepError(f"unknown key '{where}': strategy '{parts[1]}' runs no motion '{part}'"
                                 f"{_close(part, motions)}")
            node, annotation = motions[part], None
            continue
        if isinstance(node, BaseModel):
            fields = _fields(node)
            if part not in fields:
                raise SweepError(f"unknown key '{where}'{_close(part, fields)}")
            name, annotation = fields[part]
            node = getattr(node, name)
        elif isinstance(node, Mapping):
            if part not in node:
                raise SweepError(f"unknown key '{where}'{_close(part, node)}")
            node, annotation = node[part], None
        elif isinstance(node, (list, tuple)) and part.isdigit():
            if int(part) >= len(node):
                raise SweepError(f"no item {part} in the list at {'.'.join(parts[:i])} (it has {len(node)})")
            node, annotation = node[int(part)], None
        else:
            raise SweepError(f"'{'.'.join(parts[:i])}' is a value, not a section, so '{path}' is no key")
    if path in ("seed", "runs"):
        raise SweepError(f"'{path}' is how the scenario is simulated, not a fact about the market: give it with "
                         f"{path}= (--{path}), the same for every point")
    kind = _kind(annotation) if annotation is not None else None
    if kind is None:
        raise SweepError(f"'{path}' is not a numeric key of the scenario (it holds {_shown(node)}): a sweep varies "
                         "a number, such as motions.enterprise.team.reps or company.starting_cash")
    return kind


def _shown(value) -> str:
    if isinstance(value, BaseModel):
        return "a section"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return repr(value)


def _as_kind(path: str, kind: str, values: Sequence) -> list:
    """The values as the key takes them: ints for an integer key (whole numbers only), else as given."""
    if kind == "number":
        return list(values)
    whole = []
    for v in values:
        if float(v) != int(v):
            raise SweepError(f"'{path}' takes whole numbers; {v} is not one")
        whole.append(int(v))
    return whole


def sweep_points(scenario, vary) -> tuple[tuple[tuple[str, tuple], ...], list[dict]]:
    """The dimensions of a sweep, as (path, values) checked against the scenario, and every point of the grid
    (each a mapping path -> value, the first path varying slowest).

    ``vary``: a mapping path -> values (a list, or VALUES text), or a
    sequence of ``PATH=VALUES`` texts or (path, values) pairs.
    """
    if isinstance(vary, Mapping):
        items = list(vary.items())
    elif isinstance(vary, str):
        items = [parse_vary(vary)]
    else:
        items = [parse_vary(v) if isinstance(v, str) else tuple(v) for v in vary]
    if not items:
        raise SweepError("nothing to vary: give at least one PATH=VALUES")
    dimensions = []
    for path, values in items:
        values = parse_values(values) if isinstance(values, str) else list(values)
        if not values:
            raise SweepError(f"no values given for '{path}'")
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in values):
            raise SweepError(f"the values of '{path}' must be finite numbers, got {values!r}")
        if any(path == seen for seen, _ in dimensions):
            raise SweepError(f"'{path}' is varied twice: give all its values in one PATH=VALUES")
        dimensions.append((path, tuple(_as_kind(path, key_kind(scenario, path), values))))
    count = math.prod(len(values) for _, values in dimensions)
    if count > MAX_POINTS:
        raise SweepError(f"the grid has {count:,} points; at most {MAX_POINTS:,}")
    points = [dict(zip([p for p, _ in dimensions], combo)) for combo in
              itertools.product(*(values for _, values in dimensions))]
    return tuple(dimensions), points


def point_scenario(scenario, point: Mapping[str, object]):
    """``scenario.with_values(point)``; a value the scenario refuses raises :class:`SweepError` naming it.

    A key that a correlation names is written as a constant drawn once per
    run (``{constant: {value: x}, per: run}``), as the swing tornado fixes
    an input: the same number in every run, and the correlation stays
    valid (it then moves nothing).
    """
    correlated = {path for corr in scenario.correlations or () for path in corr.between}
    values = {path: {"constant": {"value": float(value)}, "per": "run"}
              if path in correlated and isinstance(value, (int, float)) else value for path, value in point.items()}
    try:
        return scenario.with_values(values)
    except ScenarioError as err:
        shown = ", ".join(f"{k}={v}" for k, v in point.items())
        told = "; ".join(f"{p.path + ': ' if p.path else ''}{p.message}" for p in err.problems[:3])
        more = f" (and {len(err.problems) - 3} more)" if len(err.problems) > 3 else ""
        raise SweepError(f"at {shown}: {told}{more}") from None


# -- statistics ------------------------------------------------------------------------------------------------------

def best_shares(values: Mapping[str, np.ndarray], lower: bool, never: bool = False) -> dict[str, float]:
    """Each strategy's share of the runs in which it did best (a tie shared equally among those tied).

    ``values``: strategy -> the metric over the same runs. A run counts
    where at least one strategy has a value (NaN: the metric is undefined,
    never best). With ``never`` (the month of an event that may not happen,
    such as running out of cash), NaN is "never": later than any month, so
    best when later is better.
    """
    names = list(values)
    table = np.vstack([np.asarray(values[s], dtype=np.float64) for s in names])
    if never:
        table = np.where(np.isnan(table), np.inf, table)
    filled = np.where(np.isnan(table), np.inf if lower else -np.inf, table)
    best = filled.min(axis=0) if lower else filled.max(axis=0)
    counted = ~np.all(np.isnan(table), axis=0)
    winners = (filled == best) & counted & ~np.isnan(table)
    ties = winners.sum(axis=0)
    share = np.divide(winners, ties, out=np.zeros(winners.shape), where=ties > 0)
    runs = int(counted.sum())
    return {s: float(share[k].sum() / runs) if runs else math.nan for k, s in enumerate(names)}


def cells(results, metrics: Sequence[str]) -> dict[tuple[str, str], Cell]:
    """(strategy, metric) -> :class:`Cell` of one simulation's results."""
    out = {}
    for metric in metrics:
        have = {s: results.runs[s][metric] for s in results.strategies if metric in results.runs[s]}
        if not have:
            continue
        best = best_shares(have, lower_is_better(metric), nan_means_never(metric))
        for s, raw in have.items():
            x = np.asarray(raw, dtype=np.float64)
            x = x[~np.isnan(x)]
            n = int(x.size)
            if n:
                q = np.percentile(x, QUANTILES)
                se = float(np.std(x, ddof=1)) / math.sqrt(n) if n >= 2 else math.nan
                out[(s, metric)] = Cell(n, float(np.mean(x)), se, *map(float, q), best[s])
            else:
                out[(s, metric)] = Cell(0, *[math.nan] * 7, best[s])
    return out


# -- the value -------------------------------------------------------------------------------------------------------

@dataclass
class Sweep:
    """What :func:`sweep` returns: per point, strategy and metric a :class:`Cell`, and how it was made.

    ``dimensions``: (path, values) of each varied key; ``points``: each
    point as path -> value, in grid order (the first path slowest);
    ``cells[(point index, strategy, metric)]``; ``summaries[i]`` the
    point's ``summary.json`` as ``simulate`` made it.
    """

    scenario: str
    runs: int
    seed: int
    dimensions: tuple
    points: list
    strategies: tuple[str, ...]
    metrics: tuple[str, ...]
    cells: dict = field(default_factory=dict)
    summaries: list = field(default_factory=list)
    currency: str = "USD"
    workers: Optional[int] = None

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(path for path, _ in self.dimensions)

    def cell(self, point: int, strategy: str, metric: str = "npv") -> Cell:
        """The :class:`Cell` of a strategy's metric at point number ``point``."""
        return self.cells[(point, strategy, metric)]

    def series(self, strategy: str, metric: str, statistic: str = "mean") -> np.ndarray:
        """One statistic (a Cell field) of a strategy's metric at every point, in point order (NaN where absent)."""
        return np.array([getattr(self.cells[(i, strategy, metric)], statistic) if (i, strategy, metric) in self.cells
                         else math.nan for i in range(len(self.points))])

    def __repr__(self) -> str:
        axes = " x ".join(f"{path} ({len(values)} values)" for path, values in self.dimensions)
        lines = [f"<Sweep {self.scenario}: {axes}; {len(self.points)} points of {self.runs:,} runs, seed {self.seed}>"]
        metric = "npv" if "npv" in self.metrics else self.metrics[0]
        for i, point in enumerate(self.points):
            where = ", ".join(f"{path.rsplit('.', 1)[-1]}={point_label(v)}" for path, v in point.items())
            each = "; ".join(f"{s} {c.mean:,.0f} (P(best) {100 * c.p_best:.0f}%)" for s in self.strategies
                             if (c := self.cells.get((i, s, metric))) is not None)
            lines.append(f"  {where}: mean {metric} {each}")
        return "\n".join(lines)

    def rows(self) -> list[dict]:
        """One row per point, strategy and metric (sweep.csv): the point's values, then the statistics."""
        rows = []
        for i, point in enumerate(self.points):
            for s in self.strategies:
                for metric in self.metrics:
                    c = self.cells.get((i, s, metric))
                    if c is not None:
                        rows.append({"point": i, **point, "strategy": s, "metric": metric, "n": c.n,
                                     "mean": c.mean, "se": c.se, "p5": c.p5, "p25": c.p25, "p50": c.p50,
                                     "p75": c.p75, "p95": c.p95, "p_best": c.p_best})
        return rows

    def as_dict(self) -> dict:
        """sweep.json: how it was made, the dimensions, the points and their cells (NaN as null)."""
        points = []
        for i, point in enumerate(self.points):
            found = {s: {m: vars(c) for m in self.metrics if (c := self.cells.get((i, s, m))) is not None}
                     for s in self.strategies}
            points.append({"point": i, "values": point, "strategies": found})
        return jsonable({"scenario": self.scenario, "runs": self.runs, "seed": self.seed, "currency": self.currency,
                         "vary": {path: list(values) for path, values in self.dimensions},
                         "strategies": list(self.strategies), "metrics": list(self.metrics),
                         "method": METHOD, "points": points})

    def save(self, directory, extras=None) -> Path:
        """Write sweep.csv, sweep.json and ``points/<i>.json`` (each point's summary) into ``directory``
        (created; must not exist or be empty).

        The files go into a hidden sibling renamed into place only when
        complete; ``extras(sweep, directory)``, when given, adds more files
        there first (the charts: ``simulator.present.sweep.write_sweep_charts``).
        """
        def fill(staging: Path) -> None:
            write_rows(staging / "sweep.csv", self.rows(), ["point", *self.paths, "strategy", "metric"])
            write_json(staging / "sweep.json", self.as_dict())
            if self.summaries:
                (staging / "points").mkdir()
                for i, summary in enumerate(self.summaries):
                    write_json(staging / "points" / f"{i}.json", jsonable({"values": self.points[i], **summary}))
            if extras is not None:
                extras(self, staging)

        return write_directory(directory, fill)


def point_label(value) -> str:
    """A point's value for people: 4, 1,500,000, 0.025."""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:.6g}"


METHOD = {
    "point": "simulate(scenario.with_values(point), runs, seed): every point with the same seed and runs (common "
             "random numbers)",
    "se": "sample standard deviation / sqrt(n), over the runs where the metric is defined",
    "percentiles": "p5, p25, p50, p75, p95 by linear interpolation over the runs where the metric is defined",
    "p_best": "share of the runs in which the strategy did best on the metric (highest, or lowest where less is "
              "better), run by run; a tie is shared equally among those tied; a strategy without a value is not "
              "best, except for the month of an event that may not come (cash_out_month, breakeven_month), where "
              "no value means never: later than any month",
}


def sweep(scenario, vary, runs: Optional[int] = None, seed: Optional[int] = None, metrics=None,
          workers: Optional[int] = None, executor="auto", progress=None) -> Sweep:
    """Simulate the scenario at every point of a grid of values of its numeric keys, with the same seed.

    scenario: a :class:`~simulator.scenario.Scenario`.
    vary: a mapping path -> values (``{"motions.enterprise.team.reps": [2, 4, 6]}``,
        or VALUES text ``"2,4,6"`` / ``"1e6..3e6:5e5"``), or ``PATH=VALUES``
        texts; several keys make a grid of every combination.
    runs, seed: of every point (default the scenario's).
    metrics: a name or names (default the key metrics: revenue, npv, ending_cash, capital_needed).
    workers, executor: as for ``simulate``, for each point in turn. One
        executor serves every point: a process pool ('auto' with more than one
        worker, 'process') or a Dask client ('dask' for a LocalCluster, a
        scheduler address) is started before the first point and ended after
        the last; a ``distributed.Client`` or a running process pool of your
        own is used as it is and left running.
    progress: ``progress(done, planned)`` counts runs over all the points.

    Raises :class:`SweepError` before any run for a path that is not a
    numeric key, values that cannot be read, or a point the scenario's rules
    refuse; KeyboardInterrupt when interrupted.
    """
    dimensions, points = sweep_points(scenario, vary)
    try:   # checked and told as sensitivity does: did you mean, or the metrics there are
        chosen = metric_names(scenario, metrics)
    except SensitivityError as err:
        raise SweepError(str(err)) from None
    scenarios = [point_scenario(scenario, point) for point in points]   # every point checked before any run
    runs = int(runs if runs is not None else scenario.runs)
    seed = int(seed if seed is not None else scenario.seed)
    planned = runs * len(points)
    found = Sweep(scenario=scenario.name, runs=runs, seed=seed, dimensions=dimensions, points=points,
                  strategies=tuple(scenario.strategies), metrics=tuple(dict.fromkeys(chosen)),
                  currency=scenario.company.currency, workers=workers)
    # Ctrl-C or SIGTERM between points is held until the next point starts, which stops at once
    with sigint_handled() as sigint, shared_executor(executor, workers) as shared:
        for i, changed in enumerate(scenarios):
            def step(done, _planned, before=i * runs):
                if progress is not None:
                    progress(before + done, planned)

            results = simulate(changed, runs=runs, seed=seed, workers=workers, executor=shared, progress=step)
            if results.partial:
                raise stop_raised(sigint)
            found.cells.update({(i, s, m): c for (s, m), c in cells(results, found.metrics).items()})
            found.summaries.append(results.summary)
    return found


@contextlib.contextmanager
def shared_executor(executor, workers: Optional[int]):
    """The executor every point uses, started here and ended after the last: for Dask ('dask', a scheduler
    address) one client; for a process pool ('auto' with more than one worker, 'process') one pool, whose
    worker processes every point reuses. Anything else (one worker, 'in-process', a client or a pool of the
    caller's) as given."""
    if executor == "dask" or (isinstance(executor, str) and "://" in executor):
        from distributed import Client

        from simulator.montecarlo.runner import local_cluster

        cluster = local_cluster(workers or os.cpu_count() or 1) if executor == "dask" else None
        client = Client(cluster) if cluster is not None else Client(executor, timeout="20s")
        try:
            yield client
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    count = int(workers) if workers is not None else (os.cpu_count() or 1)
    if executor == "process" or (executor == "auto" and count > 1):
        from simulator.montecarlo.runner import process_pool, stop_pool

        pool = process_pool(count)
        try:
            yield pool
        except BaseException:
            stop_pool(pool, cancel=True)   # Ctrl-C or a failure: the workers end now
            raise
        stop_pool(pool)
        return
    yield executor
