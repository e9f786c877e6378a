"""Distribution specs from a scenario file, and the samplers built on them.

A scenario parameter is a number or a distribution written as a mapping with
one distribution name, for instance::

    contract_value:
      lognormal: {p5: 50_000, p95: 250_000}
      per: deal

Continuous distributions may be given by a pair of percentiles instead of
their native parameters: ``p5``/``p95``, ``p10``/``p90`` or ``p25``/``p75``.
``p5: 50_000, p95: 250_000`` means "5% of draws fall below 50,000 and 5%
above 250,000": a 90% interval, as Crystal Ball's percentile parameters and
Guesstimate's "a to b" ranges mean it.

A per-deal distribution's own parameters may be uncertain: a parameter of
a ``lognormal``, ``normal`` or ``gamma`` (see :data:`DRAWN_PARAMETERS`) may
itself be a distribution drawn once per run, one level deep::

    contract_value:
      lognormal:
        median: {normal: {mean: 12_000, sd: 400}, per: run}
        sigma: {gamma: {mean: 0.46, sd: 0.024}, per: run}
      per: deal

Every deal of a run then shares the run's median and sigma, as the deals of
one company share its true (but unknown) price level. What such a
parameter may be is :mod:`simulator.scenario.drawn`'s. The engine draws
them (:func:`simulator.engine.resolve.resolve`) and hands the samplers a
law with numbers (:meth:`Distribution.given`).

Every sampler draws from a ``numpy.random.Generator`` handed in by the
caller, in blocks (``sample(rng, n)``); nothing here owns randomness.
``ppf(u)`` (the inverse CDF) lets correlated per-run draws go through a
Gaussian copula.
"""
from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal, Mapping, Optional

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from simulator.scenario.drawn import Percentile, Positive, Real, drawable

# scipy (about a second to import) and the percentile fits built on it are imported inside the methods
# that use them: loading this module, or a scenario of distributions by their own parameters, loads no scipy.

PERCENTILE_PAIRS = (("p5", "p95"), ("p10", "p90"), ("p25", "p75"))
PERCENTILE_LEVEL = {"p5": 0.05, "p95": 0.95, "p10": 0.10, "p90": 0.90, "p25": 0.25, "p75": 0.75}


def _whole(value):
    """Let ``6.0`` (or ``1e5``) stand for a whole number; anything else is left to the type check."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole)]
"""A whole number that may be written ``1e5`` or ``6.0``, but not ``true`` or ``"6"``."""


class _Spec(BaseModel):
    """Base of every distribution spec: strict keys, finite numbers, frozen.

    ``FORMS`` names the alternative sets of parameters (``mean/sd``, ...)
    a spec accepts, and ``PERCENTILES`` whether a percentile pair is one
    more; validation and the scenario reference both read them.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

    FORMS: ClassVar[dict[str, tuple[str, ...]]] = {}
    PERCENTILES: ClassVar[bool] = False

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take."""
        raise NotImplementedError

    def mean(self) -> float:
        raise NotImplementedError

    def drawn(self) -> dict[str, "Distribution"]:
        """The parameters given as distributions drawn once per run, by their keys in a file."""
        return {field.alias or name: value for name, field in type(self).model_fields.items()
                if isinstance(value := getattr(self, name), Distribution)}

    def given(self, values: Mapping[str, float]) -> "_Spec":
        """The same law with parameters set to numbers (keys as in a file): a run's draws of :meth:`drawn`."""
        names = {field.alias or name: name for name, field in type(self).model_fields.items()}
        return self.model_copy(update={names[key]: float(value) for key, value in values.items()})

    def typical(self) -> "_Spec":
        """The law with each drawn parameter at its median: what checks and descriptions read."""
        return self.given({key: float(value.ppf(0.5)) for key, value in self.drawn().items()})


def _percentile_pair(spec: BaseModel) -> Optional[tuple[float, float, float, float]]:
    """(q_low, value_low, q_high, value_high) for the one pair given, or None."""
    given = [(lo, hi) for lo, hi in PERCENTILE_PAIRS
             if getattr(spec, lo) is not None or getattr(spec, hi) is not None]
    if not given:
        return None
    if len(given) > 1:
        raise ValueError("give one pair of percentiles (p5/p95, p10/p90 or p25/p75), not several")
    lo, hi = given[0]
    a, b = getattr(spec, lo), getattr(spec, hi)
    if a is None or b is None:
        raise ValueError(f"{lo} and {hi} go together: both are needed")
    if not a < b:
        raise ValueError(f"{lo} (={a:g}) must be below {hi} (={b:g})")
    return PERCENTILE_LEVEL[lo], a, PERCENTILE_LEVEL[hi], b


