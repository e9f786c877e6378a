"""Per-run metrics from a run's monthly books, in the finance terms of the domain."""
from __future__ import annotations

# Per-run metrics (contract: names are fixed). A month that never happens is NaN.
METRICS = ("revenue", "cost", "net_cash_flow", "ending_cash", "min_cash", "capital_needed", "cash_out_month",
           "breakeven_month", "ending_arr", "customers", "deals_won", "deals_lost", "win_rate",
           "cycle_days_median", "objections_per_deal", "cac", "ltv", "ltv_to_cac", "cac_payback_months", "npv",
           "burn_multiple", "sales_velocity", "churn_rate")
