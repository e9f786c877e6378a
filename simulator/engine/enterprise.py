"""Enterprise and mid-market motions: leads waiting for a rep, committees deciding, accounts cooling off.

Leads arrive as a Poisson process (the run's true lead rate, growing month
by month, plus outsourced leads). With a finite list of target accounts
each arrival is for a random account of the list, and it is a lead only if
that account is free: not in the pipeline, not a customer, not cooling off
after a "no". A lead needs a rep slot (the team's :class:`RepDesk`); one that
waits longer than ``max_wait_days`` goes cold. A rep works the deal until
the committee decides (see :mod:`simulator.engine.committee`), then the slot
frees up.

How long a committee takes is drawn before the run and does not depend on
when a rep takes the deal, and the queue is first come, first served, so a
lead's whole path is settled the moment it arrives: when a rep takes it (or
that it goes cold), when its deal closes, and so when its account is free
again. A SimPy process keeps the month's clock and walks the month's leads
in order of arrival. A lead that has to wait for a rep is opened on the day
the rep takes it if the run has not ended by then, which is known on
arrival too: no lead needs a SimPy event of its own (one per waiting lead
cost more than the rest of its path). The tests hold this to a literal
model with one SimPy event per arrival and a ``simpy.Resource`` for the
slots, draw for draw.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from heapq import heappop, heappush

import numpy as np
import simpy

from simulator.engine.committee import N_STAGES, CommitteeOutcomes, committee_outcomes, draw_committees
from simulator.engine.customers import WonDeals, draw_lifetimes
from simulator.engine.motion import MotionRecord, kept_leads, lead_arrival_days, per_month
from simulator.engine.resolve import draw
from simulator.engine.team import RepDesk
from simulator.engine.units import DAYS_PER_MONTH


FIRST_DEAL_BLOCK = 128   # leads in the first block of deal draws; each next block doubles (see DealDraws)


@dataclass
class Deals:
    """What each lead of a committee motion meets as a deal, in order of the leads."""

    outcomes: CommitteeOutcomes
    acv: np.ndarray                  # first year's contract value after discount
    lifetime: np.ndarray             # months as a customer from go-live (inf: stays)
    live_months: np.ndarray
    implementation_cost: np.ndarray


class DealDraws:
    """The deals the leads of one run of a committee motion meet, drawn block by block as leads come.

    Block j holds the next FIRST_DEAL_BLOCK x 2^j leads (128, 256, 512, ...)
    and draws from stream block j alone, so the k-th lead meets the same
    committee and deal whatever the horizon or the leads before it; a run
    with few leads draws few spare deals, and one with many needs few
    blocks. A block's committees are evaluated when it is drawn. The lists
    ``duration``, ``won`` and ``stays`` (days from a win to the customer
    leaving) grow with the blocks, for the pipeline's loop.
    """

    def __init__(self, motion, blocks):
        self.motion, self.blocks = motion, blocks
        self.parts: list[Deals] = []
        self.size = 0
        self.duration: list[float] = []
        self.won: list[bool] = []
        self.stays: list[float] = []

    def grow(self) -> None:
        """Draw the next block."""
        deal, size = self.motion.deal, FIRST_DEAL_BLOCK << len(self.parts)
        rng = self.blocks(len(self.parts))
        outcomes = committee_outcomes(draw_committees(self.motion.process, size, rng))
        acv = draw(deal.contract_value, rng, size) * (1 - draw(deal.discount, rng, size))
        live_months = np.rint(np.maximum(draw(deal.implementation_months, rng, size), 0))
        implementation_cost = np.maximum(draw(deal.implementation_cost, rng, size), 0)
        lifetime = draw_lifetimes(deal, rng, size)
        self.parts.append(Deals(outcomes, acv, lifetime, live_months, implementation_cost))
        self.size += size
        self.duration += outcomes.duration.tolist()
        self.won += outcomes.won.tolist()
        self.stays += ((live_months + lifetime) * DAYS_PER_MONTH).tolist()

    def first(self, n: int) -> Deals:
        """The first ``n`` leads' deals."""
        while self.size < n:
            self.grow()
        if not self.parts:
            return Deals(CommitteeOutcomes(*(np.zeros((0, N_STAGES) if f.name == "stage_ends" else 0,
                                                      dtype=bool if f.name == "won" else float)
                                             for f in fields(CommitteeOutcomes))), *(np.zeros(0) for _ in range(4)))

        def joined(get):
            return np.concatenate([get(part) for part in self.parts])[:n]

        outcomes = CommitteeOutcomes(*(joined(lambda p, f=f.name: getattr(p.outcomes, f))
                                       for f in fields(CommitteeOutcomes)))
        return Deals(outcomes, *(joined(lambda p, f=f.name: getattr(p, f)) for f in fields(Deals)[1:]))


