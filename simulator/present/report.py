"""The HTML report: one self-contained file that answers "which bet, and how much money do we need".

``report.html`` opens in any browser and travels by e-mail: the charts are
embedded as base64 PNG, the style is a few inline CSS rules, and nothing is
fetched from the network (no scripts, no web fonts). It reads top down: the
answer first, then the side-by-side numbers, the charts, the comparisons in
words, what drives the result and what is worth learning first, the
assumptions behind them, how precise the estimates are, and where
the numbers came from.
"""
from __future__ import annotations

import base64
import html
import itertools
import json
import math
from pathlib import Path
from typing import Mapping, Optional


from simulator.analysis.sensitivity import SensitivityError, sensitivity
from simulator.present import assumptions, plots, runway, tornado
from simulator.engine.catalogue import (lower_is_better, metric_entry, motion_metric_entry, motion_metric_names,
                                        reacts, shown_in)
from simulator.present.formatting import (format_correlation, format_metric, format_money, format_number,
                                          format_percent)
from simulator.scenario import scenario_yaml
from simulator.montecarlo.statistics import KEY_METRICS as DRIVEN_METRICS, compare, pair_name

# Rows of the side-by-side table, the metrics whose precision the convergence table shows, and the metrics
# compared in words: all from the catalogue.
TABLE_METRICS = shown_in("report")
KEY_METRICS = shown_in("convergence")
COMPARED_IN_WORDS = shown_in("compare")

CHART_TEXT = {
    "revenue": ("Revenue", "Revenue recognised over the whole horizon, one value per run. Bars: the share of runs "
                "in each range; the strip below: P5 to P95 (thin), P25 to P75 (thick), median (dot)."),
    "cost": ("Cost", "Everything spent over the horizon: salaries, commissions, lead generation, "
             "implementation, cost of revenue, fees and fixed costs."),
    "cash_flow": ("Net cash flow", "Cash in minus cash out over the horizon: below zero, the bet consumed cash."),
    "ending_cash": ("Cash at the end", "The bank balance in the last month, starting cash included; below zero "
                    "means the company would have needed more money."),
    "capital_needed": ("Capital needed", "How far cumulative net cash flow falls below zero at its worst: the "
                       "money the bet consumes before it pays for itself."),
    "cash_fan": ("Cash, month by month", "The line is the median run; the dark band holds the middle 50% of runs "
                 "and the light band 90%. Where the light band crosses zero, at least 5% of runs are out of "
                 "cash. Dashed grey lines: the other strategies' medians."),
    "arr_fan": ("ARR, month by month", "Annual recurring revenue (12 x MRR) with the same bands: how fast the "
                "book grows and how uncertain that is."),
    "capital_curve": ("How much to raise", "For each amount X, the chance that the bet consumes more than X in all "
                      "(starting cash plus new money). Where a curve crosses the 5% line, X covers the total need "
                      "in 95% of runs. The dashed line is the cash the company has above its buffer: it crosses "
                      "each curve at that strategy's chance of falling below the buffer, and the distance from "
                      "it to a curve's 95% point is the new money to raise."),
    "comparison": ("Head to head", "Each run simulates every strategy with the same random draws (common random "
                   "numbers), so the difference run by run is a fair duel. Bars right of zero: runs the first "
                   "strategy wins."),
}

