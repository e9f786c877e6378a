"""Precision control: how well the runs so far pin down each mean, and how many more runs it would take.

Like a survey that keeps calling people until its margin of error is small
enough, a simulation under precision control runs batch after batch until the
95% confidence interval of each watched mean is narrow enough, for every
strategy. The margin (the interval's half-width) is asked for per metric,
either as a share of |mean| (relative: ``0.01`` or ``"1%"``) or as an amount
in the metric's own unit (absolute: ``50_000`` for an NPV in the scenario's
currency). A relative margin suits a mean far from zero; the mean NPV of a
plan near breakeven is near zero, which no number of runs pins down to a
share of itself, so it needs an absolute one.

``precision`` arguments: a number or ``"N%"`` (relative, for the key
metrics), or a mapping from metric names to numbers (absolute) or ``"N%"``
(relative), which watches only the metrics it names.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from simulator.engine.catalogue import metric_entry
from simulator.engine.metrics import METRICS
from simulator.montecarlo.statistics import KEY_METRICS, t_critical

# A batch grows the runs by at least this factor and at most 4x, aiming 10% past what the widest needs.
MIN_GROWTH = 1.25
MAX_GROWTH = 4
OVERSHOOT = 1.1


@dataclass(frozen=True)
class Target:
    """The 95% CI half-width a metric's mean must reach: ``value`` as a share of |mean| when ``relative``,
    else in the metric's own unit (money in the scenario's currency, months, days, a share...)."""

    metric: str
    value: float
    relative: bool

    def allowed(self, mean: float) -> float:
        """The widest half-width this target accepts around ``mean``."""
        return self.value * abs(mean) if self.relative else self.value

    def text(self, currency: str) -> str:
        """'1.00% of |mean|' or '±50,000 USD'."""
        return f"{self.value:.2%} of |mean|" if self.relative else f"±{amount(self.value, self.metric, currency)}"

    def as_json(self) -> dict:
        return {"relative" if self.relative else "absolute": self.value}


def amount(value: float, metric: str, currency: str) -> str:
    """A half-width in the metric's unit: '50,000 USD', '0.5 months', '1.2 percentage points'."""
    kind = metric_entry(metric).kind
    if not math.isfinite(value):
        return "unknown (fewer than two runs with a value)"
    if kind == "money":
        return f"{value:,.0f} {currency}" if abs(value) >= 100 else f"{value:,.2f} {currency}"
    if kind == "percent":
        return f"{100 * value:.3g} percentage points"
    if kind in ("months", "days"):
        return f"{value:.3g} {kind}"
    return f"{value:.4g}"


def _share(text: str, metric: str | None) -> float:
    """'1%' -> 0.01; raises ValueError naming the text."""
    where = f"precision for {metric}" if metric else "precision"
    try:
        return float(text[:-1]) / 100
    except ValueError:
        raise ValueError(f"{where} (={text!r}) is not a percentage such as '1%'") from None


def targets(precision) -> tuple[Target, ...]:
    """The targets a ``precision`` argument asks for (see the module docstring); () for None.

    Raises ValueError naming the value that is not a known metric or not a
    number > 0.
    """
    if precision is None:
        return ()
    if isinstance(precision, Mapping):
        if not precision:
            raise ValueError("precision (={}) names no metric: give one, such as {'npv': 50000}")
        return tuple(_target(metric, value) for metric, value in precision.items())
    return tuple(_target(metric, precision, default=True) for metric in KEY_METRICS)


