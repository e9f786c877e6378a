"""Funding and runway rules in the report: what the plan needs, how often each round comes and each rule fires,
and in which months the rules hold.

Only a scenario with ``company.funding`` or ``policies`` has this section
(:func:`simulator.engine.catalogue.reacts`). The section reads the per-run
metrics ``round.<name>`` and ``rule.<name>.*`` and the monthly series
``rule.<name>`` (1 in the months a rule's actions apply): their mean over
runs is the chance a round comes, and the share of runs under a rule in
each month.
"""
from __future__ import annotations


import numpy as np

from simulator.montecarlo.statistics import compare
from simulator.present import plots

CHART = "rules"


def _rules(scenario) -> list[str]:
    return [p.name for p in scenario.policies or ()]


def rules_figure(results):
    """Share of runs under each rule, month by month: one line per strategy and rule."""
    months = results.scenario.horizon_months
    fig = plots.new_figure(9.5, 3.6)
    ax = fig.add_subplot()
    colors = plots.strategy_colors(results.strategies)
    lines = ("-", "--", ":", "-.")
    styles = {rule: lines[k % len(lines)] for k, rule in enumerate(_rules(results.scenario))}
    for (rule, s), share in shares_under_rules(results).items():
        ax.plot(np.arange(1, months + 1), share, styles[rule], color=colors[s], label=f"{s}: {rule}")
    ax.set_xlim(1, months)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(plots.percent_ticks())
    ax.set_xlabel("month")
    ax.set_ylabel("share of runs under the rule")
    ax.set_title("When the runway rules hold", fontsize=10, loc="left")
    if ax.lines:
        ax.legend(fontsize=8, frameon=False)
    return fig


def images(results, directory=None) -> dict[str, bytes]:
    """The section's chart as PNG bytes by name (none without rules); with ``directory``, also written there
    as PNG and SVG."""
    if not _rules(results.scenario):
        return {}
    return {CHART: plots.save_figure(rules_figure(results), directory, CHART)}


def summary_rows(scenario) -> list[tuple[str, str, str]]:
    """The rows of the section's table: (label, metric, statistic): the capital at 95%, the funding and ARR
    medians, each round's chance, each rule's chance and mean months."""
    rows = [("Capital needed (P95)", "capital_needed", "p95"), ("New money to raise (P95)", "new_money_needed", "p95"),
            ("Funding received (median)", "funding_received", "p50"), ("ARR at the end (median)", "ending_arr", "p50")]
    rows += [(f"Chance round {r.name} comes", f"round.{r.name}", "mean") for r in scenario.company.funding or ()]
    for rule in _rules(scenario):
        rows += [(f"Chance rule {rule} fires", f"rule.{rule}.fired", "mean"),
                 (f"Months under {rule} (mean)", f"rule.{rule}.months", "mean")]
    return rows


def without_rules(results) -> list[tuple[str, str]]:
    """(with rules, without) for strategies running the same motions alike that differ only in following rules."""
    from simulator.engine import strategy_policies

    scenario, pairs = results.scenario, []
    for a in results.strategies:
        for b in results.strategies:
            same = scenario.strategy_motions(a) == scenario.strategy_motions(b)
            if a != b and same and strategy_policies(scenario, a) and not strategy_policies(scenario, b):
                pairs.append((a, b))
    return pairs


def shares_under_rules(results) -> dict[tuple[str, str], np.ndarray]:
    """(rule, strategy) -> share of runs under the rule in each month, for the pairs where it ever holds."""
    out = {}
    for rule in _rules(results.scenario):
        for s in results.strategies:
            share = np.asarray(results.monthly[s][f"rule.{rule}"], dtype=float).mean(axis=0)
            if share.any():
                out[(rule, s)] = share
    return out


def arr_cost(results, with_rules: str, without: str) -> float:
    """Mean ending ARR lost, run by run, by following the rules (negative: gained)."""
    return -float(compare(results.runs[with_rules]["ending_arr"], results.runs[without]["ending_arr"],
                          "ending_arr")["mean_diff"])
