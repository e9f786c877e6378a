"""SMB motion: trial sign-ups, a single decider's buying signals, and reps who touch some leads.

Leads (trial sign-ups) arrive from marketing and outsourced lead generation
(a Poisson stream) and as referrals from paying customers (each month,
referrals per customer x customers at the month's start). The decider shows
buying signals (returns to the site, views pricing, adds a teammate, starts
using the product); each multiplies the odds of buying by its lift. After
the decision cycle (about 3 months) the decider buys or walks away.

Some leads need a rep (``touched_share``); one rep carries many of them at
once. A touched lead waits for a free rep slot (FIFO) and goes cold after
``max_wait_days``; the rep handles its objections (holding the slot a few
days per objection), and an unresolved objection makes the decider say no.
Self-serve leads need nobody.

Leads compete for nothing but rep time, so they move through SimPy as daily
cohorts: one process steps day by day through the rep desk's queue, where
capacity binds; everything else about a lead is worked out with numpy.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from simulator.engine.customers import WonDeals, draw_lifetimes
from simulator.engine.motion import MotionRecord, lead_arrival_days
from simulator.units import DAYS_PER_MONTH
from simulator.engine.resolve import draw, draw_int
from simulator.scenario.schema import SIGNALS


class _LeadPool:
    """Attributes of leads in order of arrival, drawn in blocks from the motion's streams."""

    BLOCK = 4096

    def __init__(self, motion, rng: np.random.Generator, customers_rng: np.random.Generator):
        self.motion, self.rng, self.customers_rng = motion, rng, customers_rng
        self.table: dict[str, np.ndarray] = {}
        self.touch_days: list[int] = []
        self.size = 0

    def ensure(self, n: int) -> None:
        """Make sure attributes exist for the first ``n`` leads."""
        while self.size < n:
            block = self._draw(self.BLOCK)
            self.touch_days.extend(block["touch_days"].tolist())
            self.table = {k: np.r_[self.table[k], v] if self.table else v for k, v in block.items()}
            self.size += self.BLOCK

    def _draw(self, n: int) -> dict[str, np.ndarray]:
        process, deal, rng = self.motion.process, self.motion.deal, self.rng
        odds = np.full(n, process.buy_chance / max(1 - process.buy_chance, 1e-12))
        for name in SIGNALS:
            signal = getattr(process.signals, name)
            odds = np.where(rng.random(n) < signal.chance, odds * signal.lift, odds)
        chance = np.where(np.isinf(odds), 1.0, odds / (1 + odds))
        objections = draw_int(process.objections, rng, n)
        touch = np.ceil(objections * np.maximum(draw(process.objection_days, rng, n), 0))
        touched = rng.random(n) < process.touched_share
        unresolved = rng.random(n) < 1 - (1 - process.unresolved_chance) ** objections
        return {
            "arrival": np.full(n, np.nan),
            "touched": touched,
            "buys": (rng.random(n) < chance) & ~(touched & unresolved),   # a touched no-sayer never buys
            "unresolved": unresolved,
            "cycle": np.maximum(draw(process.cycle_days, rng, n), 0.0),
            "objections": objections,
            "touch_days": np.maximum(touch, 1).astype(np.int64),
            "acv": draw(deal.contract_value, rng, n) * (1 - draw(deal.discount, rng, n)),
            "lifetime": draw_lifetimes(deal, self.customers_rng, n),
            "live_months": np.rint(np.maximum(draw(deal.implementation_months, rng, n), 0)),
            "implementation_cost": np.maximum(draw(deal.implementation_cost, rng, n), 0),
        }


