"""What every motion shares: lead arrivals, and the record of each lead's fate."""
from __future__ import annotations

import numpy as np

from simulator.engine.units import DAYS_PER_MONTH, month_of


def per_month(days: np.ndarray, horizon: int) -> np.ndarray:
    """How many of ``days`` fall in each of the first ``horizon`` months (later ones are not counted)."""
    return count_by_month(month_of(days), horizon)


def count_by_month(months: np.ndarray, horizon: int) -> np.ndarray:
    """How many of ``months`` (whole months, 0 = the first) are each of the first ``horizon``."""
    return np.bincount(months, minlength=horizon)[:horizon].astype(float)


def lead_rates(leads, horizon: int) -> np.ndarray:
    """Expected leads in each month: the run's lead rate, grown monthly, plus outsourced leads."""
    growth = (1 + leads.growth_per_month) ** np.arange(horizon)
    return leads.per_month * growth + leads.outsourced_leads_per_month


def lead_arrival_days(leads, horizon: int, counts: np.random.Generator, times: np.random.Generator) -> np.ndarray:
    """Arrival days of a Poisson stream of leads over ``horizon`` months, sorted.

    Each month's count comes from ``counts`` and its leads' times from
    ``times``, both drawn in calendar order, so the first k months are the
    same whatever the horizon.
    """
    month = np.repeat(np.arange(horizon), counts.poisson(lead_rates(leads, horizon)))
    return np.sort((month + times.random(len(month))) * DAYS_PER_MONTH)


def kept_leads(days: np.ndarray, scale: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which of a motion's paid leads (arrival days, sorted) come when its marketing is scaled month by month.

    Lead k is kept when the k-th uniform of ``rng`` (the motion's own
    marketing stream) is below its month's factor, so a smaller factor
    keeps a subset of the leads a larger one keeps, and a month's leads are
    kept or not whatever the factors of other months.
    """
    months = np.minimum(month_of(days), len(scale) - 1)
    return rng.random(len(days)) < scale[months]


class MotionRecord:
    """What happened to each lead of a motion in one run, and monthly counts of it.

    A lead is opened when a rep takes it (a deal), goes cold when it waits
    too long, and a deal closes won or lost. Leads that never became leads
    (their account was not free) leave no trace.
    """

    def __init__(self, horizon: int, n: int):
        self.horizon = horizon
        self.leads = np.zeros(horizon)
        self.deals_opened = np.zeros(horizon)
        self.won = np.zeros(horizon)
        self.lost = np.zeros(horizon)
        self.cold = np.zeros(horizon)
        self.paid_leads = self.leads   # leads that cost money: all but referrals
        self.arrival_day = np.full(n, np.nan)
        self.open_day = np.full(n, np.nan)
        self.close_day = np.full(n, np.nan)
        self.is_won = np.zeros(n, dtype=bool)
        self.objections = np.zeros(n)
        self.slot_days = 0.0     # rep-slot days held within the horizon
        self.acv = np.zeros(n)   # first-year contract value each lead would sign
        self.stages: dict[str, np.ndarray] = {}   # committee motions: last_stage, stage_ends per lead
        self.won_deals = None   # set by the motion: a callable giving its WonDeals after the run

    def open_deals(self) -> np.ndarray:
        """Deals a rep is working at each month's end: those opened by then less those closed by then, from
        the monthly counts (a deal opens and closes within the horizon in the month its day falls in)."""
        return np.cumsum(self.deals_opened - self.won - self.lost)
