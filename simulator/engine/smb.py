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
from simulator.engine.units import DAYS_PER_MONTH, month_of
from simulator.engine.resolve import draw, draw_int
from simulator.scenario.schema import SIGNALS


class _LeadPool:
    """Attributes of leads in order of arrival, drawn in bulk from the motion's streams.

    The first block covers the marketing leads (known at the start) and 10%
    more; referrals beyond that take further blocks of ``REFERRAL_BLOCK``.
    What only a buyer needs (contract value, lifetime) is drawn for buyers.
    """

    REFERRAL_BLOCK = 2048

    def __init__(self, motion, rng: np.random.Generator, customers_rng: np.random.Generator, expected: int):
        self.motion, self.rng, self.customers_rng = motion, rng, customers_rng
        self.first_block = int(expected * 1.1) + 256   # room for referrals: growing the table copies it
        self.table: dict[str, np.ndarray] = {}
        self.touch_days: list[int] = []
        self.max_touch = 0
        self.size = 0

    def ensure(self, n: int) -> None:
        """Make sure attributes exist for the first ``n`` leads."""
        while self.size < n:
            size = self.first_block if self.size == 0 else self.REFERRAL_BLOCK
            block = self._draw(size)
            self.touch_days.extend(block["touch_days"].tolist())
            self.max_touch = max(self.max_touch, int(block["touch_days"].max(initial=0)))
            self.table = {k: np.concatenate((self.table[k], v)) if self.table else v for k, v in block.items()}
            self.size += size

    def _draw(self, n: int) -> dict[str, np.ndarray]:
        process, deal, rng = self.motion.process, self.motion.deal, self.rng
        # The signals each decider shows (bit k of `shown` for signal k), and their joint lift on the odds.
        chances, lift_of = _signal_table(process.signals)
        seen = rng.random((len(chances), n)) < chances[:, None]
        shown = (seen * (1 << np.arange(len(chances)))[:, None]).sum(axis=0)
        lifts = lift_of[shown]
        odds = process.buy_chance / max(1 - process.buy_chance, 1e-12) * lifts
        chance = np.where(np.isinf(odds), 1.0, odds / (1 + odds))
        touched = rng.random(n) < process.touched_share
        objections = np.zeros(n, dtype=np.int64)
        touch = np.ones(n)
        who = np.flatnonzero(touched)
        objections[who] = draw_int(process.objections, rng, len(who))
        touch[who] = np.maximum(np.ceil(objections[who] * np.maximum(draw(process.objection_days, rng, len(who)), 0)),
                                1)
        unresolved = np.zeros(n, dtype=bool)
        unresolved[who] = rng.random(len(who)) < 1 - (1 - process.unresolved_chance) ** objections[who]
        buys = (rng.random(n) < chance) & ~unresolved          # a touched no-sayer never buys
        table = {
            "arrival": np.full(n, np.nan), "touched": touched, "buys": buys, "unresolved": unresolved,
            "cycle": np.maximum(draw(process.cycle_days, rng, n), 0.0), "objections": objections,
            "touch_days": touch.astype(np.int64),
        }
        buyers = np.flatnonzero(buys)
        for name, values in (
                ("acv", lambda k: draw(deal.contract_value, rng, k) * (1 - draw(deal.discount, rng, k))),
                ("lifetime", lambda k: draw_lifetimes(deal, self.customers_rng, k)),
                ("live_months", lambda k: np.rint(np.maximum(draw(deal.implementation_months, rng, k), 0))),
                ("implementation_cost", lambda k: np.maximum(draw(deal.implementation_cost, rng, k), 0))):
            column = np.zeros(n)
            column[buyers] = values(len(buyers))
            table[name] = column
        table["stays_days"] = (table["live_months"] + table["lifetime"]) * DAYS_PER_MONTH   # win to departure
        return table


def _signal_table(signals) -> tuple[np.ndarray, np.ndarray]:
    """Each buying signal's chance, and the total lift of every combination (indexed by bits, signal k = bit k)."""
    chances = np.array([getattr(signals, name).chance for name in SIGNALS])
    lifts = np.array([getattr(signals, name).lift for name in SIGNALS])
    combinations = np.arange(2 ** len(SIGNALS))
    bits = (combinations[:, None] >> np.arange(len(SIGNALS))) & 1
    return chances, np.prod(np.where(bits == 1, lifts, 1.0), axis=1)


def start_smb_motion(env: simpy.Environment, motion, streams: dict, capacity: np.ndarray,
                     horizon: int) -> MotionRecord:
    """Set up an SMB motion's process in ``env``; its record is complete once the run ends."""
    return SmbDesk(env, motion, streams, capacity, horizon).record


