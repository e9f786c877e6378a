"""Charts of Monte Carlo results: distributions, fan charts, the capital curve, head-to-head comparisons.

Each chart answers one question a strategist or a finance team asks: how
spread out is revenue under each bet (distribution), how does cash move
month by month and how wide is the uncertainty (fan), how much capital to
raise to be 90% or 95% sure (exceedance curve), and how often one bet beats
another run by run (comparison, sharp thanks to common random numbers).

The chart functions take plain arrays and mappings, so they draw anything of
the right shape; :func:`figures` and :func:`write_plots` feed them a
``Results``. Figures are built without pyplot on the headless Agg canvas:
nothing here touches global plotting state, so a notebook can display them
and a server can draw them.
"""
from __future__ import annotations

import io
import itertools
import math
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, FuncFormatter

from simulator.engine.catalogue import lower_is_better, shown_in
from simulator.montecarlo.statistics import compare, pair_name
from simulator.present.formatting import SCALES, format_money, format_percent, metric_label, trim_zeros, with_currency

# Metric distributions drawn as charts: file stem -> metric.
DISTRIBUTION_CHARTS = {"revenue": "revenue", "cost": "cost", "cash_flow": "net_cash_flow",
                       "ending_cash": "ending_cash", "capital_needed": "capital_needed"}
# Every chart :func:`write_plots` draws, in the order the report shows them.
CHARTS = ("revenue", "cost", "cash_flow", "ending_cash", "capital_needed", "cash_fan", "arr_fan",
          "capital_curve", "comparison")
COMPARED_METRICS = shown_in("duel")
CONFIDENCE_LEVELS = (0.50, 0.90, 0.95)

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf")
_DPI = 110


class MoneyFormatter(Formatter):
    """Axis ticks in the scenario's currency, one suffix for the whole axis: $0, $0.5M, $1M, $1.5M."""

    def __init__(self, currency: str = "USD"):
        self.currency = currency
        self.scale, self.suffix, self.places = 1.0, "", 0

    def set_locs(self, locs: Iterable[float]) -> None:
        locs = [x for x in locs if math.isfinite(x)]
        super().set_locs(locs)
        biggest = max((abs(x) for x in locs), default=0.0)
        self.scale, self.suffix = next(((s, n) for s, n in SCALES if biggest >= s), (1.0, ""))
        # the fewest decimals that write every tick exactly: 2.5M needs one, 2M none
        self.places = next((p for p in range(4) if all(abs(round(x / self.scale, p) - x / self.scale) < 1e-6
                                                       for x in locs)), 3)

    def __call__(self, x: float, pos=None) -> str:
        if abs(x) < 1e-9 * max(self.scale, 1.0):
            return tex(with_currency("0", self.currency, False))
        number = trim_zeros(f"{abs(x) / self.scale:.{self.places}f}") + self.suffix
        return tex(with_currency(number, self.currency, x < 0))


def tex(text: str) -> str:
    """Text for a chart: a dollar sign is a dollar sign, not the start of a formula."""
    return str(text).replace("$", r"\$")


def percent_ticks() -> FuncFormatter:
    """Shares of runs as percentages: 0%, 2.5%, 5%."""
    return FuncFormatter(lambda x, pos=None: trim_zeros(f"{100 * x:.1f}") + "%")


def _money(value: float, currency: str) -> str:
    return tex(format_money(value, currency))


def strategy_colors(strategies: Sequence[str]) -> dict[str, str]:
    """One colour per strategy, the same in every chart (the order of the scenario's strategies)."""
    return {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(strategies)}


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float).ravel()
    return values[np.isfinite(values)]


def _bin_edges(arrays: Sequence[np.ndarray], most: int = 60) -> np.ndarray:
    """Common bins for all strategies over the bulk of the values (0.1% trimmed at each end).

    About 2 x sqrt(runs) bins, 12 to ``most``: fine enough to show the shape,
    coarse enough that a few hundred runs do not look like noise.
    """
    pooled = np.concatenate([a for a in arrays if a.size] or [np.zeros(1)])
    bins = int(np.clip(2 * math.sqrt(max(len(a) for a in arrays) if arrays else 1), 12, most))
    low, high = np.percentile(pooled, [0.1, 99.9])
    if not high > low:
        pad = max(abs(low) * 0.05, 1.0)
        low, high = low - pad, high + pad
    return np.linspace(low, high, bins + 1)


