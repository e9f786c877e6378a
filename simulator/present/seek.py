"""A goal seek for people: the search drawn (each value tried and its statistic, the target, the answer and its
check with fresh seeds) and a self-contained ``report.html``.

``seek.save(directory, extras=write_seek_outputs)`` adds both to the seek's
own files (seek.json, evaluations.csv).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from matplotlib.ticker import FuncFormatter

from simulator.engine.catalogue import metric_entry
from simulator.present.plots import MoneyFormatter, new_figure, percent_ticks, save_figure, tex

CHART = "seek"


def _kind(found) -> str:
    """How the target's statistic reads: 'share' for P(...), else the metric's kind (money, months...)."""
    if found.target.statistic == "P":
        return "share"
    try:
        return metric_entry(found.target.metric).kind
    except KeyError:
        return "number"


def seek_figure(found):
    """Each value tried against its statistic (numbered in the order simulated), the target's threshold, the
    answer, and the check with fresh seeds (its 95% interval as an error bar)."""
    fig = new_figure(7.4, 4.4)
    ax = fig.subplots()
    values = np.array([v for v, _ in found.evaluations], dtype=float)
    stats = np.array([s for _, s in found.evaluations], dtype=float)
    order = np.argsort(values, kind="stable")
    ax.plot(values[order], stats[order], color="#9aa4b1", linewidth=1, zorder=1)
    if found.target.op is not None:
        met = np.array([found.target.met(s) for s in stats])
        ax.scatter(values[met], stats[met], color="#2a7d46", s=22, zorder=2, label="meets the target")
        ax.scatter(values[~met], stats[~met], color="#b8412f", s=22, zorder=2, label="does not meet it")
        t = found.target
        ax.axhline(t.threshold, color="#333333", linestyle="--", linewidth=1,
                   label=tex(f"target: {t.label} {t.op} {found.statistic_text(t.threshold)}"))
    else:
        ax.scatter(values, stats, color="#3a6ea5", s=22, zorder=2, label="values tried")
    for step, (v, s) in enumerate(found.evaluations):
        if math.isfinite(s):
            ax.annotate(str(step), (v, s), textcoords="offset points", xytext=(4, 4), fontsize=7, color="#555555")
    ax.axvline(found.answer, color="#3a6ea5", linewidth=1.2, alpha=0.7,
               label=tex(f"answer: {found.value_text(found.answer, short=True)}"))
    c = found.check
    if c and all(math.isfinite(c.get(k, math.nan)) for k in ("value", "low", "high")):
        ax.errorbar([found.answer], [c["value"]], yerr=[[c["value"] - c["low"]], [c["high"] - c["value"]]],
                    fmt="D", color="#3a6ea5", markersize=5, capsize=4, zorder=3,
                    label=f"check with seed {c['seed']}, 95% interval")
    kind = _kind(found)
    if kind == "share":
        ax.yaxis.set_major_formatter(percent_ticks())
    elif kind == "money":
        ax.yaxis.set_major_formatter(MoneyFormatter(found.currency))
    if found.unit.startswith("money"):
        ax.xaxis.set_major_formatter(MoneyFormatter(found.currency))
    elif found.unit.startswith("fraction"):
        ax.xaxis.set_major_formatter(percent_ticks())
    elif np.nanmax(np.abs(values)) >= 1e4:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, pos=None: f"{x:,.0f}"))
    ax.set_xlabel(tex(found.path.removeprefix("motions.")), fontsize=9)
    ax.set_ylabel(tex(f"{found.target.label} ({found.strategy})"), fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.set_title(tex(f"Seeking {found.target.text} for {found.strategy}: {len(found.evaluations)} values tried "
                    f"(numbered in order),\n{found.runs:,} runs each with seed {found.seed} (the same draws at "
                    "every value)"), fontsize=10, loc="left")
    return fig


def write_seek_chart(found, directory, formats: Sequence[str] = ("png", "svg")) -> dict[str, bytes]:
    """Draw :func:`seek_figure` into ``directory`` (``seek.png``, ``seek.svg``); PNG bytes by chart name."""
    return {CHART: save_figure(seek_figure(found), directory, CHART, formats)}


def seek_report_html(found, images: Mapping[str, bytes]) -> str:
    """The seek as one self-contained HTML page: the question, the answer and its check, the chart, every
    evaluation in order, and how the search ran."""
    from simulator.analysis.seek import METHOD
    from simulator.present.report import CSS, esc, image_html, html_table

    t, c = found.target, found.check
    question = (f"The value of {found.path} between {found.value_text(found.low, True)} and "
                f"{found.value_text(found.high, True)} that {'meets' if t.op else 'gives the ' + t.goal + ' of'} "
                f"{t.text} for the strategy {found.strategy}.")
    answer = (f"{found.path} = {found.value_text(found.answer)}: {t.label} = "
              f"{found.statistic_text(found.achieved)} over {found.runs:,} runs with seed {found.seed}.")
    verdict = {True: "The target holds with 95% confidence (the whole interval meets it).",
               False: "The target does not hold with 95% confidence: the interval reaches past it; more runs, or a "
                      "value a little past the answer, settle it.", None: ""}[c.get("holds")]
    check = (f"Simulated again with fresh draws (seed {c['seed']}): {t.label} = {found.statistic_text(c['value'])}, "
             f"95% interval {found.statistic_text(c['low'])} to {found.statistic_text(c['high'])} ({c['interval']}). "
             f"{verdict}") if c else ""
    rows = []
    for step, (value, statistic) in enumerate(found.evaluations):
        meets = ("" if t.op is None else ("yes" if t.met(statistic) else "no"))
        rows.append([str(step), esc(found.value_text(value)), esc(found.statistic_text(statistic)), meets])
    table = html_table(["step", esc(found.path), esc(t.label), "meets the target"], rows)
    charts = "".join(f'<figure id="{name}">{image_html(png, name)}</figure>' for name, png in images.items())
    method = "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in METHOD.items())
    title = f"{found.scenario}: {found.path} for {t.text}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{esc(title)}: salesim seek</title><style>{CSS}</style></head><body><main>"
            f"<h1>{esc(title)}</h1><p class=\"lead\">{esc(question)}</p>"
            f"<section id=\"answer\"><h2>The answer</h2><p>{esc(answer)}</p><p>{esc(check)}</p></section>"
            f"<section id=\"search\"><h2>The search</h2>{charts}{table}</section>"
            f"<section id=\"method\"><h2>How it was found</h2><ul>{method}</ul><p class=\"note\">Money in "
            f"{esc(found.currency)}. The numbers: seek.json and evaluations.csv; how to read them: docs/seek.md."
            "</p></section></main></body></html>\n")


def write_seek_outputs(found, directory) -> dict[str, bytes]:
    """The chart (:func:`write_seek_chart`) and ``report.html`` into ``directory``; PNG bytes by chart name.

    Fits ``seek.save(directory, extras=write_seek_outputs)``."""
    images = write_seek_chart(found, directory)
    (Path(directory) / "report.html").write_text(seek_report_html(found, images), encoding="utf-8")
    return images
