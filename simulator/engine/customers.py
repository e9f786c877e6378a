"""The customer book: from won deals to monthly billings, revenue, collections and churn.

A won deal goes live after its implementation months. From go-live it is
invoiced in advance for each billing period (annual, quarterly, monthly) at
the contract year's price (the contract grows by the expansion rate at every
anniversary), recognizes revenue month by month over the period it paid
for, and pays each invoice after the payment terms (a card pays at once,
less the processing fee). It stays a customer until it does not renew at an
anniversary or cancels under monthly churn; either way it has paid for the
period it is in, so it leaves at that period's end.

Nothing here waits or competes, so the whole book is computed with numpy
after the run, customer by month, out of the event loop.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.motion import count_by_month
from simulator.engine.resolve import draw_or_number
from simulator.engine.units import DAYS_PER_MONTH, month_of
BILLING_MONTHS = {"annual": 12, "quarterly": 3, "monthly": 1}


def draw_lifetimes(deal, rng: np.random.Generator, n: int) -> np.ndarray:
    """Months each of ``n`` would-be customers stays, from go-live (``inf``: never leaves).

    Yearly renewal with chance r gives 12 x Geometric(1 - r) months; monthly
    churn c gives Geometric(c) months; the customer leaves at the first of
    the two, at the end of the billing period it has paid for.
    """
    renewal = draw_or_number(deal.renewal_chance, rng, n)
    churn = draw_or_number(deal.monthly_churn, rng, n)
    u_renew, u_churn = rng.random(n), rng.random(n)
    # a per-run chance that makes everyone renew (or nobody churn) needs no logarithms
    years = months = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        if not (np.isscalar(renewal) and renewal >= 1):
            renewal = np.full(n, renewal)     # each customer's, computed as an array's elements
            years = np.where(renewal < 1, np.floor(np.log(u_renew) / np.log(renewal)) + 1, np.inf)
        if not (np.isscalar(churn) and churn <= 0):
            churn = np.full(n, churn)
            months = np.where(churn > 0, np.floor(np.log(u_churn) / np.log1p(-churn)) + 1, np.inf)
    period = BILLING_MONTHS[deal.billing]
    lifetime = np.minimum(12 * years, months)
    if np.isscalar(lifetime):
        return np.full(n, np.inf)
    return np.where(np.isfinite(lifetime), np.ceil(lifetime / period) * period, np.inf)


@dataclass
class WonDeals:
    """The won deals of one motion, one entry per customer."""

    win_day: np.ndarray
    acv: np.ndarray              # first year's contract value after discount
    lifetime: np.ndarray         # months from go-live (inf: stays)
    live_months: np.ndarray      # whole months from signature to go-live
    implementation_cost: np.ndarray


@dataclass
class Book:
    """Monthly series of one motion's customers."""

    won: np.ndarray
    churned: np.ndarray
    customers: np.ndarray        # signed and not gone, at month end
    mrr: np.ndarray              # monthly recurring revenue of live customers, at month end
    bookings: np.ndarray
    billings: np.ndarray
    revenue: np.ndarray
    collections: np.ndarray
    deferred_revenue: np.ndarray  # billed but not yet recognized, at month end
    receivables: np.ndarray       # billed but not yet collected, at month end
    customization: np.ndarray     # implementation cost paid
    payment_fees: np.ndarray
    new_mrr: np.ndarray           # MRR added by new customers at go-live
    expansion_mrr: np.ndarray     # MRR added by anniversaries
    churned_mrr: np.ndarray       # MRR lost when customers leave
    live_customers: np.ndarray    # live (past implementation) and not gone, at month end
    retention: "Retention"


@dataclass
class Retention:
    """Contract years of live customers whose renewal falls within the horizon ("renewals due").

    A customer's contract year k runs from go-live + 12k months for twelve
    months; it is due when the month after it lies within the horizon.
    ``due`` counts the due years customers started, ``lost`` those in which
    the customer left, and ``months_stayed`` the months stayed in them (12,
    or fewer in the year it left). lost / due is the annual logo churn,
    whether customers leave at renewals or month by month, and
    months_stayed / lost the expected lifetime in months.
    """

    due: float = 0.0
    lost: float = 0.0
    months_stayed: float = 0.0

    def __add__(self, other: "Retention") -> "Retention":
        return Retention(self.due + other.due, self.lost + other.lost, self.months_stayed + other.months_stayed)


