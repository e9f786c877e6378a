"""The buying committee: 6-10 people, each raising objections along the deal's stages.

Picture an enterprise deal as a relay of five stages (meeting, demo,
technical, procurement, order). In every stage each committee member works
through the objections that surfaced for them, one after another; handling
one takes the buyer's attention for a few days, stretched because buyers
spend only ~17% of their buying time with vendors. The stage is passed when
the last member is through (and its own calendar days have passed). An
objection left unresolved turns its member into a blocker; when blockers
reach the scenario's threshold the committee says no on the spot. At each
stage's end the deal may also be lost for reasons outside the committee's
objections. So a "no" can come late, after months of work.

Nothing a committee does competes with another deal, so its members'
concurrent work is evaluated for a whole block of deals at once with numpy
(:func:`committee_outcomes`). :func:`simulate_committee` runs the same deal
as concurrent SimPy processes, one per member; the tests hold the two to the
same answer, draw for draw.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from simulator.engine.resolve import draw, draw_int
from simulator.scenario.distributions import Distribution
from simulator.scenario.schema import STAGES

N_STAGES = len(STAGES)


@dataclass
class CommitteeDraws:
    """Everything random about a block of ``n`` deals, drawn in bulk."""

    members: np.ndarray          # (n,) committee size of each deal
    base_days: np.ndarray        # (n, stages) calendar days of each stage besides objections
    stage_loss: np.ndarray       # (n, stages) True where the deal is lost at the stage's end
    # one row per objection, grouped by deal, then member, in the order the member raises them
    deal: np.ndarray
    member: np.ndarray
    stage: np.ndarray
    days: np.ndarray             # calendar days to handle it
    unresolved: np.ndarray       # True: its member becomes a blocker
    blockers_to_lose: int


def draw_committees(process, n: int, rng: np.random.Generator) -> CommitteeDraws:
    """Draw ``n`` deals' committees from a resolved committee process."""
    members = draw_int(process.committee_size, rng, n, low=1)
    width = int(members.max()) if n else 0
    per_member = draw_int(process.objections_per_member, rng, n * width, low=0).reshape(n, width)
    per_member[np.arange(width)[None, :] >= members[:, None]] = 0
    counts = per_member.ravel()
    per_deal = per_member.sum(axis=1)
    total = int(per_deal.sum())
    deal = np.repeat(np.arange(n), per_deal)
    member = np.repeat(np.tile(np.arange(width), n), counts)
    shares = np.array([getattr(process.stages, s).objection_share for s in STAGES], dtype=float)
    # the stage each objection surfaces in: how many of the cumulative shares its draw passes
    stage = np.zeros(total, dtype=np.int8)     # counted in bytes (five stages): fewer bytes to pass over
    u = rng.random(total)
    for cut in np.cumsum(shares / shares.sum())[:-1].tolist():
        stage += u >= cut
    stage = stage.astype(np.int64)
    days = np.maximum(draw(process.objection_buyer_days, rng, total), 0.0) / process.vendor_time_share
    unresolved = rng.random(total) < _drawn(process.unresolved_chance, rng, total)
    base_days = np.empty((n, N_STAGES))
    loss_chance = np.empty((n, N_STAGES))
    for j, s in enumerate(STAGES):
        base_days[:, j] = _drawn(getattr(process.stages, s).days, rng, n)
    for j, s in enumerate(STAGES):
        loss_chance[:, j] = _drawn(getattr(process.stages, s).loss_chance, rng, n)
    np.maximum(base_days, 0.0, out=base_days)
    stage_loss = rng.random((n, N_STAGES)) < loss_chance
    return CommitteeDraws(members=members, base_days=base_days, stage_loss=stage_loss, deal=deal, member=member,
                          stage=stage, days=days, unresolved=unresolved,
                          blockers_to_lose=int(round(process.blockers_to_lose)))


def _drawn(value, rng: np.random.Generator, n: int):
    """Like :func:`draw` for a parameter met elementwise: a per-run value stays one number, not ``n`` copies."""
    return value.sample(rng, n) if isinstance(value, Distribution) else float(value)


@dataclass
class CommitteeOutcomes:
    """How each deal of a block ends, in days from the moment a rep takes it."""

    won: np.ndarray          # (n,) bool
    duration: np.ndarray     # (n,) days from opening to the win or the "no"
    last_stage: np.ndarray   # (n,) index of the stage in which the deal ended
    objections: np.ndarray   # (n,) objections that surfaced before the deal ended
    stage_ends: np.ndarray   # (n, stages) days from opening to each stage's end, had the deal gone on


