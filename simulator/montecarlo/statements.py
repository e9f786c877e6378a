"""Monthly statements over the runs: a P&L and a cash-flow view per strategy and month, as finance reads them.

A plan on a finance team's desk is a P&L (revenue, cost of revenue, gross
profit, sales and marketing, overhead, EBITDA) and a cash-flow view
(opening cash, collections, payments, ending cash) with the months as
columns. Each run of a strategy has its own such plan, line for line, from
its books; the statement of the strategy gives, for every line and month,
the mean over the runs and the P10, P50 and P90, and the same for each year
(a run's year: the sum of its months, or a balance at the year's start or
end).

The mean statement adds up: means are linear, so gross profit = revenue -
cost of revenue, EBITDA = gross profit - sales and marketing - overhead and
ending cash = opening cash + collections - payments (+ funding) hold for the means as
they hold in every run (up to the float32 rounding of the stored series).
A percentile is taken line by line: the P10 of EBITDA is the EBITDA of the
run at the 10th percentile of EBITDA, not the P10 of revenue less the P10 of
costs, so the lines of a percentile statement do not add up.

Costs are booked when paid, so the P&L's costs are also the cash-flow view's
payments; revenue is recognised as earned, collections when invoices are
paid. The cost categories fall into the P&L as :data:`LINES` says: cost of
revenue holds the cost of service (1 - gross margin of revenue), the
implementation of new clients (customization) and payment fees; sales and
marketing holds salaries, commissions and lead generation and marketing
(the same cost as CAC's); overhead is the company's fixed cost. The model
has no depreciation, interest or tax, so EBITDA is also operating profit.
A scenario with funding rounds (``company.funding``) records the money each
run received month by month; its cash-flow view then has a funding line
(:data:`FUNDING_LINE`), and none otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.montecarlo.results import COST_SERIES

STATISTICS = ("mean", "p10", "p50", "p90")
_PERCENTILES = {"p10": 10, "p50": 50, "p90": 90}


@dataclass(frozen=True)
class Line:
    """A line of a statement: ``key``, ``label``, its ``section`` ("P&L" or "Cash flow"), whether it is a
    part of the total above it (``part``), how a run's value is made (the sum of ``terms``, each (sign,
    monthly series)), and what its value for a year is (``year``): the sum of its months, or for a balance
    the value of the year's ``first`` or ``last`` month."""

    key: str
    label: str
    section: str
    terms: tuple
    part: bool = False
    year: str = "sum"


_COST_OF_REVENUE = ((1, "costs.cost_of_revenue"), (1, "costs.customization"), (1, "costs.payment_fees"))
_SALES_AND_MARKETING = ((1, "costs.salaries"), (1, "costs.commissions"), (1, "costs.lead_generation"))
_GROSS_PROFIT = ((1, "revenue"), *((-1, series) for _, series in _COST_OF_REVENUE))
PNL, CASH = "P&L", "Cash flow"

# Every line, in the order a statement lists them. Opening cash is the run's ending cash of the month before
# (the starting cash in month 1), so it has no terms of its own.
LINES = (
    Line("revenue", "Revenue", PNL, ((1, "revenue"),)),
    Line("cost_of_revenue", "Cost of revenue", PNL, _COST_OF_REVENUE),
    Line("service_cost", "Cost of service (1 - gross margin)", PNL, _COST_OF_REVENUE[:1], part=True),
    Line("customization", "Customization and implementation", PNL, _COST_OF_REVENUE[1:2], part=True),
    Line("payment_fees", "Payment fees", PNL, _COST_OF_REVENUE[2:], part=True),
    Line("gross_profit", "Gross profit", PNL, _GROSS_PROFIT),
    Line("sales_and_marketing", "Sales and marketing", PNL, _SALES_AND_MARKETING),
    Line("salaries", "Salaries", PNL, _SALES_AND_MARKETING[:1], part=True),
    Line("commissions", "Commissions", PNL, _SALES_AND_MARKETING[1:2], part=True),
    Line("lead_generation", "Lead generation and marketing", PNL, _SALES_AND_MARKETING[2:], part=True),
    Line("overhead", "Overhead (G&A)", PNL, ((1, "costs.overhead"),)),
    Line("ebitda", "EBITDA", PNL, (*_GROSS_PROFIT, *((-1, s) for _, s in _SALES_AND_MARKETING),
                                   (-1, "costs.overhead"))),
    Line("opening_cash", "Opening cash", CASH, (), year="first"),
    Line("collections", "Collections", CASH, ((1, "collections"),)),
    Line("payments", "Payments (every cost)", CASH, ((1, "costs"),)),
    Line("net_cash_flow", "Net cash flow", CASH, ((1, "net_cash_flow"),)),
    Line("ending_cash", "Ending cash", CASH, ((1, "cash"),), year="last"),
)
# The cash-flow view's line for funding rounds received, before ending cash, in results that record them.
FUNDING_LINE = Line("funding", "Funding received", CASH, ((1, "funding"),))