CSS = """
body{font:15px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d1d1f;margin:0;
background:#f4f5f7}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:28px;margin:8px 0 4px}h2{font-size:21px;margin:36px 0 10px;border-bottom:2px solid #e3e5e8;
padding-bottom:4px}h3{font-size:16px;margin:22px 0 4px}
.lead{font-size:16px;color:#444;margin-top:0}
nav{font-size:13px;color:#666;margin:8px 0 0}nav a{color:#2457a5;margin-right:12px;text-decoration:none}
.answer{background:#eef5ff;border-left:5px solid #2457a5;padding:10px 18px;border-radius:4px}
.answer h2{margin-top:8px;border:0}.answer li{margin:6px 0}
tr.differs td{background:#fff6d6}
table{border-collapse:collapse;margin:8px 0 14px;font-size:14px}
th,td{border-bottom:1px solid #e3e5e8;padding:5px 10px;text-align:left;vertical-align:top}
th{background:#f7f8fa;font-weight:600;white-space:nowrap}td.num{text-align:right;white-space:nowrap}
.mid{font-weight:600}.range{display:block;color:#666;font-size:12px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
figure{margin:10px 0 26px}figure img{max-width:100%;height:auto;border:1px solid #e3e5e8}
figcaption{color:#555;font-size:13.5px;max-width:900px}
.note{color:#666;font-size:13px}
.warning{background:#fff0f0;border-left:5px solid #c62828;padding:8px 14px}
pre{background:#f7f8fa;padding:12px;overflow:auto;font-size:12.5px;border:1px solid #e3e5e8}
code{font-size:13px}
"""


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def _runs(results) -> int:
    """Runs per strategy."""
    provenance = results.summary.get("provenance", {}) if results.summary else {}
    if provenance.get("runs"):
        return int(provenance["runs"])
    first = results.strategies[0]
    return int(len(next(iter(results.runs[first].values()))))


def stat(results, strategy: str, metric: str, key: str) -> float:
    """One statistic ('mean', 'p50', 'se', 'share_defined', ...) of a metric from the summary; NaN if absent."""
    entry = results.summary.get("strategies", {}).get(strategy, {}).get(metric) or {}
    value = entry.get(key)
    return float(value) if isinstance(value, (int, float)) else math.nan


def share_of_runs(results, strategy: str, metric: str) -> float:
    """Share of runs in which a month metric happens: for ``cash_out_month``, the chance of running out."""
    share = stat(results, strategy, metric, "share_defined")
    return share if math.isfinite(share) else plots.share_defined(results.runs[strategy][metric])


def comparison(results, a: str, b: str, metric: str) -> dict:
    """A against B on a metric, run by run (``p_better``, ``p_tie``, ``mean_diff``...), as the summary has it.

    Pairs the summary lists the other way round (B vs A) are turned round;
    a pair or metric it lacks is counted from the runs.
    """
    comparisons = results.summary.get("comparisons", {}) if results.summary else {}
    entry = (comparisons.get(pair_name(a, b)) or {}).get(metric)
    if isinstance(entry, Mapping) and entry.get("p_better") is not None:
        return dict(entry)
    entry = (comparisons.get(pair_name(b, a)) or {}).get(metric)
    if isinstance(entry, Mapping) and entry.get("p_better") is not None:
        tie = entry.get("p_tie") or 0.0
        diff = entry.get("mean_diff")
        return {"p_better": 1.0 - float(entry["p_better"]) - tie, "p_tie": tie,
                "mean_diff": -diff if isinstance(diff, (int, float)) else None}
    return compare(results.runs[a][metric], results.runs[b][metric], metric)


def _swatch(name: str, colors: Mapping[str, str]) -> str:
    return f'<span class="swatch" style="background:{colors.get(name, "#777777")}"></span>{esc(name)}'


def _list_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _best_sentence(results, metric: str, words: str) -> str:
    """'<b>smb</b> has the highest NPV on average ($1.2M; median $1M); it beats enterprise in 72% of runs.'"""
    currency = results.scenario.company.currency
    names = results.strategies
    means = {s: stat(results, s, metric, "mean") for s in names}
    ranked = sorted(names, key=lambda s: -means[s] if math.isfinite(means[s]) else math.inf)
    best, others = ranked[0], ranked[1:]
    amounts = (f"{format_money(means[best], currency)}; "
               f"median {format_money(stat(results, best, metric, 'p50'), currency)}")
    if not others:
        return f"<b>{esc(best)}</b> averages {amounts.replace('; ', ' (', 1)})."
    text = f"<b>{esc(best)}</b> has the highest {words} on average ({amounts})"
    duels = [f"{esc(o)} in {format_percent(comparison(results, best, o, metric)['p_better'])}" for o in others]
    return f"{text}. Run by run it beats {_list_and(duels)} of runs."


def answer_html(results) -> str:
    """The answer first: which bet wins on NPV and revenue and how often, and the capital to raise."""
    return ('<section class="answer" id="answer"><h2>The answer</h2><ul>'
            + "".join(f"<li>{item}</li>" for item in answer_items(results)) + "</ul></section>")