def committee_outcomes(d: CommitteeDraws) -> CommitteeOutcomes:
    """Evaluate a block of committees at once: stage lengths, blockers, losses."""
    n = len(d.members)
    width = int(d.members.max()) if n else 1
    # Within a member's stage the objections are handled one after another, in the order raised: the
    # member's work in the stage is their sum, the stage's work its slowest member's.
    deal_stage = d.deal * N_STAGES + d.stage
    group = d.member * (n * N_STAGES) + deal_stage
    member_work = np.bincount(group, weights=d.days, minlength=width * n * N_STAGES)
    work = member_work.reshape(width, n, N_STAGES).max(axis=0)
    stage_end = _running_sum(d.base_days + work)
    stage_start = stage_end - d.base_days - work
    # A member turns blocker at their first unresolved objection.
    hit = np.flatnonzero(d.unresolved)
    k = d.blockers_to_lose - 1
    if len(hit) and k < width:
        blocked_at = np.full(n * width, np.inf)
        deal, stage = d.deal[hit], d.stage[hit]
        when = stage_start[deal, stage] + d.base_days[deal, stage] + _done_at(d, hit, width)
        np.minimum.at(blocked_at, deal * width + d.member[hit], when)
        no_from_blockers = np.sort(blocked_at.reshape(n, width), axis=1)[:, k]
    else:
        no_from_blockers = np.full(n, np.inf)
    # the first stage at whose end the deal is lost (N_STAGES: none), from a column that always is
    lost_stage = np.concatenate((d.stage_loss, np.ones((n, 1), dtype=bool)), axis=1).argmax(axis=1)
    no_from_stage = np.where(lost_stage < N_STAGES,
                             stage_end[np.arange(n), np.minimum(lost_stage, N_STAGES - 1)], np.inf)
    ends = np.minimum(no_from_blockers, no_from_stage)
    won = ~np.isfinite(ends)
    duration = np.where(won, stage_end[:, -1] if n else 0.0, ends)
    last_stage = np.minimum((stage_start <= duration[:, None] - 1e-12).sum(axis=1) - 1, N_STAGES - 1)
    last_stage = np.where(won, N_STAGES - 1, np.maximum(last_stage, 0))
    # objections surfaced up to the last stage: each deal's running count over its stages
    per_stage = np.bincount(deal_stage, minlength=n * N_STAGES).reshape(n, N_STAGES)
    objections = _running_sum(per_stage)[np.arange(n), last_stage]
    return CommitteeOutcomes(won=won, duration=duration, last_stage=last_stage, objections=objections,
                             stage_ends=stage_end)


def _running_sum(a: np.ndarray) -> np.ndarray:
    """``np.cumsum(a, axis=1)``, added column by column: the same sums in the same order, and far quicker
    over the short rows (one per deal) of a large block."""
    out = a.copy()
    for j in range(1, out.shape[1]):
        out[:, j] += out[:, j - 1]
    return out


def _done_at(d: CommitteeDraws, rows: np.ndarray, width: int) -> np.ndarray:
    """Days into its stage's objection work at which each objection of ``rows`` is dealt with: its own
    days plus those of its member's earlier objections in the same stage.

    Rows come grouped by deal, then member, in the order raised, so a
    member's earlier objections are the rows between its first and this one.
    """
    if not len(rows):
        return np.zeros(0)
    pair = d.deal * width + d.member              # non-decreasing over the rows
    first = np.searchsorted(pair, pair[rows], side="left")
    back = np.arange(int((rows - first).max()) + 1)
    earlier = np.minimum(first[:, None] + back[None, :], rows[:, None])   # the member's rows up to each
    same = (first[:, None] + back[None, :] <= rows[:, None]) & (d.stage[earlier] == d.stage[rows][:, None])
    return np.sum(np.where(same, d.days[earlier], 0.0), axis=1)


def simulate_committee(d: CommitteeDraws, i: int) -> tuple[bool, float]:
    """Deal ``i`` of a block as concurrent SimPy processes, one per member: (won, duration in days).

    The slow, literal model :func:`committee_outcomes` is checked against.
    """
    env = simpy.Environment()
    rows = np.flatnonzero(d.deal == i)
    state = {"blockers": set(), "no": env.event()}

    def member(m, stage):
        for row in rows[(d.member[rows] == m) & (d.stage[rows] == stage)]:
            yield env.timeout(d.days[row])
            if d.unresolved[row] and m not in state["blockers"]:
                state["blockers"].add(m)
                if len(state["blockers"]) >= d.blockers_to_lose and not state["no"].triggered:
                    state["no"].succeed()

    def deal():
        for stage in range(N_STAGES):
            yield env.timeout(d.base_days[i, stage])
            members = env.all_of([env.process(member(m, stage)) for m in range(d.members[i])])
            yield members | state["no"]
            if state["no"].triggered:
                return False
            if d.stage_loss[i, stage]:
                return False
        return True

    outcome = env.process(deal())
    env.run(until=outcome)
    return outcome.value, env.now
