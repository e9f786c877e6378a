"""Value of information: how much better the choice of strategy would be, in mean NPV, if we knew more first.

A run of salesim is one possible future, and run i of every strategy met the
same future (common random numbers). Today the choice is the strategy with
the highest mean NPV; a clairvoyant would pick, in every future, the strategy
that does best in it. The difference is the **expected value of perfect
information** (EVPI):

    EVPI = mean over runs of max_s NPV_s  -  max_s mean over runs of NPV_s

It is the most that any study, pilot or wait could be worth before choosing.
Much of it is deal-by-deal chance (which deals close) that no study
removes; what one uncertain input (a ``per: run`` draw, such as the true
lead rate) is worth knowing is its **partial** value (EVPPI):

    EVPPI(x) = E_x[ max_s E[NPV_s | x] ]  -  max_s E[NPV_s]

E[NPV_s | x] is estimated from the runs already made, by Strong and Oakley's
(2014) non-parametric regression: the per-run gain of every strategy over the
one best on average (its NPV less the best's, run by run) is regressed on the
input's per-run draw with a smoother, and the fitted values stand for the
conditional means. The smoother is a natural cubic regression spline with
its knots at quantiles of the input (Harrell's placements); the number of
knots (none: a constant; a straight line; 3 to 6 knots) is chosen for each
gain by generalised cross-validation (GCV). A constant fit means "the input
says nothing about which strategy wins", and its EVPPI is exactly 0.

Small samples bias an EVPPI estimate upwards: the maximum of noisy fitted
values exceeds the maximum of the true ones even where the input does not
matter. So each input's estimate is set against its **noise**: the 95th
percentile of the EVPPI found, by the same method, after shuffling the
input's draws across runs (40 shuffles), which breaks any link with NPV.
Only an input whose EVPPI exceeds its noise and 1.96 standard errors is
"clear" and is named as worth learning. Estimates are clipped at 0 and at
EVPI.

EVPI's interval comes from a bootstrap over runs (the same runs of every
strategy resampled together, 500 resamples): its standard error is the
bootstrap's, its 95% interval the 2.5th to 97.5th percentiles. EVPPI's
standard error adds the spread over runs of the fitted regret (the fitted
gain of the best strategy at each run's draw, 0 when today's choice stands)
and the noise of the fit, by the delta method (:func:`_standard_error`).

``value_of_information(results)`` returns a :class:`ValueOfInformation`:
EVPI with its interval, one :class:`Partial` per input that varies (largest
first) and, as a guide to how much of EVPI is about the inputs at all, the
EVPPI of all inputs together fitted additively; ``save(directory)`` writes
``value_of_information.csv`` and ``value_of_information.json``. Every run
of ``simulate`` puts the same in its summary (``value_of_information``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from simulator.analysis.correlation import varies
from simulator.analysis.files import write_directory, write_json, write_rows
from simulator.engine import input_names
from simulator.engine.catalogue import lower_is_better, nan_means_never, run_metric_names

FILES = ("value_of_information.csv", "value_of_information.json")
METRIC = "npv"
BOOTSTRAP = 500              # resamples of the runs for EVPI's interval
PERMUTATIONS = 40            # shuffles of an input's draws for its noise
NOISE_LEVEL = 95             # the percentile of the shuffled EVPPI that an input must exceed
MIN_RUNS = 20                # fewer runs than this: EVPI only, no partial values
TOGETHER = "all inputs together"
# Knots of a natural cubic spline with k knots at these quantiles of the input (Harrell, Regression Modeling
# Strategies, 2nd ed., table 2.3).
KNOT_QUANTILES = {3: (0.10, 0.50, 0.90), 4: (0.05, 0.35, 0.65, 0.95), 5: (0.05, 0.275, 0.50, 0.725, 0.95),
                  6: (0.05, 0.23, 0.41, 0.59, 0.77, 0.95)}
# Columns of the matrices handled at once (runs x columns), to bound memory for 100,000 runs.
_BLOCK_CELLS = 4_000_000
_SEED_SALT = 0x5601   # the bootstrap's and the shuffles' streams, from the results' seed


class ValueOfInformationError(ValueError):
    """A value of information that cannot be computed as asked: an unknown metric or strategy."""


@dataclass(frozen=True)
class Partial:
    """What learning one uncertain input before choosing is worth (EVPPI), in the metric's unit.

    ``evppi`` is the estimate (clipped at 0 and at EVPI), ``se`` its standard
    error, ``noise`` the 95th percentile of the EVPPI of the input's draws
    shuffled across runs; ``parameters`` the most spline coefficients
    (intercept included) a fit chose: 1 means a constant, no information.
    """

    input: str
    evppi: float
    se: float
    noise: float
    parameters: int

    @property
    def clear(self) -> bool:
        """Whether the EVPPI exceeds its noise and 1.96 standard errors: told apart from an input that does
        not matter, and from zero."""
        return self.evppi > 0 and self.evppi > self.noise and not self.evppi <= 1.96 * self.se


@dataclass
class ValueOfInformation:
    """What :func:`value_of_information` returns: EVPI with its interval and each input's EVPPI."""

    scenario: str
    metric: str
    currency: str
    runs: int
    seed: int
    strategies: tuple[str, ...]
    best: str                          # the strategy with the best mean: today's choice
    means: dict                        # strategy -> mean of the metric over the runs used
    evpi: float
    evpi_se: float
    evpi_ci95: tuple[float, float]
    partials: tuple[Partial, ...] = ()  # one per input that varies, largest EVPPI first
    together: Optional[Partial] = None  # every input at once, fitted additively
    note: str = ""                      # why there are no partial values, when there are none
    chooses: dict = field(default_factory=dict)   # strategy -> share of runs in which it does best

    def worth_learning(self, count: Optional[int] = None) -> tuple[Partial, ...]:
        """The inputs whose EVPPI exceeds its noise, largest first (the first ``count``)."""
        clear = tuple(p for p in self.partials if p.clear)
        return clear[:count] if count else clear

    def partial(self, path: str) -> Partial:
        """The :class:`Partial` of the input at ``path``."""
        return next(p for p in self.partials if p.input == path)

    def __repr__(self) -> str:
        from simulator.present.formatting import format_money

        def money(value: float) -> str:
            return format_money(value, self.currency)

        low, high = self.evpi_ci95
        lines = [f"<ValueOfInformation {self.scenario}: {self.metric} over {self.runs:,} runs; today's choice "
                 f"{self.best}; EVPI {money(self.evpi)} (95% CI {money(low)} to {money(high)})>"]
        for p in self.partials:
            flag = "" if p.clear else "  (not clear)"
            lines.append(f"  {p.input}: EVPPI {money(p.evppi)} (se {money(p.se)}; noise {money(p.noise)}){flag}")
        if self.together is not None:
            lines.append(f"  {TOGETHER} (additive): {money(self.together.evppi)}")
        if self.note:
            lines.append(f"  {self.note}")
        return "\n".join(lines)

    def rows(self) -> list[dict]:
        """value_of_information.csv: one row for EVPI, one per input, one for all inputs together."""
        low, high = self.evpi_ci95
        rows = [{"input": "", "kind": "evpi", "value": self.evpi, "se": self.evpi_se, "ci_low": low,
                 "ci_high": high, "noise": math.nan, "clear": "", "parameters": ""}]
        for kind, partials in (("evppi", self.partials), ("evppi_together", (self.together,) if self.together
                                                           else ())):
            for p in partials:
                rows.append({"input": p.input if kind == "evppi" else TOGETHER, "kind": kind, "value": p.evppi,
                             "se": p.se, "ci_low": p.evppi - 1.96 * p.se, "ci_high": p.evppi + 1.96 * p.se,
                             "noise": p.noise, "clear": int(p.clear), "parameters": p.parameters})
        return rows

    def as_dict(self) -> dict:
        """The ``value_of_information`` block of summary.json and value_of_information.json (NaN as null)."""
        from simulator.montecarlo.results import jsonable

        def partial(p: Partial) -> dict:
            return {"input": p.input, "evppi": p.evppi, "se": p.se, "noise": p.noise, "clear": p.clear,
                    "parameters": p.parameters}

        return jsonable({
            "metric": self.metric, "currency": self.currency, "runs": self.runs,
            "strategies": list(self.strategies), "choice": self.best, "means": self.means,
            "best_in_share_of_runs": self.chooses,
            "evpi": {"value": self.evpi, "se": self.evpi_se, "ci95": list(self.evpi_ci95)},
            "inputs": [partial(p) for p in self.partials],
            "worth_learning": [p.input for p in self.worth_learning()],
            "together": partial(self.together) if self.together is not None else None,
            "note": self.note, "method": METHOD})

    @classmethod
    def from_dict(cls, data: dict, scenario: str = "", seed: int = 0) -> "ValueOfInformation":
        """The value read back from :meth:`as_dict` (a summary.json's block); null reads as NaN."""
        def number(value) -> float:
            return float(value) if isinstance(value, (int, float)) else math.nan

        def partial(entry: dict) -> Partial:
            return Partial(entry["input"], number(entry.get("evppi")), number(entry.get("se")),
                           number(entry.get("noise")), int(entry.get("parameters") or 0))

        evpi = data.get("evpi") or {}
        ci = evpi.get("ci95") or [None, None]
        together = data.get("together")
        return cls(scenario=scenario, metric=data["metric"], currency=data.get("currency", "USD"),
                   runs=int(data.get("runs") or 0), seed=seed, strategies=tuple(data.get("strategies") or ()),
                   best=data.get("choice", ""), means={k: number(v) for k, v in (data.get("means") or {}).items()},
                   evpi=number(evpi.get("value")), evpi_se=number(evpi.get("se")),
                   evpi_ci95=(number(ci[0]), number(ci[1])),
                   partials=tuple(partial(e) for e in data.get("inputs") or ()),
                   together=partial(together) if together else None, note=data.get("note") or "",
                   chooses={k: number(v) for k, v in (data.get("best_in_share_of_runs") or {}).items()})

    def save(self, directory) -> Path:
        """Write value_of_information.csv and value_of_information.json into ``directory`` (created; must not
        exist or be empty), all or nothing."""
        def fill(staging: Path) -> None:
            write_rows(staging / "value_of_information.csv", self.rows(), ["input", "kind", "value"])
            write_json(staging / "value_of_information.json",
                       {"scenario": self.scenario, "seed": self.seed, **self.as_dict()})

        return write_directory(directory, fill)


