"""Fitting a distribution to two percentiles: the gamma and beta that pass through them.

Normal, lognormal and uniform have closed forms (in ``distributions``);
gamma and beta need a solver. Both refuse, with a message naming the
values, a pair no member of the family can match exactly.
"""
from __future__ import annotations

import functools
import math

import numpy as np
from scipy import optimize, special


@functools.lru_cache(maxsize=4096)
def fit_gamma(qa: float, a: float, qb: float, b: float) -> tuple[float, float]:
    """Gamma (shape, scale) whose qa- and qb-quantiles are a and b; cached, as runs ask again and again."""
    target = math.log(b) - math.log(a)

    def gap(log_k):
        k = math.exp(log_k)
        return float(np.log(special.gammaincinv(k, qb)) - np.log(special.gammaincinv(k, qa)) - target)

    impossible = ValueError(f"no gamma distribution has these percentiles ({a:.10g}, {b:.10g}): they are "
                            "too close together or too far apart; try a normal or a lognormal")
    with np.errstate(all="ignore"):
        # The spread of the two percentiles falls as the shape grows; a very small shape
        # underflows both to 0, so look for the sign change among the shapes that compute.
        grid = np.linspace(-8.0, 12.0, 81)
        gaps = [gap(x) for x in grid]
        bracket = next(((grid[i], grid[i + 1]) for i in range(len(grid) - 1)
                        if math.isfinite(gaps[i]) and math.isfinite(gaps[i + 1])
                        and gaps[i] * gaps[i + 1] <= 0), None)
        if bracket is None:
            raise impossible
        k = math.exp(optimize.brentq(gap, *bracket, xtol=1e-13))
        scale = a / special.gammaincinv(k, qa)
        found = special.gammaincinv(k, np.array([qa, qb])) * scale
    if not np.all(np.isfinite(found)) or not np.allclose(found, [a, b], rtol=1e-8, atol=0):
        raise impossible
    return k, float(scale)


@functools.lru_cache(maxsize=4096)
def fit_beta(qa: float, a: float, qb: float, b: float) -> tuple[float, float]:
    """Beta (alpha, beta) whose qa- and qb-quantiles are a and b; cached, as runs ask again and again."""
    # Start from the beta whose moments match a logit-normal through the two percentiles.
    logit = special.logit
    z = special.ndtri(qb)
    mu, s = (logit(a) + logit(b)) / 2, (logit(b) - logit(a)) / (2 * z)
    m = special.expit(mu)
    var = min(max((m * (1 - m) * s) ** 2, 1e-300), 0.9 * m * (1 - m))
    common = m * (1 - m) / var - 1
    low, high = -9.0, 14.0
    start = np.clip(np.log([max(m * common, 1e-3), max((1 - m) * common, 1e-3)]), low + 1e-9, high - 1e-9)

    def gaps(log_ab):
        # On the logit scale, so that percentiles near 0 or 1 are matched in relative terms.
        al, be = np.exp(log_ab)
        found = logit([special.betaincinv(al, be, qa), special.betaincinv(al, be, qb)])
        return np.nan_to_num(found - logit([a, b]), nan=1e6, posinf=1e6, neginf=-1e6)

    if not np.all(np.isfinite(start)) or not np.all(np.isfinite(logit([a, b]))):
        raise ValueError(f"no beta distribution has these percentiles ({a:.10g}, {b:.10g}): they are too near "
                         "the ends of the range")
    with np.errstate(all="ignore"):
        solution = optimize.least_squares(gaps, start, bounds=([low, low], [high, high]), xtol=1e-15, ftol=1e-15,
                                          gtol=1e-15)
    if max(abs(g) for g in solution.fun) > 1e-8:
        raise ValueError(f"no beta distribution has these percentiles ({a:.10g}, {b:.10g}): they are too close "
                         "together or too near the ends; try a normal or a uniform")
    return tuple(float(x) for x in np.exp(solution.x))
