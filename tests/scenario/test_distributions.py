"""Distribution specs against theory and identities, with fixed seeds and standard-error tolerances."""
import ast
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError
from scipy import stats

from simulator.scenario.distributions import DISTRIBUTIONS, PERCENTILE_LEVEL, PERCENTILE_PAIRS, Distribution

N = 200_000
LEVELS = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)

# Every distribution, in each of its forms.
CASES = [
    {"constant": {"value": 3.5}},
    {"uniform": {"low": 2, "high": 5}},
    {"uniform": {"p10": 2, "p90": 5}},
    {"uniform_int": {"low": 3, "high": 9}},
    {"triangular": {"low": 1, "mode": 2, "high": 6}},
    {"triangular": {"low": 0, "mode": 0, "high": 1}},
    {"pert": {"low": 1, "mode": 2, "high": 6}},
    {"pert": {"low": 30, "mode": 60, "high": 150, "lambda": 2}},
    {"normal": {"mean": 10, "sd": 2}},
    {"normal": {"p5": -5, "p95": 20}},
    {"normal": {"mean": 1, "sd": 2, "low": 0}},
    {"normal": {"mean": 0, "sd": 1, "low": -1, "high": 2}},
    {"lognormal": {"median": 100, "sigma": 0.5}},
    {"lognormal": {"mean": 100, "sd": 30}},
    {"lognormal": {"p5": 50_000, "p95": 250_000}},
    {"gamma": {"shape": 2.5, "scale": 4}},
    {"gamma": {"mean": 1.6, "sd": 1.0}},
    {"gamma": {"p25": 10, "p75": 40}},
    {"beta": {"a": 2, "b": 5}},
    {"beta": {"mean": 0.15, "sd": 0.05}},
    {"beta": {"p5": 0.75, "p95": 0.95}},
    {"beta": {"a": 0.5, "b": 0.5, "low": 100, "high": 200}},
    {"poisson": {"mean": 3.5}},
    {"poisson": {"mean": 0}},
    {"binomial": {"n": 10, "p": 0.3}},
    {"empirical": {"values": [42_000, 55_000, 61_000, 61_000, 98_000, 120_000]}},
    {"choice": {"values": [1, 2, 3], "weights": [0.5, 0.3, 0.2]}},
    {"choice": {"values": [7, 5]}},
]


def label(case):
    (name, params), = case.items()
    return f"{name}-" + "-".join(f"{k}{v}" for k, v in params.items())[:40]


def spec(case) -> Distribution:
    return Distribution.model_validate(case)


def draws(dist: Distribution, seed: int = 20240601) -> np.ndarray:
    return dist.sample(np.random.default_rng(seed), N)


def test_every_distribution_is_tested():
    assert {next(iter(case)) for case in CASES} == set(DISTRIBUTIONS)


@pytest.mark.parametrize("case", CASES, ids=label)
def test_sample_mean_matches_mean_within_4_standard_errors(case):
    dist = spec(case)
    x = draws(dist)
    se = x.std(ddof=1) / math.sqrt(N)
    assert abs(x.mean() - dist.mean()) <= 4 * se + 1e-12 * abs(dist.mean())


@pytest.mark.parametrize("case", CASES, ids=label)
def test_samples_stay_within_the_support(case):
    dist = spec(case)
    low, high = dist.support()
    x = draws(dist)
    assert x.min() >= low and x.max() <= high


@pytest.mark.parametrize("case", CASES, ids=label)
def test_ppf_is_monotone_and_within_the_support(case):
    dist = spec(case)
    u = np.linspace(1e-6, 1 - 1e-6, 2001)
    x = np.asarray(dist.ppf(u), dtype=float)
    assert np.all(np.isfinite(x))
    assert np.all(np.diff(x) >= 0)
    low, high = dist.support()
    assert x.min() >= low and x.max() <= high


@pytest.mark.parametrize("case", CASES, ids=label)
def test_ppf_matches_the_sample_quantiles(case):
    # For x = ppf(q): P(X < x) <= q <= P(X <= x), whether X is continuous or discrete;
    # the sample shares may miss by sampling error, sd sqrt(q (1 - q) / N).
    dist = spec(case)
    x = np.sort(draws(dist))
    for q in LEVELS:
        at = float(dist.ppf(q))
        tolerance = 4 * math.sqrt(q * (1 - q) / N)
        below = np.searchsorted(x, at, side="left") / N
        at_or_below = np.searchsorted(x, at, side="right") / N
        assert below <= q + tolerance, (q, at, below)
        assert at_or_below >= q - tolerance, (q, at, at_or_below)


SCIPY_LAWS = {
    "uniform_int": lambda p: stats.randint(p["low"], p["high"] + 1),
    "poisson": lambda p: stats.poisson(p["mean"]),
    "binomial": lambda p: stats.binom(p["n"], p["p"]),
}


@pytest.mark.parametrize("case", [c for c in CASES if next(iter(c)) in SCIPY_LAWS], ids=label)
def test_discrete_ppf_agrees_with_the_scipy_law(case):
    (name, params), = case.items()
    q = np.array(LEVELS)
    np.testing.assert_array_equal(spec(case).ppf(q), SCIPY_LAWS[name](params).ppf(q))


