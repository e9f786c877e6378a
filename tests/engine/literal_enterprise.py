"""The committee motion as the slow, literal SimPy model the engine's fast path is held to, draw for draw.

Every lead is a SimPy event; every deal requests a slot of a
``simpy.Resource`` whose capacity follows the team's schedule, waits for it
at most ``max_wait_days`` (one process watches the oldest waiting lead and
lets it go cold), holds it until its committee decides, and releases it.
An account is blocked from the moment its lead arrives until it goes cold,
or its deal closes and cools off (or its customer leaves). Plug it in with
:func:`literal_committee_motions`.
"""
from __future__ import annotations

import math
from collections import deque
from contextlib import contextmanager

import numpy as np
import simpy

import simulator.engine as engine
from simulator.engine.enterprise import leads_and_deals
from simulator.engine.customers import WonDeals
from simulator.engine.motion import MotionRecord
from simulator.engine.units import DAYS_PER_MONTH


class RepPool(simpy.Resource):
    """Deal slots of a team: a SimPy resource whose capacity follows hiring, ramp and attrition.

    When capacity shrinks, deals already held keep their slot; new requests
    wait until enough deals close. When it grows, waiting requests go in.
    """

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity=max(int(capacity), 1))
        self._capacity = int(capacity)

    def set_capacity(self, capacity: int) -> None:
        self._capacity = int(capacity)
        # one _trigger_put grants at most one waiting request: let in as many as the new slots take
        while self.put_queue and len(self.users) < self._capacity:
            self._trigger_put(None)


def apply_schedule(env: simpy.Environment, pool: RepPool, capacity: np.ndarray):
    """SimPy process: set the pool's capacity at the start of every month in which it changes."""
    for month in (np.flatnonzero(np.diff(capacity)) + 1).tolist():
        yield env.timeout(month * DAYS_PER_MONTH - env.now)
        pool.set_capacity(int(capacity[month]))


def start_literal_committee_motion(env: simpy.Environment, motion, streams: dict, capacity: np.ndarray,
                                   horizon: int, shared=None, marketing=None) -> MotionRecord:
    """Set up a committee motion's processes in ``env``, one SimPy event per arrival, wait and close."""
    leads = motion.leads
    arrivals, picks, deals = leads_and_deals(motion, streams, horizon, marketing=marketing)
    n = len(arrivals)
    record = MotionRecord(horizon, n)      # per-lead arrays cut to the leads at the end
    pool = RepPool(env, int(capacity[0]))
    env.process(apply_schedule(env, pool, capacity))

    accounts = leads.target_accounts
    free_from = [0.0] * (accounts or 0)
    picks = picks.tolist() if accounts else [None] * n
    cooling_days = leads.cooling_off_months * DAYS_PER_MONTH
    max_wait = leads.max_wait_days
    count = {"leads": 0}

    def deal(k):
        d = deals.first(k + 1)
        return bool(d.outcomes.won[k]), float(d.outcomes.duration[k]), float(d.live_months[k] + d.lifetime[k])

    def opened(k, day):
        record.open_day[k] = day
        if int(day // DAYS_PER_MONTH) < horizon:
            record.deals_opened[int(day // DAYS_PER_MONTH)] += 1

    def closed(k, day, won):
        record.close_day[k] = day
        record.is_won[k] = won
        if int(day // DAYS_PER_MONTH) < horizon:
            (record.won if won else record.lost)[int(day // DAYS_PER_MONTH)] += 1

    def work(k, account, request):
        opened(k, env.now)
        env.timeout(deal(k)[1]).callbacks.append(lambda _: close(k, account, request))

    def close(k, account, request):
        pool.release(request)
        won, _, months_as_customer = deal(k)
        closed(k, env.now, won)
        if account is not None:
            if won:
                free_from[account] = (env.now + months_as_customer * DAYS_PER_MONTH + cooling_days
                                      if math.isfinite(months_as_customer) else math.inf)
            else:
                free_from[account] = env.now + cooling_days

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
            expiry, k, account, request = waiting[0]
            if expiry > env.now:
                yield env.timeout(expiry - env.now)
                continue
            waiting.popleft()
            request.cancel()
            if int(env.now // DAYS_PER_MONTH) < horizon:
                record.cold[int(env.now // DAYS_PER_MONTH)] += 1
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
            k = count["leads"]
            count["leads"] += 1
            record.arrival_day[k] = day
            record.leads[int(day // DAYS_PER_MONTH)] += 1
            request = pool.request()
            if request.triggered:
                work(k, account, request)
                continue
            request.callbacks.append(lambda granted, k=k, account=account: work(k, account, granted))
            waiting.append((day + max_wait, k, account, request))
            if watcher["idle"] is not None:
                watcher["idle"].succeed()
                watcher["idle"] = None

    env.process(watch())
    env.process(arrive())

    def won_deals() -> WonDeals:
        n_leads = count["leads"]
        for name in ("arrival_day", "open_day", "close_day", "is_won"):
            setattr(record, name, getattr(record, name)[:n_leads])
        d = deals.first(n_leads)
        opened_ = ~np.isnan(record.open_day)
        held_until = np.where(np.isnan(record.close_day), horizon * DAYS_PER_MONTH, record.close_day)
        record.slot_days = float(np.sum((held_until - record.open_day)[opened_]))
        record.objections = d.outcomes.objections
        record.acv = d.acv
        record.stages = {"last_stage": d.outcomes.last_stage, "stage_ends": d.outcomes.stage_ends}
        idx = np.flatnonzero(record.is_won)
        return WonDeals(win_day=record.close_day[idx], acv=d.acv[idx], lifetime=d.lifetime[idx],
                        live_months=d.live_months[idx], implementation_cost=d.implementation_cost[idx])

    record.won_deals = won_deals
    return record


@contextmanager
def literal_committee_motions():
    """Within the block, the engine simulates committee motions with the literal model."""
    fast = engine.start_committee_motion
    engine.start_committee_motion = start_literal_committee_motion
    try:
        yield
    finally:
        engine.start_committee_motion = fast
