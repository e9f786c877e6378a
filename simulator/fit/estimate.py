"""Estimating from opportunities: the lead rate, the win rate with cycle lengths, and the contract value.

Each estimate comes with its standard error, because the uncertainty of a
small history is what the scenario's ``per: run`` distributions carry into
the Monte Carlo.

- Opportunities per month: a Poisson regression of the monthly counts on
  time (the level and the monthly trend), by maximum likelihood.
- Win rate and cycle lengths, together: each deal is won with chance ``w``
  after a won-cycle drawn from one distribution, or lost after a lost-cycle
  from another. A closed deal contributes its density; a deal still open
  after ``a`` days contributes the chance it is still open,
  ``w S_won(a) + (1 - w) S_lost(a)``: a right-censored observation of both
  its outcome and its length. Dropping open deals would keep the quick
  ones and lose the slow ones (cycles too short); counting them as losses
  would lower the win rate. Gamma and lognormal cycles are both fitted;
  the AIC tells them apart.
- Contract value: a lognormal fitted to the won amounts (the mean and sd
  of the log amounts; the median's log has standard error sigma / sqrt(n),
  sigma about sigma / sqrt(2 (n - 1))), kept if a
  Shapiro-Wilk test of their logarithms (at most 5,000 of them, drawn with
  a fixed seed) does not reject it at 5%, else the amounts themselves (an
  empirical distribution).
- Kaplan-Meier and Aalen-Johansen curves, the data's own view of the same
  cycles, for the charts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import optimize, special, stats

MIN_CLOSED = 2      # won and lost deals needed at least to fit their cycles
TREND_Z = 2.0       # a trend is kept when it is this many standard errors from zero
TEST_LEVEL = 0.05   # the goodness-of-fit test's level
SHAPIRO_MAX = 5000  # values Shapiro-Wilk tests at most


class FitError(ValueError):
    """Data that cannot give an estimate (too few deals of a kind): one line saying what is missing."""


# -- opportunities per month ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RateFit:
    """Opportunities created per month: counts, the fitted level for the next month, and the trend."""

    months: list[str]                 # "2024-01", ... from the first creation to the export
    counts: np.ndarray                # opportunities created in each month
    exposure: np.ndarray              # share of each month observed (the export's month is partial)
    per_month: float                  # the rate expected in the month after the export
    per_month_sd: float               # its standard error
    growth: float                     # monthly growth (0 when no trend is kept)
    growth_se: float
    trend_kept: bool
    trend_z: float                    # the fitted trend over its standard error

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def observed_months(self) -> float:
        return float(self.exposure.sum())


def fit_rate(created: np.ndarray, as_of: np.datetime64, source: str = "") -> RateFit:
    """Fit opportunities per month (created dates; the export taken on ``as_of``).

    ``source`` (the export's file) begins the FitError raised when the months' counts admit no trend (every
    opportunity in the first months, none after).
    """
    month = created.astype("datetime64[M]")
    first, last = month.min(), np.datetime64(as_of, "M")
    labels = np.arange(first, last + 1)
    counts = np.bincount((month - first).astype(int), minlength=len(labels)).astype(float)
    exposure = np.ones(len(labels))
    days_in_last = ((last + 1).astype("datetime64[D]") - last.astype("datetime64[D]")).astype(int)
    exposure[-1] = ((as_of - last.astype("datetime64[D]")).astype(int) + 1) / days_in_last
    n, e = counts.sum(), exposure.sum()
    flat = RateFit([str(m) for m in labels], counts, exposure, n / e, np.sqrt(n) / e, 0.0, 0.0, False, 0.0)
    if len(labels) < 3:
        return flat
    t = np.arange(len(labels)) - (len(labels) - 1)      # 0 in the export's month
    try:
        beta, cov = _poisson_regression(counts, exposure, t)
    except np.linalg.LinAlgError:
        beta = cov = None
    if beta is None or not (np.all(np.isfinite(beta)) and np.all(np.isfinite(cov))):
        busy = int(np.count_nonzero(counts))
        raise FitError(f"{_where(source)}opportunities per month cannot be fitted: the {int(n)} were created in {busy} "
                       f"of the {len(labels)} months from {labels[0]} to {labels[-1]} (the export's date, or "
                       "--as-of), so the rate falls without limit; is the export filtered by created date, or "
                       "--as-of long after its last opportunity?")
    z = beta[1] / np.sqrt(cov[1, 1]) if cov[1, 1] > 0 else 0.0
    if abs(z) < TREND_Z:
        return RateFit(flat.months, counts, exposure, flat.per_month, flat.per_month_sd, 0.0, 0.0, False, float(z))
    level = float(np.exp(beta[0] + beta[1]))            # the month after the export
    log_sd = float(np.sqrt(cov[0, 0] + 2 * cov[0, 1] + cov[1, 1]))
    return RateFit(flat.months, counts, exposure, level, level * log_sd, float(np.expm1(beta[1])),
                   float(np.exp(beta[1]) * np.sqrt(cov[1, 1])), True, float(z))


def _poisson_regression(y: np.ndarray, exposure: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum likelihood of log(mean) = b0 + b1 t + log(exposure), by Newton's method; (b, covariance)."""
    x = np.column_stack([np.ones_like(t, dtype=float), t])
    b = np.array([np.log(y.sum() / exposure.sum()), 0.0])
    for _ in range(50):
        mu = exposure * np.exp(x @ b)
        info = x.T @ (mu[:, None] * x)
        step = np.linalg.solve(info, x.T @ (y - mu))
        b = b + step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = exposure * np.exp(x @ b)
    return b, np.linalg.inv(x.T @ (mu[:, None] * x))


# -- win rate and cycle lengths ---------------------------------------------------------------------------

FAMILIES = {
    # name: (frozen scipy distribution from two free parameters, free parameters from a sample)
    "gamma": (lambda p: stats.gamma(np.exp(p[0]), scale=np.exp(p[1])),
              lambda x: np.log([np.mean(x) ** 2 / np.var(x), np.var(x) / np.mean(x)])),
    "lognormal": (lambda p: stats.lognorm(np.exp(p[1]), scale=np.exp(p[0])),
                  lambda x: np.array([np.mean(np.log(x)), np.log(np.std(np.log(x)))])),
}


def _log_density(family: str, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log pdf of the family with free parameters ``p`` at ``x`` (what the frozen scipy one gives, faster)."""
    if family == "gamma":
        k, scale = np.exp(p)
        return (k - 1) * np.log(x) - x / scale - special.gammaln(k) - k * np.log(scale)
    z = (np.log(x) - p[0]) / np.exp(p[1])
    return -0.5 * z ** 2 - np.log(x) - p[1] - 0.5 * np.log(2 * np.pi)


def _log_survival(family: str, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log of the chance to exceed ``x``."""
    if family == "gamma":
        k, scale = np.exp(p)
        with np.errstate(divide="ignore"):
            return np.log(special.gammaincc(k, x / scale))
    return special.log_ndtr(-(np.log(np.maximum(x, 1e-300)) - p[0]) / np.exp(p[1]))


@dataclass(frozen=True)
class CycleFit:
    """The win rate and the won and lost cycle lengths (days), fitted together with open deals censored.

    ``theta`` = (logit w, won-cycle parameters, lost-cycle parameters) on
    the free scale; ``cov`` its covariance (the inverse of the observed
    information).
    """

    family: str
    theta: np.ndarray
    cov: np.ndarray
    loglik: float
    n_won: int
    n_lost: int
    n_open: int

    @property
    def aic(self) -> float:
        return 2 * len(self.theta) - 2 * self.loglik

    def cycle(self, outcome: str):
        """The fitted cycle distribution of won or lost deals (a frozen scipy distribution)."""
        p = self.theta[1:3] if outcome == "won" else self.theta[3:5]
        return FAMILIES[self.family][0](p)

    @property
    def win_rate(self) -> float:
        return float(special.expit(self.theta[0]))

    def estimate(self, what: Callable[["CycleFit"], float]) -> tuple[float, float]:
        """A quantity of the fit and its standard error (delta method, numerical gradient)."""
        value = what(self)
        grad = np.zeros(len(self.theta))
        for i in range(len(self.theta)):
            h = 1e-5 * max(1.0, abs(self.theta[i]))
            up, down = self.theta.copy(), self.theta.copy()
            up[i] += h
            down[i] -= h
            grad[i] = (what(_with(self, up)) - what(_with(self, down))) / (2 * h)
        return float(value), float(np.sqrt(max(grad @ self.cov @ grad, 0.0)))

    def survival(self, days: np.ndarray) -> np.ndarray:
        """The chance a deal is still open ``days`` after creation."""
        w = self.win_rate
        return w * self.cycle("won").sf(days) + (1 - w) * self.cycle("lost").sf(days)

    def incidence(self, days: np.ndarray, outcome: str) -> np.ndarray:
        """The chance a deal has been won (lost) within ``days``."""
        share = self.win_rate if outcome == "won" else 1 - self.win_rate
        return share * self.cycle(outcome).cdf(days)


def _where(source: str) -> str:
    """``source: `` to begin a message, or nothing without a source."""
    return f"{source}: " if source else ""


def _with(fit: CycleFit, theta: np.ndarray) -> CycleFit:
    return CycleFit(fit.family, theta, fit.cov, fit.loglik, fit.n_won, fit.n_lost, fit.n_open)


def fit_cycles(days: np.ndarray, outcome: np.ndarray, family: str = "gamma", source: str = "") -> CycleFit:
    """Fit the win rate and the won and lost cycles (``days`` to close, or open so far) by maximum likelihood.

    ``source`` (the export's file) begins the FitError raised when there are too few won or lost deals.
    """
    t = np.maximum(days.astype(float), 0.5)      # a deal closed the day it was created: half a day
    won, lost, still = outcome == "won", outcome == "lost", outcome == "open"
    for name, mask in (("won", won), ("lost", lost)):
        if mask.sum() >= MIN_CLOSED and np.ptp(t[mask]) == 0:   # many deals, but one length: say so
            raise FitError(f"{_where(source)}{int(mask.sum())} {name} deals, all with the same cycle length "
                           f"({int(days[mask][0])} days from creation to close): at least {MIN_CLOSED} distinct "
                           f"lengths are needed to fit the {name} cycle")
        if mask.sum() < MIN_CLOSED:
            raise FitError(f"{_where(source)}{int(mask.sum())} {name} deal{'s' if mask.sum() != 1 else ''} with "
                           "distinct cycle "
                           f"lengths: at least {MIN_CLOSED} are needed to fit the {name} cycle")
    start = FAMILIES[family][1]
    tw, tl, ta = t[won], t[lost], days[still].astype(float)

    def nll(theta):
        lw, ll = special.log_expit(theta[0]), special.log_expit(-theta[0])
        pw, pl = theta[1:3], theta[3:5]
        with np.errstate(over="ignore", invalid="ignore"):
            value = (np.sum(lw + _log_density(family, pw, tw)) + np.sum(ll + _log_density(family, pl, tl))
                     + np.sum(np.logaddexp(lw + _log_survival(family, pw, ta), ll + _log_survival(family, pl, ta))))
        return -value if np.isfinite(value) else 1e300

    theta0 = np.concatenate([[special.logit(won.sum() / (won.sum() + lost.sum()))], start(tw), start(tl)])
    best = optimize.minimize(nll, theta0, method="BFGS")
    if not best.success:
        best = optimize.minimize(nll, best.x, method="Nelder-Mead", options={"maxiter": 4000})
    cov = _inverse_hessian(nll, best.x)
    return CycleFit(family, best.x, cov, -float(best.fun), int(won.sum()), int(lost.sum()), int(still.sum()))


def _inverse_hessian(f, x: np.ndarray) -> np.ndarray:
    """The inverse of f's Hessian at x by central differences (the covariance of a maximum likelihood fit)."""
    k = len(x)
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            def at(di, dj):
                y = x.copy()
                y[i] += di * h[i]
                y[j] += dj * h[j]
                return f(y)
            hess[i, j] = hess[j, i] = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i] * h[j])
    try:
        return np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(hess)


