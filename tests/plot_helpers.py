"""Synthetic Monte Carlo results, for testing charts and the report fast.

The numbers follow the books' identities (cash is starting cash plus the
running sum of net cash flow; capital needed is how far that running sum
falls below zero) but come from a toy model, not the engine.
"""
from __future__ import annotations

import numpy as np
import yaml

import simulator
from simulator.engine.ledger import SERIES
from simulator.engine.metrics import METRICS
from simulator.montecarlo.results import Results, build_summary


def _scenario_with(strategies) -> simulator.Scenario:
    """The default scenario, with these strategies (a new name runs both motions)."""
    data = yaml.safe_load(simulator.scenario.default_scenario_path().read_text())
    bundled = data["strategies"]
    data["strategies"] = {name: bundled.get(name, {"description": f"Test strategy {name}.",
                                                   "motions": ["enterprise", "smb"]}) for name in strategies}
    return simulator.parse_scenario(yaml.safe_dump(data), source="<test scenario>")


def fake_results(strategies=("enterprise", "smb", "hybrid"), runs: int = 400, seed: int = 7, scenario=None):
    """A ``Results`` of synthetic runs (its summary computed as a real run's is)."""
    scenario = scenario or _scenario_with(strategies)
    months = scenario.horizon_months
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((runs, 3))   # common random numbers shared by every strategy
    start = 2_500_000.0
    runs_out, monthly = {}, {}
    for k, name in enumerate(strategies):
        growth = 0.06 + 0.02 * k + 0.03 * base[:, [0]]
        first = 20_000 * (1 + 0.3 * base[:, [1]]) * (1 + k % 2)
        t = np.arange(1, months + 1)
        mrr = np.maximum(first * (1 + growth) ** t * np.minimum(t / (4 + 2 * k), 1), 0)
        costs = (90_000 + 25_000 * k + 8_000 * base[:, [2]]) * np.ones_like(mrr) + 0.2 * mrr
        revenue = mrr
        collections = np.concatenate([np.zeros((runs, 1)), mrr[:, :-1]], axis=1)
        ncf = collections - costs
        cumulative = np.cumsum(ncf, axis=1)
        cash = start + cumulative
        series = {s: np.zeros((runs, months), dtype=np.float32) for s in SERIES}
        series.update(mrr=mrr, revenue=revenue, billings=revenue, bookings=revenue, collections=collections,
                      costs=costs, net_cash_flow=ncf, cash=cash)
        monthly[name] = {s: np.asarray(v, dtype=np.float32) for s, v in series.items()}
        negative = cash < 0
        out_month = np.where(negative.any(axis=1), negative.argmax(axis=1) + 1.0, np.nan)
        discount = (1 + scenario.company.discount_rate_annual) ** (-t / 12)
        metrics = {m: rng.gamma(4, 1, runs) for m in METRICS}
        metrics.update(
            revenue=revenue.sum(axis=1), cost=costs.sum(axis=1), net_cash_flow=ncf.sum(axis=1),
            ending_cash=cash[:, -1], min_cash=np.minimum(cash.min(axis=1), start),
            capital_needed=np.maximum(-cumulative.min(axis=1), 0), cash_out_month=out_month,
            new_money_needed=np.maximum(-np.minimum(cash.min(axis=1), start), 0),
            ending_arr=12 * mrr[:, -1], npv=(ncf * discount).sum(axis=1), win_rate=rng.beta(3, 12, runs),
            churn_rate=rng.beta(2, 60, runs))
        runs_out[name] = {m: np.asarray(v, dtype=np.float64) for m, v in metrics.items()}
    provenance = {"salesim_version": simulator.__version__, "scenario": scenario.name,
                  "scenario_sha256": scenario.sha256, "seed": seed, "runs": runs, "horizon_months": months,
                  "wall_seconds": 1.25, "utc_time": "2024-05-01T12:00:00Z", "executor": "synthetic", "workers": 1,
                  "stopping_rule": {"rule": "runs", "description": f"the {runs:,} runs asked for"},
                  "partial": False}
    summary = build_summary(provenance, runs_out, {})
    return Results(scenario, list(strategies), runs_out, monthly, summary)
