"""Reps: who is on the team each month, what they can carry, and what they cost.

A rep starts on a month (at month 0 for the reps already on the team, who
are fully ramped), ramps up linearly over ``ramp_months`` (a rep in the
first of four ramp months carries a quarter of a full load), may leave
(attrition as a constant monthly hazard) and is then replaced after
``replacement_delay_months`` by a new rep who ramps again. Salaries are paid
for every month a rep is on the team.

The schedule depends on nothing but the team's own draws, so it is worked
out before the run; the run applies it month by month to a
:class:`RepDesk`, the slots leads queue for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from heapq import heappop, heappush

import numpy as np

from simulator.engine.units import DAYS_PER_MONTH

TENURE_BLOCK = 4   # tenures drawn per seat at a time


@dataclass
class TeamSchedule:
    """Month by month: reps on the team, deal slots they carry, salaries paid."""

    headcount: np.ndarray   # reps on the team in each month
    capacity: np.ndarray    # deal slots (reps x deals per rep, ramping reps in part), whole numbers
    salaries: np.ndarray    # money paid in each month
    departures: int         # reps who left over the horizon


def team_schedule(team, horizon: int, rng: np.random.Generator, hiring: np.ndarray | None = None,
                  replacing: np.ndarray | None = None) -> TeamSchedule:
    """Work out a resolved team's schedule over ``horizon`` months.

    Each seat (a rep at month 0, or one of a hire's reps) is filled by a
    chain of reps: the first, then each replacement. The j-th rep of seat s
    stays the tenure drawn at (s, j) of a seats x 4 matrix, more matrices
    drawn as long chains need them, so a rep's tenure depends on the seat
    and its place in the chain alone, never on the horizon.

    ``hiring`` and ``replacing`` (a plan that reacts to cash), when given,
    say for each month whether a planned hire, or a replacement, may start
    in it; one due in a closed month starts in the next open one (never,
    when none is left). A seat waiting so keeps its place in the matrix,
    so every other seat's tenures stay the same.
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
    hire_from, replace_from = _next_open(hiring, horizon), _next_open(replacing, horizon)
    for seat, (start, ramped) in enumerate(starts):
        link = 0
        if hire_from is not None and not ramped and start < horizon:
            start = hire_from[start]
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
            if replace_from is not None and start < horizon:
                start = replace_from[start]
    capacity = np.floor(load + 1e-9)
    return TeamSchedule(headcount=headcount, capacity=capacity, salaries=headcount * team.salary_per_month,
                        departures=departures)


def _next_open(open_months: np.ndarray | None, horizon: int) -> list[int] | None:
    """For each month, the first month from it on that is open (``horizon``: none); None when all are open."""
    if open_months is None:
        return None
    first, found = [horizon] * horizon, horizon
    for month in range(horizon - 1, -1, -1):
        if open_months[month]:
            found = month
        first[month] = found
    return first


class RepDesk:
    """Rep slots with one first-come, first-served queue, lead patience, and capacity changing at month starts.

    The desk keeps ``held``, the days on which the deals it has taken free
    their slots (a heap, or a sorted array after a month settled at once),
    each counted from the moment its lead joined: a lead that waits holds
    its place in the queue until a rep takes it. A lead arriving at ``a``
    starts at the first moment from ``a`` on when fewer of those deals are
    held than there are slots, and goes cold instead when that is more than
    ``max_wait`` days after ``a``. So when capacity shrinks
    (a rep leaves), deals already held keep their slot and new leads wait
    until enough end; when it grows, waiting leads go in at once. A lead's
    wait depends only on the leads ahead of it, so deciding its fate as it
    joins is exact. Idle slots cost nothing: a team of thousands of slots is
    as cheap as one.
    """

    # Shortcuts: a month (and, for an SMB motion, the whole horizon) in which no lead can find every slot
    # busy is settled at once with numpy; False settles every lead one by one (the same answer; tests compare).
    fast = True

    def __init__(self, capacity: np.ndarray, max_wait: float):
        self.max_wait = float(max_wait)
        self.changes = [(month * DAYS_PER_MONTH, int(capacity[month]))     # (day, slots from then on)
                        for month in (np.flatnonzero(np.diff(capacity)) + 1).tolist()]
        self.next_change = 0
        self.change_day = self._change_day(0)    # the day of the next capacity change (inf: none)
        self.slots = int(capacity[0]) if len(capacity) else 0
        self.held: list = []

    def _advance(self, day: float) -> None:
        """Apply the capacity changes up to ``day``; forget the deals that ended by then."""
        changes = self.changes
        while self.next_change < len(changes) and changes[self.next_change][0] <= day:
            self.slots = changes[self.next_change][1]
            self.next_change += 1
        self.change_day = self._change_day(self.next_change)
        held = self.held
        if isinstance(held, np.ndarray):
            self.held = held[np.searchsorted(held, day, side="right"):]
            return
        while held and held[0] <= day:
            heappop(held)

    def serve(self, month: int, arrivals: np.ndarray, holds: np.ndarray) -> np.ndarray:
        """Queue month ``month``'s touched leads (arrival days, sorted; slot hold in days): start days, NaN if cold."""
        self._advance(month * DAYS_PER_MONTH)
        if self.fast and self._served_on_arrival(arrivals, holds):
            return arrivals.copy()
        take = self.take
        return np.array([take(arrival, hold) for arrival, hold in zip(arrivals.tolist(), holds.tolist())])

    def _served_on_arrival(self, arrivals: np.ndarray, holds: np.ndarray) -> bool:
        """Whether every lead of a month finds a free slot on arrival; if so, take the slots."""
        if not len(arrivals):
            return True
        held = self.held if isinstance(self.held, np.ndarray) else np.sort(self.held)
        ends = arrivals + holds
        # deals held when lead k arrives: the desk's, plus earlier leads' (a hold ending on arrival frees
        # its slot; a lead's own zero-length hold is not "earlier")
        busy = (len(held) - np.searchsorted(held, arrivals, side="right") + np.arange(len(arrivals))
                - np.searchsorted(np.sort(ends), arrivals, side="right") + (holds == 0))
        if busy.max() >= self.slots:
            return False
        held = np.sort(np.concatenate((held, ends)))
        self.held = held[np.searchsorted(held, arrivals[-1], side="right"):]
        return True

    def take(self, arrival: float, hold: float) -> float:
        """One lead arriving at ``arrival`` (no earlier than the last one) for ``hold`` days: its start day,
        NaN if it goes cold."""
        held = self.held
        if type(held) is not list:
            held = self.held = held.tolist()     # a sorted list is a heap
        if self.change_day <= arrival:
            self._advance(arrival)
        else:
            while held and held[0] <= arrival:
                heappop(held)
        slots = self.slots
        if len(held) < slots:
            begin = arrival
        elif held and len(held) == slots and held[0] < self.change_day:
            begin = held[0]        # the next deal to end frees its slot
        else:
            begin = self._first_free(arrival)
        if begin - arrival > self.max_wait:
            return math.nan
        heappush(held, begin + hold)
        return begin

    def _change_day(self, i: int) -> float:
        return self.changes[i][0] if i < len(self.changes) else math.inf

    def _first_free(self, arrival: float) -> float:
        """The first day from ``arrival`` on when fewer deals are held than there are slots (inf: never).

        The deals held all end after ``arrival``. With ``s`` slots from ``day`` on and ``n`` deals held, a slot
        is free at once if ``s > n``; otherwise it frees when the ``n - s + 1``-th of them to end ends (on
        ``day`` if that is past), if that is before the next capacity change. The end days are sorted only
        when that order is needed (a team without reps until its next change, then with room for all, never
        needs it).
        """
        held, ends = self.held, None
        slots, i, day = self.slots, self.next_change, arrival
        while True:
            if slots > len(held):
                return day
            if slots > 0:
                if ends is None:
                    ends = sorted(held)
                free = max(day, ends[len(ends) - slots])
            else:
                free = math.inf
            change = self._change_day(i)
            if free < change:
                return free
            if change == math.inf:
                return math.inf
            day, slots, i = change, self.changes[i][1], i + 1
