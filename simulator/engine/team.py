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

import heapq
import math
from dataclasses import dataclass

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


class RepDesk:
    """Rep slots with one first-come, first-served queue, lead patience, and capacity changing at month starts.

    ``free`` holds the time each slot comes free (a slot free in the past is
    simply free): a sorted array after a month settled with numpy, a heap
    (list) in the lead-by-lead queue; a sorted list is a valid heap. A lead arriving at ``a`` starts at
    ``max(a, earliest free)``; it goes cold instead when that is more than
    ``max_wait`` days after ``a``. When capacity shrinks, the slots that
    free first are the ones removed: deals held keep their slot and new
    leads wait until enough end. When it grows, the deals still held on
    removed slots take the new slots first, so a slot is free only when
    fewer deals are held than there are slots (``held_over`` keeps them).
    The desk never looks back, so deciding a lead's fate on arrival is exact.
    """

    fast = True   # settle months where no lead can wait with numpy (the same answer; a test compares)

    def __init__(self, capacity: np.ndarray, max_wait: float):
        self.capacity, self.max_wait = capacity, float(max_wait)
        self.changes = (np.flatnonzero(np.diff(capacity)) + 1).tolist()   # months where capacity changes
        self.next_change = 0
        self.free = np.zeros(int(capacity[0]) if len(capacity) else 0)
        self.held_over: list = []   # end days of deals still held on slots removed when capacity shrank

    def _change_day(self) -> float:
        return self.changes[self.next_change] * DAYS_PER_MONTH if self.next_change < len(self.changes) else math.inf

    def _heap(self) -> list:
        if isinstance(self.free, np.ndarray):
            self.free = self.free.tolist()
        return self.free

    def _apply_change(self) -> None:
        month = self.changes[self.next_change]
        self.next_change += 1
        slots, day = int(self.capacity[month]), month * DAYS_PER_MONTH
        free = self._heap()
        while len(free) > slots:
            ended = heapq.heappop(free)
            if ended > day:
                self.held_over.append(ended)
        grow = slots - len(free)
        if grow > 0 and self.held_over:
            # deals still held on slots removed earlier count against the new slots first
            self.held_over = sorted(t for t in self.held_over if t > day)
            keep = max(len(self.held_over) - grow, 0)
            for ended in self.held_over[keep:]:
                heapq.heappush(free, ended)
            del self.held_over[keep:]
        for _ in range(slots - len(free)):
            heapq.heappush(free, day)

    def serve(self, month: int, arrivals: np.ndarray, holds: np.ndarray) -> np.ndarray:
        """Queue month ``month``'s touched leads (arrival days, sorted; slot hold in days): start days, NaN if cold."""
        while self.next_change < len(self.changes) and self.changes[self.next_change] <= month:
            self._apply_change()
        if self.fast and self._served_on_arrival(arrivals, holds):
            return arrivals.copy()
        return self._queue(arrivals, holds)

    def _served_on_arrival(self, arrivals: np.ndarray, holds: np.ndarray) -> bool:
        """Whether every lead finds a free slot on arrival; if so, take the slots."""
        if not len(arrivals):
            return True
        free = self.free if isinstance(self.free, np.ndarray) else np.sort(self.free)
        slots = len(free)
        if slots == 0:
            return False
        ends = arrivals + holds
        # slots busy when lead k arrives: the desk's, plus earlier leads' still held (a hold ending on
        # arrival frees its slot; a lead's own zero-length hold is not "earlier")
        busy_before = slots - np.searchsorted(free, arrivals, side="right")
        ended = np.searchsorted(np.sort(ends), arrivals, side="right") - (holds == 0)
        busy = busy_before + np.arange(len(arrivals)) - ended
        if busy.max() >= slots:
            return False
        # Each lead took the earliest free slot: the slots left are the latest of old and new end times.
        self.free = np.sort(np.concatenate((free, ends)))[-slots:]
        return True

    def _queue(self, arrivals: np.ndarray, holds: np.ndarray) -> np.ndarray:
        """Lead by lead: start at the earliest free slot, or go cold."""
        take = self.take
        return np.array([take(arrival, hold) for arrival, hold in zip(arrivals.tolist(), holds.tolist())])

    def take(self, arrival: float, hold: float) -> float:
        """One lead arriving at ``arrival`` (no earlier than the last one) for ``hold`` days: its start day,
        NaN if it goes cold. Capacity changes up to the start are applied on the way."""
        free = self._heap()
        change_day = self._change_day()
        while change_day <= arrival:
            self._apply_change()
            change_day = self._change_day()
        begin = max(arrival, free[0]) if free else math.inf
        while begin >= change_day != math.inf:
            # every slot is busy until capacity changes: apply the change first
            self._apply_change()
            change_day = self._change_day()
            begin = max(arrival, free[0]) if free else math.inf
        if begin - arrival > self.max_wait:
            return math.nan
        heapq.heapreplace(free, begin + hold)
        return begin
