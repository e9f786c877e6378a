"""Goal seek: the value of one numeric key that meets a target, such as "p50(ending_arr) >= 3e6".

A seek is a search along one key of the scenario (starting cash, enterprise
reps) between two bounds. Every evaluation is ``simulate(scenario.with_values({path: value}), runs, seed)``
with the same seed, so run i meets the same market at every value (common
random numbers) and the statistic is a deterministic step function of the
value: bisection finds the edge of a threshold target (assumed monotone in
the key), a bounded search the best value of a ``max`` or ``min`` target.
An integer key is searched on integers only.

The answer is then simulated again with fresh draws (seed + 1) and reported
with the statistic, its 95% interval and whether the target holds with 95%
confidence.

Targets are written in the terms of the summary: ``mean(npv) max``,
``p95(capital_needed) <= 2e6``, ``p50(ending_arr) >= 3e6``, and
``P(cash_out) <= 0.05`` (the share of runs in which cash runs out:
``cash_out_month`` is a month, not NaN), ``P(breakeven) >= 0.5`` or
``P(npv < 0) <= 0.2``.
"""
from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from pydantic import BaseModel

from simulator.analysis.files import write_directory, write_json, write_rows
from simulator.analysis.sensitivity import SensitivityError, check_known, unknown_hint
from simulator.analysis.sweep import SweepError, key_kind, point_scenario, shared_executor
from simulator.engine.catalogue import belongs_to, metric_entry, run_metric_names
from simulator.montecarlo import simulate
from simulator.montecarlo.interrupts import sigint_handled, stop_raised
from simulator.montecarlo.results import jsonable
from simulator.present.formatting import format_metric, format_money, format_number, format_percent

MAX_EVALUATIONS = 60
FINEST_TOLERANCE = 1e-9    # of the span: a bisection gets there in 30 evaluations, a golden-section search in 44
ALL_INTEGERS = 25          # an integer key with at most this many values in its bounds is evaluated at each one
GOLDEN = (math.sqrt(5) - 1) / 2
COMPARE = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
EVENTS = {"cash_out": "cash_out_month", "breakeven": "breakeven_month"}   # P(name): the month happened
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TARGET = re.compile(rf"^\s*(?P<stat>\w+)\s*\((?P<inner>[^()]+)\)\s*"
                     rf"(?:(?P<op><=|>=|<|>)\s*(?P<threshold>{NUMBER})|(?P<goal>max|min))\s*$")
_EVENT = re.compile(rf"^\s*(?P<metric>[\w.]+)\s*(?:(?P<op><=|>=|<|>)\s*(?P<value>{NUMBER}))?\s*$")


class SeekError(SweepError):
    """A seek that cannot be done as asked: a target that cannot be read or met, bounds, a key or a strategy."""


