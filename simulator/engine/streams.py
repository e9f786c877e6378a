"""Random streams: one root seed, a stream for every (run, motion, purpose).

Run ``i`` of motion ``m`` draws only from generators derived from
``(seed, i, m)``, so results do not depend on worker count, chunking or
executor; strategies that run the same motion see the same draws (common
random numbers); and adding a motion does not shift another's draws,
because a motion is keyed by a hash of its name, not by its position.
Nothing here touches global random state.
"""
from __future__ import annotations

import zlib

import numpy as np

# Separate streams for separate uses, so that (say) hiring one more rep does
# not shift the deal sizes every later deal draws.
PURPOSES = ("parameters", "arrivals", "deals", "team", "customers", "accounts")


def _key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def run_sequence(seed: int, run: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of one run of one motion (or of a scenario-wide name such as 'company')."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(run, _key(name)))


def motion_streams(seed: int, run: int, motion: str) -> dict[str, np.random.Generator]:
    """Generators for one run of one motion, one per purpose in :data:`PURPOSES`."""
    children = run_sequence(seed, run, motion).spawn(len(PURPOSES))
    return {purpose: np.random.Generator(np.random.PCG64(child)) for purpose, child in zip(PURPOSES, children)}


def named_stream(seed: int, run: int, name: str) -> np.random.Generator:
    """One generator for a scenario-wide purpose of a run ('company', 'correlations')."""
    return np.random.Generator(np.random.PCG64(run_sequence(seed, run, "__" + name)))