def distribution_figure(values: Mapping[str, np.ndarray], *, title: str, xlabel: str, currency: str = "USD",
                        colors: Optional[Mapping[str, str]] = None) -> Figure:
    """Overlaid histograms of one money metric, one per strategy, with P5/P50/P95 marked.

    ``values`` maps a strategy to its per-run values (NaN ignored). The upper
    panel shows the share of runs in each bin, a dashed line at each median;
    the strip below draws, per strategy, the P5-P95 range (thin, with end
    ticks), the P25-P75 range (thick) and the median (dot), with the P5, P50
    and P95 amounts written at the right, so the ranges compare at a glance
    however the bars overlap.
    """
    names = list(values)
    colors = colors or strategy_colors(names)
    data = {name: _finite(values[name]) for name in names}
    fig = new_figure(10, 4.9 + 0.3 * len(names))
    hist_ax, strip_ax = fig.subplots(2, 1, sharex=True,
                                     gridspec_kw={"height_ratios": [4, 0.45 + 0.4 * max(len(names), 1)]})
    edges = _bin_edges(list(data.values()))
    quantiles = {name: np.percentile(v, [5, 25, 50, 75, 95]) for name, v in data.items() if v.size}
    for name in names:
        v = data[name]
        if not v.size:
            continue
        clipped = np.clip(v, edges[0], edges[-1])
        weights = np.full(v.size, 1.0 / v.size)
        hist_ax.hist(clipped, edges, weights=weights, histtype="stepfilled", color=colors[name], alpha=0.2)
        hist_ax.hist(clipped, edges, weights=weights, histtype="step", color=colors[name], linewidth=1.6,
                     label=tex(name))
        hist_ax.axvline(quantiles[name][2], color=colors[name], linestyle="--", linewidth=1.3)
    hist_ax.set_ylabel("Share of runs")
    hist_ax.yaxis.set_major_formatter(percent_ticks())
    hist_ax.grid(axis="y", alpha=0.3)
    handles, labels = hist_ax.get_legend_handles_labels()
    handles.append(hist_ax.plot([], [], color="#555555", linestyle="--", linewidth=1.3)[0])
    labels.append("median (P50)")
    fig.suptitle(tex(title), x=0.01, ha="left", fontsize=12, fontweight="bold")
    hist_ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=min(len(labels), 6),
                   fontsize=9, frameon=False, borderaxespad=0.2)
    ticks, amounts = [], []
    for row, name in enumerate(names):
        y = len(names) - 1 - row
        ticks.append(y)
        if name not in quantiles:
            amounts.append("no values")
            continue
        p5, p25, p50, p75, p95 = quantiles[name]
        color = colors[name]
        strip_ax.plot([p5, p95], [y, y], color=color, linewidth=1.5, solid_capstyle="butt")
        strip_ax.plot([p5, p5], [y - 0.22, y + 0.22], color=color, linewidth=1.5)
        strip_ax.plot([p95, p95], [y - 0.22, y + 0.22], color=color, linewidth=1.5)
        strip_ax.plot([p25, p75], [y, y], color=color, linewidth=7, solid_capstyle="butt", alpha=0.6)
        strip_ax.plot([p50], [y], "o", color="white", markeredgecolor=color, markersize=6, markeredgewidth=2)
        amounts.append(f"P50 {_money(p50, currency)}\n"
                       f"P5 {_money(p5, currency)} · P95 {_money(p95, currency)}")
    strip_ax.set_yticks(ticks, [tex(name) for name in names], fontsize=9)
    for label, name in zip(strip_ax.get_yticklabels(), names):
        label.set_color(colors[name])
    right = strip_ax.secondary_yaxis("right")
    right.set_yticks(ticks, amounts, fontsize=8)
    right.tick_params(length=0)
    strip_ax.set_ylim(-0.6, len(names) - 0.4)
    strip_ax.set_xlabel(tex(xlabel))
    strip_ax.set_title("P5 |—▬ P25  ● P50  P75 ▬—| P95", fontsize=8, color="#555555", loc="right", pad=3)
    strip_ax.grid(axis="x", alpha=0.3)
    strip_ax.xaxis.set_major_formatter(MoneyFormatter(currency))
    return fig