def answer_items(results) -> list[str]:
    """The answer's points, each an HTML fragment (escaped text, the key figures in ``<b>``)."""
    currency = results.scenario.company.currency
    names = results.strategies
    months = results.scenario.horizon_months
    start = {s: plots.starting_cash(results.monthly[s]) for s in names}
    need95 = [f"{format_money(stat(results, s, 'capital_needed', 'p95'), currency)} for {esc(s)}" for s in names]
    raise95 = [f"<b>{format_money(stat(results, s, 'new_money_needed', 'p95'), currency)}</b> for {esc(s)}"
               for s in names]
    buffer = float(results.scenario.company.minimum_cash)
    out_of_cash = [f"{format_percent(share_of_runs(results, s, 'cash_out_month'))} of {esc(s)} runs"
                   for s in names]
    starting = sorted(set(round(v) for v in start.values()))
    starting_text = format_money(starting[0], currency) if len(starting) == 1 else "the starting cash"
    items = [
        f"<b>NPV</b> (monthly net cash flows discounted at "
        f"{format_percent(results.scenario.company.discount_rate_annual)} a year): "
        + _best_sentence(results, "npv", "NPV"),
        f"<b>Revenue over {months} months</b>: " + _best_sentence(results, "revenue", "revenue"),
        f"<b>Capital</b>: in 95% of runs the plan consumes at most {_list_and(need95)} in all (the 95th "
        f"percentile of capital needed). On top of the {starting_text} in the bank"
        f"{' and the funding rounds that came' if results.scenario.company.funding else ''}, the new money to raise so "
        f"that cash stays at or above {format_money(buffer, currency)} in 95% of runs is {_list_and(raise95)}. "
        f"Without new money, cash runs out in {_list_and(out_of_cash)}.",
    ]
    return items


def results_table_html(results, colors: Mapping[str, str]) -> str:
    """Side by side: per metric and strategy, the median with the P5 to P95 range under it."""
    months = results.scenario.horizon_months
    names = results.strategies
    head = "".join(f"<th>{_swatch(s, colors)}</th>" for s in names)
    rows = []
    for metric in TABLE_METRICS:
        if not any(metric in results.runs[s] for s in names):
            continue
        cells = [f'<td class="num">{_median_and_range(results, s, metric)}</td>' for s in names]
        label = metric_entry(metric).label.replace("the horizon", f"{months} months")
        rows.append(f"<tr><th>{esc(label)}</th>{''.join(cells)}</tr>")
    for label, metric in (("Runs that break even", "breakeven_month"), ("Runs that run out of cash",
                                                                        "cash_out_month")):
        cells = "".join(f'<td class="num"><span class="mid">{format_percent(share_of_runs(results, s, metric))}'
                        f"</span></td>" for s in names)
        rows.append(f"<tr><th>{label}</th>{cells}</tr>")
    return (f"<table><thead><tr><th>median (P5 to P95)</th>{head}</tr></thead><tbody>{''.join(rows)}"
            f"</tbody></table><p class=\"note\">Month metrics (breakeven) count only the runs in which the month "
            f"comes; the last rows say how many do.</p>")


def _median_and_range(results, strategy: str, metric: str) -> str:
    """A table cell's content: the median in bold, the P5 to P95 range under it, in the metric's unit."""
    currency = results.scenario.company.currency
    p5, p50, p95 = (format_metric(metric, stat(results, strategy, metric, k), currency) for k in ("p5", "p50", "p95"))
    return f'<span class="mid">{p50}</span><span class="range">{p5} to {p95}</span>'


def motions_html(results, colors: Mapping[str, str]) -> str:
    """Each motion's own figures (the KPIs it is run by), per strategy that runs it: median, P5 to P95."""
    parts = []
    for motion, spec in results.scenario.motions.items():
        users = [s for s in results.strategies if f"{motion}.leads" in results.summary["strategies"].get(s, {})]
        if not users:
            continue
        rows = []
        for own in motion_metric_names(spec.type):
            name = f"{motion}.{own}"
            cells = [_median_and_range(results, s, name) for s in users]
            if any(math.isfinite(stat(results, s, name, "p50")) for s in users):
                rows.append([esc(motion_metric_entry(own).label)] + cells)
        parts.append(f"<h3>Motion <code>{esc(motion)}</code> ({esc(spec.type)})</h3>"
                     + html_table(["median (P5 to P95)"] + [_swatch(s, colors) for s in users], rows)
                     .replace("<td>", '<td class="num">'))
    return ("".join(parts) + '<p class="note">Each motion counted on its own: its leads, deals, customers and '
            "costs, without the company's overhead. Stage conversions count the deals that passed a stage against "
            "those that passed it or were lost in it; stalled deals are open at the end for more than twice the "
            "run's median won cycle. Definitions: docs/model.md.</p>")