def naive_cycles(days: np.ndarray, outcome: np.ndarray) -> dict:
    """What a fit that ignores open deals gives: the won share of closed deals and the mean closed cycles."""
    closed = outcome != "open"
    return {"win_rate": float(np.mean(outcome[closed] == "won")),
            "won_mean_days": float(np.mean(days[outcome == "won"])),
            "lost_mean_days": float(np.mean(days[outcome == "lost"]))}


def kaplan_meier(days: np.ndarray, ended: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate of the chance to be still open: (event days, survival just after each)."""
    times = np.unique(days[ended])
    at_risk = len(days) - np.searchsorted(np.sort(days), times, side="left")
    events = np.bincount(np.searchsorted(times, days[ended]), minlength=len(times))
    return times, np.cumprod(1 - events / at_risk)


def cumulative_incidence(days: np.ndarray, outcome: np.ndarray, which: str) -> tuple[np.ndarray, np.ndarray]:
    """Aalen-Johansen estimate of the chance to have closed with ``which`` outcome within each event day."""
    ended = outcome != "open"
    times, survival = kaplan_meier(days, ended)
    at_risk = len(days) - np.searchsorted(np.sort(days), times, side="left")
    mine = np.bincount(np.searchsorted(times, days[outcome == which]), minlength=len(times))
    before = np.concatenate([[1.0], survival[:-1]])
    return times, np.cumsum(before * mine / at_risk)


# -- contract value ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValueFit:
    """Contract values of won deals: a lognormal with its test, and the values themselves."""

    values: np.ndarray
    median: float
    sigma: float
    median_se: float
    sigma_se: float
    test_statistic: float    # Shapiro-Wilk W of the log values (NaN: too few to test)
    test_p: float
    kept: str = field(default="lognormal")   # "lognormal" or "empirical"

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def log_median_se(self) -> float:
        """The standard error of the log median: sigma / sqrt(n), the sd of the mean of n log amounts."""
        return self.sigma / float(np.sqrt(self.n))


def fit_value(amounts: np.ndarray, source: str = "") -> ValueFit:
    """Fit the contract value (the won deals' amounts; empty and zero amounts are left out).

    ``source`` (the export's file) begins the FitError raised when there are too few amounts.
    """
    x = amounts[np.isfinite(amounts) & (amounts > 0)]
    if len(x) >= MIN_CLOSED and np.ptp(x) == 0:   # many deals, but one amount: say so
        raise FitError(f"{_where(source)}{len(x)} won deals with amounts above 0, all of {x[0]:,.2f}: at least "
                       f"{MIN_CLOSED} distinct amounts are needed to fit the contract value")
    if len(x) < MIN_CLOSED:
        raise FitError(f"{_where(source)}{len(x)} won deal{'s' if len(x) != 1 else ''} with distinct amounts above "
                       f"0: at least {MIN_CLOSED} are needed to fit the contract value")
    logs = np.log(x)
    mu, sigma, n = float(np.mean(logs)), float(np.std(logs, ddof=1)), len(x)
    if n >= 3:
        # Shapiro-Wilk's p-value holds up to 5,000 values: beyond, a subsample drawn with a fixed seed
        tested = logs if n <= SHAPIRO_MAX else np.random.default_rng(0).choice(logs, SHAPIRO_MAX, replace=False)
        w, p = stats.shapiro(tested)
    else:
        w, p = np.nan, np.nan
    kept = "lognormal" if np.isnan(p) or p >= TEST_LEVEL else "empirical"
    return ValueFit(np.sort(x), float(np.exp(mu)), sigma, float(np.exp(mu) * sigma / np.sqrt(n)),
                    sigma / np.sqrt(2 * (n - 1)), float(w), float(p), kept)