METHOD = {
    "evpi": "mean over runs of the best strategy's metric in each run, less the best mean over runs (common random "
            "numbers: run i of every strategy met the same future)",
    "evpi_interval": f"bootstrap over runs ({BOOTSTRAP} resamples, every strategy's run i kept together): se the "
                     "bootstrap standard deviation, ci95 its 2.5th to 97.5th percentiles",
    "evppi": "Strong and Oakley (2014): each strategy's per-run gain over today's choice regressed on the input's "
             "per-run draw by a natural cubic regression spline (a constant, a line, or 3 to 6 knots at "
             "quantiles of the input, chosen by generalised cross-validation); the mean over runs of the best "
             "fitted gain (0 when no strategy beats today's choice), clipped at EVPI",
    "se": "standard error of EVPPI: the variance over runs of the best fitted gain / runs, plus the fit's noise "
          "by the delta method (residuals as a sandwich estimate)",
    "noise": f"the {NOISE_LEVEL}th percentile of the EVPPI of the input's draws shuffled across runs "
             f"({PERMUTATIONS} shuffles): what an input that does not matter scores by chance; an input is clear "
             "(worth learning) when its EVPPI exceeds it and 1.96 se",
    "together": "every input's spline (3 or 4 knots) in one additive regression: a guide to how much of EVPI the "
                "inputs drawn once per run explain; the rest is chance deal by deal",
    "lower_is_better": "for a metric where lower is better, the best strategy is the lowest and values are gains "
                       "in the metric's unit",
}