@dataclass(frozen=True)
class Target:
    """What a seek asks of one strategy's runs: a statistic of a metric, and a threshold or a direction.

    ``statistic``: 'mean', 'pNN' (a percentile) or 'P' (the share of runs in
    which ``event`` happens: the metric is defined, or compares with
    ``event_value`` by ``event_op``). Either ``op`` and ``threshold``, or
    ``goal`` ('max' or 'min').
    """

    text: str
    statistic: str
    metric: str
    op: Optional[str] = None
    threshold: Optional[float] = None
    goal: Optional[str] = None
    event_op: Optional[str] = None
    event_value: Optional[float] = None

    @property
    def label(self) -> str:
        """The statistic as written: p50(ending_arr), P(cash_out_month), P(npv < 0)."""
        if self.statistic == "P" and self.event_op:
            return f"P({self.metric} {self.event_op} {self.event_value:g})"
        return f"{self.statistic}({self.metric})"

    def met(self, value: float) -> bool:
        """Whether a value of the statistic meets a threshold target (NaN never does)."""
        return not math.isnan(value) and COMPARE[self.op](value, self.threshold)

    def value(self, runs: np.ndarray) -> float:
        """The statistic over one strategy's per-run values of the metric (NaN: the metric did not happen)."""
        x = np.asarray(runs, dtype=np.float64)
        if self.statistic == "P":
            return float(np.mean(self.happened(x))) if x.size else math.nan
        x = x[~np.isnan(x)]
        if not x.size:
            return math.nan
        return float(np.mean(x)) if self.statistic == "mean" else float(np.percentile(x, int(self.statistic[1:])))

    def happened(self, x: np.ndarray) -> np.ndarray:
        """Per run, whether the event of a P(...) target happened."""
        if self.event_op is None:
            return ~np.isnan(x)
        with np.errstate(invalid="ignore"):
            return COMPARE[self.event_op](x, self.event_value) & ~np.isnan(x)

    def interval(self, runs: np.ndarray) -> tuple[float, float, str]:
        """A 95% interval of the statistic over the runs, and how it was made."""
        from scipy import stats   # imported when needed: importing the package stays quick

        x = np.asarray(runs, dtype=np.float64)
        if self.statistic == "P":
            n, k = x.size, int(np.sum(self.happened(x)))
            if not n:
                return math.nan, math.nan, "none: no runs"
            z = stats.norm.ppf(0.975)
            p = k / n
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            return max(0.0, centre - half), min(1.0, centre + half), "Wilson score interval of a proportion"
        x = np.sort(x[~np.isnan(x)])
        n = x.size
        if n < 2:
            return math.nan, math.nan, "none: fewer than 2 runs with the metric"
        if self.statistic == "mean":
            half = stats.t.ppf(0.975, n - 1) * float(np.std(x, ddof=1)) / math.sqrt(n)
            mean = float(np.mean(x))
            return mean - half, mean + half, "Student t interval of the mean"
        q = int(self.statistic[1:]) / 100
        low = int(stats.binom.ppf(0.025, n, q))        # ranks of the order statistics bracketing the quantile
        high = int(stats.binom.ppf(0.975, n, q)) + 1
        # A rank outside 1..n: too few runs to bound that side; the sample's extreme is no 95% bound.
        return (float(x[low - 1]) if low >= 1 else -math.inf, float(x[high - 1]) if high <= n else math.inf,
                "distribution-free interval of a quantile from binomial order statistics")

    def holds(self, low: float, high: float) -> Optional[bool]:
        """Whether a threshold target holds with 95% confidence given the interval (None for max/min)."""
        if self.op is None or math.isnan(low) or math.isnan(high):
            return None
        return COMPARE[self.op](low if self.op in (">=", ">") else high, self.threshold)


def parse_target(text: str, metrics=None) -> Target:
    """A :class:`Target` from its text (``"p95(capital_needed) <= 2e6"``, ``"mean(npv) max"``,
    ``"P(cash_out) <= 0.05"``); ``metrics``, when given, the names it may use. Raises :class:`SeekError`."""
    found = _TARGET.match(str(text))
    if not found:
        raise SeekError(f"'{text}' is not a target: write STATISTIC(METRIC) followed by <=, >=, <, > and a number, "
                        "or by max or min, such as 'p50(ending_arr) >= 3e6' or 'mean(npv) max'")
    statistic, inner = found["stat"], found["inner"].strip()
    if statistic not in ("mean", "P") and not (re.fullmatch(r"p\d\d?", statistic) and 0 < int(statistic[1:])):
        raise SeekError(f"unknown statistic '{statistic}' in '{text}': write mean, a percentile p1 to p99 (p50), "
                        "or P (a share of runs)")
    event_op = event_value = None
    if statistic == "P":
        event = _EVENT.match(inner)
        if not event:
            raise SeekError(f"'P({inner})' in '{text}': write P(cash_out), P(breakeven) or a comparison such as "
                            "P(npv < 0)")
        metric, event_op = event["metric"], event["op"]
        event_value = float(event["value"]) if event_op else None
        if event_op is None:
            if metric not in EVENTS and metric not in EVENTS.values():
                raise SeekError(f"'P({metric})' in '{text}': P of a name takes cash_out or breakeven (the share of "
                                f"runs in which that month happens); for another metric write a comparison such as "
                                f"P({metric} < 0)")
            metric = EVENTS.get(metric, metric)
    else:
        metric = inner
    if metrics is not None and metric not in metrics:
        raise SeekError(f"unknown metric '{metric}' in '{text}'{unknown_hint('metric', metric, metrics)}")
    threshold = float(found["threshold"]) if found["op"] else None
    if statistic == "P" and threshold is not None and not 0 <= threshold <= 1:
        example = f"{threshold / 100:g} for {threshold:g}%" if 1 < threshold <= 100 else "0.05 for 5%"
        raise SeekError(f"P({inner}) is a share from 0 to 1: write {example} (in '{text}')")
    return Target(str(text).strip(), statistic, metric, found["op"], threshold, found["goal"], event_op, event_value)


