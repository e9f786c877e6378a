"""The estimates against the truth: known generating parameters, closed forms, and censoring."""
import numpy as np
import pytest
from fit_helpers import synthetic_history

from simulator.fit.estimate import (FitError, cumulative_incidence, fit_cycles, fit_rate, fit_value, kaplan_meier,
                                    naive_cycles)


@pytest.fixture(scope="module")
def censored():
    """A history where a third of the deals are still open: long cycles in a short window."""
    days, outcome = synthetic_history(seed=11, n=800, window_days=365, won=(240.0, 100.0), lost=(60.0, 30.0))
    return days, outcome, fit_cycles(days, outcome, "gamma")


def test_open_deals_are_a_large_share_of_the_history(censored):
    days, outcome, _ = censored
    assert 0.2 < np.mean(outcome == "open") < 0.5


def test_censored_fit_recovers_the_win_rate_and_cycles_within_their_standard_errors(censored):
    _, _, fit = censored
    for what, truth in ((lambda f: f.win_rate, 0.3), (lambda f: f.cycle("won").mean(), 240.0),
                        (lambda f: f.cycle("won").std(), 100.0), (lambda f: f.cycle("lost").mean(), 60.0)):
        value, se = fit.estimate(what)
        assert abs(value - truth) < 3 * se, (value, truth, se)


def test_a_fit_that_ignores_open_deals_is_biased_and_the_check_catches_it(censored):
    days, outcome, fit = censored
    naive = naive_cycles(days, outcome)
    w_se = fit.estimate(lambda f: f.win_rate)[1]
    mean_se = fit.estimate(lambda f: f.cycle("won").mean())[1]
    # closed deals alone: the slow (won) deals are still open, so fewer wins and shorter won cycles
    assert abs(naive["win_rate"] - 0.3) > 3 * w_se
    assert abs(naive["won_mean_days"] - 240.0) > 3 * mean_se
    # counting open deals as losses is as wrong
    assert abs(np.mean(outcome == "won") - 0.3) > 3 * w_se


def test_without_open_deals_the_win_rate_is_the_won_share_and_its_se_the_binomial_one():
    days, outcome = synthetic_history(seed=3, n=300, follow_up=1e6)
    assert not np.any(outcome == "open")
    fit = fit_cycles(days, outcome, "lognormal")
    w, se = fit.estimate(lambda f: f.win_rate)
    share = np.mean(outcome == "won")
    assert w == pytest.approx(share, abs=1e-5)
    assert se == pytest.approx(np.sqrt(share * (1 - share) / 300), rel=1e-3)


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    days = np.array([5.0, 1.0, 3.0, 3.0, 8.0])
    times, survival = kaplan_meier(days, np.ones(5, dtype=bool))
    assert times.tolist() == [1.0, 3.0, 5.0, 8.0]
    assert survival == pytest.approx([0.8, 0.4, 0.2, 0.0])


def test_kaplan_meier_with_censoring_by_hand():
    # 4 deals: closed at 2, open at 3, closed at 4, open at 5: S(2) = 3/4, S(4) = 3/4 * 1/2
    times, survival = kaplan_meier(np.array([2.0, 3.0, 4.0, 5.0]), np.array([True, False, True, False]))
    assert times.tolist() == [2.0, 4.0]
    assert survival == pytest.approx([0.75, 0.375])


def test_cumulative_incidences_add_up_to_one_minus_kaplan_meier():
    days, outcome = synthetic_history(seed=5, n=200)
    times, survival = kaplan_meier(days, outcome != "open")
    t_won, won = cumulative_incidence(days, outcome, "won")
    t_lost, lost = cumulative_incidence(days, outcome, "lost")
    assert won + lost == pytest.approx(1 - survival)


def _created(counts, start="2023-01-01"):
    rng = np.random.default_rng(0)
    months = np.arange(np.datetime64(start, "M"), np.datetime64(start, "M") + len(counts))
    days = []
    for month, count in zip(months, counts):
        first = month.astype("datetime64[D]")
        length = ((month + 1).astype("datetime64[D]") - first).astype(int)
        days += (first + rng.integers(0, length, count)).tolist()
    return np.array(days, dtype="datetime64[D]"), (months[-1] + 1).astype("datetime64[D]") - 1


def test_a_steady_rate_is_the_mean_count_with_the_poisson_standard_error():
    rng = np.random.default_rng(1)
    counts = rng.poisson(30, 24)
    created, as_of = _created(counts)
    rate = fit_rate(created, as_of)
    assert rate.total == counts.sum() and rate.observed_months == pytest.approx(24)
    assert not rate.trend_kept
    assert rate.per_month == pytest.approx(counts.mean())
    assert rate.per_month_sd == pytest.approx(np.sqrt(counts.sum()) / 24)
    assert abs(rate.per_month - 30) < 3 * rate.per_month_sd


def test_a_growing_rate_is_found_with_its_growth():
    rng = np.random.default_rng(2)
    expected = 20 * 1.05 ** np.arange(24)
    created, as_of = _created(rng.poisson(expected))
    rate = fit_rate(created, as_of)
    assert rate.trend_kept
    assert abs(rate.growth - 0.05) < 3 * rate.growth_se
    assert abs(rate.per_month - 20 * 1.05 ** 24) < 3 * rate.per_month_sd   # the month after the export


def test_opportunities_all_in_the_first_month_give_no_rate_and_say_why():
    """Counts of [199, 0, ..., 0] have no maximum-likelihood trend (it falls without limit): one line, not a
    numerical failure."""
    created, as_of = _created([199] + [0] * 9)
    with pytest.raises(FitError, match=r"export.csv: opportunities per month cannot be fitted: the 199 were "
                                       r"created in 1 of the 10 months from 2023-01 to 2023-10"):
        fit_rate(created, as_of, "export.csv")


def test_lognormal_amounts_keep_the_lognormal_and_recover_its_parameters():
    rng = np.random.default_rng(4)
    value = fit_value(rng.lognormal(np.log(50_000), 0.6, 150))
    assert value.kept == "lognormal" and value.test_p >= 0.05
    assert abs(value.median - 50_000) < 3 * value.median_se
    assert abs(value.sigma - 0.6) < 3 * value.sigma_se


def test_two_price_points_are_no_lognormal_and_the_amounts_are_kept():
    rng = np.random.default_rng(4)
    amounts = np.concatenate([rng.normal(10_000, 300, 100), rng.normal(90_000, 2_000, 100)])
    value = fit_value(amounts)
    assert value.kept == "empirical" and value.test_p < 0.05


def test_too_few_won_deals_say_so():
    with pytest.raises(FitError, match="1 won deal .* at least 2"):
        fit_cycles(np.array([10.0, 20.0, 30.0, 40.0]), np.array(["won", "lost", "lost", "open"]))
