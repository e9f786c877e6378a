"""The company's monthly books: bookings, billings, revenue, collections, costs, cash."""
from __future__ import annotations

# Monthly series of every run (contract: names are fixed).
SERIES = ("leads", "deals_opened", "won", "lost", "open_deals", "customers", "mrr", "bookings", "billings",
          "revenue", "collections", "costs", "net_cash_flow", "cash")

# Cost categories; their sum is the `costs` series.
COST_CATEGORIES = ("salaries", "commissions", "lead_generation", "customization", "cost_of_revenue",
                   "payment_fees", "overhead")