def leads_and_deals(motion, streams: dict, horizon: int, shared: list | None = None,
                    marketing: np.ndarray | None = None):
    """The run's arrivals (days), the target account each one is for, and the deals its leads meet.

    None depends on the motion's team: strategies running the same motion
    with different teams (a hybrid's smaller enterprise team) share them
    through ``shared``, a list kept for one run index of one motion.
    Accounts are drawn in order of arrival from their own stream.
    ``marketing``, when given, scales the arrivals month by month (see
    :func:`~simulator.engine.motion.kept_leads`); an arrival left out
    keeps its account draw unused.
    """
    key = (horizon, motion.leads, motion.process, motion.deal)
    if marketing is not None:
        key += (marketing.tobytes(),)
    for known, value in shared or ():
        if known == key:
            return value
    leads = motion.leads
    arrivals = lead_arrival_days(leads, horizon, streams["arrivals"], streams["arrival_times"])
    picks = streams["accounts"].integers(0, leads.target_accounts, len(arrivals)) if leads.target_accounts else None
    if marketing is not None:
        kept = kept_leads(arrivals, marketing, streams["marketing"])
        arrivals, picks = arrivals[kept], (picks[kept] if picks is not None else None)
    value = arrivals, picks, DealDraws(motion, streams["deals"])
    if shared is not None:
        shared.append((key, value))
    return value


def start_committee_motion(env: simpy.Environment, motion, streams: dict, capacity: np.ndarray,
                           horizon: int, shared: list | None = None,
                           marketing: np.ndarray | None = None) -> MotionRecord:
    """Set up a committee motion's process in ``env``; its record is complete once the run ends.

    ``marketing``, when given, scales the leads month by month (see :func:`leads_and_deals`).
    """
    arrivals, picks, deals = leads_and_deals(motion, streams, horizon, shared, marketing)
    record = MotionRecord(horizon, 0)
    pipeline = _Pipeline(env, motion.leads, RepDesk(capacity, motion.leads.max_wait_days), arrivals, picks, deals,
                         horizon)
    env.process(pipeline.run())
    record.won_deals = lambda: _settle(record, pipeline, deals, motion.leads.max_wait_days)
    return record


