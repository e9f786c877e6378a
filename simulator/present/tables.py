"""Plain-text tables of results: the strategies side by side, money in the scenario's currency.

The command line prints :func:`comparison_table` after a run; a notebook can
print the same with ``print(comparison_table(results))``.
"""
from __future__ import annotations

from itertools import combinations

from simulator.montecarlo.statistics import pair_name
from simulator.present.formatting import format_money, format_percent

# Money metrics of the side-by-side table, each shown as P5 / P50 / P95: (metric, label).
TABLE_METRICS = (("revenue", "revenue"), ("cost", "cost"), ("net_cash_flow", "net cash flow"),
                 ("capital_needed", "capital needed"), ("new_money_needed", "new money to raise"),
                 ("ending_arr", "ending ARR"))
# Metrics of the P(A beats B) lines: (metric, label).
COMPARED = (("npv", "NPV"), ("ending_cash", "ending cash"), ("capital_needed", "capital needed"),
            ("revenue", "revenue"))


def comparison_table(results) -> str:
    """The strategies side by side: P5 / P50 / P95 of revenue, cost, net cash flow, capital
    needed and ending ARR, the chance of running out of cash, and P(A beats B) for every pair."""
    summary, strategies = results.summary, results.strategies
    currency = results.scenario.company.currency
    per = summary["strategies"]
    rows = []
    for metric, label in TABLE_METRICS:
        for q in ("p5", "p50", "p95"):
            rows.append((label if q == "p5" else "", q.upper(),
                         [format_money(per[s][metric][q], currency) for s in strategies]))
    rows.append(("runs out of cash", "", [format_percent(per[s]["cash_out_month"]["share_defined"])
                                          for s in strategies]))
    label_width = max(len(r[0]) for r in rows) + 1
    widths = [max(len(s), *(len(r[2][i]) for r in rows)) + 3 for i, s in enumerate(strategies)]
    lines = [_heading(results), ""]
    lines.append(" " * (label_width + 4) + "".join(s.rjust(w) for s, w in zip(strategies, widths)))
    for label, q, cells in rows:
        lines.append(label.ljust(label_width) + q.ljust(4) + "".join(c.rjust(w) for c, w in zip(cells, widths)))
    if len(strategies) > 1:
        lines += ["", "Run by run (same draws for the same motion), chance that A beats B on:"]
        comparisons = summary.get("comparisons", {})
        for a, b in combinations(strategies, 2):
            found = comparisons.get(pair_name(a, b), {})
            parts = [f"{label}{' (lower)' if found[m]['better'] == 'lower' else ''} "
                     f"{format_percent(found[m]['p_better'])}" for m, label in COMPARED if m in found]
            lines.append(f"  P({a} beats {b}): " + ", ".join(parts))
    return "\n".join(lines)


def _heading(results) -> str:
    provenance = results.summary["provenance"]
    scenario = results.scenario
    head = (f"{scenario.name}: {provenance['runs']:,} runs of each strategy over {scenario.horizon_months} months "
            f"(seed {provenance['seed']}, {provenance.get('wall_seconds') or 0:.1f} s, {provenance['executor']}, "
            f"{provenance['workers']} worker{'s' if provenance['workers'] != 1 else ''})")
    rule = provenance.get("stopping_rule") or {}
    if provenance.get("partial"):
        head = f"PARTIAL RESULTS: {rule.get('description', 'interrupted')}\n{head}"
    elif rule.get("rule") in ("precision", "max_runs"):
        head += f"\n{rule['description']}"
    return head
