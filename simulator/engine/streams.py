"""Random streams: one root seed, a stream for every (run, motion, purpose), numbered blocks within them.

Run ``i`` of motion ``m`` draws only from generators derived from
``(seed, i, m)``, so results do not depend on worker count, chunking or
executor; strategies that run the same motion see the same draws (common
random numbers); and adding a motion does not shift another's draws,
because a motion is keyed by a hash of its name, not by its position.

Within a run, what a motion draws is keyed by what it is for, never by how
much it happens to need. Monthly draws (lead counts, arrival times,
referrals) are taken month by month in calendar order, so month k of a
motion's own calendar draws the same whatever the horizon; per-lead
attributes come in numbered blocks of leads (:class:`BlockStreams`), so the
k-th lead meets the same deal whatever the horizon, the start month or the
number of leads before the horizon ends. Nothing here touches global random
state.
"""
from __future__ import annotations

import zlib

import numpy as np

# Separate streams for separate uses, so that (say) hiring one more rep does
# not shift the deal sizes every later deal draws. New purposes go at the end: a SeedSequence's first n
# children are the same however many are spawned, so appending one leaves every other stream unchanged.
PURPOSES = ("arrivals", "arrival_times", "referrals", "deals", "team", "accounts", "marketing")

# Blocks of one stream start this many 64-bit draws apart: far more than any block uses.
BLOCK_SPACING = 1 << 64


def _key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def run_key(run: int, name: str) -> tuple[int, int]:
    """The spawn key of :func:`run_sequence`: its children extend it by one more number."""
    return run, _key(name)


def run_sequence(seed: int, run: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of one run of one motion (or of a scenario-wide name such as 'company')."""
    return np.random.SeedSequence(entropy=seed, spawn_key=run_key(run, name))


class BlockStreams:
    """Generators for numbered blocks of one stream: block ``j`` begins ``j x 2**64`` draws in.

    What block ``j`` draws depends on ``j`` alone, not on how many blocks
    came before, and jumping to a block is cheap (PCG64's ``advance``). The
    generators share one bit generator: use one block's draws before asking
    for the next block.
    """

    def __init__(self, sequence: np.random.SeedSequence):
        self._bits = np.random.PCG64(sequence)
        self._origin = self._bits.state

    def __call__(self, block: int) -> np.random.Generator:
        self._bits.state = self._origin
        self._bits.advance(block * BLOCK_SPACING)
        return np.random.Generator(self._bits)


class MotionStreams(dict):
    """Streams for one run of one motion, one per purpose in :data:`PURPOSES`, each made on first use.

    ``deals`` is a :class:`BlockStreams` (per-lead attributes, block by
    block); the others are generators drawn in calendar order. Stream
    ``purpose`` is the SeedSequence child :meth:`~numpy.random.SeedSequence.spawn`
    would give at its index in :data:`PURPOSES`, built directly: seeding a
    stream costs about as much as drawing a few hundred numbers, and no
    motion uses all seven (a hybrid's enterprise motion, which shares its
    leads and deals, uses only ``team``).
    """

    def __init__(self, seed: int, run: int, motion: str):
        super().__init__()
        self.seed, self.spawn_key = seed, run_key(run, motion)

    def __missing__(self, purpose: str):
        return self.fresh(purpose)

    def fresh(self, purpose: str):
        """Stream ``purpose`` made anew, at its start (what it drew so far is forgotten)."""
        if purpose not in PURPOSES:
            raise KeyError(purpose)
        child = np.random.SeedSequence(entropy=self.seed, spawn_key=self.spawn_key + (PURPOSES.index(purpose),))
        stream = BlockStreams(child) if purpose == "deals" else np.random.Generator(np.random.PCG64(child))
        self[purpose] = stream
        return stream


def motion_streams(seed: int, run: int, motion: str) -> MotionStreams:
    """Streams for one run of one motion, one per purpose in :data:`PURPOSES` (see :class:`MotionStreams`)."""
    return MotionStreams(seed, run, motion)


def named_stream(seed: int, run: int, name: str) -> np.random.Generator:
    """One generator for a scenario-wide purpose of a run ('company', 'correlations')."""
    return np.random.Generator(np.random.PCG64(run_sequence(seed, run, "__" + name)))