# -- the regression ------------------------------------------------------------------------------------------


def _spline_columns(x: np.ndarray, knots: np.ndarray) -> list[np.ndarray]:
    """The natural cubic spline basis without its intercept: x and the K - 2 truncated-power terms (Hastie,
    Tibshirani and Friedman, The Elements of Statistical Learning, eq. 5.4-5.5); x scaled to [0, 1]."""
    last = knots[-1]

    def d(k: float) -> np.ndarray:
        return (np.maximum(x - k, 0.0) ** 3 - np.maximum(x - last, 0.0) ** 3) / (last - k)

    d_before_last = d(knots[-2])
    return [x] + [d(k) - d_before_last for k in knots[:-2]]


def _scaled(x: np.ndarray) -> np.ndarray:
    spread = float(np.ptp(x))
    return (x - float(np.min(x))) / spread if spread > 0 else np.zeros_like(x)


def _orthonormal(columns: list[np.ndarray], n: int) -> np.ndarray:
    """An orthonormal basis (n x p) of the span of an intercept and ``columns``, dropping dependent ones."""
    design = np.column_stack([np.ones(n)] + columns)
    u, s, _ = np.linalg.svd(design, full_matrices=False)
    keep = s > s[0] * 1e-10
    return u[:, keep]


def spline_bases(x, most_knots: int = 6) -> list[np.ndarray]:
    """Orthonormal bases of the candidate fits of one input: a constant, a line, natural cubic splines of 3 to
    ``most_knots`` knots (no more coefficients than the input has distinct values, or a tenth of the runs)."""
    x = _scaled(np.asarray(x, dtype=np.float64))
    n = x.size
    distinct = np.unique(x).size
    bases = [np.full((n, 1), 1 / math.sqrt(n))]
    if distinct >= 2:
        bases.append(_orthonormal([x], n))
    for k in range(3, most_knots + 1):
        if k > distinct or 10 * k > n:
            break
        knots = np.unique(np.quantile(x, KNOT_QUANTILES[k]))
        if knots.size < k:
            break
        bases.append(_orthonormal(_spline_columns(x, knots), n))
    return bases