class SmbDesk:
    """The SMB motion of one run: sign-ups month by month, the rep desk's FIFO queue day by day.

    Touched leads queue in order of arrival, so the leads reps take are the
    queue's order minus those that went cold: the desk keeps them as
    positions in one list, ``touched``, and their service days alongside.
    """

    fast = True   # skip the day-by-day queue in months where capacity cannot bind (same result)

    def __init__(self, env, motion, streams: dict, capacity: np.ndarray, horizon: int):
        self.env, self.motion, self.streams, self.capacity, self.horizon = env, motion, streams, capacity, horizon
        self.days = int(math.ceil(horizon * DAYS_PER_MONTH))
        self.marketing = lead_arrival_days(motion.leads, horizon, streams["arrivals"])
        self.pool = _LeadPool(motion, streams["deals"], streams["customers"], expected=len(self.marketing))
        self.bounds = np.searchsorted(month_of(self.marketing), np.arange(horizon + 1))
        self.count = 0                           # leads so far
        self.touched: list[int] = []             # touched leads, in queue order
        self.touched_array = np.zeros(1024, dtype=np.int64)   # the same, as an array
        self.service_day = np.full(1024, np.nan)  # by position in `touched`: the day a rep took it
        self.active_delta = np.zeros(self.days + 2)   # +1 on a win day, -1 when the customer leaves
        self.waiting = deque()     # [day, first position, end position] of daily cohorts still queueing
        self.release = np.zeros(self.days + 2, dtype=np.int64)   # rep slots freed on each day
        self.in_service = 0        # rep slots taken
        self.record = MotionRecord(horizon, 0)
        self.record.paid_leads = np.diff(self.bounds).astype(float)
        self.record.won_deals = self.won_deals
        env.process(self.run())

    def _settle(self, index: np.ndarray, start: np.ndarray) -> None:
        """Book the future wins and departures of leads whose path is now known (for referrals).

        ``start`` is, per lead of ``index``, the earliest day it can buy: its
        sign-up (self-serve) or the end of the rep's touch.
        """
        t = self.pool.table
        buying = t["buys"][index]
        live = index[buying]
        win = np.maximum(t["arrival"][live] + t["cycle"][live], start[buying])
        leave = win + t["stays_days"][live]
        last = float(self.days + 1)
        length = len(self.active_delta)
        self.active_delta += (np.bincount(np.minimum(win, last).astype(np.int64), minlength=length)
                              - np.bincount(np.minimum(leave, last).astype(np.int64), minlength=length))

    def _sign_ups(self, month: int) -> np.ndarray:
        """Arrival days of this month's leads: marketing's, and referrals from customers at the month's start."""
        arrivals = self.marketing[self.bounds[month]:self.bounds[month + 1]]
        rate = self.motion.leads.referrals_per_customer_per_month
        if rate > 0:
            rng = self.streams["arrivals"]
            active = self.active_delta[:int(month * DAYS_PER_MONTH) + 1].sum()
            referred = (month + rng.random(rng.poisson(rate * max(active, 0.0)))) * DAYS_PER_MONTH
            arrivals = np.sort(np.concatenate((arrivals, referred)))
        return arrivals

    def run(self):
        """SimPy process: month by month, sign-ups join, reps take touched leads, buyers are booked."""
        for month in range(self.horizon):
            arrivals = self._sign_ups(month)
            first, self.count = self.count, self.count + len(arrivals)
            self.pool.ensure(self.count)
            self.pool.table["arrival"][first:self.count] = arrivals
            self.record.leads[month] += len(arrivals)
            is_touched = self.pool.table["touched"][first:self.count]
            served_from = self._serve_month(month, np.flatnonzero(is_touched) + first, arrivals[is_touched])
            index = [np.flatnonzero(~is_touched) + first]
            start = [arrivals[~is_touched]]
            if served_from is not None:
                positions = np.arange(served_from, len(self.touched))
                positions = positions[~np.isnan(self.service_day[positions])]
                served = self.touched_array[positions]
                index.append(served)
                start.append(self.service_day[positions] + self.pool.table["touch_days"][served])
            self._settle(np.concatenate(index), np.concatenate(start))
            yield self.env.timeout((month + 1) * DAYS_PER_MONTH - self.env.now)

    def _serve_month(self, month: int, leads: np.ndarray, arrivals: np.ndarray):
        """Queue this month's touched leads and let reps take them; the first queue position taken, or None."""
        pool = self.pool
        needed = self.days + 2 + pool.max_touch
        if len(self.release) < needed:
            self.release = np.concatenate((self.release, np.zeros(needed - len(self.release), np.int64)))
        first_day = int(math.ceil(month * DAYS_PER_MONTH))
        end_day = min(int(math.ceil((month + 1) * DAYS_PER_MONTH)), self.days)
        # day d is [d, d + 1); a lead signing up before the month's first whole day queues on it
        lead_days = np.maximum(arrivals.astype(np.int64), first_day)
        base = len(self.touched)
        self.touched += leads.tolist()
        if len(self.touched) > len(self.service_day):
            self.service_day = np.concatenate((self.service_day, np.full(len(self.touched), np.nan)))
            self.touched_array = np.concatenate((self.touched_array, np.zeros(len(self.touched), dtype=np.int64)))
        self.touched_array[base:len(self.touched)] = leads
        slots = int(self.capacity[month])
        touch_days = pool.table["touch_days"][leads]
        if self.fast and not self.waiting:
            busy = self._busy_if_all_served(self.in_service, self.release, first_day, end_day, lead_days, touch_days)
            if busy.max(initial=0) <= slots:
                # Capacity never binds this month: FIFO serves every lead the day it arrives.
                self.service_day[base:base + len(leads)] = lead_days
                np.add.at(self.release, lead_days + touch_days, 1)
                if len(busy):
                    self.in_service = int(busy[-1])
                return base if len(leads) else None
        # lead_days are sorted (arrivals are): each day's touched leads are one run of them
        starts = np.flatnonzero(np.concatenate(([len(lead_days) > 0], lead_days[1:] != lead_days[:-1])))
        cohorts = dict(zip(lead_days[starts].tolist(),
                           zip((starts + base).tolist(), (np.append(starts[1:], len(leads)) + base).tolist())))
        return self._queue_days(month, first_day, end_day, cohorts, slots)

    def _queue_days(self, month: int, first_day: int, end_day: int, cohorts: dict, slots: int):
        """The rep desk day by day: cohorts join, released slots free up, the oldest leads go first or go cold."""
        waiting, release, queue, touch = self.waiting, self.release, self.touched, self.pool.touch_days
        max_wait = self.motion.leads.max_wait_days
        served_from = None
        for day in range(first_day, end_day):
            if day in cohorts:
                waiting.append([day, *cohorts[day]])
            self.in_service -= release[day]
            while waiting and waiting[0][0] < day - max_wait:
                _, at, end = waiting.popleft()
                self.record.cold[month] += end - at
            free = slots - self.in_service
            while free > 0 and waiting:
                cohort = waiting[0]
                at, end = cohort[1], cohort[2]
                take = min(free, end - at)
                for lead in queue[at:at + take]:
                    release[day + touch[lead]] += 1
                self.service_day[at:at + take] = day
                if served_from is None:
                    served_from = at
                cohort[1] = at + take
                self.in_service += take
                free -= take
                if cohort[1] == end:
                    waiting.popleft()
        return served_from

    @staticmethod
    def _busy_if_all_served(in_service, release, first_day, end_day, lead_days, touch_days) -> np.ndarray:
        """Slots in use at each day's end of the month if every touched lead were served on arrival."""
        length = end_day - first_day
        if length <= 0:
            return np.zeros(0)
        starts = np.bincount(lead_days - first_day, minlength=length)[:length]
        ends = lead_days + touch_days - first_day
        new_releases = np.bincount(ends[ends < length], minlength=length)[:length]
        return in_service + np.cumsum(starts - new_releases - release[first_day:end_day])

    def won_deals(self) -> WonDeals:
        """After the run: every lead's fate, counted by month; the won deals for the book."""
        n, horizon, record = self.count, self.horizon, self.record
        t = {k: v[:n] for k, v in self.pool.table.items()}
        served = np.full(n, np.nan)
        served[self.touched_array[:len(self.touched)]] = self.service_day[:len(self.touched)]
        touched = t["touched"]
        open_day = np.where(touched, served, t["arrival"])
        touch_end = served + t["touch_days"]
        decide = np.where(t["unresolved"], touch_end,
                          np.fmax(t["arrival"] + t["cycle"], np.where(touched, touch_end, -np.inf)))
        won = t["buys"]
        end = horizon * DAYS_PER_MONTH
        opened = ~np.isnan(open_day) & (open_day < end)
        closed = opened & (decide < end)
        record.open_day = np.where(opened, open_day, np.nan)
        record.close_day = np.where(closed, decide, np.nan)
        record.is_won = closed & won
        record.objections = np.where(touched & opened, t["objections"], 0).astype(float)
        record.arrival_day = t["arrival"]

        def monthly(days_):
            return np.bincount(month_of(days_), minlength=horizon)[:horizon].astype(float)

        record.deals_opened = monthly(open_day[opened])
        record.won = monthly(decide[closed & won])
        record.lost = monthly(decide[closed & ~won])
        idx = np.flatnonzero(record.is_won)
        return WonDeals(win_day=decide[idx], acv=t["acv"][idx], lifetime=t["lifetime"][idx],
                        live_months=t["live_months"][idx], implementation_cost=t["implementation_cost"][idx])
