"""Enterprise and mid-market motions: leads waiting for a rep, committees deciding, accounts cooling off.

Leads arrive as a Poisson process (the run's true lead rate, growing month
by month, plus outsourced leads). With a finite list of target accounts
each lead is a random account of the list, and it is a lead only if that
account is free: not in the pipeline, not a customer, not cooling off after
a "no". A lead needs a rep slot (the team's :class:`RepDesk`); one that
waits longer than ``max_wait_days`` goes cold. A rep works the deal until
the committee decides (see :mod:`simulator.engine.committee`), then the slot
frees up.

How long a committee takes is drawn before the run and does not depend on
when a rep takes the deal, and the queue is first come, first served, so a
lead's whole path is settled the moment it arrives: when a rep takes it (or
that it goes cold), when its deal closes, and so when its account is free
again. A SimPy process keeps the month's clock and walks the month's leads
in order of arrival; a lead that has to wait for a rep waits on a SimPy
event that fires when the rep takes it. Leads that find their account
taken, and deals a rep takes on arrival, need no event of their own. The
tests hold this to a literal model with one SimPy event per lead and a
``simpy.Resource`` for the slots, draw for draw.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from simulator.engine.committee import CommitteeOutcomes, committee_outcomes, draw_committees, join_committees
from simulator.engine.customers import WonDeals, draw_lifetimes
from simulator.engine.motion import MotionRecord, lead_arrival_days
from simulator.engine.resolve import draw
from simulator.engine.team import RepDesk
from simulator.engine.units import DAYS_PER_MONTH, month_of


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


def leads_and_deals(motion, streams: dict, horizon: int, shared: list | None = None) -> tuple[np.ndarray, Deals]:
    """The run's lead arrival days and the deals they would meet.

    Both depend on the motion's leads, process and deal terms and its
    streams, not on its team: strategies running the same motion with
    different teams (a hybrid's smaller enterprise team) share them through
    ``shared``, a list kept for one run index of one motion.
    """
    key = (horizon, motion.leads, motion.process, motion.deal)
    for known, value in shared or ():
        if known == key:
            return value
    arrivals = lead_arrival_days(motion.leads, horizon, streams["arrivals"], streams["arrival_times"])
    value = arrivals, draw_deals(motion, streams["deals"], len(arrivals))
    if shared is not None:
        shared.append((key, value))
    return value


def start_committee_motion(env: simpy.Environment, motion, streams: dict, capacity: np.ndarray,
                           horizon: int, shared: list | None = None) -> MotionRecord:
    """Set up a committee motion's process in ``env``; its record is complete once the run ends."""
    arrivals, deals = leads_and_deals(motion, streams, horizon, shared)
    record = MotionRecord(horizon, len(arrivals))
    env.process(_pipeline(env, motion.leads, RepDesk(capacity, motion.leads.max_wait_days), arrivals, deals,
                          record))
    outcomes = deals.outcomes
    record.won_deals = lambda: _settle(record, arrivals, deals, motion.leads.max_wait_days)
    record.objections = outcomes.objections
    record.acv = deals.acv
    record.stages = {"last_stage": outcomes.last_stage, "stage_ends": outcomes.stage_ends}
    return record


def _pipeline(env: simpy.Environment, leads, desk: RepDesk, arrivals: np.ndarray, deals: Deals,
              record: MotionRecord):
    """SimPy process: month by month, the month's leads in order of arrival find their account and a rep.

    A lead whose account is in the pipeline, a customer or cooling off is
    no lead. Otherwise its account is taken until the lead goes cold, or
    until its deal closes and then cools off (a "no") or its customer leaves
    and then cools off (a win; never, for a customer who stays). Setting
    that day on arrival is exact: no later lead can find the account free
    before it.
    """
    accounts = leads.target_accounts
    free_from = [0.0] * (accounts or 0)
    picks = deals.account.tolist()
    cooling = leads.cooling_off_months * DAYS_PER_MONTH
    max_wait = leads.max_wait_days
    duration = deals.outcomes.duration.tolist()
    won = deals.outcomes.won.tolist()
    stays = ((deals.live_months + deals.lifetime) * DAYS_PER_MONTH + cooling).tolist()   # close to free again
    is_lead, open_day = record.is_lead, record.open_day
    arrival_days = arrivals.tolist()
    take = desk.take

    def taken(i, begin):
        return lambda _: open_day.__setitem__(i, begin)

    month_ends = np.searchsorted(arrivals, (np.arange(record.horizon) + 1) * DAYS_PER_MONTH).tolist()
    first = 0
    for month, last in enumerate(month_ends):
        for i in range(first, last):
            arrival = arrival_days[i]
            if accounts:
                account = picks[i]
                if free_from[account] > arrival:
                    continue
            is_lead[i] = True
            begin = take(arrival, duration[i])
            if begin != begin:    # NaN: cold
                free = arrival + max_wait
            else:
                if begin > arrival:
                    env.timeout(begin - env.now).callbacks.append(taken(i, begin))
                else:
                    open_day[i] = begin
                free = begin + duration[i] + (stays[i] if won[i] else cooling)
            if accounts:
                free_from[account] = free
        first = last
        yield env.timeout((month + 1) * DAYS_PER_MONTH - env.now)


def _settle(record: MotionRecord, arrivals: np.ndarray, deals: Deals, max_wait: float) -> WonDeals:
    """After the run: each lead's path within the horizon, counted by month; the won deals for the book."""
    horizon = record.horizon
    end = horizon * DAYS_PER_MONTH
    lead = record.is_lead
    opened = ~np.isnan(record.open_day)
    close = record.open_day + deals.outcomes.duration
    closed = opened & (close < end)
    won = deals.outcomes.won
    cold_day = np.where(lead & ~opened, arrivals + max_wait, np.inf)

    def monthly(days):
        return np.bincount(month_of(days), minlength=horizon)[:horizon].astype(float)

    record.arrival_day = np.where(lead, arrivals, np.nan)
    record.close_day = np.where(closed, close, np.nan)
    record.is_won = closed & won
    record.leads = monthly(arrivals[lead])
    record.paid_leads = record.leads
    record.deals_opened = monthly(record.open_day[opened])
    record.won = monthly(close[closed & won])
    record.lost = monthly(close[closed & ~won])
    record.cold = monthly(cold_day[cold_day < end])
    held_until = np.where(closed, close, end)
    record.slot_days = float(np.sum((held_until - record.open_day)[opened]))
    idx = np.flatnonzero(record.is_won)
    return WonDeals(win_day=close[idx], acv=deals.acv[idx], lifetime=deals.lifetime[idx],
                    live_months=deals.live_months[idx], implementation_cost=deals.implementation_cost[idx])