def additive_bases(inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Candidate fits of several inputs at once, additively: a constant, lines, 3-knot and 4-knot splines."""
    n = inputs[0].size
    scaled = [_scaled(np.asarray(x, dtype=np.float64)) for x in inputs]
    bases = [np.full((n, 1), 1 / math.sqrt(n)), _orthonormal(scaled, n)]
    for k in (3, 4):
        columns = []
        for x in scaled:
            knots = np.unique(np.quantile(x, KNOT_QUANTILES[k]))
            columns += _spline_columns(x, knots) if knots.size == k and np.unique(x).size >= k else [x]
        if n > 10 * (1 + len(columns)):
            bases.append(_orthonormal(columns, n))
    return bases


def fit(y: np.ndarray, bases: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares fits of each row of ``y`` (series x runs) on the basis GCV prefers for it.

    Returns (fitted values, series x runs; the index in ``bases`` of the fit each series chose).
    GCV(p) = n RSS / (n - p)^2: the residual sum of squares penalised for the p coefficients used.
    """
    m, n = y.shape
    centre = y.mean(axis=1, keepdims=True)
    z = y - centre
    total = np.einsum("ij,ij->i", z, z)
    best = np.full(m, np.inf)
    chosen = np.zeros(m, dtype=np.int64)
    coefficients = []
    for b, basis in enumerate(bases):
        p = basis.shape[1]
        c = z @ basis
        coefficients.append(c)
        if p >= n:
            continue
        rss = np.maximum(total - np.einsum("ij,ij->i", c, c), 0.0)
        gcv = n * rss / (n - p) ** 2
        better = gcv < best * (1 - 1e-12)   # ties keep the simpler fit
        best[better], chosen[better] = gcv[better], b
    fitted = np.empty_like(z)
    for b, basis in enumerate(bases):
        rows = np.flatnonzero(chosen == b)
        if rows.size:
            fitted[rows] = coefficients[b][rows] @ basis.T
    fitted += centre
    return fitted, chosen


def _regret(fitted_gains: np.ndarray) -> np.ndarray:
    """Per run: the best fitted gain over today's choice, 0 where none is positive (gains x runs)."""
    if fitted_gains.shape[0] == 0:
        return np.zeros(fitted_gains.shape[1])
    return np.maximum(fitted_gains.max(axis=0), 0.0)


def _standard_error(gains: np.ndarray, fitted: np.ndarray, chosen: np.ndarray, bases: list[np.ndarray]) -> float:
    """The standard error of EVPPI = mean over runs of the positive part of the best fitted gain.

    Two parts add up (the law of total variance): the spread of that regret over the input's draws, var / n;
    and the noise of the fit, by the delta method. The fitted gain of strategy t at run i is
    sum_j H_t[i, j] y_t[j] (H_t = U U' for the basis the gain chose), so the estimate moves by
    G_t[j] = (1/n) sum_i A_t[i] H_t[i, j] per unit of y_t[j], A_t[i] being 1 where t's fitted gain is the
    best and positive at run i; with the residuals r_t[j] for the noise of y_t[j] (a sandwich estimate), the
    fit adds sum_j (sum_t G_t[j] r_t[j])^2.
    """
    t, n = gains.shape
    regret = _regret(fitted)
    spread = float(regret.var(ddof=1)) / n if n > 1 else math.nan
    best = fitted.argmax(axis=0)
    active = fitted[best, np.arange(n)] > 0
    moved = np.zeros(n)
    for k in range(t):
        a = (active & (best == k)).astype(np.float64)
        if not a.any():
            continue
        basis = bases[chosen[k]]
        moved += (basis @ (basis.T @ a)) / n * (gains[k] - fitted[k])
    return math.sqrt(spread + float(np.dot(moved, moved)))


def evppi(gains: np.ndarray, bases: list[np.ndarray], rng: Optional[np.random.Generator] = None,
          permutations: int = PERMUTATIONS) -> tuple[float, float, float, int]:
    """(EVPPI, its se, its noise, the most coefficients chosen) of the input whose candidate fits are ``bases``.

    ``gains`` (strategies other than today's choice x runs): each one's metric less the choice's, run by run,
    so that today's choice has the best mean (every row's mean <= 0). EVPPI is the mean over runs of the
    positive part of the best fitted gain, less that of the fitted means (0 for such gains). ``noise`` is the
    NOISE_LEVEL-th percentile of the same over ``permutations`` shuffles of the runs (NaN without ``rng``).
    """
    gains = np.atleast_2d(np.asarray(gains, dtype=np.float64))
    t, n = gains.shape
    if t == 0:
        return 0.0, 0.0, 0.0 if rng is not None else math.nan, 1
    floor = max(0.0, float(gains.mean(axis=1).max()))
    shuffles = [rng.permutation(n) for _ in range(permutations)] if rng is not None else []
    orders = [None] + shuffles
    per_block = max(1, _BLOCK_CELLS // (n * t))
    values, se, most = [], math.nan, 1
    for first in range(0, len(orders), per_block):
        block = orders[first:first + per_block]
        y = np.vstack([gains if order is None else gains[:, order] for order in block])
        fitted, chosen = fit(y, bases)
        for k, order in enumerate(block):
            own = fitted[k * t:(k + 1) * t]
            values.append(max(0.0, float(_regret(own).mean()) - floor))
            if order is None:
                se = _standard_error(gains, own, chosen[:t], bases)
                most = max(bases[c].shape[1] for c in chosen[:t])
    noise = float(np.percentile(values[1:], NOISE_LEVEL)) if shuffles else math.nan
    return values[0], se, noise, most


def evpi(values: np.ndarray, rng: Optional[np.random.Generator] = None,
         resamples: int = BOOTSTRAP) -> tuple[float, float, tuple[float, float]]:
    """(EVPI, its bootstrap se, its 95% bootstrap interval) of per-run values (strategies x runs, higher
    better): the mean of each run's best less the best mean. One strategy: 0 exactly."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    s, n = values.shape
    best_each = values.max(axis=0)
    value = max(0.0, float(best_each.mean() - values.mean(axis=1).max()))
    if s == 1 or n < 2:
        return value, 0.0 if s == 1 else math.nan, (value, value) if s == 1 else (math.nan, math.nan)
    if rng is None or resamples < 2:
        return value, math.nan, (math.nan, math.nan)
    boot = np.empty(resamples)
    per_block = max(1, _BLOCK_CELLS // (n * (s + 1)))
    for first in range(0, resamples, per_block):
        count = min(per_block, resamples - first)
        rows = rng.integers(0, n, size=(count, n))
        boot[first:first + count] = best_each[rows].mean(axis=1) - values[:, rows].mean(axis=2).max(axis=0)
    low, high = np.percentile(boot, [2.5, 97.5])
    return value, float(boot.std(ddof=1)), (max(0.0, float(low)), float(high))


# -- from results ----------------------------------------------------------------------------------------


def _inputs(results, strategies: list[str]) -> dict[str, np.ndarray]:
    """Each uncertain input that varies: its per-run draws from the first strategy in which it varies (every
    strategy draws an input from the same uniform, so any of them orders the runs alike)."""
    found = {}
    for path in input_names(results.scenario):
        for s in strategies + [s for s in results.strategies if s not in strategies]:
            drawn = results.inputs.get(s, {}).get(path)
            if drawn is not None and varies(drawn):
                found[path] = np.asarray(drawn, dtype=np.float64)
                break
    return found


def _check(results, metric: str, strategies) -> list[str]:
    from simulator.analysis.sensitivity import unknown_hint

    known = run_metric_names(results.scenario)
    if metric not in known:
        raise ValueOfInformationError(f"unknown metric '{metric}'{unknown_hint('metric', metric, known)}")
    chosen = list(results.strategies) if strategies is None else list(dict.fromkeys(strategies))
    for s in chosen:
        if s not in results.strategies:
            raise ValueOfInformationError(f"unknown strategy '{s}'; expected one of {', '.join(results.strategies)}")
    if not chosen:
        raise ValueOfInformationError("no strategy given")
    if nan_means_never(metric):
        raise ValueOfInformationError(
            f"'{metric}' is the month of an event that may never happen: a run where it never does has no value "
            "to choose by; ask about npv, ending_cash or capital_needed instead")
    missing = [s for s in chosen if metric not in results.runs[s]]
    if missing:
        raise ValueOfInformationError(f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no metric "
                                      f"'{metric}' (a motion's metric of a motion it does not run)")
    return chosen


def value_of_information(results, metric: str = METRIC, strategies=None, permutations: int = PERMUTATIONS,
                         resamples: int = BOOTSTRAP, inputs: bool = True) -> ValueOfInformation:
    """What knowing the future, or one uncertain input, before choosing a strategy would be worth.

    results: a :class:`~simulator.montecarlo.results.Results` with its per-run input draws.
    metric: the per-run metric the choice maximises (default ``npv``; where lower is better, it minimises).
    strategies: the strategies to choose between (default: every one).
    permutations: shuffles of each input for its noise; resamples: bootstrap resamples for EVPI's interval.
    inputs: False for EVPI only.

    Runs where the metric is undefined for a strategy are left out. Deterministic: the bootstrap and the
    shuffles draw from streams seeded by the results' seed. Raises :class:`ValueOfInformationError` for an
    unknown metric or strategy.
    """
    chosen = _check(results, metric, strategies)
    sign = -1.0 if lower_is_better(metric) else 1.0
    values = np.vstack([sign * np.asarray(results.runs[s][metric], dtype=np.float64) for s in chosen])
    keep = np.isfinite(values).all(axis=0)
    drawn = {path: x for path, x in (_inputs(results, chosen) if inputs else {}).items()
             if np.isfinite(x[keep]).all() and varies(x[keep])}
    values = values[:, keep]
    n = int(values.shape[1])
    seed = int((results.summary or {}).get("provenance", {}).get("seed", results.scenario.seed))
    means = values.mean(axis=1) if n else np.full(len(chosen), math.nan)
    best = int(np.argmax(means)) if n else 0
    winners = np.argmax(values, axis=0) if n else np.zeros(0, dtype=np.int64)
    chooses = {s: float(np.mean(winners == i)) if n else math.nan for i, s in enumerate(chosen)}
    value, se, ci = evpi(values, np.random.default_rng([seed, _SEED_SALT, 0]), resamples)
    partials, together, note = [], None, ""
    if n < MIN_RUNS:
        note = f"{n} runs: too few to estimate the value of single inputs (at least {MIN_RUNS})"
    elif not drawn:
        note = "no uncertain input varies from run to run"
    elif len(chosen) == 1:
        note = "one strategy: no choice to inform"
    if not note:
        gains = np.delete(values, best, axis=0) - values[best]
        for k, (path, x) in enumerate(drawn.items(), start=1):
            rng = np.random.default_rng([seed, _SEED_SALT, k])
            found, found_se, noise, most = evppi(gains, spline_bases(x[keep]), rng, permutations)
            partials.append(Partial(path, min(found, value), found_se, noise, most))
        found, found_se, noise, most = evppi(gains, additive_bases([x[keep] for x in drawn.values()]),
                                             np.random.default_rng([seed, _SEED_SALT, 0, 1]), permutations)
        together = Partial(TOGETHER, min(found, value), found_se, noise, most)
        partials.sort(key=lambda p: -p.evppi)
    elif len(chosen) == 1 and drawn:
        partials = [Partial(path, 0.0, 0.0, 0.0, 1) for path in drawn]
        together = Partial(TOGETHER, 0.0, 0.0, 0.0, 1)
    return ValueOfInformation(scenario=results.scenario.name, metric=metric, currency=results.scenario.company.currency,
                              runs=n, seed=seed, strategies=tuple(chosen), best=chosen[best],
                              means={s: float(sign * m) for s, m in zip(chosen, means)}, evpi=value, evpi_se=se,
                              evpi_ci95=ci, partials=tuple(partials), together=together, note=note, chooses=chooses)


def summary_block(results) -> Optional[dict]:
    """The ``value_of_information`` block of a run's summary.json: of NPV between every strategy; None when
    the results have no NPV (results made without one) or no runs."""
    if not results.strategies or any(METRIC not in results.runs[s] for s in results.strategies) \
            or results.n_runs == 0:
        return None
    return value_of_information(results).as_dict()


def of_results(results) -> Optional[ValueOfInformation]:
    """The value of information of NPV for ``results``: its summary's block when it has one, else computed
    (results saved before summaries held it); None when there is none."""
    block = (results.summary or {}).get("value_of_information")
    seed = int((results.summary or {}).get("provenance", {}).get("seed", results.scenario.seed))
    if isinstance(block, dict) and block.get("metric"):
        return ValueOfInformation.from_dict(block, results.scenario.name, seed)
    block = summary_block(results)
    return ValueOfInformation.from_dict(block, results.scenario.name, seed) if block else None