@dataclass
class Seek:
    """What :func:`seek` returns: the value found, every evaluation of the search, and the check with fresh seeds.

    ``evaluations``: (value, statistic) in the order simulated, all with
    ``seed``; ``check``: the statistic at ``answer`` simulated with
    ``check_seed``, its 95% interval ``[low, high]``, how that interval was
    made, and whether the target holds with 95% confidence (None for max/min).
    """

    scenario: str
    path: str
    kind: str
    low: float
    high: float
    target: Target
    strategy: str
    direction: str
    runs: int
    seed: int
    answer: float
    evaluations: list = field(default_factory=list)
    check: dict = field(default_factory=dict)
    currency: str = "USD"
    unit: str = ""             # the key's unit in the schema: how its values are written
    simulated: tuple = ()      # the strategies each evaluation simulated

    @property
    def achieved(self) -> float:
        """The statistic at the answer with the search's seed."""
        return dict(self.evaluations)[self.answer]

    def value_text(self, value: float, short: bool = False) -> str:
        """A value of the key in its unit: '1,660,156 ($1.66M)', '0.25 (25%)', '4'; ``short``: '$1.66M'."""
        plain = _plain(value)
        if self.unit.startswith("money"):
            money = format_money(value, self.currency)
            return money if short else f"{plain} ({money})"
        if self.unit.startswith("fraction"):
            share = format_percent(value)
            return share if short else f"{plain} ({share})"
        return plain

    def statistic_text(self, value: float) -> str:
        """A value of the target's statistic, precise enough to set against a threshold: a share as a
        percentage of 3 significant digits (2.5%, 5.72%), money with 4 ($1.999M), else in the metric's unit; an
        interval's open side (too few runs to bound it) as -inf or +inf."""
        if math.isinf(value):
            return f"{'+' if value > 0 else '-'}inf (too few runs to bound it)"
        if self.target.statistic == "P":
            return format_number(100 * value) + "%" if value == value else "n/a"
        try:
            money = metric_entry(self.target.metric).kind == "money"
        except KeyError:
            money = False
        if money:
            return format_money(value, self.currency, 4)
        return format_metric(self.target.metric, value, self.currency)

    def __repr__(self) -> str:
        c = self.check
        verdict = {True: "holds with 95% confidence", False: "does not hold with 95% confidence",
                   None: ""}[c.get("holds")]
        alone = f"; {self.strategy} simulated alone" if self.simulated == (self.strategy,) else ""
        return "\n".join([
            f"<Seek {self.scenario}: {self.path} for '{self.target.text}' ({self.strategy}), in "
            f"[{self.value_text(self.low, True)}, {self.value_text(self.high, True)}]; {len(self.evaluations)} "
            f"evaluations of {self.runs:,} runs, seed {self.seed}{alone}>",
            f"  answer: {self.path}={self.value_text(self.answer)} ({self.target.label} = "
            f"{self.statistic_text(self.achieved)})",
            f"  check with seed {c['seed']}: {self.target.label} = {self.statistic_text(c['value'])}, 95% interval "
            f"{self.statistic_text(c['low'])} to {self.statistic_text(c['high'])} ({c['interval']})"
            + (f"; the target {verdict}" if verdict else ""),
        ])

    def as_dict(self) -> dict:
        """seek.json: the question, the answer, the check, every evaluation (NaN as null)."""
        t = self.target
        return jsonable({"scenario": self.scenario, "path": self.path, "kind": self.kind, "low": self.low,
                         "high": self.high, "strategy": self.strategy,
                         "simulated_strategies": list(self.simulated), "runs": self.runs, "seed": self.seed,
                         "target": {"text": t.text, "statistic": t.label, "metric": t.metric, "op": t.op,
                                    "threshold": t.threshold, "goal": t.goal, "direction": self.direction},
                         "answer": self.answer, "achieved": self.achieved, "check": self.check,
                         "method": METHOD,
                         "evaluations": [{"value": v, "statistic": s} for v, s in self.evaluations]})

    def save(self, directory, extras=None) -> Path:
        """Write seek.json and evaluations.csv into ``directory`` (created; must not exist or be empty).

        The files go into a hidden sibling renamed into place only when
        complete; ``extras(seek, directory)``, when given, adds more files
        there first (the chart and report.html:
        ``simulator.present.seek.write_seek_outputs``).
        """
        def fill(staging: Path) -> None:
            write_json(staging / "seek.json", self.as_dict())
            write_rows(staging / "evaluations.csv",
                       [{"step": i, self.path: v, self.target.label: s} for i, (v, s) in enumerate(self.evaluations)],
                       ["step", self.path, self.target.label])
            if extras is not None:
                extras(self, staging)

        return write_directory(directory, fill)