def fan_figure(series: Mapping[str, np.ndarray], *, title: str, ylabel: str, currency: str = "USD",
               start: Optional[Mapping[str, float]] = None, notes: Optional[Mapping[str, str]] = None,
               colors: Optional[Mapping[str, str]] = None) -> Figure:
    """Fan charts, one small panel per strategy on a shared scale: median, 25-75% and 5-95% of runs by month.

    ``series`` maps a strategy to an array runs x months (month 1 first).
    ``start`` (a value per strategy, such as the starting cash) is drawn at
    month 0 and as a dotted line; ``notes`` adds a line under each panel's
    title. Every panel has the zero line and, in grey, the other strategies'
    medians for comparison.
    """
    names = list(series)
    colors = colors or strategy_colors(names)
    ncols = min(len(names), 3) or 1
    nrows = max(math.ceil(len(names) / ncols), 1)
    fig = new_figure(4.2 * ncols + 0.8, 3.4 * nrows + 0.9)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)).ravel()
    bands, medians = {}, {}
    for name in names:
        values = np.asarray(series[name], dtype=float)
        months = np.arange(1, values.shape[1] + 1)
        if start is not None and name in start:
            values = np.concatenate([np.full((values.shape[0], 1), start[name]), values], axis=1)
            months = np.arange(0, values.shape[1])
        bands[name] = (months, np.nanpercentile(values, [5, 25, 50, 75, 95], axis=0))
        medians[name] = bands[name][1][2]
    for i, name in enumerate(names):
        ax = axes[i]
        months, (p5, p25, p50, p75, p95) = bands[name]
        for other in names:
            if other != name:
                ax.plot(bands[other][0], medians[other], color="#9a9a9a", linewidth=0.9, linestyle="--")
        ax.fill_between(months, p5, p95, color=colors[name], alpha=0.16, linewidth=0)
        ax.fill_between(months, p25, p75, color=colors[name], alpha=0.38, linewidth=0)
        ax.plot(months, p50, color=colors[name], linewidth=2)
        ax.axhline(0, color="black", linewidth=0.9)
        if start is not None and name in start:
            ax.axhline(start[name], color="#444444", linewidth=0.9, linestyle=":")
            ax.plot([0], [start[name]], "o", color="#444444", markersize=4)
            ax.annotate(f"start {_money(start[name], currency)}", (0, start[name]), xytext=(4, 4),
                        textcoords="offset points", fontsize=8, color="#444444")
        heading = name + (f"\n{notes[name]}" if notes and name in notes else "")
        ax.set_title(tex(heading), fontsize=10, color=colors[name], fontweight="bold")
        ax.grid(alpha=0.3)
        ax.yaxis.set_major_formatter(MoneyFormatter(currency))
        if i % ncols == 0:
            ax.set_ylabel(tex(ylabel))
        if i >= len(names) - ncols:
            ax.set_xlabel("Month")
            ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    handles = [Patch(color="#777777", alpha=0.25, label="5-95% of runs"),
               Patch(color="#777777", alpha=0.55, label="25-75% of runs"),
               axes[0].plot([], [], color="#333333", linewidth=2, label="median")[0]]
    if len(names) > 1:
        handles.append(axes[0].plot([], [], color="#9a9a9a", linestyle="--", label="other strategies' medians")[0])
    fig.suptitle(tex(title), x=0.01, ha="left", fontsize=12, fontweight="bold")
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8.5, frameon=False)
    return fig