def comparisons_html(results) -> str:
    """Every pair of strategies on the key metrics, in words, the more frequent winner first."""
    currency = results.scenario.company.currency
    names = results.strategies
    if len(names) < 2:
        return "<p>One strategy only: nothing to compare.</p>"
    items = []
    for a, b in itertools.combinations(names, 2):
        lines = []
        for metric in COMPARED_IN_WORDS:
            if metric not in results.runs[a]:
                continue
            words = metric_entry(metric).short + (" (needing less)" if lower_is_better(metric) else "")
            found = comparison(results, a, b, metric)
            tie = found.get("p_tie") or 0.0
            a_wins = float(found["p_better"])
            b_wins = 1.0 - a_wins - tie
            winner, loser, share = (a, b, a_wins) if a_wins >= b_wins else (b, a, b_wins)
            diff = found.get("mean_diff")
            diff = diff if isinstance(diff, (int, float)) else math.nan
            # the winner's average margin, positive when in its favour
            gain = (diff if winner == a else -diff) * (-1 if lower_is_better(metric) else 1)
            if not math.isfinite(gain):
                margin = ""
            elif lower_is_better(metric):
                margin = (f"; it needs {format_money(gain, currency)} less on average" if gain >= 0 else
                          f"; yet it needs {format_money(-gain, currency)} more on average")
            else:
                margin = (f"; ahead by {format_money(gain, currency)} on average" if gain >= 0 else
                          f"; yet behind by {format_money(-gain, currency)} on average")
            text = (f"<b>{esc(winner)}</b> beats {esc(loser)} on {words} in <b>{format_percent(share)}</b> of runs"
                    f"{f' (ties: {format_percent(tie)})' if tie >= 0.005 else ''}{margin}")
            lines.append(f"<li>{text}</li>")
        items.append(f"<li><b>{esc(a)}</b> against <b>{esc(b)}</b><ul>{''.join(lines)}</ul></li>")
    return ("<ul>" + "".join(items) + "</ul><p class=\"note\">Run by run with common random numbers: in run i "
            "both strategies meet the same market: the same lead rate, the same deals for the same motion. "
            "For capital needed, beating means needing less.</p>")


def funding_html(results, colors: Mapping[str, str], images: Mapping[str, bytes]) -> str:
    """Funding and runway rules: the capital at 95%, how often each round comes and each rule fires, what the
    rules cost in ARR against the same plan without them, and the share of runs under each rule by month."""
    currency, names = results.scenario.company.currency, results.strategies
    rows = [[esc(label)] + [format_metric(metric, stat(results, s, metric, key), currency) for s in names]
            for label, metric, key in runway.summary_rows(results.scenario)]
    parts = [html_table([""] + [_swatch(s, colors) for s in names], rows).replace("<td>", '<td class="num">')]
    for with_rules, without in runway.without_rules(results):
        cost = runway.arr_cost(results, with_rules, without)
        need = [format_money(stat(results, s, "capital_needed", "p95"), currency) for s in (with_rules, without)]
        parts.append(f"<p><b>{esc(with_rules)}</b> against the same plan without its rules (<b>{esc(without)}</b>, "
                     f"the same draws run by run): ending ARR {format_money(abs(cost), currency)} "
                     f"{'lower' if cost >= 0 else 'higher'} on average; capital needed at 95%: {need[0]} against "
                     f"{need[1]}.</p>")
    if runway.CHART in images:
        parts.append(f'<figure id="{runway.CHART}">{image_html(images[runway.CHART], "When the rules hold")}'
                     "<figcaption>Each line: the share of runs in which the rule's actions apply in that month (it "
                     "fired at the end of an earlier month and has not let go).</figcaption></figure>")
    shares = runway.shares_under_rules(results)
    shown = list(range(3, results.scenario.horizon_months + 1, 3)) or [results.scenario.horizon_months]
    if shares:
        parts.append(html_table(["share of runs under the rule, by month"] + [str(m) for m in shown],
                            [[f"{esc(rule)} in {_swatch(s, colors)}"] + [format_percent(share[m - 1]) for m in shown]
                             for (rule, s), share in shares.items()]).replace("<td>", '<td class="num">'))
    parts.append('<p class="note">A round comes in its month, or in the first month of its window whose condition '
                 "holds at the month's end; a rule fires at a month's end and changes the plan from the next month. "
                 "Runway: cash / the average net burn of the last three months. Capital needed is counted under the "
                 "plan as it reacted; new money to raise comes on top of the starting cash and the rounds that "
                 "came. See docs/funding.md.</p>")
    return "".join(parts)


