"""Parameters of a distribution that are themselves drawn once per run: their types and rules.

A per-deal distribution whose parameters are estimates (a median from 40
won deals) may give a parameter as a distribution drawn once per run, one
level deep: ``lognormal: {median: {normal: {mean: 12000, sd: 400}, per:
run}, sigma: 0.46}``. The law classes of :mod:`simulator.scenario.distributions`
declare such a parameter :data:`Positive` or :data:`Real`; what it may be
is checked here, so a file hears of a bad one with its key and line:

- the inner distribution is drawn ``per: run`` (left out, ``per`` is run);
- it has numbers for parameters (one level only);
- for a positive parameter, every draw it can make is above 0: a per-run
  draw is the inverse CDF at a probability within :data:`DRAW_LEVELS`, so
  its quantile at the lower level must be above 0.

Percentiles stay numbers (:data:`Percentile`).
"""
from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Annotated, Optional, Union

from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag

if typing.TYPE_CHECKING:
    from simulator.scenario.distributions import Distribution

DRAW_LEVELS = (1e-12, 1 - 1e-12)
"""The cumulative probabilities a per-run draw stays within: it is ``ppf(u)`` with ``u`` clipped to these."""


def value_kind(value) -> Optional[str]:
    """'number' or 'distribution': which form a parameter's value takes (None: neither)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return "number"
    from simulator.scenario.distributions import Distribution   # which imports this module

    if isinstance(value, (dict, Distribution)):
        return "distribution"
    return None


def _drawn_once_per_run(value: "Distribution") -> "Distribution":
    """A distribution's parameter given as a distribution: drawn once per run, with numbers of its own."""
    if value.per == "deal":
        raise ValueError("a distribution's parameter is drawn once per run: per: deal is not possible here "
                         "(the distribution itself may be per: deal)")
    if value.drawn():
        raise ValueError("one level only: the parameters of a parameter's distribution must be numbers")
    return value if value.per else value.model_copy(update={"per": "run"})


def _positive_draws(value: "Distribution") -> "Distribution":
    """A positive parameter drawn once per run: every draw it can make is above 0."""
    lowest = float(value.ppf(DRAW_LEVELS[0]))
    if not lowest > 0:
        raise ValueError(f"this distribution can draw {lowest:.4g} (its {DRAW_LEVELS[0]:g} quantile); expected "
                         "> 0: use a lognormal or gamma, or truncate it with low")
    return value


@dataclass(frozen=True)
class Drawable:
    """Marks a parameter that may be drawn once per run (see :func:`drawable`); ``positive``: it is > 0."""

    positive: bool


def _drawable(positive: bool):
    """The type of a parameter that is a number or a distribution drawn once per run (> 0 when ``positive``)."""
    number = Annotated[float, Field(gt=0)] if positive else float
    checks = (AfterValidator(_drawn_once_per_run),) + ((AfterValidator(_positive_draws),) if positive else ())
    return Optional[Annotated[
        Union[Annotated[number, Tag("number")], Annotated[("Distribution",) + checks + (Tag("distribution"),)]],
        Discriminator(value_kind, custom_error_type="param_type",
                      custom_error_message="expected a number or a distribution drawn once per run, such as "
                                           "{normal: {mean: 12000, sd: 400}, per: run}"), Drawable(positive)]]


Positive = _drawable(True)
"""A parameter above 0: a number, or a distribution drawn once per run whose every draw is above 0."""
Real = _drawable(False)
"""Any number, or a distribution drawn once per run."""


def _plain_percentile(value):
    if isinstance(value, dict):
        raise ValueError("a percentile is a number: to draw a parameter once per run, give the native "
                         "parameters (median/sigma, mean/sd, ...) instead of percentiles")
    return value


Percentile = Annotated[Optional[float], BeforeValidator(_plain_percentile)]



def drawable(law: type, attr: str) -> Optional[Drawable]:
    """Whether a law's parameter (by attribute) may be drawn once per run: its mark, or None."""
    inner = [a for a in typing.get_args(law.model_fields[attr].annotation) if a is not type(None)]
    marks = [m for m in getattr(inner[0], "__metadata__", ()) if isinstance(m, Drawable)] if inner else []
    return marks[0] if marks else None
