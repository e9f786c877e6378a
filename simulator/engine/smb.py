"""SMB motion: trial sign-ups, a single decider's buying signals, and reps who touch some leads.

Leads (trial sign-ups) arrive from marketing and outsourced lead generation
(a Poisson stream) and as referrals from paying customers (each month,
referrals per customer x customers at the month's start). The decider shows
buying signals (returns to the site, views pricing, adds a teammate, starts
using the product); each multiplies the odds of buying by its lift. After
the decision cycle (about 3 months) the decider buys or walks away.

Some leads need a rep (``touched_share``); one rep carries many of them at
once. Picture the reps' desk as a row of slots with one queue in front: a
touched lead takes the first slot to come free (first come, first served),
goes cold if none comes free within ``max_wait_days``, and holds its slot
for exactly ``objections x objection_days`` days while the rep handles its
objections. An unresolved objection makes the decider say no. Self-serve
leads need nobody.

Leads compete for nothing but rep time, and in a first-come, first-served
queue a lead's wait depends only on the leads ahead of it. So the desk
(:class:`~simulator.engine.team.RepDesk`) keeps the deals it holds, and a
lead's fate is settled the moment it joins: it starts when a slot frees (or
on arrival), unless that is past its patience. A SimPy process keeps the
month's clock, which referrals need; see :class:`SmbDesk` for how months in
which nobody waits are settled at once.
"""
from __future__ import annotations


import functools

import numpy as np
import simpy

from simulator.engine.customers import WonDeals, draw_lifetimes
from simulator.engine.motion import MotionRecord, kept_leads, lead_arrival_days, per_month
from simulator.engine.resolve import draw, draw_int, draw_or_number
from simulator.engine.team import RepDesk
from simulator.engine.units import DAYS_PER_MONTH, month_of
from simulator.scenario.schema import SIGNALS

LEAD_BLOCK = 4096   # leads per block of attributes (see simulator.engine.streams.BlockStreams)