# The sensitivity section: rank correlations only (free, from the runs made); its chart explains this metric.
DRIVERS_CHART_METRIC = "npv"
DRIVERS_SHOWN = 5


def report_sensitivity(results):
    """(Sensitivity, None) of the key metrics, without a swing, or (None, why there is none)."""
    try:
        return sensitivity(results, metrics=DRIVEN_METRICS, swing=False), None
    except SensitivityError as err:
        return None, str(err)


def sensitivity_html(results, found, why: Optional[str], images: Mapping[str, bytes]) -> str:
    """What drives the result: the tornado of NPV, then per target each top input's rank correlation with
    every key metric (its 95% interval and share of the variance under it)."""
    if found is None:
        return f'<p class="note">No sensitivity: {esc(why)}.</p>'
    chart = tornado.chart_name(DRIVERS_CHART_METRIC)
    parts = [f"<p>Which uncertain inputs (the facts drawn once per run, such as this year's true lead rate) move "
             f"the results, read from the {found.runs:,} runs already made: each input's rank correlation "
             "(Spearman) with the metric over the runs, from -1 to +1, with its 95% interval, and its share of the "
             "metric's variance. An interval that crosses zero may be chance. The difference between two "
             "strategies, run by run, shows what decides which of them wins.</p>"]
    if chart in images:
        parts.append(f'<figure id="{chart}">{image_html(images[chart], "What drives NPV")}<figcaption>Largest '
                     "bar on top. Inputs correlated by the scenario share each other's correlation.</figcaption>"
                     "</figure>")
    metrics = [m for m in found.metrics if any((t, m) in found.tornados for t in found.targets)]
    for target in found.targets:
        first = found.tornados.get((target, DRIVERS_CHART_METRIC)) or found.tornados.get((target, metrics[0]))
        if first is None or not first.effects:
            continue
        rows = []
        for effect in first.top(DRIVERS_SHOWN):
            cells = [esc(tornado.input_label(effect.input))]
            for metric in metrics:
                e = next((x for x in found.tornados[(target, metric)].effects if x.input == effect.input), None)
                cells.append('<span class="mid">n/a</span>' if e is None or not math.isfinite(e.rho) else
                             f'<span class="mid">{format_correlation(e.rho)}</span><span class="range">'
                             f"{format_correlation(e.ci95[0])} to {format_correlation(e.ci95[1])}; "
                             f"{format_percent(e.share)} of the variance</span>")
            rows.append(cells)
        title = f"{esc(first.strategies[0])} less {esc(first.strategies[1])}, run by run" if first.is_difference \
            else f"<code>{esc(target)}</code>"
        parts.append(f"<h3>{title}</h3>" + html_table(["rank correlation (95% CI)"]
                                                  + [esc(metric_entry(m).short) for m in metrics], rows)
                     .replace("<td>", '<td class="num">'))
    parts.append('<p class="note">The swing (each input held at its P10, then at its P90, every other draw the '
                 "same: how far the mean moves) costs two more simulations per input, so it is on request: "
                 "<code>salesim sensitivity DIR</code> with this results directory. How to read both: "
                 "docs/sensitivity.md.</p>")
    return "".join(parts)


