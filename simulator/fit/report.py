"""The fit report: one self-contained ``fit.html`` showing the data beside what was fitted to it.

For each fitted motion: the opportunities created month by month under the
fitted rate; the won and lost cycles of closed deals as histograms under
the fitted densities; the Kaplan-Meier curve of deals still open and the
Aalen-Johansen curves of deals won and lost, which account for the open
deals as the fit does, under the fitted curves; the contract values under
the fitted lognormal. With a backtest, the simulated bands month by month
with the actuals on them, and the calibration curve. Charts are drawn on
the same headless canvas and embedded like those of the main report.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import LogLocator, NullFormatter

from simulator.fit.backtest import BANDS, SERIES, Backtest
from simulator.fit.estimate import cumulative_incidence, kaplan_meier
from simulator.fit.fitting import Fitted, GroupFit, write_text
from simulator.fit.motion import period_text
from simulator.present.plots import MoneyFormatter, new_figure, percent_ticks, figure_bytes

WON, LOST, DATA, FIT = "#2ca02c", "#d62728", "#9aa4b1", "#1f4e9c"
SERIES_LABELS = {"won": "deals won", "bookings": "bookings", "open_deals": "deals open at the month's end"}


def rate_figure(group: GroupFit):
    """Opportunities created each month, and the fitted rate."""
    fig = new_figure(7.5, 3.2)
    ax = fig.subplots()
    rate = group.rate
    x = np.arange(len(rate.counts))
    ax.bar(x, rate.counts / rate.exposure, color=DATA, label="created (the last month scaled to a whole one)")
    if rate.trend_kept:
        level = rate.per_month * (1 + rate.growth) ** (x - len(x))
    else:
        level = np.full(len(x), rate.per_month)
    ax.plot(x, level, color=FIT, lw=2, label="fitted rate")
    ax.set_xticks(x[::max(1, len(x) // 12)], [rate.months[i] for i in x[::max(1, len(x) // 12)]], rotation=45,
                  fontsize=8)
    ax.set_ylabel("opportunities per month")
    ax.legend(fontsize=8, frameon=False)
    return fig


def cycle_figure(group: GroupFit):
    """Histograms of closed deals' cycles under the fitted densities (scaled to the closed share), and the
    Kaplan-Meier and Aalen-Johansen curves under the fitted ones."""
    export, fit = group.export, group.cycles
    days, outcome = export.days_open, export.outcome
    fig = new_figure(11, 3.6)
    hist, curves = fig.subplots(1, 2)
    top = np.percentile(days[outcome != "open"], 99) * 1.1
    grid = np.linspace(0.5, top, 300)
    bins = np.linspace(0, top, 40)
    for which, color in (("won", WON), ("lost", LOST)):
        closed = days[outcome == which]
        hist.hist(closed, bins=bins, color=color, alpha=0.35, density=False,
                  label=f"{which}: {len(closed)} closed deals")
        share = fit.win_rate if which == "won" else 1 - fit.win_rate
        # expected closed deals per bin if no deal were censored: an upper envelope of the histogram
        hist.plot(grid, fit.cycle(which).pdf(grid) * share * len(days) * (bins[1] - bins[0]), color=color, lw=2,
                  label=f"fitted {which} cycle ({fit.family}), all deals")
        t, cif = cumulative_incidence(days, outcome, which)
        curves.step(t, cif, where="post", color=color, alpha=0.6, label=f"{which} by then (Aalen-Johansen)")
        curves.plot(grid, fit.incidence(grid, which), color=color, lw=2, ls="--", label=f"fitted, {which}")
    t, still = kaplan_meier(days, outcome != "open")
    curves.step(t, still, where="post", color=DATA, label="still open (Kaplan-Meier)")
    curves.plot(grid, fit.survival(grid), color=FIT, lw=2, ls="--", label="fitted, still open")
    hist.set_xlabel("days from creation to close")
    hist.set_ylabel("deals")
    curves.set_xlabel("days since creation")
    curves.set_ylabel("share of deals")
    curves.yaxis.set_major_formatter(percent_ticks())
    curves.set_xlim(0, top)
    for ax in (hist, curves):
        ax.legend(fontsize=7.5, frameon=False)
    return fig


def value_figure(group: GroupFit, currency: str = "USD"):
    """Won deals' amounts (log scale) under the fitted lognormal."""
    value = group.value
    fig = new_figure(7.5, 3.2)
    ax = fig.subplots()
    bins = np.geomspace(value.values.min(), value.values.max(), 30)
    ax.hist(value.values, bins=bins, color=DATA, label=f"{value.n} won amounts")
    grid = np.geomspace(bins[0], bins[-1], 300)
    mu, sigma = np.log(value.median), value.sigma
    # density per unit of log(amount), times the deals in a bin of that log-width
    density = np.exp(-0.5 * ((np.log(grid) - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    ax.plot(grid, density * value.n * np.log(bins[1] / bins[0]), color=FIT, lw=2,
            label=f"fitted lognormal ({value.kept} kept)")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(MoneyFormatter(currency))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("contract value per year")
    ax.set_ylabel("deals")
    ax.legend(fontsize=8, frameon=False)
    return fig


def backtest_figure(found: Backtest, currency: str = "USD"):
    """Each series' simulated bands month by month after the cutoff, with the actuals."""
    fig = new_figure(12, 3.4)
    months = np.arange(1, found.months + 1)
    for ax, series in zip(fig.subplots(1, len(SERIES)), SERIES):
        sim = found.simulated[series]
        for level, alpha in ((0.9, 0.18), (0.5, 0.35)):
            low, high = np.quantile(sim, [(1 - level) / 2, (1 + level) / 2], axis=0)
            ax.fill_between(months, low, high, color=FIT, alpha=alpha, lw=0,
                            label=f"simulated P{50 - level * 50:.0f}-P{50 + level * 50:.0f}")
        ax.plot(months, np.median(sim, axis=0), color=FIT, lw=1.5, label="simulated median")
        inside = found.inside(series, 0.9)
        ax.plot(months[inside], found.actual[series][inside], "o", color="black", label="actual")
        ax.plot(months[~inside], found.actual[series][~inside], "o", color=LOST, label="actual, outside P5-P95")
        ax.set_title(SERIES_LABELS[series], fontsize=10)
        ax.set_xlabel(f"month after {found.cutoff}")
        if series == "bookings":
            ax.yaxis.set_major_formatter(MoneyFormatter(currency))
    fig.axes[0].legend(fontsize=7.5, frameon=False)
    return fig


def calibration_figure(found: Backtest):
    """The share of actual months within each central band against the band's nominal level."""
    fig = new_figure(4.6, 4.2)
    ax = fig.subplots()
    levels, observed = found.calibration()
    ax.plot([0, 1], [0, 1], color=DATA, ls="--", label="perfect calibration")
    ax.plot(levels, observed, "o-", color=FIT, label=f"{found.months} months x {len(SERIES)} series")
    ax.set_xlabel("central band of the simulated runs")
    ax.set_ylabel("actual months within it")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(percent_ticks())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, frameon=False)
    return fig


def fit_report_html(fitted: Fitted, found: Backtest | None = None) -> str:
    """The whole fit report as one HTML string."""
    from simulator.present.report import CSS, esc, image_html, html_table

    sections = []
    currency = fitted.scenario().company.currency
    for group in fitted.groups:
        title = group.motion + (f" ({group.label})" if group.label else "")
        w, w_se = group.cycles.estimate(lambda f: f.win_rate)
        aic = ", ".join(f"{name} {fit.aic:,.1f}" for name, fit in group.alternatives.items())
        rows = [["opportunities", f"{len(group.export):,} created {period_text(group.rate)}: "
                                  f"{group.cycles.n_won} won, {group.cycles.n_lost} lost, "
                                  f"{group.cycles.n_open} open (censored)"],
                ["per month", f"{group.rate.per_month:.4g} (se {group.rate.per_month_sd:.3g})"],
                ["win rate", f"{w:.1%} (se {w_se:.1%}); closed deals alone {group.naive['win_rate']:.1%}"],
                ["cycle family", f"{group.cycles.family} (AIC: {aic}; lower is better)"],
                ["contract value", f"{group.value.kept}; Shapiro-Wilk p = {group.value.test_p:.3g}"]]
        charts = [("Opportunities per month", rate_figure(group)),
                  ("Cycle lengths", cycle_figure(group)),
                  ("Contract value", value_figure(group, currency))]
        figures = "".join(f"<figure><h3>{esc(name)}</h3>{image_html(figure_bytes(fig), name)}</figure>"
                          for name, fig in charts)
        sections.append(f"<section><h2>{esc(title)}</h2>{html_table(['', ''], [[esc(a), esc(b)] for a, b in rows])}"
                        f"{figures}</section>")
    if found is not None:
        table = html_table(["series", "months", *BANDS],
                       [[esc(r["series"]), str(r["months"]), *(f"{r[b]:.0%}" for b in BANDS)] for r in found.table()])
        sections.append(
            f"<section><h2>Backtest from {found.cutoff}</h2><p>Fitted on the history before {found.cutoff}, "
            f"simulated {found.runs:,} times over the {found.months} months after it, held to the opportunities "
            f"created from then on. A credible model has about 90% of months within P5-P95 and 50% within "
            f"P25-P75.</p>{table}"
            f"<figure>{image_html(figure_bytes(backtest_figure(found, currency)), 'backtest')}</figure>"
            f"<figure>{image_html(figure_bytes(calibration_figure(found)), 'calibration')}</figure></section>")
    scenario = esc(fitted.scenario_text())
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(Path(fitted.source).name)}: salesim fit</title><style>{CSS}</style></head><body><main>"
            f"<h1>Fit of {esc(Path(fitted.source).name)}</h1><p class=\"lead\">{len(fitted.groups)} motion(s) of "
            f"type {esc(fitted.kind)}. {esc(_sentence(fitted.groups[0].export.outcome_from))}"
            "Open deals are censored observations: the curves that account for them "
            "(Kaplan-Meier, Aalen-Johansen) are the ones to hold the fit to; the histograms show closed deals "
            "only, below the fitted densities of all deals.</p>"
            + "".join(sections)
            + f"<section><h2>The fitted scenario</h2><pre>{scenario}</pre></section></main></body></html>\n")


def _sentence(text: str) -> str:
    """``text`` as a sentence followed by a space ("" stays "")."""
    return f"{text[0].upper()}{text[1:]}. " if text else ""


def write_fit_report(fitted: Fitted, path, found: Backtest | None = None) -> Path:
    """Write ``fit.html`` (whole or not at all) and return its path."""
    return write_text(path, fit_report_html(fitted, found))