class _Pipeline:
    """The leads of one run of a committee motion, in order: when each arrived, and when a rep took it."""

    def __init__(self, env, leads, desk: RepDesk, arrivals: np.ndarray, picks, deals: DealDraws, horizon: int):
        self.env, self.leads, self.desk, self.horizon = env, leads, desk, horizon
        self.arrivals, self.picks, self.deals = arrivals, picks, deals
        self.arrival_day: list[float] = []
        self.open_day: list[float] = []     # NaN: no rep took the lead within the horizon

    def run(self):
        """SimPy process: month by month, the month's arrivals in order find their account and a rep.

        An arrival whose account is in the pipeline, a customer or cooling
        off is no lead. Otherwise its account is taken until the lead goes
        cold, or until its deal closes and then cools off (a "no") or its
        customer leaves and then cools off (a win; never, for a customer who
        stays). Setting that day on arrival is exact: no later arrival can
        find the account free before it.
        """
        env, deals, leads = self.env, self.deals, self.leads
        accounts = leads.target_accounts
        # Without a list of accounts every arrival is a lead: all read one account that is never taken.
        free_from = [0.0] * accounts if accounts else [-math.inf]
        picks = self.picks.tolist() if accounts else [0] * len(self.arrivals)
        cooling = leads.cooling_off_months * DAYS_PER_MONTH
        max_wait = leads.max_wait_days
        arrival_days = self.arrivals.tolist()
        lead_days, open_day = self.arrival_day, self.open_day
        duration, won, stays = deals.duration, deals.won, deals.stays
        drawn = deals.size
        desk = self.desk
        take, held = desk.take, desk.held    # a desk taking leads one by one keeps the same list (a heap)
        nan = math.nan
        end = self.horizon * DAYS_PER_MONTH    # the run stops there (simulate_motion)
        month_ends = np.searchsorted(self.arrivals, (np.arange(self.horizon) + 1) * DAYS_PER_MONTH).tolist()
        first = 0
        for month, last in enumerate(month_ends):
            now = env.now
            for arrival, account in zip(arrival_days[first:last], picks[first:last]):
                if free_from[account] > arrival:
                    continue
                k = len(lead_days)
                if k == drawn:
                    deals.grow()
                    drawn = deals.size
                lead_days.append(arrival)
                hold = duration[k]
                # The desk's common case inline (a call per lead cost more than the rest of its path): no
                # capacity change due, and a slot free once the deals ended by now let theirs go.
                if arrival < desk.change_day:
                    while held and held[0] <= arrival:
                        heappop(held)
                    if len(held) < desk.slots:
                        heappush(held, arrival + hold)
                        begin = arrival
                    else:
                        begin = take(arrival, hold)
                else:
                    begin = take(arrival, hold)
                if begin != begin:    # NaN: cold
                    open_day.append(nan)
                    free = arrival + max_wait
                else:
                    # A lead that waits is opened when a rep takes it, if the run has not ended by then: at
                    # the time a SimPy timeout set now would fire, before the stop at the horizon's end.
                    open_day.append(begin if begin <= arrival or now + (begin - now) < end else nan)
                    free = begin + hold + (stays[k] + cooling if won[k] else cooling)
                if accounts:
                    free_from[account] = free
            first = last
            yield env.timeout((month + 1) * DAYS_PER_MONTH - now)


def _settle(record: MotionRecord, pipeline: _Pipeline, deals: DealDraws, max_wait: float) -> WonDeals:
    """After the run: each lead's path within the horizon, counted by month; the won deals for the book."""
    horizon = record.horizon
    end = horizon * DAYS_PER_MONTH
    arrival = np.array(pipeline.arrival_day, dtype=float)
    open_day = np.array(pipeline.open_day, dtype=float)
    d = deals.first(len(arrival))
    outcomes = d.outcomes
    opened = ~np.isnan(open_day)
    close = open_day + outcomes.duration
    closed = opened & (close < end)
    won = outcomes.won
    cold_day = np.where(opened, np.inf, arrival + max_wait)

    record.arrival_day, record.open_day = arrival, open_day
    record.close_day = np.where(closed, close, np.nan)
    record.is_won = closed & won
    record.leads = per_month(arrival, horizon)
    record.paid_leads = record.leads
    record.deals_opened = per_month(open_day[opened], horizon)
    record.won = per_month(close[closed & won], horizon)
    record.lost = per_month(close[closed & ~won], horizon)
    record.cold = per_month(cold_day[cold_day < end], horizon)
    record.slot_days = float(np.sum((np.where(closed, close, end) - open_day)[opened]))
    record.objections = outcomes.objections
    record.acv = d.acv
    record.stages = {"last_stage": outcomes.last_stage, "stage_ends": outcomes.stage_ends}
    idx = np.flatnonzero(record.is_won)
    return WonDeals(win_day=close[idx], acv=d.acv[idx], lifetime=d.lifetime[idx], live_months=d.live_months[idx],
                    implementation_cost=d.implementation_cost[idx])