def _only_one_form(spec: _Spec) -> str:
    """Name of the one parameterization the user gave; errors name the keys.

    ``spec.FORMS`` maps a label to the attributes of a native
    parameterization; with ``spec.PERCENTILES`` a pair of percentiles is a
    further form.
    """
    forms, percentiles = spec.FORMS, spec.PERCENTILES
    shown = {label: "/".join(a.rstrip("_") for a in attrs) for label, attrs in forms.items()}
    used = [label for label, attrs in forms.items() if any(getattr(spec, a) is not None for a in attrs)]
    if percentiles and _percentile_pair(spec) is not None:
        used.append("percentiles")
    options = " or ".join(list(shown.values()) + (["a percentile pair such as p5/p95"] if percentiles else []))
    if not used:
        raise ValueError(f"expected parameters {options}")
    if len(used) > 1:
        raise ValueError(f"give one set of parameters ({options}), not several")
    if used[0] != "percentiles":
        missing = [a.rstrip("_") for a in forms[used[0]] if getattr(spec, a) is None]
        if missing:
            raise ValueError(f"missing {', '.join(missing)} (expected {shown[used[0]]})")
    return used[0]


class _Percentiles(BaseModel):
    p5: Percentile = None
    p95: Percentile = None
    p10: Percentile = None
    p90: Percentile = None
    p25: Percentile = None
    p75: Percentile = None


class Constant(_Spec):
    """Always the same value (the same as writing the number)."""

    value: float

    def sample(self, rng, n):
        return np.full(n, self.value)

    def ppf(self, u):
        return np.full(np.shape(u), self.value)

    def support(self):
        return self.value, self.value

    def mean(self):
        return self.value


class Uniform(_Spec, _Percentiles):
    """Every value between low and high equally likely."""

    FORMS = {"low/high": ("low", "high")}
    PERCENTILES = True

    low: Optional[float] = None
    high: Optional[float] = None

    @model_validator(mode="after")
    def _fit(self):
        if _only_one_form(self) == "low/high":
            if not self.low < self.high:
                raise ValueError(f"low (={self.low:g}) must be below high (={self.high:g})")
        return self

    def _bounds(self):
        pair = _percentile_pair(self)
        if pair is None:
            return self.low, self.high
        qa, a, qb, b = pair
        width = (b - a) / (qb - qa)
        return a - qa * width, a - qa * width + width

    def sample(self, rng, n):
        lo, hi = self._bounds()
        return rng.uniform(lo, hi, n)

    def ppf(self, u):
        lo, hi = self._bounds()
        return lo + np.asarray(u) * (hi - lo)

    def support(self):
        return self._bounds()

    def mean(self):
        return sum(self._bounds()) / 2


class UniformInt(_Spec):
    """Whole numbers from low to high, both included, equally likely."""

    low: WholeNumber
    high: WholeNumber

    @model_validator(mode="after")
    def _check(self):
        if self.low > self.high:
            raise ValueError(f"low (={self.low}) must not exceed high (={self.high})")
        return self

    def sample(self, rng, n):
        return rng.integers(self.low, self.high + 1, n).astype(float)

    def ppf(self, u):
        return np.minimum(self.low + np.floor(np.asarray(u) * (self.high - self.low + 1)), self.high)

    def support(self):
        return float(self.low), float(self.high)

    def mean(self):
        return (self.low + self.high) / 2


class Triangular(_Spec):
    """A three-point estimate (min, most likely, max) with straight sides."""

    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self):
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"expected low <= mode <= high with low < high, got "
                             f"{self.low:g}, {self.mode:g}, {self.high:g}")
        return self

    def sample(self, rng, n):
        return rng.triangular(self.low, self.mode, self.high, n)

    def ppf(self, u):
        from scipy import stats
        c = (self.mode - self.low) / (self.high - self.low)
        return stats.triang.ppf(u, c, loc=self.low, scale=self.high - self.low)

    def support(self):
        return self.low, self.high

    def mean(self):
        return (self.low + self.mode + self.high) / 3