def lines_of(monthly: dict, rounds: bool) -> tuple:
    """The lines of a strategy's statement: :data:`LINES`, with :data:`FUNDING_LINE` where the scenario has
    funding ``rounds`` and the results record what came (runway rules alone record a funding series of zeros)."""
    if not rounds or "funding" not in monthly:
        return LINES
    return LINES[:-1] + (FUNDING_LINE, LINES[-1])


class StatementsUnavailable(ValueError):
    """Results that do not hold what a statement needs (saved before monthly costs by category were kept)."""


@dataclass(frozen=True)
class Statement:
    """The monthly statement of one strategy: for each of :data:`STATISTICS`, an array lines x months.

    ``values["mean"][i, t]`` is the mean over the runs of line ``lines[i]``
    in month ``t + 1``; ``values["p10"]`` its 10th percentile (linear
    interpolation, as the summary's), line by line. ``years`` holds the same
    for each year of the horizon (months 1-12, 13-24, ...; the last year may
    be shorter, ``year_months`` says which months each has): each run's year
    is the sum of its months (a balance: its first or last month), then the
    statistic is taken over the runs. Money in ``currency``.
    """

    strategy: str
    lines: tuple
    values: dict
    runs: int
    currency: str
    years: dict
    year_months: tuple

    @property
    def months(self) -> int:
        """Months in the statement (the horizon)."""
        return int(self.values["mean"].shape[1])

    def line(self, key: str, statistic: str = "mean", by: str = "month") -> np.ndarray:
        """One line's values (float64) at ``statistic`` (mean, p10, p50 or p90), month by month or, with
        ``by="year"``, year by year."""
        keys = [line.key for line in self.lines]
        if key not in keys:
            raise KeyError(f"no line '{key}' in a statement; lines: {', '.join(keys)}")
        if statistic not in self.values:
            raise KeyError(f"statistic '{statistic}' is not one of {', '.join(STATISTICS)}")
        if by not in ("month", "year"):
            raise KeyError(f"by='{by}' is not 'month' or 'year'")
        return (self.values if by == "month" else self.years)[statistic][keys.index(key)]

    def __repr__(self) -> str:
        return f"<Statement {self.strategy}: {len(self.lines)} lines x {self.months} months, {self.runs:,} runs>"


def line_values(monthly: dict, line: Line) -> np.ndarray:
    """A line's value in every run and month (float64, runs x months) from a strategy's monthly series."""
    if line.key == "opening_cash":
        cash = np.asarray(monthly["cash"], dtype=np.float64)
        first = cash[:, :1] - np.asarray(monthly["net_cash_flow"][:, :1], dtype=np.float64)   # the starting cash
        if "funding" in monthly:
            first -= np.asarray(monthly["funding"][:, :1], dtype=np.float64)
        return np.concatenate((first, cash[:, :-1]), axis=1)
    total = np.zeros(np.shape(monthly[line.terms[0][1]]), dtype=np.float64)
    for sign, series in line.terms:
        total += sign * np.asarray(monthly[series], dtype=np.float64)
    return total


def statement(results, strategy: str) -> Statement:
    """The monthly statement of one strategy of ``results`` (see the module docstring)."""
    monthly = results.monthly[strategy]
    missing = [series for series in COST_SERIES if series not in monthly]
    if missing:
        raise StatementsUnavailable(
            f"the results of '{strategy}' have no monthly costs by category ({', '.join(missing[:2])}...): they "
            "were saved by an earlier salesim; run the scenario again for monthly statements")
    lines = lines_of(monthly, bool(results.scenario.company.funding))
    per_line = np.stack([line_values(monthly, line) for line in lines])   # lines x runs x months
    months = per_line.shape[2]
    year_months = tuple((first, min(first + 11, months)) for first in range(1, months + 1, 12))
    per_year = np.stack([_by_year(values, line.year, year_months) for line, values in zip(lines, per_line)])
    return Statement(strategy, lines, _statistics(per_line), int(per_line.shape[1]),
                     results.scenario.company.currency, _statistics(per_year), year_months)


def _by_year(values: np.ndarray, how: str, year_months: tuple) -> np.ndarray:
    """A line's values (runs x months) for each year (runs x years): summed, or the first or last month's."""
    columns = [values[:, first - 1:last] for first, last in year_months]
    if how == "first":
        return np.stack([c[:, 0] for c in columns], axis=1)
    if how == "last":
        return np.stack([c[:, -1] for c in columns], axis=1)
    return np.stack([c.sum(axis=1) for c in columns], axis=1)


def _statistics(per_line: np.ndarray) -> dict:
    """Mean and percentiles over the runs (axis 1) of lines x runs x periods: statistic -> lines x periods."""
    values = {"mean": per_line.mean(axis=1)}
    percentiles = np.percentile(per_line, list(_PERCENTILES.values()), axis=1)
    values.update({name: percentiles[i] for i, name in enumerate(_PERCENTILES)})
    return values


def statements(results) -> dict[str, Statement]:
    """The monthly statement of every strategy of ``results``, by name, in the results' order."""
    return {s: statement(results, s) for s in results.strategies}