def _target(metric, value, default: bool = False) -> Target:
    where = "precision" if default else f"precision for {metric}"
    if not default and metric not in METRICS:
        close = difflib.get_close_matches(str(metric), METRICS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; one of {', '.join(METRICS)}"
        if "." in str(metric) and not close:   # a motion's own metric (enterprise.win_rate) is one, but not watched
            raise ValueError(f"precision names '{metric}', a motion's metric: precision watches the company's "
                             f"metrics{hint}")
        raise ValueError(f"precision names '{metric}', which is not a per-run metric{hint}")
    if isinstance(value, str) and value.strip().endswith("%"):
        target = Target(metric, _share(value.strip(), None if default else metric), True)
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        # A bare number is the old form: a share of |mean| for the key metrics; a named one is an amount.
        target = Target(metric, float(value), default)
    else:
        raise ValueError(f"{where} (={value!r}) must be a number, or a percentage such as '1%'")
    if not (math.isfinite(target.value) and target.value > 0):
        example = "0.01 for 1% of the mean" if default else "50000 (in the metric's unit) or '1%' (of the mean)"
        raise ValueError(f"{where} (={value!r}) must be > 0, such as {example}")
    return target


def as_json(found: tuple[Target, ...]) -> dict:
    """The targets as the provenance records them: metric -> {'relative': share} or {'absolute': amount}."""
    return {t.metric: t.as_json() for t in found}


def describe(found: tuple[Target, ...], currency: str) -> str:
    """'1.00% of |mean| for revenue, ending_cash and capital_needed, and ±50,000 USD for npv'."""
    groups: dict = {}
    for t in found:
        groups.setdefault(t.text(currency), []).append(t.metric)
    parts = [f"{text} for {_list_and(metrics)}" for text, metrics in groups.items()]
    return _list_and(parts)


def _list_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _reach(values: np.ndarray, target: Target) -> tuple[float, float, float]:
    """(half-width, the share of the target it takes, half-width as a share of |mean|) for one metric's runs.

    The share is 0 when every run agrees, infinite when fewer than two runs
    have a value or a relative target meets a mean of 0; NaN runs are left out.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    if x.size < 2:
        return math.inf, math.inf, math.inf
    half = t_critical(x.size) * float(np.std(x, ddof=1)) / math.sqrt(x.size)
    mean = abs(float(np.mean(x)))
    relative = half / mean if mean > 0 else (0.0 if half == 0 else math.inf)
    if half == 0:
        return 0.0, 0.0, relative
    allowed = target.allowed(mean)
    return half, (half / allowed if allowed > 0 else math.inf), relative


def stopping_rule(runs_of: Callable[[int, str], np.ndarray], strategies, n: int, found: tuple[Target, ...],
                  max_runs: int, currency: str) -> dict:
    """Whether ``n`` runs reach every target for every strategy, and the rule to record (see below).

    ``runs_of(strategy_index, metric)`` gives the metric's ``n`` values.
    ``rule`` is 'precision' (reached), 'max_runs' (not reached, no more
    runs allowed) or 'continue' with ``next_runs``: what the widest interval
    needs (a half-width shrinks like 1/sqrt(runs)), 10% more, growing by
    1.25x to 4x a batch. The record names the targets, the widest interval
    (``worst``, its ``worst_half_width`` and ``worst_share_of_target``) and,
    in ``description``, what was reached in words.
    """
    reach = {(s, t): _reach(runs_of(i, t.metric), t) for i, s in enumerate(strategies) for t in found}
    (worst_s, worst_t), (half, share, relative) = max(reach.items(), key=lambda item: item[1][1])
    wanted = describe(found, currency)
    widest = f"{worst_s} {worst_t.metric} ±{amount(half, worst_t.metric, currency)}"
    if math.isfinite(relative) and math.isfinite(half):
        widest += f" ({relative:.2%} of |mean|)"
    base = {"targets": as_json(found), "metrics": [t.metric for t in found], "max_runs": max_runs,
            "worst": f"{worst_s}.{worst_t.metric}", "worst_half_width": _finite(half),
            "worst_share_of_target": _finite(share), "worst_relative_half_width": _finite(relative),
            "short_of": f"{widest} against {worst_t.text(currency)}"}
    if share <= 1:
        return {"rule": "precision", **base,
                "description": f"precision reached after {n:,} runs: the 95% CI of the mean is within {wanted}, "
                               f"for every strategy (widest: {widest})"}
    if n >= max_runs:
        return {"rule": "max_runs", **base,
                "description": f"stopped at max runs ({max_runs:,}) before the precision was reached: "
                               f"{base['short_of']} (asked: {wanted})"}
    needed = n * share ** 2 * OVERSHOOT if math.isfinite(share) else math.inf
    least, most = n + max(1, math.ceil(n * (MIN_GROWTH - 1))), MAX_GROWTH * n
    target = most if not math.isfinite(needed) else max(least, min(most, math.ceil(needed)))
    return {"rule": "continue", **base, "next_runs": int(min(max_runs, target))}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
