"""Plain-text tables of results: the strategies side by side, money in the scenario's currency.

The command line prints :func:`comparison_table` after a run; a notebook can
print the same with ``print(comparison_table(results))``.
"""
from __future__ import annotations

from itertools import combinations

from simulator.engine.catalogue import MOTION, metric_entry, reaction_metric_names, shown_in
from simulator.montecarlo.statistics import pair_name
from simulator.present.formatting import (format_correlation, format_metric, format_money, format_number,
                                          format_percent)

def comparison_table(results) -> str:
    """The strategies side by side: P5 / P50 / P95 of the money metrics the catalogue shows in a
    ``table`` (revenue, cost, net cash flow, capital needed, ending ARR, new money to raise), the
    chance of running out of cash, each motion's key figures (medians), and P(A beats B) for every pair."""
    summary, strategies = results.summary, results.strategies
    currency = results.scenario.company.currency
    per = summary["strategies"]
    rows = []
    for metric in shown_in("table"):
        for q in ("p5", "p50", "p95"):
            rows.append((metric_entry(metric).short if q == "p5" else "", q.upper(),
                         [format_money(per[s][metric][q], currency) for s in strategies]))
    rows.append(("runs out of cash", "", [format_percent(per[s]["cash_out_month"]["share_defined"])
                                          for s in strategies]))
    rows += _reaction_rows(results.scenario, per, strategies, currency)
    for motion in results.scenario.motions:
        if not any(f"{motion}.leads" in per[s] for s in strategies):
            continue
        rows.append((f"{motion} (median)", "", [""] * len(strategies)))
        for own in shown_in("motion_table", MOTION):
            name = f"{motion}.{own}"
            rows.append(("  " + metric_entry(name).short, "", [
                format_metric(name, per[s][name]["p50"], currency) if name in per[s] else "-" for s in strategies]))
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
            parts = [f"{metric_entry(m).short}{' (lower)' if found[m]['better'] == 'lower' else ''} "
                     f"{format_percent(found[m]['p_better'])}" for m in shown_in("compare") if m in found]
            lines.append(f"  P({a} beats {b}): " + ", ".join(parts))
    return "\n".join(lines)


def _reaction_rows(scenario, per: dict, strategies: list, currency: str) -> list:
    """Rows of a plan that reacts to cash: funding received (median), the chance each round comes and each
    rule fires, and the mean months under each rule."""
    rows = []
    for name in reaction_metric_names(scenario):
        entry = metric_entry(name)
        stat, q = ("mean", "") if entry.kind in ("percent", "months") else ("p50", "P50")
        label = entry.short + (" (mean)" if entry.kind == "months" else "")
        rows.append((label, q, [format_metric(name, per[s][name][stat], currency) if name in per[s] else "-"
                                for s in strategies]))
    return rows


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


