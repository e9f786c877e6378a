"""Rank correlation, its interval and the rank regression, against scipy and hand-computed answers."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.analysis import correlation


def test_rho_is_scipy_spearman_with_ties_and_undefined_runs_left_out():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 12, 400).astype(float)            # many ties
    y = np.exp(0.3 * x) + rng.normal(0, 2, 400)
    y[::17] = np.nan                                        # runs where the metric did not happen
    rho, low, high, n = correlation.rank_correlation(x, y)
    keep = ~np.isnan(y)
    expected = stats.spearmanr(x[keep], y[keep]).statistic
    assert n == keep.sum()
    assert rho == pytest.approx(expected, abs=1e-12)
    assert low < rho < high


def test_interval_is_fisher_z_with_the_spearman_standard_error():
    rho, n = 0.5, 103
    se = math.sqrt((1 + rho ** 2 / 2) / (n - 3))             # Bonett and Wright (2000)
    low, high = correlation.fisher_interval(rho, n)
    assert low == pytest.approx(math.tanh(math.atanh(rho) - 1.959964 * se), abs=1e-6)
    assert high == pytest.approx(math.tanh(math.atanh(rho) + 1.959964 * se), abs=1e-6)
    assert correlation.fisher_interval(1.0, 50) == (1.0, 1.0)
    assert all(math.isnan(v) for v in correlation.fisher_interval(0.3, 3))


def test_the_interval_covers_the_true_rank_correlation_about_95_percent_of_the_time():
    # bivariate normal with correlation r: Spearman's rho is 6/pi asin(r/2)
    rng = np.random.default_rng(5)
    r, n, trials = 0.6, 80, 600
    true = 6 / math.pi * math.asin(r / 2)
    cover = 0
    for _ in range(trials):
        z = rng.standard_normal((n, 2))
        x, y = z[:, 0], r * z[:, 0] + math.sqrt(1 - r * r) * z[:, 1]
        _, low, high, _ = correlation.rank_correlation(x, y)
        cover += low <= true <= high
    se = math.sqrt(0.95 * 0.05 / trials)
    assert abs(cover / trials - 0.95) < 4 * se


def test_a_constant_input_or_metric_has_no_correlation():
    assert math.isnan(correlation.rank_correlation(np.ones(10), np.arange(10.0))[0])
    assert not correlation.varies(np.ones(10)) and not correlation.varies([np.nan, 2.0])
    assert correlation.varies([1.0, np.nan, 2.0])


def test_rank_regression_r2_and_shares():
    rng = np.random.default_rng(8)
    n = 4000
    a, b, c = rng.random(n), rng.random(n), rng.random(n)
    y = 3 * a + 1 * b + rng.random(n) * 0.5                # c does not enter
    r2 = correlation.rank_r2([a, b, c], y)
    assert 0.8 < r2 < 1.0
    rhos = [correlation.rank_correlation(x, y)[0] for x in (a, b, c)]
    shares = correlation.variance_shares(rhos, r2)
    assert sum(shares) == pytest.approx(r2)
    assert shares[0] > shares[1] > shares[2] and shares[2] < 0.005
    # one input that is the metric's ranks explains all of it
    assert correlation.rank_r2([a], a ** 3) == pytest.approx(1.0)
    assert correlation.variance_shares([0.0, 0.0], 0.0) == [0.0, 0.0]
