"""Reps: who is on the team each month, what they can carry, and what they cost.

A rep starts on a month (at month 0 for the reps already on the team, who
are fully ramped), ramps up linearly over ``ramp_months`` (a rep in the
first of four ramp months carries a quarter of a full load), may leave
(attrition as a constant monthly hazard) and is then replaced after
``replacement_delay_months`` by a new rep who ramps again. Salaries are paid
for every month a rep is on the team.

The schedule depends on nothing but the team's own draws, so it is worked
out before the run; the run applies it month by month to a
:class:`RepPool`, the SimPy resource deals compete for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy



TENURE_BLOCK = 4   # tenures drawn per seat at a time


@dataclass
class TeamSchedule:
    """Month by month: reps on the team, deal slots they carry, salaries paid."""

    headcount: np.ndarray   # reps on the team in each month
    capacity: np.ndarray    # deal slots (reps x deals per rep, ramping reps in part), whole numbers
    salaries: np.ndarray    # money paid in each month
    departures: int         # reps who left over the horizon


def team_schedule(team, horizon: int, rng: np.random.Generator) -> TeamSchedule:
    """Work out a resolved team's schedule over ``horizon`` months.

    Each seat (a rep at month 0, or one of a hire's reps) is filled by a
    chain of reps: the first, then each replacement. The j-th rep of seat s
    stays the tenure drawn at (s, j) of a seats x 4 matrix, more matrices
    drawn as long chains need them, so a rep's tenure depends on the seat
    and its place in the chain alone, never on the horizon.
    """
    starts = [(0, True)] * int(round(team.reps))
    for hire in team.hires:
        starts += [(hire.month - 1, False)] * hire.reps
    monthly_hazard = -math.log1p(-min(team.attrition_per_year, 1 - 1e-12)) / 12
    ramp = float(team.ramp_months)
    per_rep = float(team.deals_per_rep)
    delay = int(round(team.replacement_delay_months))
    load = np.zeros(horizon)
    headcount = np.zeros(horizon)
    departures = 0
    tenures = np.zeros((len(starts), 0))
    for seat, (start, ramped) in enumerate(starts):
        link = 0
        while start < horizon:
            leave = horizon
            if monthly_hazard > 0:
                while link >= tenures.shape[1]:
                    tenures = np.hstack((tenures, rng.exponential(1 / monthly_hazard, (len(starts), TENURE_BLOCK))))
                leave = min(horizon, start + 1 + int(tenures[seat, link]))
            headcount[start:leave] += 1
            if ramped or ramp <= 0:
                load[start:leave] += per_rep
            else:
                load[start:leave] += per_rep * np.minimum(1.0, (np.arange(start, leave) - start + 1) / ramp)
            if leave >= horizon:
                break
            departures += 1
            start, ramped, link = leave + delay, False, link + 1
    capacity = np.floor(load + 1e-9)
    return TeamSchedule(headcount=headcount, capacity=capacity, salaries=headcount * team.salary_per_month,
                        departures=departures)


class RepPool(simpy.Resource):
    """Deal slots of a team: a SimPy resource whose capacity follows hiring, ramp and attrition.

    When capacity shrinks, deals already held keep their slot; new requests
    wait until enough deals close. When it grows, waiting requests go in.
    """

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity=max(int(capacity), 1))
        self._capacity = int(capacity)

    def set_capacity(self, capacity: int) -> None:
        grew = capacity > self._capacity
        self._capacity = int(capacity)
        if grew:
            self._trigger_put(None)


def apply_schedule(env: simpy.Environment, pool: RepPool, capacity: np.ndarray, days_per_month: float):
    """SimPy process: set the pool's capacity at the start of every month in which it changes."""
    for month in (np.flatnonzero(np.diff(capacity)) + 1).tolist():
        yield env.timeout(month * days_per_month - env.now)
        pool.set_capacity(int(capacity[month]))
