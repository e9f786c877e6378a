"""Per-run draws: the numbers one Monte Carlo run uses for a company and its motions.

A scenario parameter is a number, a distribution drawn once per run, or a
distribution drawn per deal, whose own parameters may be drawn once per run
(``contract_value: {lognormal: {median: {normal: ...}, ...}, per: deal}``).
:func:`resolve` walks a validated section and returns the same tree with
per-run distributions replaced by the value this run drew, numbers as
floats, and per-deal distributions left as samplers, their drawn parameters
set to this run's draws (every deal of the run shares them).

Each per-run parameter draws from its own stream, keyed by (seed, run,
owner, dotted path), through its inverse CDF. So the value a parameter gets
in run i does not depend on which other parameters are uncertain, and a
Gaussian copula can hand in correlated uniforms instead. A per-deal
distribution's drawn parameter is one more per-run parameter, at the dotted
path a file gives it (``motions.smb.deal.contract_value.lognormal.median``).
"""
from __future__ import annotations

import zlib
from types import SimpleNamespace
from typing import Optional

import numpy as np
from pydantic import BaseModel

from simulator.engine.streams import named_stream, run_key
from simulator.scenario.distributions import Distribution
from simulator.scenario.drawn import DRAW_LEVELS
from simulator.scenario.loading import correlation_matrix


def _uniform(seed: int, run: int, owner: str, path: str) -> float:
    # the first uniform of the child of run_sequence(seed, run, owner) keyed by the path, built directly (a
    # SeedSequence costs more to make than the draw): Generator.random's double, the top 53 bits of PCG64's
    # first output
    child = np.random.SeedSequence(entropy=seed, spawn_key=run_key(run, owner) + (zlib.crc32(path.encode()),))
    return (int(np.random.PCG64(child).random_raw()) >> 11) * (1.0 / 9007199254740992.0)


def correlated_uniforms(scenario, seed: int, run: int) -> dict[str, float]:
    """Uniforms for the correlated per-run parameters of one run, by dotted path."""
    if not scenario.correlations:
        return {}
    names: list[str] = []
    for corr in scenario.correlations:
        names += [p for p in corr.between if p not in names]
    from scipy import special   # loaded only for scenarios with correlations
    chol = np.linalg.cholesky(correlation_matrix(scenario, names))
    normals = chol @ named_stream(seed, run, "correlations").standard_normal(len(names))
    return dict(zip(names, special.ndtr(normals).tolist()))


def resolve(section: BaseModel, seed: int, run: int, owner: str, prefix: str,
            uniforms: Optional[dict[str, float]] = None, drawn: Optional[dict[str, float]] = None):
    """The section with per-run distributions drawn for this run.

    ``owner`` keys the streams (a motion's name, or 'company'); ``prefix`` is
    the section's dotted path in the scenario (``motions.enterprise``), which
    is how correlations name their parameters. ``drawn``, when given,
    receives every per-run draw by its dotted path.
    """
    fixed, values, varying = _parts(section)
    if fixed is not None:
        return fixed
    uniforms = uniforms or {}
    values = dict(values)

    def once(law: Distribution, path: str) -> float:
        u = uniforms.get(path)
        if u is None:
            u = _uniform(seed, run, owner, path)
        value = float(law.ppf(np.clip(u, *DRAW_LEVELS)))
        if drawn is not None:
            drawn[path] = value
        return value

    for name, value in varying:
        path = f"{prefix}.{name}"
        if isinstance(value, Distribution):
            if value.per == "run":
                value = once(value, path)
            else:
                value = value.given({key: once(law, f"{path}.{value.name}.{key}")
                                     for key, law in value.drawn().items()})
        else:
            value = resolve(value, seed, run, owner, path, uniforms, drawn)
        values[name] = value
    return SimpleNamespace(**values)


# A section's parts that every run resolves alike, by the section's id (the section is kept, so the id is not reused
# while its entry lives): the section resolved once for all when nothing in it is drawn per run, else its fields that
# need nothing drawn (numbers, per-deal distributions, sections with nothing drawn) and those that do.
_PARTS: dict[int, tuple] = {}


def _parts(section: BaseModel) -> tuple[Optional[SimpleNamespace], dict, list]:
    known = _PARTS.get(id(section))
    if known is not None and known[0] is section:
        return known[1]
    values, varying = {}, []
    for name in type(section).model_fields:
        value = getattr(section, name)
        if isinstance(value, Distribution):
            needs_draws = value.per == "run" or bool(value.drawn())
        elif isinstance(value, BaseModel):
            inner = _parts(value)[0]
            needs_draws, value = inner is None, (value if inner is None else inner)
        else:
            needs_draws = False
        if needs_draws:
            varying.append((name, value))
        else:
            values[name] = value
    parts = (None if varying else SimpleNamespace(**values), values, varying)
    if len(_PARTS) >= 4096:    # sweeps and seeks make new scenarios; forget old sections now and then
        _PARTS.clear()
    _PARTS[id(section)] = (section, parts)
    return parts


def uncertain_inputs(section: BaseModel, prefix: str) -> list[str]:
    """Dotted paths of the section's per-run distributions, and of per-deal distributions' parameters drawn once
    per run: the inputs :func:`resolve` draws once per run."""
    paths = []
    for name in type(section).model_fields:
        value = getattr(section, name)
        if isinstance(value, Distribution):
            if value.per == "run":
                paths.append(f"{prefix}.{name}")
            else:
                paths += [f"{prefix}.{name}.{value.name}.{key}" for key in value.drawn()]
        elif isinstance(value, BaseModel):
            paths += uncertain_inputs(value, f"{prefix}.{name}")
    return paths


def draw(value, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of a resolved parameter: a per-deal sampler, or a per-run value repeated."""
    if isinstance(value, Distribution):
        return value.sample(rng, n)
    return np.full(n, float(value))


def draw_or_number(value, rng: np.random.Generator, n: int):
    """Like :func:`draw`, but a per-run value stays one number (numpy broadcasts it; no array to fill)."""
    if isinstance(value, Distribution):
        return value.sample(rng, n)
    return float(value)


def draw_int(value, rng: np.random.Generator, n: int, low: int = 0) -> np.ndarray:
    """Like :func:`draw`, rounded to whole numbers no smaller than ``low``."""
    if isinstance(value, Distribution) and value.poisson is not None and low <= 0:
        return rng.poisson(value.poisson.mean_, n)    # the same draws, whole and >= 0 already
    return np.maximum(np.rint(draw(value, rng, n)), low).astype(np.int64)