def renewals_due(live: np.ndarray, ends: np.ndarray, horizon: int) -> Retention:
    """:class:`Retention` of customers live from month ``live`` (0-based) until month ``ends`` (the first gone).

    Contract year k (months live + 12k .. live + 12k + 11) is due when
    live + 12k + 12 <= horizon - 1; the customer is in it when ends >
    live + 12k, and leaves in it when also ends <= live + 12k + 12.
    """
    live, ends = live.astype(np.int64), ends.astype(np.int64)
    last_due = np.floor_divide(horizon - 13 - live, 12)          # the last due year (negative: none)
    leaving_year = -np.floor_divide(live - ends, 12) - 1          # ceil((ends - live) / 12) - 1
    due = np.maximum(np.minimum(last_due, leaving_year) + 1, 0)
    lost = leaving_year <= last_due
    stayed = 12 * (due - lost) + np.where(lost, ends - live - 12 * leaving_year, 0)
    return Retention(float(due.sum()), float(lost.sum()), float(stayed.sum()))


def build_book(won: WonDeals, deal, horizon: int) -> Book:
    """Monthly book of a motion's won deals over ``horizon`` months.

    Works contract year by contract year over all customers at once: each
    year has its price (expansion at anniversaries), its months of revenue,
    and its invoices, one per billing period, each collected after the
    payment terms.
    """
    period = BILLING_MONTHS[deal.billing]
    win_month = np.minimum(month_of(won.win_day), horizon - 1)
    live = win_month + won.live_months.astype(np.int64)
    ends = np.minimum(live + np.minimum(won.lifetime, 10 * horizon), 10 * horizon).astype(np.int64)
    # An invoice goes out on the go-live day's date and is paid `terms` days later.
    day_in_month = won.win_day - win_month * DAYS_PER_MONTH
    delay = np.floor((day_in_month + deal.payment_terms_days) / DAYS_PER_MONTH).astype(np.int64)
    growth = 1 + deal.expansion_per_year

    # Months are never negative (nothing happens before the win), so a month past the horizon can be counted
    # in a bin of its own and cut off: no mask, which on the book's dozen small series costs more than the count.
    def per_month(month: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.bincount(month, weights, minlength=horizon)[:horizon]

    def steps(first: np.ndarray, stop: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Changes of a monthly amount paid from month ``first`` up to (not including) ``stop``."""
        return (np.bincount(np.minimum(first, horizon), amount, minlength=horizon + 1)
                - np.bincount(np.minimum(stop, horizon), amount, minlength=horizon + 1))

    # Revenue (and, billed monthly, billings and collections) as steps: +price/12 from a contract
    # year's first month, -price/12 after its last; invoices of longer periods as single amounts.
    revenue_steps, collection_steps = np.zeros(horizon + 1), np.zeros(horizon + 1)
    billings, collections = np.zeros(horizon), np.zeros(horizon)
    for year in range(int(np.ceil(max(horizon - live.min(initial=horizon), 0) / 12))):
        starts = live + 12 * year
        stops = np.minimum(starts + 12, ends)
        on = np.flatnonzero((starts < stops) & (starts < horizon))   # indices: faster than a mask, four times over
        starts, stops, lag = starts.take(on), stops.take(on), delay.take(on)
        price = won.acv.take(on) * growth ** year / 12
        revenue_steps += steps(starts, stops, price)
        if period == 1:
            collection_steps += steps(starts + lag, stops + lag, price)
            continue
        for month in range(0, 12, period):
            due = starts + month < stops
            billings += per_month(starts[due] + month, price[due] * period)
            collections += per_month(starts[due] + month + lag[due], price[due] * period)
    # summing steps leaves rounding dust where nothing is due; money is kept to a millionth
    revenue = np.round(np.cumsum(revenue_steps)[:horizon], 6)
    if period == 1:
        billings, collections = revenue.copy(), np.round(np.cumsum(collection_steps)[:horizon], 6)
    customization = np.zeros(horizon)
    impl_months = np.maximum(won.live_months.astype(np.int64), 1)
    for k in range(int(impl_months.max(initial=1))):
        paying = np.flatnonzero(impl_months > k)
        customization += per_month(win_month.take(paying) + k,
                                   won.implementation_cost.take(paying) / impl_months.take(paying))
    won_count = count_by_month(win_month, horizon)
    churned = count_by_month(ends, horizon)
    live_customers = np.cumsum(count_by_month(live, horizon) - churned)
    last_year = np.floor(np.maximum(ends - live - 1, 0) / 12)
    new_mrr = per_month(live, won.acv / 12)
    churned_mrr = per_month(ends, won.acv / 12 * growth ** last_year)
    return Book(
        won=won_count, churned=churned, customers=np.cumsum(won_count - churned), mrr=revenue.copy(),
        bookings=per_month(win_month, won.acv), billings=billings, revenue=revenue, collections=collections,
        deferred_revenue=np.cumsum(billings - revenue), receivables=np.cumsum(billings - collections),
        customization=customization, payment_fees=collections * deal.card_fee,
        new_mrr=new_mrr, expansion_mrr=np.diff(revenue, prepend=0.0) - new_mrr + churned_mrr, churned_mrr=churned_mrr,
        live_customers=live_customers, retention=renewals_due(live, ends, horizon))
