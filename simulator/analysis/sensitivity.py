"""Sensitivity: which uncertain inputs drive a metric, for each strategy and for the difference between two.

Two views, as finance tools show them side by side:

- rank correlation (free: from the runs already made): each uncertain
  input's Spearman rho with the metric over the runs, with a 95% interval,
  and its share of the metric's rank variance (:mod:`.correlation`);
- the swing (on request: two simulations per input): the change of the
  metric's mean with the input held at its P10, then at its P90, every
  other draw as it was (:mod:`.swing`).

Both are computed for each strategy and for the difference A - B of the
metric between two strategies, run by run: with common random numbers,
run i of A and of B met the same market, so the difference is a metric of
its own ("by how much enterprise beats SMB on NPV") and the inputs that
drive it are what decides the bet.

``sensitivity(results)`` returns a :class:`Sensitivity`: one
:class:`Tornado` per target (a strategy, or a pair) and metric, each a list
of :class:`Effect` (one per input that varies), largest rank correlation
first; ``save(directory)`` writes ``sensitivity.csv`` and
``sensitivity.json``.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from simulator.analysis import correlation, swing as swinging
from simulator.analysis.files import write_directory, write_json, write_rows
from simulator.engine import input_names
from simulator.engine.catalogue import run_metric_names
from simulator.montecarlo import simulate
from simulator.montecarlo.results import jsonable
from simulator.montecarlo.statistics import KEY_METRICS

FILES = ("sensitivity.csv", "sensitivity.json")
DEFAULT_SWING_RUNS = 200
NAN_PAIR = (math.nan, math.nan)


class SensitivityError(ValueError):
    """A sensitivity that cannot be computed as asked: an unknown metric or strategy, no uncertain inputs."""


@dataclass(frozen=True)
class Effect:
    """One uncertain input's effect on a metric (or a difference): rank correlation, share, swing.

    ``rho`` is Spearman's rank correlation over ``n`` runs, ``ci95`` its 95%
    interval; ``share`` the share of the metric's rank variance it explains
    (the squared rank correlations normalised, adding up to the rank
    regression's R^2). With a swing: ``p10``/``p90`` the input's values at
    its P10 and P90; ``low``/``high`` the change of the metric's mean with
    the input held there, with ``low_ci95``/``high_ci95``.
    """

    input: str
    rho: float
    ci95: tuple[float, float]
    n: int
    share: float
    p10: float = math.nan
    p90: float = math.nan
    low: float = math.nan
    low_ci95: tuple[float, float] = NAN_PAIR
    high: float = math.nan
    high_ci95: tuple[float, float] = NAN_PAIR

    @property
    def swing(self) -> float:
        """The width of the swing bar: |change at P90 - change at P10| (NaN without a swing)."""
        return abs(self.high - self.low)


@dataclass(frozen=True)
class Tornado:
    """The effects of every varying input on one metric of one target, largest |rho| first.

    ``target`` is a strategy's name or ``"A - B"`` for the per-run
    difference of the metric between strategies A and B (``strategies``
    holds one name or the pair). ``mean`` is the metric's (or the
    difference's) mean over the ``n`` runs ranked; ``r2`` the share of its
    rank variance the inputs explain together. ``swing_runs`` runs were
    simulated at each input's P10 and P90 (0: no swing), against a base mean
    of ``swing_base``.
    """

    target: str
    strategies: tuple[str, ...]
    metric: str
    n: int
    mean: float
    r2: float
    effects: tuple[Effect, ...]
    swing_runs: int = 0
    swing_base: float = math.nan

    @property
    def is_difference(self) -> bool:
        return len(self.strategies) == 2

    def top(self, count: int = 10) -> tuple[Effect, ...]:
        """The ``count`` inputs with the largest |rank correlation|."""
        return self.effects[:count]

    def by_swing(self, count: Optional[int] = None) -> tuple[Effect, ...]:
        """The inputs by the width of their swing, widest first (those without a swing last)."""
        ordered = sorted(self.effects, key=lambda e: -e.swing if math.isfinite(e.swing) else math.inf)
        return tuple(ordered[:count] if count else ordered)


def difference_name(a: str, b: str) -> str:
    """The target name of the per-run difference of a metric between strategies A and B: 'A - B'."""
    return f"{a} - {b}"


@dataclass
class Sensitivity:
    """What :func:`sensitivity` returns: a :class:`Tornado` per target and metric, and how they were made."""

    scenario: str
    runs: int
    seed: int
    metrics: tuple[str, ...]
    targets: tuple[str, ...]
    tornados: dict = field(default_factory=dict)     # (target, metric) -> Tornado
    swing_runs: int = 0
    currency: str = "USD"

    def tornado(self, target: str, metric: Optional[str] = None) -> Tornado:
        """The tornado of ``target`` (a strategy or 'A - B') on ``metric`` (default: the first analysed)."""
        return self.tornados[(target, metric or self.metrics[0])]

    def __repr__(self) -> str:
        swing = f"; swing of {self.swing_runs:,} runs at P10 and P90" if self.swing_runs else "; no swing"
        lines = [f"<Sensitivity {self.scenario}: {', '.join(self.metrics)} over {self.runs:,} runs{swing}>"]
        for metric in self.metrics[:1]:
            for target in self.targets:
                found = self.tornados.get((target, metric))
                if found is None or not found.effects:
                    continue
                best = found.effects[0]
                lines.append(f"  {metric} of {target}: top input {best.input} (rank correlation {best.rho:+.2f}, "
                             f"95% CI {best.ci95[0]:+.2f} to {best.ci95[1]:+.2f}; {100 * best.share:.0f}% of the "
                             f"variance)")
        return "\n".join(lines)

    def rows(self) -> list[dict]:
        """One row per target, metric and input (sensitivity.csv), inputs by |rank correlation| within each."""
        rows = []
        for (target, metric), found in self.tornados.items():
            for rank, e in enumerate(found.effects, start=1):
                rows.append({"target": target, "metric": metric, "input": e.input, "rank": rank, "n": e.n,
                             "rho": e.rho, "rho_ci_low": e.ci95[0], "rho_ci_high": e.ci95[1], "share": e.share,
                             "p10": e.p10, "p90": e.p90, "swing_low": e.low, "swing_low_ci_low": e.low_ci95[0],
                             "swing_low_ci_high": e.low_ci95[1], "swing_high": e.high,
                             "swing_high_ci_low": e.high_ci95[0], "swing_high_ci_high": e.high_ci95[1]})
        return rows

    def as_dict(self) -> dict:
        """sensitivity.json: how it was made, then each tornado with its inputs (NaN as null)."""
        tornados = []
        for found in self.tornados.values():
            effects = [{"input": e.input, "n": e.n, "rho": e.rho, "ci95": list(e.ci95), "share": e.share,
                        "p10": e.p10, "p90": e.p90, "swing_low": e.low, "swing_low_ci95": list(e.low_ci95),
                        "swing_high": e.high, "swing_high_ci95": list(e.high_ci95)} for e in found.effects]
            tornados.append({"target": found.target, "strategies": list(found.strategies), "metric": found.metric,
                             "n": found.n, "mean": found.mean, "r2": found.r2, "swing_runs": found.swing_runs,
                             "swing_base_mean": found.swing_base, "inputs": effects})
        return jsonable({"scenario": self.scenario, "runs": self.runs, "seed": self.seed, "currency": self.currency,
                         "swing_runs": self.swing_runs, "swing_levels": list(swinging.LEVELS),
                         "metrics": list(self.metrics), "targets": list(self.targets),
                         "method": METHOD, "tornados": tornados})

    def save(self, directory, extras=None) -> Path:
        """Write sensitivity.csv and sensitivity.json into ``directory`` (created; must not exist or be empty).

        The files go into a hidden sibling that is renamed into place only
        when complete; ``extras(sensitivity, directory)``, when given, adds
        more files there first (the tornado charts:
        ``simulator.present.tornado.write_tornados``).
        """
        def fill(staging: Path) -> None:
            write_rows(staging / "sensitivity.csv", self.rows(), ["target", "metric", "input"])
            write_json(staging / "sensitivity.json", self.as_dict())
            if extras is not None:
                extras(self, staging)

        return write_directory(directory, fill)


METHOD = {
    "rho": "Spearman rank correlation of the input's per-run draw with the metric, over the runs where the metric "
           "is defined (ties at their average rank)",
    "ci95": "Fisher z interval, standard error sqrt((1 + rho^2/2) / (n - 3)) (Bonett and Wright, 2000)",
    "share": "rho^2 normalised over the inputs, scaled to add up to r2",
    "r2": "R^2 of the least-squares regression of the metric's ranks on every input's ranks",
    "swing": "change of the metric's mean over the first swing_runs runs with the input fixed at its P10 (low) or "
             "P90 (high), every other draw the same (common random numbers); 95% interval of the paired change",
    "difference": "a target 'A - B' is the metric of A less that of B, run by run",
}


def check_known(kind: str, name: str, choices: Sequence[str]) -> None:
    """SensitivityError unless ``name`` is one of ``choices`` (unknown strategy 'x', with a guess or the list)."""
    if name not in choices:
        raise SensitivityError(f"unknown {kind} '{name}'{unknown_hint(kind, name, choices)}")


def unknown_hint(kind: str, name: str, choices: Sequence[str]) -> str:
    """What follows "unknown metric 'x'": ``; did you mean 'y'?`` for a near name, else ``; expected one of``
    the choices (metrics grouped as :func:`metric_choices` tells them)."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(name), choices, n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; expected one of {metric_choices(choices) if kind == 'metric' else ', '.join(choices)}"


def metric_choices(known: Sequence[str]) -> str:
    """The metric names ``known`` (as :func:`~simulator.engine.catalogue.run_metric_names` gives them) in a
    line a reader can take in: the company's, then each motion's own names once, with the motions that have
    them (``or a motion's as MOTION.METRIC, MOTION one of enterprise, smb: leads, ...``), then the rounds' and
    rules'."""
    company, reaction, motions = [], [], {}
    for name in known:
        prefix, dot, own = name.partition(".")
        if not dot:
            company.append(name)
        elif prefix in ("round", "rule"):
            reaction.append(name)
        else:
            motions.setdefault(prefix, []).append(own)
    parts = [", ".join(company)] if company else []
    if motions:
        owns = list(dict.fromkeys(own for names in motions.values() for own in names))
        shared = [own for own in owns if all(own in names for names in motions.values())]
        extra = [f"{m} also {', '.join(o for o in names if o not in shared)}" for m, names in motions.items()
                 if len(names) > len(shared)]
        which = f"MOTION one of {', '.join(motions)}" if len(motions) > 1 else f"MOTION {next(iter(motions))}"
        parts.append(f"a motion's as MOTION.METRIC, {which}: {', '.join(shared)}"
                     + (f" ({'; '.join(extra)})" if extra else ""))
    if reaction:
        parts.append(", ".join(reaction))
    return ", or ".join(parts)


def _varying_inputs(results, strategy: str) -> dict[str, np.ndarray]:
    """The strategy's per-run input draws that take more than one value, in the scenario's input order."""
    drawn = results.inputs.get(strategy, {})
    return {path: np.asarray(drawn[path], dtype=np.float64) for path in input_names(results.scenario)
            if path in drawn and correlation.varies(drawn[path])}


def targets(scenario, strategies=None, versus=None) -> list[tuple[str, tuple[str, ...]]]:
    """The targets asked for, as (name, strategies): each strategy, then the pair of ``versus`` as 'A - B'.

    ``strategies``: a name or names (default: every strategy); ``versus``: a
    pair, None for the first two strategies when ``strategies`` is not given,
    or False. Raises :class:`SensitivityError` for an unknown strategy.
    """
    names = list(scenario.strategies)
    chosen = names if strategies is None else [strategies] if isinstance(strategies, str) else list(strategies)
    for s in chosen:
        check_known("strategy", s, names)
    if versus is None:
        versus = tuple(names[:2]) if strategies is None and len(names) >= 2 else False
    found = [(s, (s,)) for s in dict.fromkeys(chosen)]
    if versus:
        a, b = versus
        for s in (a, b):
            check_known("strategy", s, names)
        if a == b:
            raise SensitivityError(f"versus needs two different strategies, got '{a}' twice")
        found.append((difference_name(a, b), (a, b)))
    return found


def metric_names(scenario, metrics=None) -> tuple[str, ...]:
    """The metrics asked for (a name or names; default the key metrics), each checked against the scenario's."""
    chosen = KEY_METRICS if metrics is None else (metrics,) if isinstance(metrics, str) else tuple(metrics)
    if not chosen:
        raise SensitivityError("no metric given")
    known = run_metric_names(scenario)
    for metric in chosen:
        check_known("metric", metric, known)
    return tuple(dict.fromkeys(chosen))


def check_request(scenario, metrics=None, strategies=None, versus=None) -> None:
    """Raise :class:`SensitivityError` now, before any run, for what :func:`sensitivity` would refuse of a
    scenario: an unknown metric or strategy, or no uncertain input drawn once per run."""
    metric_names(scenario, metrics)
    targets(scenario, strategies, versus)
    if not input_names(scenario):
        raise SensitivityError(_NO_INPUTS.format(name=scenario.name))


def _values(results, strategies: tuple[str, ...], metric: str, rows=slice(None)) -> Optional[np.ndarray]:
    """The metric of a strategy, or A's less B's run by run, over ``rows``; None where a strategy lacks it."""
    if any(metric not in results.runs[s] for s in strategies):
        return None
    first = np.asarray(results.runs[strategies[0]][metric], dtype=np.float64)[rows]
    if len(strategies) == 1:
        return first
    return first - np.asarray(results.runs[strategies[1]][metric], dtype=np.float64)[rows]


def _check_inputs(results, inputs: dict) -> None:
    if any(inputs.values()):
        return
    name = results.scenario.name
    if input_names(results.scenario) and not any(results.inputs.values()):
        raise SensitivityError(f"these results of '{name}' hold no per-run draws of its uncertain inputs "
                               "(saved by a salesim that did not record them, without inputs.csv): run the "
                               "scenario again")
    raise SensitivityError(_NO_INPUTS.format(name=name))


_NO_INPUTS = ("scenario '{name}' has no uncertain inputs that vary from run to run (no distribution drawn once per "
              "run), so nothing but deal-by-deal chance spreads its results: give an input a range, such as "
              "leads.per_month: {{lognormal: {{p5: 4, p95: 9}}, per: run}}")


def sensitivity(results, metrics=None, strategies=None, versus=None, swing: bool = True,
                swing_runs: int = DEFAULT_SWING_RUNS, workers: Optional[int] = None, progress=None) -> Sensitivity:
    """What drives each metric: rank correlations of the uncertain inputs (free) and, with ``swing``, the swing.

    results: a :class:`~simulator.montecarlo.results.Results` (from
        ``simulate`` or ``Results.load``) with its per-run input draws.
    metrics: a metric name or names (company metrics, or ``<motion>.<metric>``);
        default the key metrics (revenue, npv, ending_cash, capital_needed).
    strategies: a strategy name or names (default: every strategy).
    versus: a pair (A, B) for the per-run difference A - B; default the
        first two strategies when ``strategies`` is not given; False for none.
    swing: also simulate each varying input at its P10 and at its P90 (two
        simulations of ``swing_runs`` runs per input, the first runs of
        ``results`` again, by default 200, at most the runs of ``results``),
        on ``workers`` processes (default every core); ``progress(done,
        planned)`` counts those runs.

    Raises :class:`SensitivityError` for an unknown metric or strategy, and
    when no uncertain input varies (nothing to rank).
    """
    metrics = metric_names(results.scenario, metrics)
    wanted = targets(results.scenario, strategies, versus)
    by_strategy = {s: _varying_inputs(results, s) for s in results.strategies}
    inputs = {}
    for name, group in wanted:
        merged: dict = {}
        for s in group:   # A's draw where it varies, else B's: the same uniform, so the same ranks
            merged.update({k: v for k, v in by_strategy[s].items() if k not in merged})
        inputs[name] = {path: merged[path] for path in input_names(results.scenario) if path in merged}
    _check_inputs(results, inputs)
    if swing and int(swing_runs) < 2:
        raise SensitivityError(f"swing_runs (={swing_runs}) must be at least 2")
    seed = int(results.provenance.get("seed", results.scenario.seed))
    tornados = {}
    for name, group in wanted:
        for metric in metrics:
            y = _values(results, group, metric)
            if y is not None:
                tornados[(name, metric)] = _ranked(name, group, metric, y, inputs[name])
    if not tornados:
        raise SensitivityError(f"no strategy asked for has the metric(s) {', '.join(metrics)}")
    swing_count = 0
    if swing:
        swing_count = min(int(swing_runs), results.n_runs)
        tornados = _with_swing(results, tornados, inputs, swing_count, seed, simulate, workers, progress)
    return Sensitivity(scenario=results.scenario.name, runs=results.n_runs, seed=seed, metrics=metrics,
                       targets=tuple(name for name, _ in wanted), tornados=tornados, swing_runs=swing_count,
                       currency=results.scenario.company.currency)


def _ranked(name: str, group: tuple, metric: str, y: np.ndarray, inputs: dict) -> Tornado:
    """The rank-correlation tornado of one target and metric."""
    found = [(path, *correlation.rank_correlation(x, y)) for path, x in inputs.items()]
    r2 = correlation.rank_r2(list(inputs.values()), y)
    shares = correlation.variance_shares([rho for _, rho, *_ in found], r2)
    effects = [Effect(path, rho, (low, high), n, share) for (path, rho, low, high, n), share in zip(found, shares)]
    effects.sort(key=lambda e: -abs(e.rho) if math.isfinite(e.rho) else math.inf)
    defined = y[np.isfinite(y)]
    return Tornado(name, group, metric, int(defined.size), float(defined.mean()) if defined.size else math.nan,
                   r2, tuple(effects))


def _base(results, runs: int, strategies, seed: int, simulate, workers):
    """The unchanged runs 0..runs-1: the results' own when this salesim made them, else simulated again."""
    from simulator import __version__

    own = (not results.partial and results.provenance.get("salesim_version") == __version__
           and results.n_runs >= runs and np.array_equal(results.run_ids[:runs], np.arange(runs)))
    if own:
        return results, slice(0, runs)
    keep = {s: results.scenario.strategies[s].as_data() for s in strategies}
    fresh = simulate(results.scenario.with_values({"strategies": keep}), runs=runs, seed=seed, workers=workers)
    if fresh.partial:
        raise KeyboardInterrupt
    return fresh, slice(None)


def _with_swing(results, tornados: dict, inputs: dict, runs: int, seed: int, simulate, workers, progress) -> dict:
    """The tornados with each input's swing: the metric's mean change at the input's P10 and P90."""
    scenario = results.scenario
    groups = {found.target: found.strategies for found in tornados.values()}
    wanted: dict[str, list[str]] = {}
    for name, group in groups.items():
        for path in inputs[name]:
            wanted.setdefault(path, [])
            wanted[path] += [s for s in group if s not in wanted[path]]
    ordered = {path: [s for s in results.strategies if s in wanted[path]] for path in input_names(scenario)
               if path in wanted}
    base, rows = _base(results, runs, sorted({s for g in groups.values() for s in g}, key=results.strategies.index),
                       seed, simulate, workers)
    swung = swinging.simulate_swings(scenario, ordered, runs, seed, simulate, workers, progress)
    out = {}
    for key, found in tornados.items():
        before = _values(base, found.strategies, found.metric, rows)
        effects = []
        for e in found.effects:
            law = next(law for s in found.strategies
                       if (law := swinging.input_law(scenario, s, e.input)) is not None)
            changes = [swinging.paired_change(_values(swung[(e.input, level)], found.strategies, found.metric),
                                              before) for level in swinging.LEVELS]
            (low, *low_ci), (high, *high_ci) = changes
            effects.append(Effect(e.input, e.rho, e.ci95, e.n, e.share, swinging.quantile(law, swinging.LEVELS[0]),
                                  swinging.quantile(law, swinging.LEVELS[1]), low, tuple(low_ci), high,
                                  tuple(high_ci)))
        defined = before[np.isfinite(before)]
        out[key] = Tornado(found.target, found.strategies, found.metric, found.n, found.mean, found.r2,
                           tuple(effects), runs, float(defined.mean()) if defined.size else math.nan)
    return out
