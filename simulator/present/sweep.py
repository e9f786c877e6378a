"""Sweep charts: each key metric against the varied value, one line per strategy in its band of futures.

For a sweep of one key, ``sweep_<metric-group>`` draws one panel per metric:
x the key's value, and for each strategy the median (P50) as a line with
markers at the points simulated, the P25-P75 band (half the futures) darker
and the P5-P95 band (nine in ten) lighter, in the strategy's colour.
``sweep_p_best`` draws, for each metric, the chance each strategy is the
best one at each point (run by run). A sweep of two keys gets heat maps
instead (``sweep_heatmap``: each metric's mean, one panel per strategy and
one colour scale per metric, the better end yellow; ``sweep_p_best``: the
same grid of P(best)); a sweep of three or more keys gets no chart: its
numbers are in sweep.csv. Built on the headless Agg
canvas like every chart here (:mod:`simulator.present.plots`).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from matplotlib.ticker import FuncFormatter

from simulator.analysis.sweep import point_label
from simulator.engine.catalogue import metric_entry
from simulator.present.formatting import format_metric, format_percent
from simulator.present.plots import MoneyFormatter, new_figure, percent_ticks, save_figure, strategy_colors, tex

CHARTS = ("sweep_metrics", "sweep_p_best")
HEAT_CHARTS = ("sweep_heatmap", "sweep_p_best")


def _grid(count: int) -> tuple[int, int]:
    columns = 1 if count == 1 else 2
    return math.ceil(count / columns), columns


def _x_axis(ax, found) -> None:
    path = found.paths[0]
    ax.set_xlabel(tex(path.removeprefix("motions.")), fontsize=9)
    values = np.asarray(found.dimensions[0][1], dtype=float)
    if values.size <= 12:
        ax.set_xticks(values)
    if np.nanmax(np.abs(values)) >= 1e4:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, pos=None: f"{x:,.0f}"))


def _metric_panels(found, height: float):
    """A figure with a panel per metric of the sweep, ``height`` inches each, the panels left over hidden."""
    rows, columns = _grid(len(found.metrics))
    fig = new_figure(6.2 * columns, height * rows + 0.6)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[len(found.metrics):]:
        ax.set_axis_off()
    return fig, axes


def metrics_figure(found):
    """Each metric of a one-key sweep against the key's value: per strategy the P50 line, the P25-P75 and
    P5-P95 bands."""
    x, colors = np.asarray(found.dimensions[0][1], dtype=float), strategy_colors(found.strategies)
    fig, axes = _metric_panels(found, 3.6)
    for ax, metric in zip(axes, found.metrics):
        entry = metric_entry(metric)
        for s in found.strategies:
            if not np.isfinite(found.series(s, metric, "p50")).any():
                continue
            color = colors[s]
            ax.fill_between(x, found.series(s, metric, "p5"), found.series(s, metric, "p95"), color=color, alpha=0.12,
                            linewidth=0)
            ax.fill_between(x, found.series(s, metric, "p25"), found.series(s, metric, "p75"), color=color,
                            alpha=0.28, linewidth=0)
            ax.plot(x, found.series(s, metric, "p50"), color=color, marker="o", markersize=3.5, linewidth=1.6,
                    label=s)
        ax.set_title(tex(entry.label), fontsize=10, loc="left")
        if entry.kind == "money":
            ax.yaxis.set_major_formatter(MoneyFormatter(found.currency))
        elif entry.kind == "percent":
            ax.yaxis.set_major_formatter(percent_ticks())
        _x_axis(ax, found)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle(tex(f"What if {found.paths[0].removeprefix('motions.')} changes: median, P25-P75 (dark) and "
                    f"P5-P95 (light)\nover {found.runs:,} runs at each value, the same draws at every value"), x=0.01,
                 ha="left",
                 fontsize=11, fontweight="bold")
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), fontsize=9, frameon=False)
    return fig


def p_best_figure(found):
    """For each metric of a one-key sweep, the chance each strategy is the best at each value (run by run)."""
    x, colors = np.asarray(found.dimensions[0][1], dtype=float), strategy_colors(found.strategies)
    fig, axes = _metric_panels(found, 3.2)
    for ax, metric in zip(axes, found.metrics):
        for s in found.strategies:
            ax.plot(x, found.series(s, metric, "p_best"), color=colors[s], marker="o", markersize=3.5, label=s)
        better = "lowest" if metric_entry(metric).better == "lower" else "highest"
        ax.set_title(tex(f"{metric_entry(metric).label}: P(best), the {better} in a run"), fontsize=10, loc="left")
        ax.set_ylim(-0.03, 1.03)
        ax.yaxis.set_major_formatter(percent_ticks())
        _x_axis(ax, found)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    path = found.paths[0].removeprefix("motions.")
    fig.suptitle(tex(f"Which strategy is best as {path} changes: the share of runs each one wins"), x=0.01, ha="left",
                 fontsize=11, fontweight="bold")
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), fontsize=9, frameon=False)
    return fig


def _heat(found, statistic: str):
    """Rows of metrics, columns of strategies: the statistic of each over the grid of a two-key sweep, the
    first key down, the second across, one colour scale per metric."""
    (first, down), (second, across) = found.dimensions
    rows, columns = len(found.metrics), len(found.strategies)
    fig = new_figure(1.2 + 3.4 * columns, 0.9 + 2.9 * rows)
    axes = fig.subplots(rows, columns, squeeze=False)
    label = len(down) * len(across) <= 64
    for r, metric in enumerate(found.metrics):
        entry = metric_entry(metric)
        grids = {s: found.series(s, metric, statistic).reshape(len(down), len(across)) for s in found.strategies}
        finite = np.concatenate([g[np.isfinite(g)] for g in grids.values()])
        if statistic == "p_best":
            low, high, cmap = 0.0, 1.0, "Greens"
        else:
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            cmap = "viridis_r" if entry.better == "lower" else "viridis"   # the better end always yellow
        for c, s in enumerate(found.strategies):
            ax = axes[r, c]
            image = ax.imshow(grids[s], origin="lower", aspect="auto", cmap=cmap, vmin=low, vmax=high)
            ax.set_xticks(range(len(across)), [point_label(v) for v in across], fontsize=7.5,
                          rotation=45 if len(across) > 5 else 0)
            ax.set_yticks(range(len(down)), [point_label(v) for v in down], fontsize=7.5)
            ax.set_title(tex(f"{s}: {entry.short}"), fontsize=9.5, loc="left")
            if r == rows - 1:
                ax.set_xlabel(tex(second.removeprefix("motions.")), fontsize=8.5)
            if c == 0:
                ax.set_ylabel(tex(first.removeprefix("motions.")), fontsize=8.5)
            if label:
                for (i, j), value in np.ndenumerate(grids[s]):
                    text = format_percent(value) if statistic == "p_best" else format_metric(metric, value,
                                                                                             found.currency)
                    shade = image.norm(value) if math.isfinite(value) else 0.0
                    dark = shade > 0.6 if statistic == "p_best" else (shade < 0.5) != (cmap == "viridis_r")
                    ax.text(j, i, tex(text), ha="center", va="center", fontsize=7,
                            color="white" if dark else "black")
    what = "P(best): the share of runs each strategy wins" if statistic == "p_best" else "mean"
    fig.suptitle(tex(f"What if {first.removeprefix('motions.')} and {second.removeprefix('motions.')} change: "
                    f"{what}, {found.runs:,} runs a point"), x=0.01, ha="left", fontsize=11, fontweight="bold")
    return fig


def heatmap_figure(found):
    """The mean of each metric and strategy over the grid of a two-key sweep."""
    return _heat(found, "mean")


def p_best_heatmap_figure(found):
    """P(best) of each metric and strategy over the grid of a two-key sweep."""
    return _heat(found, "p_best")


def write_sweep_charts(found, directory, formats: Sequence[str] = ("png", "svg")) -> dict[str, bytes]:
    """Draw the charts of a sweep into ``directory`` (PNG and SVG); PNG bytes by chart name.

    One key: ``sweep_metrics`` and ``sweep_p_best`` (lines in bands); two
    keys: ``sweep_heatmap`` and ``sweep_p_best`` (heat maps); more keys:
    none (an empty dict). Fits ``sweep.save(directory, extras=write_sweep_charts)``."""
    if len(found.dimensions) == 1:
        charts = zip(CHARTS, (metrics_figure, p_best_figure))
    elif len(found.dimensions) == 2:
        charts = zip(HEAT_CHARTS, (heatmap_figure, p_best_heatmap_figure))
    else:
        return {}
    return {name: save_figure(draw(found), directory, name, formats) for name, draw in charts}


def _best_at(found, point: int, metric: str) -> str:
    """'hybrid (93%)': the strategy with the highest P(best) on the metric at a point."""
    shares = {s: c.p_best for s in found.strategies if (c := found.cells.get((point, s, metric))) is not None}
    if not shares:
        return "-"
    best = max(shares, key=lambda s: shares[s] if math.isfinite(shares[s]) else -1.0)
    return f"{best} ({format_percent(shares[best])})"


def sweep_report_html(found, images: Mapping[str, bytes]) -> str:
    """The sweep as one self-contained HTML page: per metric a table of the points (each strategy's mean,
    P5 to P95 and P(best)), the best strategy at each point, and the charts (PNG bytes by chart name)."""
    from simulator.present.report import CSS, esc, image_html, html_table

    colors = strategy_colors(found.strategies)
    keys = [path.removeprefix("motions.") for path in found.paths]
    sections = []
    for metric in found.metrics:
        entry = metric_entry(metric)
        head = [esc(" / ".join(keys))] + [f'<span style="color:{colors[s]}">&#9632;</span> {esc(s)}'
                                         for s in found.strategies] + ["best most often"]
        rows = []
        for i, point in enumerate(found.points):
            row = [esc(", ".join(point_label(point[p]) for p in found.paths))]
            for s in found.strategies:
                c = found.cells.get((i, s, metric))
                row.append("-" if c is None else esc(
                    f"{format_metric(metric, c.mean, found.currency)} ({format_metric(metric, c.p5, found.currency)}"
                    f" to {format_metric(metric, c.p95, found.currency)}); P(best) {format_percent(c.p_best)}"))
            row.append(esc(_best_at(found, i, metric)))
            rows.append(row)
        sections.append(f'<section id="{esc(metric)}"><h2>{esc(entry.label)}</h2>'
                        f'<p class="note">Mean (P5 to P95) over the runs of each point, and P(best): the share of '
                        f'runs in which the strategy had the {"lowest" if entry.better == "lower" else "highest"} '
                        f"value.</p>{html_table(head, rows)}</section>")
    charts = "".join(f'<figure id="{name}">{image_html(png, name)}</figure>' for name, png in images.items())
    if charts:
        sections.append(f'<section id="charts"><h2>Charts</h2>{charts}</section>')
    axes = "; ".join(f"{esc(path)}: {esc(', '.join(point_label(v) for v in values))}" for path, values in
                     found.dimensions)
    title = f"{found.scenario}: what if {' and '.join(keys)} change"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{esc(title)}: salesim sweep</title><style>{CSS}</style></head><body><main>"
            f"<h1>{esc(title)}</h1><p class=\"lead\">{axes}.</p>"
            f"<p class=\"note\">{len(found.points)} points, {found.runs:,} runs of each strategy at each, seed "
            f"{found.seed} at every point (common random numbers: run i meets the same market at every point); "
            f"money in {esc(found.currency)}. The numbers: sweep.csv and sweep.json; how to read them: "
            f"docs/sweep.md.</p>{''.join(sections)}</main></body></html>\n")


def write_sweep_outputs(found, directory) -> dict[str, bytes]:
    """The charts (:func:`write_sweep_charts`) and ``report.html`` into ``directory``; PNG bytes by chart name.

    Fits ``sweep.save(directory, extras=write_sweep_outputs)``."""
    images = write_sweep_charts(found, directory)
    (Path(directory) / "report.html").write_text(sweep_report_html(found, images), encoding="utf-8")
    return images