class Pert(_Spec):
    """PERT: a smooth three-point estimate (min, most likely, max).

    ``lambda`` (default 4) sets how tightly draws gather around the mode;
    the mean is (low + lambda x mode + high) / (lambda + 2).
    """

    low: float
    mode: float
    high: float
    lamb: float = Field(4.0, gt=0, alias="lambda")

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"expected low <= mode <= high with low < high, got "
                             f"{self.low:g}, {self.mode:g}, {self.high:g}")
        return self

    def _ab(self):
        width = self.high - self.low
        return (1 + self.lamb * (self.mode - self.low) / width,
                1 + self.lamb * (self.high - self.mode) / width)

    def sample(self, rng, n):
        a, b = self._ab()
        return self.low + rng.beta(a, b, n) * (self.high - self.low)

    def ppf(self, u):
        from scipy import special
        a, b = self._ab()
        return self.low + special.betaincinv(a, b, u) * (self.high - self.low)

    def support(self):
        return self.low, self.high

    def mean(self):
        return (self.low + self.lamb * self.mode + self.high) / (self.lamb + 2)


class Normal(_Spec, _Percentiles):
    """Normal, optionally truncated to [low, high] (draws outside are redrawn).

    With ``low``/``high``, mean/sd or the percentiles describe the normal
    before truncation.
    """

    FORMS = {"mean/sd": ("mean_", "sd")}
    PERCENTILES = True

    mean_: Real = Field(None, alias="mean")
    sd: Positive = None
    low: Optional[float] = None
    high: Optional[float] = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        _only_one_form(self)
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low (={self.low:g}) must be below high (={self.high:g})")
        typical = self.typical()   # drawn parameters at their medians
        mu, sd = typical._musd()
        lo, hi = typical._cdf_bounds(mu, sd)
        if hi - lo < 1e-6:
            raise ValueError("the truncation [low, high] leaves almost no probability"
                             + (" (with the drawn parameters at their medians)" if self.drawn() else ""))
        return self

    def _musd(self):
        pair = _percentile_pair(self)
        if pair is None:
            return self.mean_, self.sd
        from scipy import special
        qa, a, qb, b = pair
        z = special.ndtri(qb)
        return (a + b) / 2, (b - a) / (2 * z)

    def _cdf_bounds(self, mu, sd):
        from scipy import special
        lo = 0.0 if self.low is None else special.ndtr((self.low - mu) / sd)
        hi = 1.0 if self.high is None else special.ndtr((self.high - mu) / sd)
        return lo, hi

    def ppf(self, u):
        from scipy import special
        mu, sd = self._musd()
        lo, hi = self._cdf_bounds(mu, sd)
        x = mu + sd * special.ndtri(lo + np.asarray(u) * (hi - lo))
        return np.clip(x, self.support()[0], self.support()[1])

    def sample(self, rng, n):
        if self.low is None and self.high is None:
            mu, sd = self._musd()
            return rng.normal(mu, sd, n)
        return self.ppf(rng.random(n))

    def support(self):
        return (-math.inf if self.low is None else self.low,
                math.inf if self.high is None else self.high)

    def mean(self):
        mu, sd = self._musd()
        if self.low is None and self.high is None:
            return mu
        from scipy import stats
        return float(stats.truncnorm.mean(*(((-math.inf if self.low is None else self.low) - mu) / sd,
                                             ((math.inf if self.high is None else self.high) - mu) / sd),
                                          loc=mu, scale=sd))


