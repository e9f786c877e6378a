"""Statistics of Monte Carlo runs: what each strategy's metrics look like, and how strategies compare.

A metric's summary is what a finance team reads off a distribution: its
mean with a standard error and a 95% confidence interval for that mean, its
spread (standard deviation, percentiles, extremes), and how many runs left it
undefined. A month that never happens (cash never ran out) is NaN in a run;
the statistics describe the runs where it did happen, and ``share_defined``
says how often that was (for ``cash_out_month``: the chance of running out).

Comparisons are run by run: with common random numbers, run i of strategy A
and run i of strategy B saw the same market, so ``p_better`` is the share of
those paired futures in which A came out ahead.
"""
from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from simulator.engine.catalogue import lower_is_better, nan_means_never, shown_in

PERCENTILES = (5, 10, 25, 50, 75, 90, 95)

# The metrics strategies are compared on, and the ones precision control watches (from the catalogue).
KEY_METRICS = shown_in("compare")


def t_critical(n: int) -> float:
    """Two-sided 95% Student-t critical value for a mean of ``n`` values (NaN below 2)."""
    from scipy import stats    # loaded when a summary is first made, not with the package
    return float(stats.t.ppf(0.975, n - 1)) if n >= 2 else math.nan


def _spread(x: np.ndarray) -> dict:
    """Mean, std, se, ci95 and percentiles of finite-or-not values with no NaN in them."""
    n = x.size
    if n == 0:
        nan = math.nan
        return {"mean": nan, "std": nan, "se": nan, "ci95": [nan, nan],
                **{f"p{q}": nan for q in PERCENTILES}, "min": nan, "max": nan}
    mean = float(np.mean(x))
    std = float(np.std(x, ddof=1)) if n >= 2 else math.nan
    se = std / math.sqrt(n)
    half = t_critical(n) * se
    return {"mean": mean, "std": std, "se": se, "ci95": [mean - half, mean + half],
            **{f"p{q}": float(v) for q, v in zip(PERCENTILES, np.percentile(x, PERCENTILES))},
            "min": float(np.min(x)), "max": float(np.max(x))}


def describe(values) -> dict:
    """Summary of one metric over runs, ignoring NaN (a run where the metric did not happen).

    Returns ``mean``, ``std`` (sample, ddof=1), ``se`` (std / sqrt(n)),
    ``ci95`` ([low, high] for the mean, Student t), ``p5`` ... ``p95``
    (linear interpolation), ``min``, ``max``; ``n`` (runs with a value),
    ``nan_runs`` (runs without one) and ``share_defined`` (n / runs).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    defined = x[~np.isnan(x)]
    summary = _spread(defined)
    summary.update(n=int(defined.size), nan_runs=int(x.size - defined.size),
                   share_defined=float(defined.size / x.size) if x.size else math.nan)
    return summary


def compare(a, b, metric: str) -> dict:
    """How strategy A's ``metric`` compares with B's, run by run (arrays of the same runs).

    ``p_better``: share of runs where A is strictly better (higher, or lower
    for metrics whose catalogue entry says lower is better); ``p_tie``: share where they are
    equal; ``mean_diff`` (A - B) with its ``se`` and ``ci95``; ``p5`` ...
    ``p95``, ``min``, ``max`` of the difference A - B. Runs where either is
    NaN are left out (``n`` says how many remain), except that for the month
    of an event that may never happen (``cash_out_month``; see
    :func:`~simulator.engine.catalogue.nan_means_never`) NaN ranks as later
    than any month in ``p_better`` and ``p_tie``, which then count every run
    (``n_ranked``); the difference's figures still use the runs where both
    happened.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare {metric} over {a.shape[0]} runs with {b.shape[0]} runs: "
                         "comparisons pair the same runs")
    both = ~(np.isnan(a) | np.isnan(b))
    diff = a[both] - b[both]
    lower = lower_is_better(metric)
    n = int(diff.size)
    if nan_means_never(metric):
        ranked_a, ranked_b = np.where(np.isnan(a), np.inf, a), np.where(np.isnan(b), np.inf, b)
    else:
        ranked_a, ranked_b = a[both], b[both]
    ranked = int(ranked_a.size)
    better = (ranked_a < ranked_b) if lower else (ranked_a > ranked_b)
    spread = _spread(diff)
    return {"better": "lower" if lower else "higher",
            "p_better": float(np.mean(better)) if ranked else math.nan,
            "p_tie": float(np.mean(ranked_a == ranked_b)) if ranked else math.nan,
            "mean_diff": spread.pop("mean"), **spread, "n": n, "n_ranked": ranked}


def pair_name(a: str, b: str) -> str:
    """The key of a comparison of strategy A against B in ``comparisons``: 'A vs B'."""
    return f"{a} vs {b}"


def summarize(runs: dict, metrics=None) -> dict:
    """``strategies`` (per strategy and metric: :func:`describe`) and ``comparisons``.

    ``runs`` maps strategy -> metric -> array of per-run values, the same
    runs for every strategy. ``comparisons["A vs B"][metric]`` is
    :func:`compare` of A against B on each of :data:`KEY_METRICS`, for every
    pair of strategies, A before B in the given order.
    """
    strategies = list(runs)
    per_strategy = {s: {m: describe(v) for m, v in runs[s].items() if metrics is None or m in metrics}
                    for s in strategies}
    comparisons = {pair_name(a, b): {m: compare(runs[a][m], runs[b][m], m) for m in KEY_METRICS
                                     if m in runs[a] and m in runs[b]}
                   for a, b in combinations(strategies, 2)}
    return {"strategies": per_strategy, "comparisons": comparisons}


def relative_half_width(values) -> float:
    """Half-width of the 95% CI of the mean, as a share of |mean| (the precision a run has reached).

    0 when every run agrees, infinite when the mean is 0 but runs differ or
    fewer than two runs have a value; NaN runs are left out.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    if x.size < 2:
        return math.inf
    half = t_critical(x.size) * float(np.std(x, ddof=1)) / math.sqrt(x.size)
    if half == 0:
        return 0.0
    mean = abs(float(np.mean(x)))
    return half / mean if mean > 0 else math.inf
