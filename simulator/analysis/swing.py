"""The swing: each uncertain input held at its P10, then at its P90, every other input as drawn.

Finance tools call it the one-at-a-time or swing tornado: "if this year's
lead rate turned out low (its P10), how much lower would mean NPV be?". Here
the same runs are simulated again with one input fixed, with the same seed,
so each run meets the same market in every other respect (common random
numbers: every per-run input draws from its own stream keyed by its path,
and deals from the motion's streams), and the change of the mean is paired
run by run against the unchanged runs: its interval is that of a mean of
per-run differences, far tighter than two independent means would give.

An input is fixed by writing it as a constant drawn once per run
(``{constant: {value: x}, per: run}``) where the scenario gives its
distribution, and also in every strategy override that gives it another
one, at that distribution's own P10 or P90. A correlated input so keeps
its place in the copula, and the inputs correlated with it keep their
draws: the swing moves one input alone, as its name says.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Optional

import numpy as np
from pydantic import BaseModel

from simulator.montecarlo.statistics import t_critical
from simulator.scenario.distributions import Distribution
from simulator.scenario.params import key_value

LEVELS = (0.10, 0.90)


def _law(node, keys) -> Optional[Distribution]:
    """The per-run distribution under ``node`` at the keys, or None (a number, a per-deal draw, no such key)."""
    for key in keys:
        node = key_value(node, key) if isinstance(node, BaseModel) else None   # a file's keys: 'mean', not 'mean_'
    return node if isinstance(node, Distribution) and node.per == "run" else None


def input_law(scenario, strategy: Optional[str], path: str) -> Optional[Distribution]:
    """The per-run distribution of the input at ``path`` in ``strategy`` (its overrides merged), or, with
    ``strategy`` None, in the scenario's own sections; None where the input is not drawn once per run."""
    parts = path.split(".")
    if parts[0] == "company":
        return _law(scenario.company, parts[1:])
    if parts[0] != "motions" or len(parts) < 3:
        return None
    motions = scenario.motions if strategy is None else scenario.strategy_motions(strategy)
    return _law(motions.get(parts[1]), parts[2:])


def quantile(law: Distribution, level: float) -> float:
    """The value of the distribution at a cumulative probability (its inverse CDF): P10 at 0.10."""
    return float(np.asarray(law.ppf(np.asarray([level])), dtype=np.float64)[0])


def _overridden(scenario, strategy: str, path: str) -> bool:
    """Whether the strategy's overrides write the key at ``path`` (a motion key) themselves."""
    parts = path.split(".")
    if parts[0] != "motions":
        return False
    node = scenario.strategies[strategy].overrides.get(parts[1])
    for part in parts[2:]:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def fixed_scenario(scenario, path: str, level: float, strategies):
    """The scenario with only ``strategies``, and the input at ``path`` fixed at its ``level`` quantile in each.

    Dropping the other strategies changes nothing for these: a run's draws
    depend on the seed, the run and the motion, never on which strategies
    run beside it.
    """
    def constant(law):
        return {"constant": {"value": quantile(law, level)}, "per": "run"}

    values: dict = {"strategies": {s: scenario.strategies[s].as_data() for s in strategies}}
    base = input_law(scenario, None, path)
    if base is not None:
        values[path] = constant(base)
    for s in strategies:
        law = input_law(scenario, s, path)
        if law is not None and _overridden(scenario, s, path):
            values[f"strategies.{s}.overrides.{path.split('.', 1)[1]}"] = constant(law)
    return scenario.with_values(values)


def paired_change(swung, base) -> tuple[float, float, float]:
    """(mean change, ci_low, ci_high): the mean of swung - base over runs where both are finite, with its
    95% interval (Student t on the per-run differences). A change that is the same in every run has a
    zero-width interval."""
    diff = np.asarray(swung, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    diff = diff[np.isfinite(diff)]
    if not diff.size:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(diff))
    if diff.size < 2:
        return mean, math.nan, math.nan
    half = t_critical(diff.size) * float(np.std(diff, ddof=1)) / math.sqrt(diff.size)
    return mean, mean - half, mean + half


def simulate_swings(scenario, wanted: Mapping[str, list[str]], runs: int, seed: int, simulate: Callable,
                    workers=None, progress=None) -> dict[tuple[str, float], object]:
    """For every input path and level, the Results of the strategies that vary it, the input fixed there.

    ``wanted`` maps an input path to the strategies to simulate with it
    fixed; ``simulate`` is :func:`simulator.simulate`. ``progress(done,
    planned)`` counts runs over all the simulations. Raises
    KeyboardInterrupt when a simulation was interrupted (its results partial).
    """
    jobs = [(path, level) for path in wanted for level in LEVELS]
    planned = len(jobs) * runs
    swung = {}
    for k, (path, level) in enumerate(jobs):
        def step(done, _planned, before=k * runs):
            if progress is not None:
                progress(before + done, planned)

        results = simulate(fixed_scenario(scenario, path, level, wanted[path]), runs=runs, seed=seed,
                           workers=workers, progress=step)
        if results.partial:
            raise KeyboardInterrupt
        swung[(path, level)] = results
    return swung