def exceedance(values: np.ndarray, points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """(x, P(value > x)) as a step curve: the empirical survival function of the finite values.

    Beyond ``points`` runs the curve keeps every ``n / points``-th run (and the
    largest), which a chart cannot tell apart from the full curve.
    """
    v = np.sort(_finite(values))
    n = v.size
    if not n:
        return np.zeros(0), np.zeros(0)
    keep = np.unique(np.linspace(0, n - 1, min(n, points)).round().astype(int))
    x = np.concatenate([[min(v[0], 0.0)], v[keep]])
    p = np.concatenate([[1.0], 1.0 - (keep + 1) / n])
    return x, p


def capital_curve_figure(capital: Mapping[str, np.ndarray], *, currency: str = "USD",
                         starting_cash: Optional[float] = None, minimum_cash: float = 0.0,
                         colors: Optional[Mapping[str, str]] = None) -> Figure:
    """P(total capital needed > X) for every X, per strategy, with the amounts at 50%, 90%, 95% confidence labelled.

    Read it from the left: where a curve crosses 5%, X is the total the
    plan consumes in 95% of runs. The cash available (starting cash less the
    ``minimum_cash`` buffer), drawn as a vertical line, crosses each curve
    at that strategy's chance of falling below the buffer; the need right
    of the line is the new money to raise.
    """
    names = list(capital)
    colors = colors or strategy_colors(names)
    fig = new_figure(9.5, 5.9 + 0.2 * len(names))
    ax = fig.subplots()
    for level in CONFIDENCE_LEVELS:
        ax.axhline(1 - level, color="#999999", linewidth=0.8, linestyle=":")
        ax.annotate(f"{level:.0%} confidence", (1.0, 1 - level), xycoords=("axes fraction", "data"),
                    xytext=(-4, 3), textcoords="offset points", ha="right", fontsize=8, color="#666666")
    for name in names:
        v = _finite(capital[name])
        if not v.size:
            continue
        x, p = exceedance(v)
        amounts = np.quantile(v, CONFIDENCE_LEVELS)
        label = f"{tex(name)}: " + ", ".join(f"{lvl:.0%} {_money(a, currency)}"
                                        for lvl, a in zip(CONFIDENCE_LEVELS, amounts))
        ax.step(x, p, where="post", color=colors[name], linewidth=2, label=label)
        for level, amount in zip(CONFIDENCE_LEVELS, amounts):
            ax.plot([amount], [1 - level], "o", color=colors[name], markersize=5)
            if len(names) <= 3:  # beyond three, labels crowd each other: the legend has the amounts
                ax.annotate(_money(amount, currency), (amount, 1 - level), xytext=(6, 3),
                            textcoords="offset points", fontsize=8, color=colors[name], fontweight="bold",
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                  "alpha": 0.8})
    if starting_cash is not None:
        available = starting_cash - minimum_cash
        text = (f"starting cash {_money(starting_cash, currency)}" if not minimum_cash else
                f"starting cash less the {_money(minimum_cash, currency)} buffer")
        ax.axvline(available, color="#444444", linewidth=1, linestyle="--")
        ax.annotate(f"{text}: a need beyond it is new money to raise", (available, 0.98),
                    xycoords=("data", "axes fraction"), xytext=(-4, -2), textcoords="offset points", va="top",
                    ha="right", fontsize=8, color="#444444",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    ax.set_ylim(-0.02, 1.04)
    ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
    ax.yaxis.set_major_formatter(percent_ticks())
    ax.xaxis.set_major_formatter(MoneyFormatter(currency))
    ax.set_xlabel(f"Total capital the plan consumes, X ({currency}): starting cash plus new money")
    ax.set_ylabel("Chance of needing more than X")
    ax.set_title("How much capital the plan needs: the chance that the total need exceeds X", loc="left",
                 fontsize=12, fontweight="bold")
    ax.grid(alpha=0.3)
    if names:
        fig.legend(fontsize=8.5, loc="outside lower center", ncols=1 if len(names) < 3 else 2, frameon=False,
                   title="total capital that covers the need with 50%, 90% and 95% confidence", title_fontsize=8.5)
    return fig


def comparison_figure(runs: Mapping[str, Mapping[str, np.ndarray]], *, currency: str = "USD",
                      metrics: Sequence[str] = COMPARED_METRICS,
                      pairs: Optional[Sequence[tuple[str, str]]] = None,
                      chances: Optional[Mapping[tuple[str, str, str], Mapping]] = None,
                      colors: Optional[Mapping[str, str]] = None) -> Figure:
    """For each pair of strategies (rows) and metric (columns), the run-by-run difference A - B.

    Bars right of zero (A higher) take A's colour, left of zero B's. The
    title gives P(A beats B): from ``chances`` (the summary's comparisons,
    keyed (A, B, metric)) when given, else counted here the same way
    (:func:`simulator.montecarlo.statistics.compare`).
    """
    names = list(runs)
    colors = colors or strategy_colors(names)
    pairs = list(pairs) if pairs is not None else list(itertools.combinations(names, 2))
    if not pairs:
        fig = new_figure(8, 2.2)
        fig.text(0.5, 0.5, "One strategy only: nothing to compare.", ha="center", va="center", fontsize=12)
        return fig
    fig = new_figure(5.2 * len(metrics) + 0.6, 2.9 * len(pairs) + 0.8)
    axes = fig.subplots(len(pairs), len(metrics), squeeze=False)
    for row, (a, b) in enumerate(pairs):
        for col, metric in enumerate(metrics):
            ax = axes[row][col]
            va, vb = np.asarray(runs[a][metric], dtype=float), np.asarray(runs[b][metric], dtype=float)
            both = np.isfinite(va) & np.isfinite(vb)
            diff = (va - vb)[both]
            # which side of zero is whose win: A - B > 0 is A's win unless less is better
            right, left = (b, a) if lower_is_better(metric) else (a, b)
            chance = (chances or {}).get((a, b, metric)) or compare(va, vb, metric)
            label = metric_label(metric, currency).split(" (")[0].split(" of ")[0]
            ties = chance.get("p_tie") or 0
            ax.set_title(tex(f"{label}: {a} − {b}\nP({a} beats {b}) = {format_percent(chance['p_better'])}"
                            + (f" (ties {format_percent(ties)})" if ties >= 0.005 else "")), fontsize=10)
            if diff.size:
                edges = _bin_edges([diff], most=50)
                width = (edges[-1] - edges[0]) / (len(edges) - 1)
                # zero on a bin edge, so that no bar holds both wins and losses
                edges = np.arange(math.floor(edges[0] / width), math.ceil(edges[-1] / width) + 1) * width
                clipped = np.clip(diff, edges[0], edges[-1])
                weights = np.full(diff.size, 1.0 / diff.size)
                above = clipped > 0
                # each side one filled outline of its bars (not a rectangle per bar): the same shape, drawn faster
                for side, color in ((above, colors[right]), (~above, colors[left])):
                    shares = np.histogram(clipped[side], edges, weights=weights[side])[0]
                    ax.stairs(shares, edges, fill=True, facecolor=color, edgecolor="none", linewidth=0, alpha=0.75)
                ax.axvline(np.median(diff), color="#222222", linestyle="--", linewidth=1)
            ax.axvline(0, color="black", linewidth=1)
            ax.set_ylim(0, ax.get_ylim()[1] * 1.25)  # headroom for the "better" labels
            ax.text(0.99, 0.97, tex(f"{right} better →"), transform=ax.transAxes, ha="right", va="top", fontsize=8,
                    color=colors[right], fontweight="bold")
            ax.text(0.01, 0.97, tex(f"← {left} better"), transform=ax.transAxes, ha="left", va="top", fontsize=8,
                    color=colors[left], fontweight="bold")
            ax.yaxis.set_major_formatter(percent_ticks())
            ax.xaxis.set_major_formatter(MoneyFormatter(currency))
            ax.set_xlabel(f"Difference per run ({currency}); dashed: median")
            if col == 0:
                ax.set_ylabel("Share of runs")
            ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Head to head, run by run (same random draws for both strategies)", x=0.01, ha="left",
                 fontsize=12, fontweight="bold")
    return fig


