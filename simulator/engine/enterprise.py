"""Enterprise and mid-market motions: leads waiting for a rep, committees deciding, accounts cooling off.

Leads arrive as a Poisson process (the run's true lead rate, growing month
by month, plus outsourced leads). With a finite list of target accounts
each lead is a random account of the list, and it is a lead only if that
account is free: not in the pipeline, not a customer, not cooling off after
a "no". A lead needs a rep slot (the team's :class:`RepPool`); one that
waits longer than ``max_wait_days`` goes cold. A rep works the deal until
the committee decides (see :mod:`simulator.engine.committee`), then the slot
frees up.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from simulator.engine.committee import CommitteeOutcomes, committee_outcomes, draw_committees, join_committees
from simulator.engine.customers import WonDeals, draw_lifetimes
from simulator.engine.motion import MotionRecord, lead_arrival_days
from simulator.engine.units import DAYS_PER_MONTH
from simulator.engine.resolve import draw
from simulator.engine.team import RepPool, apply_schedule


FIRST_DEAL_BLOCK = 128   # leads in the first block of deal draws; each next block doubles (see draw_deals)


@dataclass
class Deals:
    """What each lead of a committee motion would meet as a deal, in order of arrival."""

    outcomes: CommitteeOutcomes
    acv: np.ndarray                  # first year's contract value after discount
    lifetime: np.ndarray             # months as a customer from go-live (inf: stays)
    live_months: np.ndarray
    implementation_cost: np.ndarray
    account: np.ndarray              # index into the target accounts (0 without a list)


def draw_deals(motion, blocks, n: int) -> Deals:
    """The first ``n`` leads' committees and deal terms, drawn in blocks of growing size.

    Block j holds the next FIRST_DEAL_BLOCK x 2^j leads (128, 256, 512, ...)
    and draws from stream block j alone, so lead k meets the same committee
    and deal whatever the horizon or the leads before it; a run with few
    leads draws few spare deals, and one with many needs few blocks.
    """
    deal = motion.deal
    committees, terms = [], []
    drawn, block = 0, 0
    while drawn < n:
        size = FIRST_DEAL_BLOCK << block
        rng = blocks(block)
        committees.append(draw_committees(motion.process, size, rng))
        acv = draw(deal.contract_value, rng, size) * (1 - draw(deal.discount, rng, size))
        live_months = np.rint(np.maximum(draw(deal.implementation_months, rng, size), 0))
        implementation_cost = np.maximum(draw(deal.implementation_cost, rng, size), 0)
        lifetime = draw_lifetimes(deal, rng, size)
        account = rng.integers(0, motion.leads.target_accounts or 1, size)
        terms.append((acv, lifetime, live_months, implementation_cost, account))
        drawn, block = drawn + size, block + 1
    if not committees:
        committees.append(draw_committees(motion.process, 0, blocks(0)))
        terms.append(tuple(np.zeros(0) for _ in range(5)))
    outcomes = committee_outcomes(join_committees(committees, n))
    columns = [np.concatenate(column)[:n] for column in zip(*terms)]
    return Deals(outcomes, *columns)


def start_committee_motion(env: simpy.Environment, motion, streams: dict, capacity: np.ndarray,
                           horizon: int) -> MotionRecord:
    """Set up a committee motion's processes in ``env``; its record fills in as the run goes."""
    leads = motion.leads
    arrivals = lead_arrival_days(leads, horizon, streams["arrivals"], streams["arrival_times"])
    n = len(arrivals)
    deals = draw_deals(motion, streams["deals"], n)
    outcomes = deals.outcomes
    acv, lifetime, live_months, impl_cost = deals.acv, deals.lifetime, deals.live_months, deals.implementation_cost
    record = MotionRecord(horizon, n)
    pool = RepPool(env, int(capacity[0]))
    env.process(apply_schedule(env, pool, capacity, DAYS_PER_MONTH))

    accounts = leads.target_accounts
    free_from = [0.0] * (accounts or 0)
    picks = deals.account.tolist() if accounts else [None] * n
    cooling_days = leads.cooling_off_months * DAYS_PER_MONTH
    max_wait = leads.max_wait_days
    duration = outcomes.duration.tolist()
    won_flags = outcomes.won.tolist()
    lifetimes = lifetime.tolist()
    live = live_months.tolist()

    def work(i, account, request):
        """A rep has taken lead ``i``: the deal runs until the committee decides, then frees the slot."""
        record.opened(i, int(env.now // DAYS_PER_MONTH), env.now)
        env.timeout(duration[i]).callbacks.append(lambda _: close(i, account, request))

    def close(i, account, request):
        pool.release(request)
        record.closed(i, int(env.now // DAYS_PER_MONTH), env.now, won_flags[i])
        if account is not None:
            if won_flags[i]:
                months_as_customer = live[i] + lifetimes[i]
                free_from[account] = (env.now + months_as_customer * DAYS_PER_MONTH + cooling_days
                                      if math.isfinite(months_as_customer) else math.inf)
            else:
                free_from[account] = env.now + cooling_days

    # Leads waiting for a rep, in order of arrival (so also of going cold). One process watches
    # the oldest and lets it go cold when its wait runs out; a lead a rep takes first is skipped.
    waiting: deque = deque()
    watcher = {"idle": None}

    def watch():
        while True:
            while waiting and waiting[0][3].triggered:
                waiting.popleft()
            if not waiting:
                watcher["idle"] = env.event()
                yield watcher["idle"]
                continue
            expiry, i, account, request = waiting[0]
            if expiry > env.now:
                yield env.timeout(expiry - env.now)
                continue
            waiting.popleft()
            request.cancel()
            record.gone_cold(i, int(env.now // DAYS_PER_MONTH))
            if account is not None:
                free_from[account] = env.now

    def arrive():
        for i, day in enumerate(arrivals.tolist()):
            yield env.timeout(day - env.now)
            account = picks[i]
            if account is not None:
                if free_from[account] > env.now:
                    continue
                free_from[account] = math.inf
            record.lead(i, int(day // DAYS_PER_MONTH), day)
            request = pool.request()
            if request.triggered:
                work(i, account, request)
                continue
            request.callbacks.append(lambda granted, i=i, account=account: work(i, account, granted))
            waiting.append((day + max_wait, i, account, request))
            if watcher["idle"] is not None:
                watcher["idle"].succeed()
                watcher["idle"] = None

    env.process(watch())
    env.process(arrive())

    def won_deals() -> WonDeals:
        opened = ~np.isnan(record.open_day)
        held_until = np.where(np.isnan(record.close_day), horizon * DAYS_PER_MONTH, record.close_day)
        record.slot_days = float(np.sum((held_until - record.open_day)[opened]))
        idx = record.won_index()
        return WonDeals(win_day=record.close_day[idx], acv=acv[idx], lifetime=lifetime[idx],
                        live_months=live_months[idx], implementation_cost=impl_cost[idx])

    record.won_deals = won_deals
    record.objections = outcomes.objections
    record.acv = acv
    record.stages = {"last_stage": outcomes.last_stage, "stage_ends": outcomes.stage_ends}
    return record