def start_smb_motion(env: simpy.Environment, motion, streams: dict, capacity: np.ndarray,
                     horizon: int) -> MotionRecord:
    """Set up an SMB motion's process in ``env``; its record is complete once the run ends."""
    days = int(math.ceil(horizon * DAYS_PER_MONTH))
    pool = _LeadPool(motion, streams["deals"], streams["customers"])
    marketing = lead_arrival_days(motion.leads, horizon, streams["arrivals"])
    bounds = np.searchsorted((marketing // DAYS_PER_MONTH).astype(np.int64), np.arange(horizon + 1))
    max_wait = motion.leads.max_wait_days
    referral_rate = motion.leads.referrals_per_customer_per_month
    served_leads, served_days = [], []   # touched leads a rep took, and the day
    active_delta = np.zeros(days + 2)     # +1 on a win day, -1 on the day the customer leaves
    record = MotionRecord(horizon, 0)
    record.paid_leads = np.diff(bounds).astype(float)
    state = {"count": 0}

    def settle(index: np.ndarray, start: np.ndarray):
        """Book the future wins and departures of leads whose path is now known (for referrals).

        ``start`` is, per lead of ``index``, the earliest day it can buy: its
        sign-up (self-serve) or the end of the rep's touch.
        """
        t = pool.table
        buying = t["buys"][index]
        live = index[buying]
        win = np.maximum(t["arrival"][live] + t["cycle"][live], start[buying])
        leave = win + (t["live_months"][live] + t["lifetime"][live]) * DAYS_PER_MONTH
        np.add.at(active_delta, np.minimum(win, days + 1).astype(np.int64), 1)
        np.add.at(active_delta, np.where(np.isfinite(leave), np.minimum(leave, days + 1), days + 1).astype(np.int64),
                  -1)

    def desk():
        """Month by month: new sign-ups; day by day: the rep desk's FIFO queue."""
        waiting = deque()                 # [day, touched leads of that day, how many taken] per daily cohort
        release = [0] * (days + 2)        # slots freed on each day
        touch = pool.touch_days
        in_service = 0
        for month in range(horizon):
            arrivals = marketing[bounds[month]:bounds[month + 1]]
            if referral_rate > 0:
                active = active_delta[:int(month * DAYS_PER_MONTH) + 1].sum()
                n_ref = streams["arrivals"].poisson(referral_rate * max(active, 0.0))
                referred = (month + streams["arrivals"].random(n_ref)) * DAYS_PER_MONTH
                arrivals = np.sort(np.r_[arrivals, referred])
            first = state["count"]
            last = state["count"] = first + len(arrivals)
            pool.ensure(last)
            pool.table["arrival"][first:last] = arrivals
            record.leads[month] += len(arrivals)
            touched = pool.table["touched"][first:last]
            self_serve = np.flatnonzero(~touched) + first
            settle(self_serve, arrivals[~touched])
            cohorts: dict[int, list[int]] = {}
            for lead, day in zip((np.flatnonzero(touched) + first).tolist(), arrivals[touched].astype(int).tolist()):
                cohorts.setdefault(day, []).append(lead)
            batch_start = len(served_leads)
            slots = int(capacity[month])
            for day in range(int(math.ceil(month * DAYS_PER_MONTH)),
                             min(int(math.ceil((month + 1) * DAYS_PER_MONTH)), days)):
                if day in cohorts:
                    waiting.append([day, cohorts[day], 0])
                in_service -= release[day]
                while waiting and waiting[0][0] < day - max_wait:
                    _, members, taken = waiting.popleft()
                    record.cold[month] += len(members) - taken
                free = slots - in_service
                while free > 0 and waiting:
                    cohort = waiting[0]
                    members, taken = cohort[1], cohort[2]
                    take = min(free, len(members) - taken)
                    batch = members[taken:taken + take]
                    for lead in batch:
                        end = day + touch[lead]
                        if end <= days:
                            release[end] += 1
                    served_leads.append(batch)
                    served_days.append(day)
                    cohort[2] += take
                    in_service += take
                    free -= take
                    if cohort[2] == len(members):
                        waiting.popleft()
            if len(served_leads) > batch_start:
                index, day_of = _flatten(served_leads[batch_start:], served_days[batch_start:])
                settle(index, day_of + pool.table["touch_days"][index])
            yield env.timeout((month + 1) * DAYS_PER_MONTH - env.now)

    env.process(desk())

    def finish():
        """After the run: every lead's fate, counted by month."""
        n = state["count"]
        t = {k: v[:n] for k, v in pool.table.items()}
        served = np.full(n, np.nan)
        if served_leads:
            index, day_of = _flatten(served_leads, served_days)
            served[index] = day_of
        touched = t["touched"]
        open_day = np.where(touched, served, t["arrival"])
        touch_end = served + t["touch_days"]
        said_no = touched & t["unresolved"]
        decide = np.where(said_no, touch_end, np.fmax(t["arrival"] + t["cycle"], np.where(touched, touch_end, -np.inf)))
        won = t["buys"]
        end = horizon * DAYS_PER_MONTH
        opened = ~np.isnan(open_day) & (open_day < end)
        closed = opened & (decide < end)
        record.open_day = np.where(opened, open_day, np.nan)
        record.close_day = np.where(closed, decide, np.nan)
        record.is_won = closed & won
        record.objections = np.where(touched & opened, t["objections"], 0).astype(float)

        def monthly(days_):
            return np.bincount((days_ // DAYS_PER_MONTH).astype(np.int64), minlength=horizon)[:horizon].astype(float)

        record.deals_opened = monthly(open_day[opened])
        record.won = monthly(decide[closed & won])
        record.lost = monthly(decide[closed & ~won])
        idx = np.flatnonzero(record.is_won)
        return WonDeals(win_day=decide[idx], acv=t["acv"][idx], lifetime=t["lifetime"][idx],
                        live_months=t["live_months"][idx], implementation_cost=t["implementation_cost"][idx])

    record.won_deals = finish
    return record


def _flatten(batches: list[list[int]], days: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Lead indices of served batches, and the day each was served."""
    sizes = [len(b) for b in batches]
    index = np.fromiter((lead for batch in batches for lead in batch), dtype=np.int64, count=sum(sizes))
    return index, np.repeat(np.asarray(days, dtype=float), sizes)