def value_html(results) -> str:
    """What is worth learning first: EVPI against today's choice, then each input's EVPPI, as a table."""
    from simulator.analysis.voi import of_results
    from simulator.present.assumptions import input_words

    found = of_results(results)
    if found is None or len(found.strategies) < 2:
        return ('<p class="note">One strategy only: no choice for more information to improve.</p>'
                if found is not None else '<p class="note">No value of information: these results have no NPV.</p>')
    currency = found.currency
    low, high = found.evpi_ci95
    interval = (f" (95% CI {format_money(low, currency)} to {format_money(high, currency)})"
                if math.isfinite(low) else "")
    share = found.chooses.get(found.best, math.nan)
    parts = [f"<p>Today's choice on mean NPV is <b>{esc(found.best)}</b>, the best strategy in "
             f"{format_percent(share)} of runs. Knowing, before choosing, how each future turns out would raise "
             f"mean NPV by <b>{format_money(found.evpi, currency)}</b>{interval}: the expected value of perfect "
             "information, the most that any study, pilot or wait could be worth. Learning one uncertain input "
             "first is worth less (its partial value):</p>"]
    if found.partials:
        rows = []
        for p in list(found.partials) + ([found.together] if found.together is not None else []):
            together = p is found.together
            name = ("<i>all inputs together</i> (additive fit)" if together else
                    f"{esc(input_words(p.input))}<span class=\"range\"><code>{esc(p.input)}</code></span>")
            of_evpi = p.evppi / found.evpi if found.evpi > 0 else math.nan
            rows.append([name, f'<span class="mid">{format_money(p.evppi, currency)}</span><span class="range">'
                               f"± {format_money(p.se, currency)}</span>", format_percent(of_evpi),
                         format_money(p.noise, currency), "yes" if p.clear else "no"])
        parts.append(html_table(["input", "worth learning first", "of perfect information", "noise", "clear"], rows,
                            [p.clear for p in found.partials] + ([False] if found.together is not None else []))
                     .replace("<td>", '<td class="num">'))
        parts.append('<p class="note">How to read it: an input worth $X means that learning its true value '
                     "before choosing, and then choosing the strategy best for that value, would raise mean NPV "
                     "by $X on average; an amount within its noise (what an input with no bearing on the choice "
                     "scores by chance) or within two standard errors of zero may be worth nothing (clear: no). "
                     "Perfect information less all inputs together is chance deal by deal, which no study "
                     "removes. Method and a worked example: docs/value-of-information.md.</p>")
    elif found.note:
        parts.append(f'<p class="note">No partial values: {esc(found.note)}.</p>')
    return "".join(parts)