class Lognormal(_Spec, _Percentiles):
    """Lognormal: by median and sigma (of the log), by mean and sd, or by percentiles."""

    FORMS = {"median/sigma": ("median", "sigma"), "mean/sd": ("mean_", "sd")}
    PERCENTILES = True

    median: Positive = None
    sigma: Positive = None
    mean_: Positive = Field(None, alias="mean")
    sd: Positive = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        _only_one_form(self)
        pair = _percentile_pair(self)
        if pair is not None and pair[1] <= 0:
            raise ValueError(f"a lognormal is positive: the low percentile (={pair[1]:g}) must be > 0")
        return self

    def _musigma(self):
        pair = _percentile_pair(self)
        if pair is not None:
            from scipy import special
            qa, a, qb, b = pair
            return (math.log(a) + math.log(b)) / 2, (math.log(b) - math.log(a)) / (2 * special.ndtri(qb))
        if self.median is not None:
            return math.log(self.median), self.sigma
        s2 = math.log(1 + (self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - s2 / 2, math.sqrt(s2)

    def sample(self, rng, n):
        mu, sigma = self._musigma()
        return rng.lognormal(mu, sigma, n)

    def ppf(self, u):
        from scipy import special
        mu, sigma = self._musigma()
        return np.exp(mu + sigma * special.ndtri(u))

    def support(self):
        return 0.0, math.inf

    def mean(self):
        mu, sigma = self._musigma()
        return math.exp(mu + sigma ** 2 / 2)


class Gamma(_Spec, _Percentiles):
    """Gamma: positive and right-skewed; durations, amounts, rates."""

    FORMS = {"shape/scale": ("shape", "scale"), "mean/sd": ("mean_", "sd")}
    PERCENTILES = True

    shape: Positive = None
    scale: Positive = None
    mean_: Positive = Field(None, alias="mean")
    sd: Positive = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        _only_one_form(self)
        pair = _percentile_pair(self)
        if pair is not None:
            from simulator.scenario.percentile_fit import fit_gamma
            if pair[1] <= 0:
                raise ValueError(f"a gamma is positive: the low percentile (={pair[1]:g}) must be > 0")
            fit_gamma(*pair)
        return self

    def _kscale(self):
        pair = _percentile_pair(self)
        if pair is not None:
            from simulator.scenario.percentile_fit import fit_gamma
            return fit_gamma(*pair)
        if self.shape is not None:
            return self.shape, self.scale
        k = (self.mean_ / self.sd) ** 2
        return k, self.mean_ / k

    def sample(self, rng, n):
        k, scale = self._kscale()
        return rng.gamma(k, scale, n)

    def ppf(self, u):
        from scipy import special
        k, scale = self._kscale()
        return special.gammaincinv(k, u) * scale

    def support(self):
        return 0.0, math.inf

    def mean(self):
        k, scale = self._kscale()
        return k * scale


class Beta(_Spec, _Percentiles):
    """Beta on [0, 1] (or [low, high]); handy for rates and probabilities."""

    FORMS = {"a/b": ("a", "b"), "mean/sd": ("mean_", "sd")}
    PERCENTILES = True

    a: Optional[float] = Field(None, gt=0)
    b: Optional[float] = Field(None, gt=0)
    mean_: Optional[float] = Field(None, alias="mean")
    sd: Optional[float] = Field(None, gt=0)
    low: float = 0.0
    high: float = 1.0

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        _only_one_form(self)
        if not self.low < self.high:
            raise ValueError(f"low (={self.low:g}) must be below high (={self.high:g})")
        self._ab()
        return self

    def _ab(self):
        width = self.high - self.low
        pair = _percentile_pair(self)
        if pair is not None:
            from simulator.scenario.percentile_fit import fit_beta
            qa, a, qb, b = pair
            a, b = (a - self.low) / width, (b - self.low) / width
            if not 0 < a < b < 1:
                raise ValueError(f"beta percentiles must lie strictly inside ({self.low:g}, {self.high:g})")
            return fit_beta(qa, a, qb, b)
        if self.a is not None:
            return self.a, self.b
        m, s = (self.mean_ - self.low) / width, self.sd / width
        if not 0 < m < 1 or s * s >= m * (1 - m):
            raise ValueError(f"no beta distribution has mean {self.mean_:g} and sd {self.sd:g}")
        common = m * (1 - m) / (s * s) - 1
        return m * common, (1 - m) * common

    def sample(self, rng, n):
        a, b = self._ab()
        return self.low + rng.beta(a, b, n) * (self.high - self.low)

    def ppf(self, u):
        from scipy import special
        a, b = self._ab()
        return self.low + special.betaincinv(a, b, u) * (self.high - self.low)

    def support(self):
        return self.low, self.high

    def mean(self):
        a, b = self._ab()
        return self.low + a / (a + b) * (self.high - self.low)


class Poisson(_Spec):
    """Counts of independent events with a known average (objections, arrivals)."""

    mean_: float = Field(alias="mean", ge=0)

    model_config = ConfigDict(populate_by_name=True)

    def sample(self, rng, n):
        return rng.poisson(self.mean_, n).astype(float)

    def ppf(self, u):
        from scipy import stats
        return stats.poisson.ppf(u, self.mean_)

    def support(self):
        return 0.0, math.inf

    def mean(self):
        return self.mean_


class Binomial(_Spec):
    """Successes in n tries, each succeeding with chance p."""

    n: WholeNumber = Field(ge=0)
    p: float = Field(ge=0, le=1)

    def sample(self, rng, n):
        return rng.binomial(self.n, self.p, n).astype(float)

    def ppf(self, u):
        from scipy import stats
        return stats.binom.ppf(u, self.n, self.p)

    def support(self):
        return 0.0, float(self.n)

    def mean(self):
        return self.n * self.p


class Empirical(_Spec):
    """Observed values (say, last year's deal sizes from a CRM export), resampled."""

    values: list[float] = Field(min_length=1)

    def sample(self, rng, n):
        return rng.choice(np.asarray(self.values, dtype=float), n)

    def ppf(self, u):
        return np.quantile(np.asarray(self.values, dtype=float), u, method="inverted_cdf")

    def support(self):
        return min(self.values), max(self.values)

    def mean(self):
        return float(np.mean(self.values))


class Choice(_Spec):
    """Weighted choice among listed values (weights default to equal)."""

    values: list[float] = Field(min_length=1)
    weights: Optional[list[float]] = None

    @model_validator(mode="after")
    def _check(self):
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"weights has {len(self.weights)} entries, values has {len(self.values)}")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be >= 0 and not all zero")
        return self

    def _p(self):
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        return w / w.sum()

    def sample(self, rng, n):
        # what Generator.choice(values, n, p=...) draws, without its checks of p on every call
        cdf = np.cumsum(self._p())
        return np.asarray(self.values, dtype=float)[np.searchsorted(cdf / cdf[-1], rng.random(n), side="right")]

    def ppf(self, u):
        order = np.argsort(self.values)
        cdf = np.cumsum(self._p()[order])
        idx = np.minimum(np.searchsorted(cdf, u, side="left"), len(order) - 1)
        return np.asarray(self.values, float)[order][idx]

    def support(self):
        return min(self.values), max(self.values)

    def mean(self):
        return float(np.dot(self._p(), self.values))


DISTRIBUTIONS: dict[str, type[_Spec]] = {
    "constant": Constant,
    "uniform": Uniform,
    "uniform_int": UniformInt,
    "triangular": Triangular,
    "pert": Pert,
    "normal": Normal,
    "lognormal": Lognormal,
    "gamma": Gamma,
    "beta": Beta,
    "poisson": Poisson,
    "binomial": Binomial,
    "empirical": Empirical,
    "choice": Choice,
}

Level = Literal["run", "deal"]


class Distribution(BaseModel):
    """A parameter given as a distribution: one named law, and when it is drawn.

    ``per: run`` draws once per Monte Carlo run (an unknown but fixed fact:
    this year's true lead rate); ``per: deal`` draws afresh for every deal
    (or customer, or rep). Left out, the parameter's own default applies.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    constant: Optional[Constant] = None
    uniform: Optional[Uniform] = None
    uniform_int: Optional[UniformInt] = None
    triangular: Optional[Triangular] = None
    pert: Optional[Pert] = None
    normal: Optional[Normal] = None
    lognormal: Optional[Lognormal] = None
    gamma: Optional[Gamma] = None
    beta: Optional[Beta] = None
    poisson: Optional[Poisson] = None
    binomial: Optional[Binomial] = None
    empirical: Optional[Empirical] = None
    choice: Optional[Choice] = None
    per: Optional[Level] = None

    @model_validator(mode="after")
    def _one_law(self):
        given = [name for name in DISTRIBUTIONS if getattr(self, name) is not None]
        if len(given) != 1:
            names = ", ".join(DISTRIBUTIONS)
            raise ValueError(f"expected exactly one distribution ({names}), got "
                             f"{', '.join(given) if given else 'none'}")
        return self

    @property
    def law(self) -> _Spec:
        return next(getattr(self, name) for name in DISTRIBUTIONS if getattr(self, name) is not None)

    @property
    def name(self) -> str:
        return next(name for name in DISTRIBUTIONS if getattr(self, name) is not None)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.law.sample(rng, n)

    def ppf(self, u):
        return self._numbers().ppf(u)

    def support(self) -> tuple[float, float]:
        return self.law.support()

    def mean(self) -> float:
        return self._numbers().mean()

    def _numbers(self) -> _Spec:
        """The law, when its parameters are numbers; a clear error when some are drawn once per run."""
        drawn = self.drawn()
        if drawn:
            raise ValueError(f"this {self.name}'s {' and '.join(drawn)} are drawn once per run: set them with "
                             ".given({...}) (what a run does), or read .typical() (each at its median)")
        return self.law

    def drawn(self) -> dict[str, "Distribution"]:
        """The law's parameters drawn once per run (an uncertain per-deal distribution), by key."""
        return self.law.drawn()

    def given(self, values: Mapping[str, float]) -> "Distribution":
        """The distribution with the law's drawn parameters set to these numbers (a run's draws)."""
        return self.model_copy(update={self.name: self.law.given(values)})

    def typical(self) -> "Distribution":
        """The distribution with each drawn parameter at its median (itself when none is drawn)."""
        return self.model_copy(update={self.name: self.law.typical()}) if self.drawn() else self


for _law in (Normal, Lognormal, Gamma):   # their parameters name Distribution, defined after them
    _law.model_rebuild()
Distribution.model_rebuild()


DRAWN_PARAMETERS = {name: tuple(field.alias or key for key, field in law.model_fields.items()
                                if drawable(law, key))
                    for name, law in DISTRIBUTIONS.items()}
"""The parameters of each distribution that may be drawn once per run, by key (empty: none may)."""