class _LeadPool:
    """Attributes of leads in order of arrival, drawn in numbered blocks of :data:`LEAD_BLOCK`.

    Lead ``k`` takes its attributes from block ``k // LEAD_BLOCK``, so it
    meets the same decider and deal whatever came before it or the horizon.
    Each block is drawn straight into its rows of ``table``.
    """

    COLUMNS = {"arrival": np.float64, "start": np.float64, "touched": np.bool_, "buys": np.bool_,
               "unresolved": np.bool_, "cycle": np.float64, "objections": np.int64, "hold": np.float64,
               "acv": np.float64, "live_months": np.float64, "implementation_cost": np.float64,
               "lifetime": np.float64, "buys_after": np.float64}

    def __init__(self, motion, blocks, expected: int = 0):
        self.motion, self.blocks = motion, blocks
        self.signals = _Signals(motion.process.signals, motion.process.buy_chance)
        # rows allocated: room for the leads expected, doubling beyond (so growing costs O(leads))
        self.rows = max(1, -(-expected // LEAD_BLOCK)) * LEAD_BLOCK
        self.table: dict[str, np.ndarray] = {name: np.empty(self.rows, dtype=dtype)
                                             for name, dtype in self.COLUMNS.items()}
        self.size = 0              # leads with attributes
        self.ensure(1)

    def ensure(self, n: int) -> None:
        """Make sure attributes exist for the first ``n`` leads."""
        while self.size < n:
            if self.size + LEAD_BLOCK > self.rows:
                self.rows *= 2
                for name, column in self.table.items():
                    grown = np.empty(self.rows, dtype=column.dtype)
                    grown[:self.size] = column[:self.size]
                    self.table[name] = grown
            rows = slice(self.size, self.size + LEAD_BLOCK)
            block = {name: column[rows] for name, column in self.table.items()}
            self._draw(self.blocks(self.size // LEAD_BLOCK), block)
            self.size += LEAD_BLOCK

    def _draw(self, rng: np.random.Generator, block: dict[str, np.ndarray]) -> None:
        """Draw one block's attributes into ``block`` (each column's rows of the block)."""
        process, deal, n = self.motion.process, self.motion.deal, LEAD_BLOCK
        chance = self.signals.buy_chance(rng.random(n))
        touched = block["touched"]
        np.less(rng.random(n), process.touched_share, out=touched)
        # What only a rep's touch needs is drawn for the block's touched leads.
        reached = np.flatnonzero(touched)
        objections, hold, unresolved = block["objections"], block["hold"], block["unresolved"]
        objections.fill(0)
        hold.fill(0.0)
        unresolved.fill(False)
        raised = objections[reached] = draw_int(process.objections, rng, len(reached))
        hold[reached] = raised * np.maximum(draw_or_number(process.objection_days, rng, len(reached)), 0.0)
        unresolved[reached] = rng.random(len(reached)) < 1 - (1 - process.unresolved_chance) ** raised
        buys = block["buys"]
        np.less(rng.random(n), chance, out=buys)
        buys &= ~unresolved                                    # a touched no-sayer never buys
        block["arrival"].fill(np.nan)
        block["start"].fill(np.nan)
        cycle = block["cycle"]
        np.maximum(draw(process.cycle_days, rng, n), 0.0, out=cycle)
        # a lead's contract value: a won deal's, and an open deal's in the pipeline
        np.multiply(draw(deal.contract_value, rng, n), 1 - draw_or_number(deal.discount, rng, n), out=block["acv"])
        # What only a customer needs is drawn for the block's buyers (who they are depends on the block alone).
        buyers = np.flatnonzero(buys)
        k = len(buyers)
        live_months, cost, lifetime = block["live_months"], block["implementation_cost"], block["lifetime"]
        for column in (live_months, cost, lifetime):
            column.fill(0.0)
        live_months[buyers] = np.rint(np.maximum(draw_or_number(deal.implementation_months, rng, k), 0))
        cost[buyers] = np.maximum(draw_or_number(deal.implementation_cost, rng, k), 0)
        lifetime[buyers] = draw_lifetimes(deal, rng, k)
        # sign-up to purchase for a buyer whose touch (if any) starts on arrival (an untouched lead holds nothing)
        np.maximum(cycle, hold, out=block["buys_after"])


class _Signals:
    """The buying signals a decider shows, and the chance it buys given them, from one uniform per decider.

    Combination c of signals shows signal k when bit k of c is set; signals
    are shown independently, each with its own chance. A uniform ``u`` shows
    the combination whose cumulative chance it falls in: the number of cuts
    (the cumulative chances but the last) at or below ``u``.
    """

    GRID = 1 << 12   # equal bins of [0, 1) in the table that finds a uniform's combination

    def __init__(self, signals, buy_chance: float):
        chances = tuple(float(getattr(signals, name).chance) for name in SIGNALS)
        lifts = np.array([getattr(signals, name).lift for name in SIGNALS])
        self.cuts, passed, split = _signal_cuts(chances)
        odds = buy_chance / max(1 - buy_chance, 1e-12) * np.prod(np.where(_SIGNAL_BITS == 1, lifts, 1.0), axis=1)
        self.chance = np.where(np.isinf(odds), 1.0, odds / (1 + odds))    # of buying, by combination
        self.table = np.where(split, np.nan, self.chance[passed])

    def combination(self, u: np.ndarray) -> np.ndarray:
        """The combination each uniform shows (the literal rule: how many cuts it passes)."""
        return (u[:, None] >= self.cuts).sum(axis=1)

    def buy_chance(self, u: np.ndarray) -> np.ndarray:
        """The chance of buying of deciders whose signals come from uniforms ``u``."""
        chance = self.table.take((u * self.GRID).astype(np.intp))
        split = np.flatnonzero(np.isnan(chance))
        if len(split):
            chance[split] = self.chance[self.combination(u[split])]
        return chance


_SIGNAL_BITS = (np.arange(2 ** len(SIGNALS))[:, None] >> np.arange(len(SIGNALS))) & 1   # combination, signal


@functools.lru_cache(maxsize=64)
def _signal_cuts(chances: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cuts of [0, 1) between combinations of signals shown with these chances; for each bin of the table,
    how many cuts its uniforms all pass, and whether a cut falls inside it (the same every run: cached)."""
    chance = np.prod(np.where(_SIGNAL_BITS == 1, chances, 1 - np.array(chances)), axis=1)
    cdf = np.cumsum(chance) / chance.sum()
    cdf[np.flatnonzero(chance)[-1]:] = 1.0     # no uniform lands past the last possible combination
    cuts = cdf[:-1]
    # Bin b holds the uniforms in [b / GRID, (b + 1) / GRID) (u x GRID is exact: GRID is a power of 2). The
    # cuts at or below its start are passed by all of them; a bin with a cut inside has no single answer,
    # and its few uniforms are compared with every cut. Faster than searchsorted on random u, whose
    # branches mispredict, and than comparing every uniform with every cut.
    starts = np.arange(_Signals.GRID) / _Signals.GRID
    passed = np.searchsorted(cuts, starts, side="right")
    split = np.searchsorted(cuts, starts + 1 / _Signals.GRID, side="left") > passed
    for array in (cuts, passed, split):
        array.flags.writeable = False
    return cuts, passed, split


def start_smb_motion(env: simpy.Environment, motion, streams: dict, capacity: np.ndarray,
                     horizon: int, marketing: np.ndarray | None = None) -> MotionRecord:
    """Set up an SMB motion's process in ``env``; its record is complete once the run ends.

    ``marketing``, when given, scales the paid sign-ups month by month (see
    :func:`~simulator.engine.motion.kept_leads`); referrals are not scaled.
    """
    return SmbDesk(env, motion, streams, capacity, horizon, marketing).record


class SmbDesk:
    """The SMB motion of one run: sign-ups month by month, the rep desk, buyers booked for referrals.

    Each month's sign-ups need the customers at the month's start (for
    referrals), so months go one by one on a SimPy clock. Most months no
    touched lead finds every rep slot busy; the clock's pass assumes so,
    and the desk then checks the assumption over the whole horizon at once.
    From the first month where it fails (a lead would have waited), the
    months are settled again lead by lead, from the state at that month's
    start (the customers, the deals held, the referral stream): the same
    answer as settling every month lead by lead (a test compares the two).
    """

    def __init__(self, env, motion, streams: dict, capacity: np.ndarray, horizon: int,
                 marketing: np.ndarray | None = None):
        self.env, self.motion, self.streams, self.horizon = env, motion, streams, horizon
        self.capacity = capacity
        self.marketing = lead_arrival_days(motion.leads, horizon, streams["arrivals"], streams["arrival_times"])
        if marketing is not None:
            self.marketing = self.marketing[kept_leads(self.marketing, marketing, streams["marketing"])]
        # room for the marketing leads and a tenth more (referrals) before the table grows
        self.pool = _LeadPool(motion, streams["deals"], expected=len(self.marketing) * 11 // 10)
        self.desk = RepDesk(capacity, motion.leads.max_wait_days)
        self.bounds = np.searchsorted(month_of(self.marketing), np.arange(horizon + 1))
        self.count = 0                                 # leads so far
        # paying customers joining (+1) and leaving (-1), by the first month whose start counts them
        self.joining = np.zeros(horizon + 1)
        self.refers = motion.leads.referrals_per_customer_per_month > 0
        self.firsts: list[int] = []                    # each month's first lead
        self.referral_means: list[float] = []          # each month's mean referral count, to replay its draws
        self.referral_counts: list[int] = []
        self.record = MotionRecord(horizon, 0)
        self.record.paid_leads = np.diff(self.bounds).astype(float)
        self.record.won_deals = self.won_deals
        env.process(self.run())

    def _settle(self, leads: np.ndarray) -> None:
        """Book the future wins and departures of leads whose path is now known (for referrals).

        A buyer buys at the end of its decision cycle, and not before the
        rep's touch ends (a touched lead no rep took never buys). Without
        referrals nobody reads the paying customers month by month: nothing to book.
        """
        if not self.refers:
            return
        t = self.pool.table
        live = leads[t["buys"][leads]]
        earliest = np.where(t["touched"][live], t["start"][live] + t["hold"][live], t["arrival"][live])
        live, earliest = live[~np.isnan(earliest)], earliest[~np.isnan(earliest)]
        self._join(live, np.maximum(t["arrival"][live] + t["cycle"][live], earliest))

    def _settle_on_arrival(self, first: int, stop: int) -> None:
        """:meth:`_settle` for leads ``first`` .. ``stop - 1``, every touched one taken on arrival."""
        if not self.refers:
            return
        t = self.pool.table
        live = first + np.flatnonzero(t["buys"][first:stop])
        self._join(live, t["arrival"][live] + t["buys_after"][live])

    def _join(self, buyers: np.ndarray, win: np.ndarray) -> None:
        """Count ``buyers``, who win on day ``win``, among the paying customers who refer.

        The paying customers at a month's start are those live in the book
        the month before: a customer goes live ``live_months`` after its win
        month and leaves ``lifetime`` months later (as :func:`build_book`
        counts them), so it refers from the month after it goes live to the
        month after it leaves.
        """
        t = self.pool.table
        live = month_of(win) + t["live_months"][buyers]
        counted_from = np.minimum(np.concatenate((live, live + t["lifetime"][buyers])) + 1, self.horizon)
        self.joining += np.bincount(counted_from.astype(np.int64), np.repeat((1.0, -1.0), len(win)),
                                    minlength=self.horizon + 1)

    def _sign_ups(self, month: int) -> np.ndarray:
        """Arrival days of this month's leads: marketing's, and referrals from customers at the month's start."""
        arrivals = self.marketing[self.bounds[month]:self.bounds[month + 1]]
        rate = self.motion.leads.referrals_per_customer_per_month
        if rate > 0:
            rng = self.streams["referrals"]
            mean = rate * max(self.joining[:month + 1].sum(), 0.0)
            count = rng.poisson(mean)
            self.referral_means.append(mean)
            self.referral_counts.append(count)
            referred = (month + rng.random(count)) * DAYS_PER_MONTH
            if count:
                arrivals = np.sort(np.concatenate((arrivals, referred)))
        return arrivals

    def _month(self, month: int, lead_by_lead: bool) -> None:
        """Month ``month``'s sign-ups join; reps take its touched leads (assumed on arrival unless
        ``lead_by_lead``); its buyers are booked."""
        self.firsts.append(self.count)
        arrivals = self._sign_ups(month)
        first, self.count = self.count, self.count + len(arrivals)
        self.pool.ensure(self.count)
        t = self.pool.table
        t["arrival"][first:self.count] = arrivals
        self.record.leads[month] = len(arrivals)
        is_touched = t["touched"][first:self.count]
        if lead_by_lead:
            touched = np.flatnonzero(is_touched) + first
            t["start"][touched] = self.desk.serve(month, arrivals[is_touched], t["hold"][touched])
            self._settle(np.arange(first, self.count))
        else:
            np.copyto(t["start"][first:self.count], arrivals, where=is_touched)
            self._settle_on_arrival(first, self.count)

    def _first_wait(self) -> float | None:
        """The arrival of the first touched lead that would find every slot busy, had every lead before it
        been taken on arrival (the desk's rule at once over the horizon); None if there is none."""
        t, n = self.pool.table, self.count
        touched = np.flatnonzero(t["touched"][:n])
        arrivals, holds = t["arrival"].take(touched), t["hold"].take(touched)
        ends = arrivals + holds
        if self._never_full(arrivals, ends):
            return None
        # deals held when lead k arrives: earlier leads' (a hold ending on arrival frees its slot;
        # a lead's own zero-length hold is not "earlier")
        busy = np.arange(len(arrivals)) - np.searchsorted(np.sort(ends), arrivals, side="right") + (holds == 0)
        waits = np.flatnonzero(busy >= self.capacity[np.minimum(month_of(arrivals), self.horizon - 1)])
        return float(arrivals[waits[0]]) if len(waits) else None

    def _never_full(self, arrivals: np.ndarray, ends: np.ndarray) -> bool:
        """Whether no touched lead can find every slot busy, judged by whole days (a quick sufficient test).

        The deals held when lead k arrives (on day d, the floor of its
        arrival) are earlier leads' whose holds end after it, so at most the
        leads whose days from arrival to hold end, rounded out to whole days,
        take in day d. Counting those day by day is cheaper than ranking every
        arrival among every hold's end; when some day's count reaches the
        fewest slots of a month that day touches, the exact rank decides.
        """
        first, last = np.floor(arrivals).astype(np.int64), np.ceil(ends).astype(np.int64)
        days = int(last.max(initial=0)) + 1
        held = np.cumsum(np.bincount(first, minlength=days) - np.bincount(last, minlength=days))
        months = np.minimum(month_of(np.arange(days + 1)), self.horizon - 1)
        slots = np.minimum(self.capacity[months[:-1]], self.capacity[months[1:]])
        return bool(np.all(held < slots))

    def _rewind(self, month: int) -> None:
        """Back to the start of ``month``, every lead before it taken on arrival."""
        first = self.firsts[month]
        del self.firsts[month:]
        self.count = first
        if self.referral_means:
            self._replay_referrals(month)
        self.record.leads[month:] = 0
        self.joining[:] = 0
        self._settle(np.arange(first))
        t = self.pool.table
        touched = np.flatnonzero(t["touched"][:first])
        ends = np.sort(t["arrival"][touched] + t["hold"][touched])
        self.desk = RepDesk(self.capacity, self.motion.leads.max_wait_days)
        self.desk.held = ends[np.searchsorted(ends, month * DAYS_PER_MONTH, side="right"):]

    def _replay_referrals(self, month: int) -> None:
        """The referral stream back where it stood at ``month``'s start: drawn afresh from its seed, with the
        same draws as the months before (saving its state every month would cost more than the rare replay)."""
        means, counts = self.referral_means[:month], self.referral_counts[:month]
        del self.referral_means[month:], self.referral_counts[month:]
        rng = self.streams.fresh("referrals")
        for mean, count in zip(means, counts):
            rng.poisson(mean)
            rng.random(count)

    def run(self):
        """SimPy process: month by month, sign-ups join, reps take touched leads, buyers are booked;
        then the months from the first where a lead would have waited, lead by lead."""
        lead_by_lead = not self.desk.fast
        for month in range(self.horizon):
            yield self.env.timeout(month * DAYS_PER_MONTH - self.env.now)
            self._month(month, lead_by_lead)
        wait = None if lead_by_lead else self._first_wait()
        if wait is not None:
            self._rewind(int(month_of(wait)))
            for month in range(int(month_of(wait)), self.horizon):
                self._month(month, lead_by_lead=True)

    def won_deals(self) -> WonDeals:
        """After the run: every lead's fate, counted by month; the won deals for the book."""
        n, horizon, record = self.count, self.horizon, self.record
        t = {k: v[:n] for k, v in self.pool.table.items()}
        touched = t["touched"]
        open_day = np.where(touched, t["start"], t["arrival"])
        touch_end = t["start"] + t["hold"]   # NaN for a lead no rep took (or that needed none)
        # the decision: at the end of the cycle, not before the touch ends (fmax passes over NaN), and for a
        # touched no-sayer when the touch ends
        decide = np.fmax(t["arrival"] + t["cycle"], touch_end)
        said_no = np.flatnonzero(t["unresolved"])
        decide[said_no] = touch_end.take(said_no)
        won = t["buys"]
        end = horizon * DAYS_PER_MONTH
        opened = open_day < end                     # never opened: NaN, which compares false
        closed = opened & (decide < end)
        served = opened & touched
        record.open_day = np.where(opened, open_day, np.nan)
        record.close_day = np.where(closed, decide, np.nan)
        record.is_won = closed & won
        record.objections = np.multiply(t["objections"], served, dtype=np.float64)
        record.arrival_day = t["arrival"]
        record.acv = t["acv"]
        # Selections below go through index arrays: on tens of thousands of leads with a random mask, numpy's
        # boolean indexing is about three times slower than finding the indices and taking them.
        rows = np.flatnonzero(served)
        record.slot_days = float(np.sum(np.minimum(touch_end.take(rows), end) - open_day.take(rows)))
        record.deals_opened = per_month(open_day.take(np.flatnonzero(opened)), horizon)
        rows = np.flatnonzero(closed)
        close_month = month_of(decide.take(rows))
        closes = np.bincount(close_month, minlength=horizon)[:horizon]
        record.won = np.bincount(close_month, weights=won.take(rows), minlength=horizon)[:horizon]
        record.lost = closes - record.won
        went_cold = np.flatnonzero(touched & np.isnan(t["start"]))   # a touched lead no rep took
        cold_day = t["arrival"].take(went_cold) + self.desk.max_wait
        record.cold = per_month(cold_day[cold_day < end], horizon)
        idx = np.flatnonzero(record.is_won)
        return WonDeals(win_day=decide[idx], acv=t["acv"][idx], lifetime=t["lifetime"][idx],
                        live_months=t["live_months"][idx], implementation_cost=t["implementation_cost"][idx])