def _plain(value) -> str:
    """A key's value in full: 4, 1,660,156, 0.0255."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"


METHOD = {
    "evaluation": "simulate(scenario.with_values({path: value}), runs, seed): every value with the same seed "
                  "(common random numbers); only the strategy the target reads is simulated, its runs being the "
                  "same as with every strategy",
    "threshold": "both bounds first, then bisection to the edge of the values that meet the target (assumed "
                 "monotone in the key); on integers for an integer key, else to the tolerance",
    "max/min": f"an integer key with at most {ALL_INTEGERS} values in its bounds: every value; otherwise "
               "golden-section search (on integers for an integer key)",
    "check": "the answer simulated again with seed + 1; the target holds with 95% confidence when the whole 95% "
             "interval of the statistic meets it",
}


def _key_bounds(scenario, path: str):
    """The :class:`~simulator.scenario.params.Bounds` the numeric key at ``path`` was declared with, or None."""
    return _key_extra(scenario, path).get("bounds")


def _key_extra(scenario, path: str) -> dict:
    """What the field of the key at ``path`` declares beside its type (its bounds, or a bare unit); {} if none."""
    parts = path.split(".")
    node, info = scenario, None
    for i, part in enumerate(parts):
        if i == 3 and parts[0] == "strategies" and parts[2] == "overrides":
            node, info = scenario.strategy_motions(parts[1])[part], None
        elif isinstance(node, BaseModel):
            fields = {(f.alias or name): (name, f) for name, f in type(node).model_fields.items()}
            name, info = fields[part]
            node = getattr(node, name)
        else:
            node, info = (node[int(part)] if isinstance(node, (list, tuple)) else node[part]), None
    return info.json_schema_extra if info is not None and isinstance(info.json_schema_extra, dict) else {}


def key_limits(scenario, path: str) -> tuple[bool, Optional[float], Optional[float]]:
    """Of the numeric key at ``path``: whether it holds whole numbers, and its lowest and highest allowed values
    as the schema declares them (None where it declares none)."""
    bounds = _key_bounds(scenario, path)
    if bounds is None:
        return False, None, None
    low = bounds.ge if bounds.ge is not None else bounds.gt
    high = min((b for b in (bounds.le, bounds.lt, bounds.cap) if b is not None), default=None)
    return bool(bounds.integer), low, high


def key_unit(scenario, path: str) -> str:
    """The unit the schema declares for the numeric key at ``path`` ('money', 'fraction', 'reps', ...; '' if
    none)."""
    extra = _key_extra(scenario, path)
    return extra["bounds"].unit if extra.get("bounds") is not None else extra.get("unit", "")


def _bound(path: str, kind: str, value, name: str):
    if value is None:
        raise SeekError(f"'{path}' has no {name} limit in the schema: give the {name} end of the search "
                        f"(--{name})")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SeekError(f"the {name} bound of '{path}' must be a finite number, got {value!r}")
    if kind == "integer":
        if float(value) != int(value):
            raise SeekError(f"'{path}' takes whole numbers; the {name} bound {value} is not one")
        return int(value)
    return value


def seek(scenario, path: str, target, low=None, high=None, strategy: Optional[str] = None,
         direction: Optional[str] = None, runs: Optional[int] = None, seed: Optional[int] = None,
         tolerance: Optional[float] = None, workers: Optional[int] = None, executor="auto", progress=None) -> Seek:
    """Search ``path`` between ``low`` and ``high`` for the value that meets ``target`` for one strategy.

    scenario: a :class:`~simulator.scenario.Scenario`; path: a numeric key, as for ``sweep``.
    low, high: the ends of the search (default: the key's limits in the schema, where it has them; an
        integer key, such as a team's reps, is searched on whole numbers).
    target: text (``"p50(ending_cash) >= 2e6"``, ``"mean(npv) max"``) or a :class:`Target`.
    strategy: whose runs the target reads (default: the scenario's only strategy).
    direction: for a threshold target, 'minimize' (default: the smallest value that meets it) or
        'maximize' (the largest); a max/min target says its own.
    runs, seed: of every evaluation (default the scenario's); the check uses seed + 1.
    tolerance: for a non-integer key, the width at which the search stops (default (high - low) / 1000).
    workers, executor: as for ``simulate``; progress: ``progress(evaluations_done, None)`` after each one.

    Raises :class:`SeekError` before any run for a bad key, bounds, target or strategy, and after the bounds
    are evaluated for a threshold target that neither bound meets.
    """
    try:
        kind = key_kind(scenario, path)
    except SweepError as err:
        raise SeekError(str(err).replace("a sweep varies", "a seek varies")) from None
    whole, least, most = key_limits(scenario, path)
    kind = "integer" if whole else kind
    low = _bound(path, kind, least if low is None else low, "low")
    high = _bound(path, kind, most if high is None else high, "high")
    if not low < high:
        raise SeekError(f"the bounds of '{path}' must rise: low (={low}) is not below high (={high})")
    target = target if isinstance(target, Target) else parse_target(target, run_metric_names(scenario))
    if target.goal and direction:
        raise SeekError(f"'{target.text}' says what to seek ({target.goal}); --minimize and --maximize choose the "
                        "end of a threshold target")
    direction = target.goal and {"max": "maximize", "min": "minimize"}[target.goal] or direction or "minimize"
    if direction not in ("minimize", "maximize"):
        raise SeekError(f"direction '{direction}' must be 'minimize' or 'maximize'")
    strategies = tuple(scenario.strategies)
    if strategy is None:
        if len(strategies) != 1:
            raise SeekError(f"the scenario has {len(strategies)} strategies ({', '.join(strategies)}): name the one "
                            "the target reads with --strategy")
        strategy = strategies[0]
    try:
        check_known("strategy", strategy, strategies)   # as sensitivity says it: did you mean, or the strategies
    except SensitivityError as err:
        raise SeekError(str(err)) from None
    runs_motions = scenario.strategies[strategy].motions
    if not belongs_to(target.metric, runs_motions):
        raise SeekError(f"'{target.text}' reads {target.metric}, a metric of motion "
                        f"'{target.metric.partition('.')[0]}', which strategy '{strategy}' does not run (its motions: "
                        f"{', '.join(runs_motions)}): name another --strategy or a metric of its motions")
    for end in (low, high):
        try:
            point_scenario(scenario, {path: end})   # the scenario's own rules, before any run
        except SweepError as err:
            raise SeekError(str(err)) from None
    runs = int(runs if runs is not None else scenario.runs)
    seed = int(seed if seed is not None else scenario.seed)
    tolerance = float(tolerance) if tolerance is not None else (high - low) / 1000
    finest = (high - low) * FINEST_TOLERANCE
    if kind != "integer" and not (tolerance >= finest and math.isfinite(tolerance)):
        raise SeekError(f"--tolerance (={tolerance:g}) must be a number of at least a billionth of the span "
                        f"[{low:g}, {high:g}] ({finest:g}): a finer search takes more evaluations than the "
                        "simulations can tell apart")
    searched = only_strategy(scenario, strategy, path)
    found = Seek(scenario.name, path, kind, low, high, target, strategy, direction, runs, seed, answer=low,
                 currency=scenario.company.currency, unit=key_unit(scenario, path),
                 simulated=tuple(searched.strategies))
    memo: dict = {}

    # Ctrl-C or SIGTERM between points is held until the next point starts, which stops at once
    with sigint_handled() as sigint, shared_executor(executor, workers) as shared:
        def run(value, run_seed):
            results = simulate(point_scenario(searched, {path: value}), runs=runs, seed=run_seed, workers=workers,
                               executor=shared)
            if results.partial:
                raise stop_raised(sigint)
            return results.runs[strategy][target.metric]

        def statistic(value) -> float:
            value = int(value) if kind == "integer" else float(value)
            if value not in memo:
                if len(memo) >= MAX_EVALUATIONS:
                    raise SeekError(f"no answer after {MAX_EVALUATIONS} evaluations")
                memo[value] = target.value(run(value, seed))
                found.evaluations.append((value, memo[value]))
                if progress is not None:
                    progress(len(memo), None)
            return memo[value]

        if target.goal:
            found.answer = _optimum(statistic, low, high, kind, tolerance, target.goal)
        else:
            found.answer = _edge(statistic, target, low, high, kind, tolerance, direction, path, found)
        x = run(found.answer, seed + 1)
        value = target.value(x)
        lo, hi, how = target.interval(x)
        found.check = {"seed": seed + 1, "runs": runs, "value": value, "low": lo, "high": hi, "interval": how,
                       "holds": target.holds(lo, hi)}
    return found


def only_strategy(scenario, strategy: str, path: str):
    """The scenario with ``strategy`` alone, so that an evaluation simulates only the runs the target reads.

    Run i of a strategy is the same whatever strategies run beside it (its draws come from streams keyed by
    the seed, the run and the motion, and correlated inputs from the scenario's correlations, not from its
    strategies), so the statistic is the same as with every strategy simulated. The scenario is kept whole
    when it has one strategy, or when ``path`` is another strategy's key.
    """
    others = [s for s in scenario.strategies if s != strategy]
    if not others or any(path.startswith(f"strategies.{s}.") for s in others):
        return scenario
    return scenario.with_values({"strategies": {strategy: scenario.strategies[strategy].as_data()}})


def _edge(statistic, target: Target, low, high, kind: str, tolerance: float, direction: str, path: str,
          found: Seek):
    """The smallest (minimize) or largest (maximize) value in [low, high] that meets a threshold target."""
    near, far = (low, high) if direction == "minimize" else (high, low)
    if target.met(statistic(near)):
        return near
    if not target.met(statistic(far)):
        at_low, at_high = found.value_text(low, True), found.value_text(high, True)
        raise SeekError(f"'{target.text}' cannot be met for {path} within [{at_low}, {at_high}]: {target.label} is "
                        f"{found.statistic_text(statistic(low))} at {at_low} and "
                        f"{found.statistic_text(statistic(high))} at {at_high}")
    fails, meets = near, far     # bisection keeps the edge between them
    while abs(meets - fails) > (1 if kind == "integer" else tolerance):
        middle = (fails + meets) // 2 if kind == "integer" else (fails + meets) / 2
        if middle in (fails, meets):   # no number lies between them: the edge is as sharp as it can be
            break
        if target.met(statistic(middle)):
            meets = middle
        else:
            fails = middle
    return meets


def _optimum(statistic, low, high, kind: str, tolerance: float, goal: str):
    """The value in [low, high] with the highest (max) or lowest (min) statistic; NaN never wins."""
    sign = -1.0 if goal == "max" else 1.0

    def cost(v) -> float:
        s = statistic(v)
        return math.inf if math.isnan(s) else sign * s

    if kind == "integer" and high - low + 1 <= ALL_INTEGERS:
        return min(range(low, high + 1), key=cost)
    a, b = low, high
    step = 2 if kind == "integer" else tolerance
    while b - a > step:
        c = b - GOLDEN * (b - a)
        d = a + GOLDEN * (b - a)
        if kind == "integer":
            c, d = int(round(c)), int(round(d))
            if c == d:
                d = c + 1
        if cost(c) <= cost(d):
            b = d
        else:
            a = c
    ends = range(int(a), int(b) + 1) if kind == "integer" else (a, (a + b) / 2, b)
    return min(ends, key=cost)
