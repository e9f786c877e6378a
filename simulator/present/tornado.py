"""Tornado charts: which uncertain inputs drive a metric, the largest bar on top.

One row of panels per target (a strategy, or the difference A - B between
two), and up to two views side by side, as finance tools draw them:

- left, rank correlation: each input's Spearman rho with the metric over the
  runs, a bar with its 95% interval as a whisker, positive to the right;
- right, the swing (when one was simulated): how far the metric's mean moves
  with the input held at its P10 (one colour) and at its P90 (the other),
  each bar end with its 95% interval.

Each view sorts its own inputs, so the same input may sit at another height
in the two; both keep the top ``top`` (default 10). Built on the headless
Agg canvas like every chart here (:mod:`simulator.present.plots`).
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
from matplotlib.patches import Patch

from simulator.engine.catalogue import metric_entry
from simulator.present.formatting import format_metric, format_percent
from simulator.present.plots import MoneyFormatter, new_figure, save_figure, tex

POSITIVE, NEGATIVE = "#2457a5", "#d0621b"     # correlation bars: the metric rises / falls with the input
AT_P10, AT_P90 = "#9aa5b1", "#2e8b57"         # swing bars: the input at its P10 / at its P90
TOP = 10


def input_label(path: str) -> str:
    """An input's dotted path as a chart or table names it: without the leading 'motions.'."""
    return path.removeprefix("motions.")


def _row_title(found) -> str:
    explained = (f"; the inputs explain {format_percent(found.r2)} of its rank variance"
                 if math.isfinite(found.r2) else "")
    what = (f"{found.strategies[0]} less {found.strategies[1]}, run by run" if found.is_difference
            else found.target)
    return tex(what + explained)


def _correlation_panel(ax, found, top: int) -> None:
    effects = [e for e in found.top(top) if math.isfinite(e.rho)][::-1]   # the largest on top
    y = np.arange(len(effects))
    rhos = np.array([e.rho for e in effects])
    low = np.array([e.ci95[0] for e in effects])
    high = np.array([e.ci95[1] for e in effects])
    ax.barh(y, rhos, color=[POSITIVE if r >= 0 else NEGATIVE for r in rhos], height=0.6)
    if effects:
        error = np.nan_to_num(np.vstack([rhos - low, high - rhos]))
        ax.errorbar(rhos, y, xerr=error, fmt="none", ecolor="#222222", elinewidth=1, capsize=3)
    ax.set_yticks(y, [tex(input_label(e.input)) for e in effects], fontsize=9)
    ax.axvline(0, color="black", linewidth=0.9)
    ax.set_xlim(-1.05, 1.05)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("Rank correlation (Spearman), with its 95% interval", fontsize=9)


def _swing_panel(ax, found, top: int, currency: str) -> None:
    effects = [e for e in found.by_swing(top) if math.isfinite(e.swing)][::-1]
    y = np.arange(len(effects))
    for values, intervals, color in ((np.array([e.low for e in effects]), [e.low_ci95 for e in effects], AT_P10),
                                     (np.array([e.high for e in effects]), [e.high_ci95 for e in effects], AT_P90)):
        ax.barh(y, values, color=color, height=0.6)
        if effects:
            ends = np.array(intervals, dtype=float)
            error = np.nan_to_num(np.vstack([values - ends[:, 0], ends[:, 1] - values]))
            ax.errorbar(values, y, xerr=np.maximum(error, 0), fmt="none", ecolor="#222222", elinewidth=1, capsize=3)
    ax.set_yticks(y, [tex(input_label(e.input)) for e in effects], fontsize=9)
    ax.axvline(0, color="black", linewidth=0.9)
    ax.grid(axis="x", alpha=0.3)
    if metric_entry(found.metric).kind == "money":
        ax.xaxis.set_major_formatter(MoneyFormatter(currency))
    ax.set_xlabel(tex(f"Change of the mean over {found.swing_runs:,} runs, input at its P10 or P90"), fontsize=9)


def tornado_figure(sensitivity, metric: Optional[str] = None, top: int = TOP, targets: Optional[Sequence[str]] = None):
    """The tornado of ``metric`` (default: the first analysed) for every target (default: all), both views when
    there is a swing; money in the scenario's currency."""
    metric = metric or sensitivity.metrics[0]
    currency = sensitivity.currency
    chosen = [t for t in (targets or sensitivity.targets) if (t, metric) in sensitivity.tornados]
    found = [sensitivity.tornados[(t, metric)] for t in chosen]
    swing = sensitivity.swing_runs > 0
    columns = 2 if swing else 1
    heights = [0.9 + 0.32 * max(min(len(f.effects), top), 1) for f in found] or [1.0]
    fig = new_figure(7.2 * columns + 1.2, sum(heights) + 1.2)
    axes = np.atleast_2d(fig.subplots(len(heights), columns, squeeze=False, gridspec_kw={"height_ratios": heights}))
    for row, tornado in enumerate(found):
        _correlation_panel(axes[row, 0], tornado, top)
        axes[row, 0].set_title(_row_title(tornado), fontsize=10, loc="left", fontweight="bold")
        if swing:
            _swing_panel(axes[row, 1], tornado, top, currency)
            axes[row, 1].set_title(tex(f"swing (base mean over the same runs: "
                                      f"{format_metric(tornado.metric, tornado.swing_base, currency)})"), fontsize=9,
                                   loc="left")
    if not found:
        axes[0, 0].text(0.5, 0.5, "no strategy has this metric", ha="center", va="center")
        axes[0, 0].set_axis_off()
    fig.suptitle(tex(f"What drives it: {metric_entry(metric).label}, over {sensitivity.runs:,} runs"), x=0.01,
                 ha="left", fontsize=12, fontweight="bold")
    handles = [Patch(color=POSITIVE, label="rises with the input"), Patch(color=NEGATIVE, label="falls as it rises")]
    if swing:
        handles += [Patch(color=AT_P10, label="input at its P10"), Patch(color=AT_P90, label="input at its P90")]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8.5, frameon=False)
    return fig


def chart_name(metric: str) -> str:
    """The file stem of a metric's tornado chart: ``tornado_npv``."""
    return f"tornado_{metric.replace('.', '_')}"


def write_tornado(sensitivity, metric: str, directory, formats: Sequence[str] = ("png", "svg"),
                  targets: Optional[Sequence[str]] = None) -> bytes:
    """Draw the tornado of one metric into ``directory`` (``tornado_<metric>.png`` and ``.svg``); its PNG bytes."""
    return save_figure(tornado_figure(sensitivity, metric, targets=targets), directory, chart_name(metric), formats)


def write_tornados(sensitivity, directory) -> dict[str, bytes]:
    """Draw the tornado of every metric analysed into ``directory``; PNG bytes by chart name.

    Fits ``sensitivity.save(directory, extras=write_tornados)``."""
    return {chart_name(m): write_tornado(sensitivity, m, directory) for m in sensitivity.metrics}