def html_table(head: list[str], rows: list[list[str]], marked: Optional[list[bool]] = None) -> str:
    """A table whose first column names the rows; ``marked`` rows are highlighted; no head row if all empty."""
    marked = marked or [False] * len(rows)
    body = "".join(
        ('<tr class="differs">' if mark else "<tr>")
        + "".join(f"<th>{c}</th>" if i == 0 else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row, mark in zip(rows, marked))
    thead = f"<thead><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr></thead>" if any(head) else ""
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def assumptions_html(scenario, colors: Mapping[str, str]) -> str:
    """The company, the strategies and each motion's key assumptions, as tables."""
    parts = ["<h3>The company</h3>", html_table(["", "assumed"], [[esc(a), esc(b)] for a, b in
                                                               assumptions.company_rows(scenario)])]
    parts += ["<h3>The strategies</h3>",
              html_table(["strategy", "motions", "what it is"],
                     [[_swatch(s, colors), esc(m), esc(d)] for s, m, d in assumptions.strategy_rows(scenario)])]
    for motion, (users, rows) in assumptions.motion_tables(scenario).items():
        kind = scenario.motions[motion].type
        parts.append(f"<h3>Motion <code>{esc(motion)}</code> ({esc(kind)})</h3>")
        if all(len(set(values)) == 1 for _, values in rows):
            parts.append(f'<p class="note">Run by {esc(_list_and(users))}, identically.</p>')
            parts.append(html_table(["", "assumed"], [[esc(label), esc(values[0])] for label, values in rows]))
        else:
            parts.append('<p class="note">Highlighted: where the strategies differ.</p>')
            parts.append(html_table([""] + [f"in {_swatch(u, colors)}" for u in users],
                                [[esc(label)] + [esc(v) for v in values] for label, values in rows],
                                [len(set(values)) > 1 for _, values in rows]))
    return "".join(parts)


def convergence_html(results) -> str:
    """How precise the means are: standard errors, 95% intervals, and what more runs would buy."""
    currency = results.scenario.company.currency
    runs = _runs(results)
    names = results.strategies
    rows = []
    for metric in KEY_METRICS:
        cells = []
        for s in names:
            mean, se = stat(results, s, metric, "mean"), stat(results, s, metric, "se")
            entry = results.summary.get("strategies", {}).get(s, {}).get(metric) or {}
            low, high = (entry.get("ci95") or [None, None])[:2]
            low = low if isinstance(low, (int, float)) else mean - 1.96 * se
            high = high if isinstance(high, (int, float)) else mean + 1.96 * se
            relative = abs(se / mean) if mean else math.nan
            cells.append(f'<span class="mid">{format_money(mean, currency)} ± {format_money(se, currency)}</span>'
                         f'<span class="range">95% CI {format_money(low, currency)} to {format_money(high, currency)}'
                         f"{f'; SE {100 * relative:.2g}% of the mean' if math.isfinite(relative) else ''}</span>")
        label = metric_entry(metric).label.replace("the horizon", f"{results.scenario.horizon_months} months")
        rows.append([esc(label)] + cells)
    worst = 0.5 / math.sqrt(runs)
    rule = (results.summary.get("provenance", {}) if results.summary else {}).get("stopping_rule")
    rule = rule.get("description") if isinstance(rule, Mapping) else rule
    return (f"<p>{runs:,} runs of each strategy{' (stopping rule: ' + esc(rule) + ')' if rule else ''}. "
            f"Below: the mean ± its standard error. The standard error shrinks like 1/√runs: four times the runs "
            f"halve it. A share such as P(A beats B) is within ±{format_percent(1.96 * worst)} (95%) at worst.</p>"
            + html_table(["mean ± standard error"] + [_swatch(s, plots.strategy_colors(names)) for s in names], rows)
            .replace("<td>", '<td class="num">'))


def provenance_html(results) -> str:
    """Version, seed, scenario hash, date and the scenario as run."""
    rows = [[esc(label), f"<code>{esc(text)}</code>"] for label, text in provenance_rows(results)]
    yaml_text = scenario_yaml(results.scenario)
    return (html_table(["", ""], rows) + "<details><summary>The scenario as run (overrides applied)</summary>"
            f"<pre>{esc(yaml_text)}</pre></details>")


def provenance_rows(results) -> list[tuple[str, str]]:
    """(label, value as text) for each fact of the provenance, and the scenario file."""
    provenance = dict(results.summary.get("provenance", {})) if results.summary else {}
    labels = {"salesim_version": "salesim version", "version": "salesim version", "scenario": "scenario",
              "scenario_sha256": "scenario SHA-256", "seed": "seed", "runs": "runs per strategy",
              "horizon_months": "horizon (months)", "utc_time": "run at (UTC)",
              "wall_seconds": "wall-clock seconds", "executor": "executor", "workers": "workers",
              "stopping_rule": "stopping rule", "partial": "partial (interrupted)"}
    rows = []
    for key in list(labels) + [k for k in provenance if k not in labels]:
        if key not in provenance:
            continue
        value = provenance[key]
        if isinstance(value, Mapping) and "description" in value:
            text = str(value["description"])
        elif isinstance(value, (dict, list)):
            text = json.dumps(value)
        elif key == "wall_seconds" and isinstance(value, (int, float)):
            text = format_number(value)
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        else:
            text = str(value)
        rows.append((labels.get(key, key.replace("_", " ")), text))
    if results.scenario.source:
        rows.append(("scenario file", str(results.scenario.source)))
    return rows


def image_html(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def report_html(results, images: Optional[Mapping[str, bytes]] = None) -> str:
    """The whole report as one HTML string; ``images`` are PNG bytes by chart name (drawn here if left out)."""
    scenario = results.scenario
    colors = plots.strategy_colors(results.strategies)
    found, why = report_sensitivity(results)
    if images is None:
        images = {name: plots.figure_bytes(fig) for name, fig in plots.figures(results).items()}
        images.update(runway.images(results))
        if found is not None:
            images[tornado.chart_name(DRIVERS_CHART_METRIC)] = plots.figure_bytes(
                tornado.tornado_figure(found, DRIVERS_CHART_METRIC))
    charts = []
    for name in plots.CHARTS:
        if name in images:
            title, text = CHART_TEXT[name]
            charts.append(f'<figure id="{name}"><h3>{esc(title)}</h3>{image_html(images[name], title)}'
                          f"<figcaption>{esc(text)}</figcaption></figure>")
    sections = [
        ("results", "Side by side", results_table_html(results, colors)),
        *([("funding", "Funding and runway rules", funding_html(results, colors, images))] if reacts(scenario)
          else []),
        ("motions", "By motion", motions_html(results, colors)),
        ("charts", "Charts", "".join(charts)),
        ("comparisons", "Comparisons", comparisons_html(results)),
        ("sensitivity", "What drives the result", sensitivity_html(results, found, why, images)),
        ("value", "Worth learning first", value_html(results)),
        ("assumptions", "Key assumptions", assumptions_html(scenario, colors)),
        ("convergence", "Convergence", convergence_html(results)),
        ("provenance", "Provenance", provenance_html(results)),
    ]
    count = len(results.strategies)
    provenance = results.summary.get("provenance", {}) if results.summary else {}
    partial = ('<p class="warning">Partial results: the run was interrupted; these are the runs completed so '
               "far.</p>" if provenance.get("partial") else "")
    nav = "".join(f'<a href="#{key}">{title}</a>' for key, title, _ in [("answer", "The answer", "")] + sections)
    body = "".join(f'<section id="{key}"><h2>{title}</h2>{content}</section>' for key, title, content in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{esc(scenario.name)}: salesim report</title><style>{CSS}</style></head><body><main>"
            f"<h1>{esc(scenario.name)}</h1><p class=\"lead\">{esc(scenario.description)}</p>{partial}"
            f"<p class=\"note\">{count} strateg{'y' if count == 1 else 'ies'}, {_runs(results):,} Monte Carlo "
            f"runs each, {scenario.horizon_months} months, money in {esc(scenario.company.currency)}.</p>"
            f"<nav>{nav}</nav>"
            f"{answer_html(results)}{body}</main></body></html>\n")


def write_report(results, directory, images: Optional[Mapping[str, bytes]] = None) -> Path:
    """Write ``report.html`` into ``directory`` and return its path."""
    path = Path(directory) / "report.html"
    path.write_text(report_html(results, images), encoding="utf-8")
    return path


def write_outputs(results, directory) -> list[Path]:
    """Draw every chart (PNG and SVG) and write the report into a results directory; returns the files.

    All of them are drawn into a hidden directory inside ``directory`` first
    and moved into place only once every one is written, so a failure or an
    interruption leaves the charts and report that were there untouched.
    """
    import os
    import shutil
    import tempfile

    directory = Path(directory)
    staging = Path(tempfile.mkdtemp(prefix=".charts-", suffix=".partial", dir=directory))
    try:
        images = {**plots.write_plots(results, staging), **runway.images(results, staging)}
        found, _ = report_sensitivity(results)
        if found is not None:
            chart = tornado.chart_name(DRIVERS_CHART_METRIC)
            images = {**images, chart: tornado.write_tornado(found, DRIVERS_CHART_METRIC, staging)}
        write_report(results, staging, images)
        drawn = sorted(staging.iterdir())
        # a directory where a chart goes cannot be replaced: fail before moving any, not half way through
        taken = [directory / d.name for d in drawn if (directory / d.name).is_dir()]
        if taken:
            are = "is a directory" if len(taken) == 1 else "are directories"
            raise IsADirectoryError(f"{', '.join(map(str, taken))} {are}, not a chart or report that can be "
                                    "replaced: nothing redrawn")
        for chart in drawn:
            os.replace(chart, directory / chart.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = sorted(directory / f"{name}.{fmt}" for name in images for fmt in ("png", "svg"))
    return files + [directory / "report.html"]