def sensitivity_table(sensitivity, metric: str | None = None, top: int = 10) -> str:
    """What drives ``metric`` (default: the first analysed), per target: the top inputs by |rank correlation|
    with its 95% interval, their share of the metric's rank variance and, with a swing, the change of the
    metric's mean with the input at its P10 and at its P90 (the input's value there in brackets)."""
    metric = metric or sensitivity.metrics[0]
    currency = sensitivity.currency
    entry = metric_entry(metric)
    swing = sensitivity.swing_runs > 0
    lines = [f"What drives {entry.label} ({metric}) over {sensitivity.runs:,} runs of {sensitivity.scenario} "
             f"(seed {sensitivity.seed})"
             + (f"; swing: {sensitivity.swing_runs:,} runs with each input at its P10, then its P90" if swing else "")]
    for target in sensitivity.targets:
        found = sensitivity.tornados.get((target, metric))
        if found is None:
            continue
        what = (f"{found.strategies[0]} - {found.strategies[1]} ({entry.short} of {found.strategies[0]} less "
                f"{found.strategies[1]}'s, run by run)" if found.is_difference else target)
        explained = (f"; the inputs explain {format_percent(found.r2)} of its rank variance"
                     if found.r2 == found.r2 else "")
        defined = (f" (defined in {found.n:,} of {sensitivity.runs:,} runs)" if found.n < sensitivity.runs else "")
        lines += ["", f"{what}: mean {format_metric(metric, found.mean, currency)}{defined}{explained}"]
        rows = [("input", "rank corr. (95% CI)", "share", "at P10", "at P90")]
        for e in found.top(top):
            rows.append((e.input.removeprefix("motions."), _rho(e.rho, e.ci95), format_percent(e.share),
                         _swing(metric, e.low, e.p10, currency), _swing(metric, e.high, e.p90, currency)))
        if not swing:
            rows = [r[:3] for r in rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            lines.append("  " + row[0].ljust(widths[0]) + "".join("   " + c.rjust(w) for c, w in
                                                                    zip(row[1:], widths[1:])))
    return "\n".join(lines)


def _rho(rho: float, ci) -> str:
    """A rank correlation with its interval: +0.62 (+0.58 to +0.66)."""
    if rho != rho or ci[0] != ci[0]:
        return format_correlation(rho)
    return f"{format_correlation(rho)} ({format_correlation(ci[0])} to {format_correlation(ci[1])})"


def _swing(metric: str, change: float, value: float, currency: str) -> str:
    """A swing cell: the change of the metric's mean, signed, and the input's value there in brackets."""
    text = format_metric(metric, change, currency)
    if change == change and change > 0 and not text.startswith("+"):
        text = "+" + text
    return f"{text} ({format_number(value)})" if value == value else text


def sweep_table(found, metric: str = "npv") -> str:
    """A sweep's points one per line: each varied key's value, then per strategy the metric's mean and the
    chance it is the best strategy on that metric, run by run (P(best))."""
    from simulator.analysis.sweep import point_label

    entry = metric_entry(metric)
    strategies = found.strategies
    heads = [*(path.removeprefix("motions.") for path in found.paths),
             *(f"{s} {part}" for s in strategies for part in ("mean", "P(best)"))]
    body = []
    for i, point in enumerate(found.points):
        cells = [point_label(point[path]) for path in found.paths]
        for s in strategies:
            cell = found.cells.get((i, s, metric))
            cells += ([format_metric(metric, cell.mean, found.currency), format_percent(cell.p_best)] if cell
                      else ["-", "-"])
        body.append(cells)
    widths = [max(len(h), *(len(r[k]) for r in body)) for k, h in enumerate(heads)]
    lines = [f"{entry.label} ({metric}) by {' x '.join(found.paths)}: mean over {found.runs:,} runs at each point "
             f"(seed {found.seed}, the same draws at every point); P(best): the share of runs in which the strategy "
             f"did best", ""]
    lines.append("  ".join(h.rjust(w) for h, w in zip(heads, widths)))
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(lines)


def worth_learning_line(results, count: int = 3) -> str:
    """One line after a run: the inputs worth learning before committing, each with its EVPPI, and what
    knowing everything would be worth (EVPI) with its 95% interval; '' for one strategy or no such value.

    'worth learning before committing (NPV): enterprise leads per month ($77.6k), enterprise unresolved
    objection chance ($59.8k); perfect information on everything: $233k (95% CI $212k to $255k)'
    """
    from simulator.analysis.voi import of_results

    found = of_results(results)
    return worth_learning_text(found, count) if found is not None else ""


def worth_learning_text(found, count: int = 3) -> str:
    """:func:`worth_learning_line` of a :class:`~simulator.analysis.voi.ValueOfInformation`."""
    from simulator.present.assumptions import input_words

    if len(found.strategies) < 2 or not found.evpi == found.evpi:
        return ""
    money = lambda value: format_money(value, found.currency)   # noqa: E731
    clear = found.worth_learning(count)
    if clear:
        named = ", ".join(f"{input_words(p.input)} ({money(p.evppi)})" for p in clear)
    else:
        share = found.chooses.get(found.best, float("nan"))
        named = f"no single input clearly ({found.best} is best in {format_percent(share)} of runs)"
    low, high = found.evpi_ci95
    interval = f" (95% CI {money(low)} to {money(high)})" if low == low else ""
    return (f"worth learning before committing ({metric_entry(found.metric).short}): {named}; perfect information "
            f"on everything: {money(found.evpi)}{interval}")
