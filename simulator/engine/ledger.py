"""The company's monthly books: bookings, billings, revenue, collections, costs, cash."""
from __future__ import annotations

import numpy as np

# Monthly series of every run (contract: names are fixed).
SERIES = ("leads", "deals_opened", "won", "lost", "open_deals", "customers", "mrr", "bookings", "billings",
          "revenue", "collections", "costs", "net_cash_flow", "cash")

# Cost categories; their sum is the `costs` series.
COST_CATEGORIES = ("salaries", "commissions", "lead_generation", "customization", "cost_of_revenue",
                   "payment_fees", "overhead")


class Ledger:
    """Monthly books of one run: motions add their flows, the company its overhead, then cash follows.

    Cash moves only by collections, costs and funding: cash[t] = cash[t-1] +
    collections[t] - costs[t] + funding[t], starting from the starting cash.
    """

    FLOWS = ("leads", "deals_opened", "won", "lost", "open_deals", "customers", "mrr", "bookings", "billings",
             "revenue", "collections", "churned", "cold", "deferred_revenue", "receivables", "new_mrr",
             "expansion_mrr", "churned_mrr", "live_customers")

    def __init__(self, horizon: int, starting_cash: float):
        self.horizon = horizon
        self.starting_cash = float(starting_cash)
        self.flows = {name: np.zeros(horizon) for name in self.FLOWS}
        self.costs = {name: np.zeros(horizon) for name in COST_CATEGORIES}

    def add(self, flows: dict, costs: dict) -> None:
        """Add a motion's (or the company's) monthly flows and costs."""
        for name, values in flows.items():
            self.flows[name] += values
        for name, values in costs.items():
            self.costs[name] += values

    def series(self, funding: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The contract's monthly series (SERIES), with costs and cash worked out.

        ``funding``, when given, is money received in each month (funding
        rounds): it adds to cash, not to the net cash flow.
        """
        costs = sum(self.costs[c] for c in COST_CATEGORIES)
        net = self.flows["collections"] - costs
        out = {name: self.flows[name].copy() for name in SERIES if name in self.flows}
        out["costs"] = costs
        out["net_cash_flow"] = net
        moves = net if funding is None else net + funding
        out["cash"] = np.cumsum(np.concatenate(([self.starting_cash], moves)))[1:]   # month by month, exactly
        return {name: out[name] for name in SERIES}