def _comparison_chances(summary: Mapping, pairs, metrics: Sequence[str]) -> dict[tuple[str, str, str], Mapping]:
    """The summary's comparison of A against B on each metric, keyed (A, B, metric), where it has one."""
    comparisons = (summary or {}).get("comparisons", {})
    return {(a, b, m): comparisons[pair_name(a, b)][m] for a, b in pairs for m in metrics
            if isinstance(comparisons.get(pair_name(a, b), {}).get(m), Mapping)
            and comparisons[pair_name(a, b)][m].get("p_better") is not None}


def share_defined(values) -> float:
    """Share of runs in which a month metric happens (not NaN): for cash_out_month, the chance of running out."""
    values = np.asarray(values, dtype=float)
    return float(np.isfinite(values).mean()) if values.size else math.nan


def starting_cash(monthly: Mapping[str, np.ndarray]) -> float:
    """Median starting cash of a strategy's runs: the month-1 balance less month 1's net cash flow and funding."""
    cash, flow = np.asarray(monthly["cash"], dtype=float), np.asarray(monthly["net_cash_flow"], dtype=float)
    if "funding" in monthly:
        flow = flow + np.asarray(monthly["funding"], dtype=float)
    return float(np.median(cash[:, 0] - flow[:, 0]))


def figures(results, charts: Sequence[str] = CHARTS) -> dict[str, Figure]:
    """The report's charts for a ``Results`` (or anything with its attributes), by file stem."""
    names = list(results.strategies)
    currency = results.scenario.company.currency
    months = results.scenario.horizon_months
    runs = len(next(iter(results.runs[names[0]].values()))) if names else 0
    colors = strategy_colors(names)
    start = {s: starting_cash(results.monthly[s]) for s in names}
    out = {}
    for chart in charts:
        if chart in DISTRIBUTION_CHARTS:
            metric = DISTRIBUTION_CHARTS[chart]
            label = metric_label(metric, currency).replace("the horizon", f"{months} months")
            title = f"{label.split(' (')[0]}: distribution over {runs:,} runs"
            out[chart] = distribution_figure({s: results.runs[s][metric] for s in names}, title=title,
                                             xlabel=label.replace("the end", f"month {months}"),
                                             currency=currency, colors=colors)
        elif chart == "cash_fan":
            cash = {s: results.monthly[s]["cash"] for s in names}
            notes = {s: "cash runs out in " + format_percent(share_defined(results.runs[s]["cash_out_month"]))
                        + " of runs" for s in names}
            out[chart] = fan_figure(cash, title="Cash balance at the end of each month", start=start, notes=notes,
                                    ylabel=f"Cash ({currency})", currency=currency, colors=colors)
        elif chart == "arr_fan":
            arr = {s: 12 * np.asarray(results.monthly[s]["mrr"], dtype=float) for s in names}
            notes = {s: f"median ARR at month {months}: {format_money(float(np.median(arr[s][:, -1])), currency)}"
                     for s in names}
            out[chart] = fan_figure(arr, title="ARR (12 x MRR) at the end of each month", notes=notes,
                                    ylabel=f"ARR ({currency})", currency=currency, colors=colors)
        elif chart == "capital_curve":
            out[chart] = capital_curve_figure({s: results.runs[s]["capital_needed"] for s in names},
                                              currency=currency, starting_cash=float(np.median(list(start.values())))
                                              if start else None,
                                              minimum_cash=float(results.scenario.company.minimum_cash), colors=colors)
        elif chart == "comparison":
            pairs = list(itertools.combinations(names, 2))
            out[chart] = comparison_figure(results.runs, currency=currency, colors=colors, pairs=pairs,
                                           chances=_comparison_chances(results.summary, pairs, COMPARED_METRICS))
        else:
            raise ValueError(f"unknown chart '{chart}'; expected one of {', '.join(CHARTS)}")
    return out


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """The figure as PNG or SVG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=_DPI, metadata={"Software": None} if fmt == "png" else {"Date": None})
    return buffer.getvalue()


def save_figure(fig: Figure, directory, name: str, formats: Sequence[str] = ("png", "svg")) -> bytes:
    """Write ``fig`` into ``directory`` as ``<name>.<format>`` for each of ``formats``, then clear it; its PNG
    bytes (for the report). Without a ``directory``, only the PNG bytes."""
    png = figure_bytes(fig, "png")
    # the layout is settled by the first drawing; the SVG reuses it instead of solving it again
    fig.set_layout_engine("none")
    for fmt in formats if directory is not None else ():
        (Path(directory) / f"{name}.{fmt}").write_bytes(png if fmt == "png" else figure_bytes(fig, fmt))
    fig.clear()
    return png


def write_chart(results, name: str, directory, formats: Sequence[str] = ("png", "svg")) -> bytes:
    """Draw one chart of :data:`CHARTS` into ``directory`` (``<name>.png``, ``<name>.svg``); returns its PNG bytes."""
    return save_figure(figures(results, charts=(name,))[name], directory, name, formats)


def write_plots(results, directory, formats: Sequence[str] = ("png", "svg")) -> dict[str, bytes]:
    """Draw every chart into ``directory`` (``revenue.png``, ``revenue.svg``, ...).

    Returns the PNG bytes by chart name, for the report to embed.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    unknown = [fmt for fmt in formats if fmt not in ("png", "svg")]
    if unknown:
        raise ValueError(f"unknown image format(s) {', '.join(unknown)}; expected png or svg")
    return {name: write_chart(results, name, directory, formats) for name in CHARTS}
