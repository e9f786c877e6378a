"""Rank correlation of per-run inputs with a metric: Spearman's rho, its 95% interval, and the rank regression.

Each Monte Carlo run drew every uncertain input once and produced one value
of each metric, so a results set is a table of (inputs, metric) pairs and
"what drives the result" can be read from it without simulating anything
more. Ranks rather than values, as @RISK and Crystal Ball rank inputs: a
monotone effect counts whatever its shape (a lead rate that doubles NPV
counts as much as one that raises it by a fixed step), and a few extreme
runs do not swamp the rest.

- :func:`rank_correlation`: Spearman's rho (the Pearson correlation of the
  ranks, ties given their average rank, as ``scipy.stats.spearmanr``), with
  a 95% interval from Fisher's z transform and Bonett and Wright's (2000)
  standard error for Spearman's rho, sqrt((1 + rho^2 / 2) / (n - 3)).
- :func:`rank_r2`: the R^2 of the linear regression of the metric's ranks on
  all the inputs' ranks: the share of the metric's (rank) variance that the
  inputs drawn once per run explain together; the rest is chance deal by
  deal (arrivals, committees, deal sizes drawn per deal).
- :func:`variance_shares`: each input's share of that variance: its rho^2,
  normalised over the inputs (Crystal Ball's "contribution to variance"),
  scaled to add up to the regression's R^2.
"""
from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054     # the standard normal's 97.5th percentile (scipy.stats.norm.ppf(0.975))


def ranks(values) -> np.ndarray:
    """Ranks 1..n of the values, ties given their average rank."""
    from scipy import stats    # loaded when ranks are first needed, not with the package
    return stats.rankdata(np.asarray(values, dtype=np.float64))


def varies(values) -> bool:
    """Whether the finite values of an input take more than one value (an input that does not is left out)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    return x.size >= 2 and bool(np.ptp(x) > 0)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float(np.dot(a, a)) * float(np.dot(b, b)))
    return float(np.dot(a, b)) / denominator if denominator > 0 else math.nan


def fisher_interval(rho: float, n: int) -> tuple[float, float]:
    """95% interval for a Spearman rho from ``n`` pairs: tanh(atanh(rho) +- 1.96 se), se from Bonett and Wright.

    NaN for fewer than 4 pairs or an undefined rho; a rho of exactly +-1 has the interval [rho, rho].
    """
    if n < 4 or not math.isfinite(rho):
        return math.nan, math.nan
    if abs(rho) >= 1:
        return rho, rho
    se = math.sqrt((1 + rho * rho / 2) / (n - 3))
    z = math.atanh(rho)
    return math.tanh(z - Z95 * se), math.tanh(z + Z95 * se)


def rank_correlation(x, y) -> tuple[float, float, float, int]:
    """(rho, ci_low, ci_high, n): Spearman's rho of ``x`` with ``y`` over the runs where both are finite.

    rho is NaN when either is constant over those runs (nothing to rank).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    both = np.isfinite(x) & np.isfinite(y)
    n = int(both.sum())
    if n < 2:
        return math.nan, math.nan, math.nan, n
    rho = _pearson(ranks(x[both]), ranks(y[both]))
    low, high = fisher_interval(rho, n)
    return rho, low, high, n


def rank_r2(inputs: list[np.ndarray], y) -> float:
    """R^2 of the least-squares regression of y's ranks on the inputs' ranks (with an intercept).

    Runs where y or an input is not finite are left out; NaN when fewer runs
    remain than the regression has coefficients plus two, or y is constant.
    """
    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(y)
    for x in inputs:
        keep &= np.isfinite(x)
    n = int(keep.sum())
    if n < len(inputs) + 3 or not varies(y[keep]):
        return math.nan
    target = ranks(y[keep])
    design = np.column_stack([np.ones(n)] + [ranks(np.asarray(x)[keep]) for x in inputs])
    coefficients = np.linalg.lstsq(design, target, rcond=None)[0]
    residual = target - design @ coefficients
    centred = target - target.mean()
    return float(max(0.0, 1.0 - np.dot(residual, residual) / np.dot(centred, centred)))


def variance_shares(rhos: list[float], r2: float) -> list[float]:
    """Each input's share of the metric's rank variance: rho^2 / sum of rho^2, times the rank regression's R^2.

    With independent inputs rho^2 is itself the share one input explains
    alone, and the squares add up to about R^2; the scaling removes the
    sampling noise of many small rhos and the overlap of correlated inputs.
    """
    squares = [rho * rho if math.isfinite(rho) else 0.0 for rho in rhos]
    total = sum(squares)
    if not math.isfinite(r2):
        return [math.nan] * len(rhos)
    return [square / total * r2 if total > 0 else 0.0 for square in squares]