FITS = {
    "normal": [(-5.0, 20.0), (0.1, 0.2), (1e6, 3e6)],
    "lognormal": [(50_000.0, 250_000.0), (4.0, 9.0), (0.01, 100.0)],
    "uniform": [(2.0, 5.0), (-1.0, 1.0)],
    "gamma": [(10.0, 40.0), (0.5, 30.0), (95.0, 110.0), (1e-3, 1e3)],
    "beta": [(0.01, 0.04), (0.75, 0.95), (0.2, 0.9), (0.001, 0.002)],
}


@pytest.mark.parametrize("name, low, high", [(n, a, b) for n, pairs in FITS.items() for a, b in pairs])
@pytest.mark.parametrize("pair", PERCENTILE_PAIRS, ids="/".join)
def test_percentile_form_reproduces_the_given_percentiles(name, low, high, pair):
    lo_key, hi_key = pair
    dist = spec({name: {lo_key: low, hi_key: high}})
    found = dist.ppf(np.array([PERCENTILE_LEVEL[lo_key], PERCENTILE_LEVEL[hi_key]]))
    np.testing.assert_allclose(found, [low, high], rtol=1e-6)


def test_beta_percentiles_on_a_scaled_range():
    dist = spec({"beta": {"p10": 120, "p90": 180, "low": 100, "high": 200}})
    np.testing.assert_allclose(dist.ppf(np.array([0.1, 0.9])), [120, 180], rtol=1e-6)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.sampled_from(sorted(FITS)), st.sampled_from(PERCENTILE_PAIRS),
       st.floats(1e-6, 1e6), st.floats(1.0001, 1e4))
def test_a_percentile_fit_is_exact_or_refused(name, pair, low, ratio):
    # Any range: the fit reproduces it, or validation refuses it with a message; never a wrong fit.
    if name == "beta":
        low, high = low / (1 + low), (low * ratio) / (1 + low * ratio)
    else:
        high = low * ratio
    try:
        dist = spec({name: {pair[0]: low, pair[1]: high}})
    except ValidationError as err:
        assert "no " in str(err) and "distribution has these percentiles" in str(err)
        return
    found = dist.ppf(np.array([PERCENTILE_LEVEL[pair[0]], PERCENTILE_LEVEL[pair[1]]]))
    np.testing.assert_allclose(found, [low, high], rtol=1e-6)


@pytest.mark.parametrize("case, says", [
    ({"lognormal": {"p5": 300, "p95": 200}}, "p5 (=300) must be below p95 (=200)"),
    ({"lognormal": {"p5": 300}}, "p5 and p95 go together"),
    ({"normal": {"p5": 1, "p95": 2, "p25": 1.2, "p75": 1.8}}, "not several"),
    ({"normal": {"mean": 1, "sd": 1, "p5": 0, "p95": 2}}, "not several"),
    ({"normal": {"mean": 1}}, "missing sd"),
    ({"lognormal": {"p5": -1, "p95": 2}}, "must be > 0"),
    ({"beta": {"p5": 0.5, "p95": 1.5}}, "strictly inside"),
    ({"beta": {"mean": 0.5, "sd": 0.9}}, "no beta distribution has mean"),
    ({"triangular": {"low": 3, "mode": 1, "high": 2}}, "low <= mode <= high"),
    ({"uniform_int": {"low": 5, "high": 4}}, "must not exceed high"),
    ({"uniform_int": {"low": 5.5, "high": 9}}, "valid integer"),
    ({"poisson": {"mean": True}}, "valid number"),
    ({"uniform": {"low": "1", "high": 3}}, "valid number"),
    ({"choice": {"values": [1, 2], "weights": [1]}}, "weights has 1 entries"),
    ({"normal": {"mean": 0, "sd": 1, "low": 50}}, "leaves almost no probability"),
    ({"gamma": {"p5": 5, "p95": 5.000000001}}, "no gamma distribution has these percentiles"),
    ({"gamma": {"p5": 1e-300, "p95": 1e300}}, "no gamma distribution has these percentiles"),
    ({"beta": {"p5": 1e-300, "p95": 1e-299}}, "no beta distribution has these percentiles"),
    ({}, "expected exactly one distribution"),
    ({"gamma": {"mean": 1, "sd": 1}, "beta": {"a": 1, "b": 1}}, "expected exactly one distribution"),
])
def test_bad_specs_are_refused_with_a_message_naming_the_values(case, says):
    with pytest.raises(ValidationError) as caught:
        spec(case)
    assert says in str(caught.value)


def test_whole_numbers_may_be_written_as_floats():
    assert spec({"uniform_int": {"low": 6.0, "high": 1e1}}).support() == (6.0, 10.0)


def test_sampling_does_not_touch_global_random_state():
    np.random.seed(7)
    before = np.random.random()
    np.random.seed(7)
    for case in CASES:
        spec(case).sample(np.random.default_rng(1), 10)
    assert np.random.random() == before


def test_distributions_import_no_scipy_when_loaded():
    """scipy takes about a second to import: the module leaves it, and the percentile fits, to the methods."""
    import simulator.scenario.distributions as module

    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    top = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = [alias.name for node in top if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module for node in top if isinstance(node, ast.ImportFrom)]
    assert not [name for name in names if name.split(".")[0] == "scipy" or name.endswith("percentile_fit")], names
