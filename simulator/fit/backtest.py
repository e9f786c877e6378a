"""Backtest: fit on the history before a date, simulate the months after it, and see where the actuals fall.

The export is cut as it would have looked on the cutoff day (deals created
before it; those that closed later still open), fitted, and the fitted
motion simulated from the cutoff over the whole months the export still
covers. The simulation starts with an empty pipeline, so the actuals it is
held to are those of the opportunities created on or after the cutoff:
their wins and bookings by month, and how many of them are open at each
month's end. Months are the engine's (365.25 / 12 days, counted from the
cutoff). The team is made large enough never to keep a deal waiting: the
backtest tests the fitted funnel, not a staffing plan.

Coverage is the share of months whose actual value lies within the
simulated P5-P95 (or P25-P75) band of that month; a credible model covers
about 90% (50%) of them. The calibration curve does the same for every
central band from 10% to 90%.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.units import DAYS_PER_MONTH, month_of
from simulator.fit.estimate import FitError
from simulator.fit.export import Export, ExportError
from simulator.fit.fitting import Fitted, fit_export
from simulator.montecarlo import simulate

SERIES = ("won", "bookings", "open_deals")
BANDS = {"P5-P95": 0.90, "P25-P75": 0.50}
LEVELS = np.round(np.arange(0.1, 0.91, 0.1), 2)


@dataclass(frozen=True)
class Backtest:
    """Actual and simulated monthly series after the cutoff, and how well the bands covered the actuals."""

    cutoff: np.datetime64
    fitted: Fitted
    actual: dict         # series -> (months,)
    simulated: dict      # series -> (runs, months)
    runs: int
    seed: int

    @property
    def months(self) -> int:
        return len(self.actual[SERIES[0]])

    def inside(self, series: str, level: float) -> np.ndarray:
        """Whether each month's actual lies within the simulated central band holding ``level`` of the runs."""
        low, high = np.quantile(self.simulated[series], [(1 - level) / 2, (1 + level) / 2], axis=0)
        return (self.actual[series] >= low) & (self.actual[series] <= high)

    def coverage(self, series: str | None = None, level: float = 0.9) -> float:
        """The share of months (of one series, or of all) whose actual lies within the band."""
        names = SERIES if series is None else (series,)
        return float(np.mean(np.concatenate([self.inside(s, level) for s in names])))

    def calibration(self) -> tuple[np.ndarray, np.ndarray]:
        """(nominal band levels, the share of all months' actuals within each band)."""
        return LEVELS, np.array([self.coverage(None, level) for level in LEVELS])

    def table(self) -> list[dict]:
        """One row per series (and one for all): the share of months within each band."""
        rows = []
        for series in (*SERIES, None):
            row = {"series": series or "all", "months": self.months * (1 if series else len(SERIES))}
            row.update({band: round(self.coverage(series, level), 4) for band, level in BANDS.items()})
            rows.append(row)
        return rows

    def lines(self) -> list[str]:
        """The coverage table for the terminal."""
        out = [f"backtest from {self.cutoff}: {self.months} months simulated {self.runs} times; the share of "
               "months whose actual lies within the simulated band",
               f"  {'series':<12}{'months':>7}" + "".join(f"{band:>10}" for band in BANDS)]
        for row in self.table():
            out.append(f"  {row['series']:<12}{row['months']:>7}"
                       + "".join(f"{row[band]:>10.0%}" for band in BANDS))
        out.append("  nominal" + " " * 12 + "".join(f"{level:>10.0%}" for level in BANDS.values()))
        return out


def actual_series(export: Export, cutoff: np.datetime64, months: int) -> dict:
    """Wins, bookings and deals open at each month's end of the opportunities created on or after ``cutoff``."""
    new = export.created >= cutoff
    created = (export.created[new] - cutoff).astype(float)
    closed = np.where(np.isnat(export.closed[new]), np.inf, (export.closed[new] - cutoff).astype(float))
    won = export.outcome[new] == "won"
    amount = np.nan_to_num(export.amount[new])
    month = month_of(np.where(np.isfinite(closed), closed, 0.0))
    counted = won & np.isfinite(closed) & (month < months)
    ends = (np.arange(months) + 1) * DAYS_PER_MONTH
    return {
        "won": np.bincount(month[counted], minlength=months).astype(float),
        "bookings": np.bincount(month[counted], weights=amount[counted], minlength=months),
        "open_deals": np.array([np.sum((created < end) & (closed >= end)) for end in ends], dtype=float),
    }


def backtest(export: Export, cutoff, motion: str = "fitted", kind: str = "smb", by: bool = False, runs: int = 500,
             seed: int = 1, workers: int | None = None) -> Backtest:
    """Fit the history before ``cutoff`` (a date), simulate the months after it, compare with the actuals.

    Raises :class:`ExportError` when the cutoff leaves no history or no
    whole month after it, and FitError when the history is too short to fit.
    """
    cutoff = np.datetime64(cutoff, "D")
    if not np.any(export.created < cutoff):
        raise ExportError(f"--backtest {cutoff}: no opportunity was created before it (the first on "
                          f"{export.created.min()})")
    months = int(((export.as_of - cutoff).astype(int) + 1) // DAYS_PER_MONTH)
    if months < 1:
        raise ExportError(f"--backtest {cutoff}: the export ends on {export.as_of}, less than a month after it")
    try:
        fitted = fit_export(export.before(cutoff), motion, kind, by=by)
    except FitError as err:
        raise FitError(f"--backtest {cutoff}: the history before it: {err}") from None
    scenario = fitted.scenario()
    unlimited = {"horizon_months": months}
    for group in fitted.groups:
        team = f"motions.{group.motion}.team"
        unlimited.update({f"{team}.reps": 1, f"{team}.hires": [], f"{team}.deals_per_rep": 10_000,
                          f"{team}.ramp_months": 0, f"{team}.attrition_per_year": 0})
    scenario = scenario.with_values(unlimited)
    results = simulate(scenario, runs=runs, seed=seed, workers=workers)
    strategy = results.strategies[0]
    simulated = {s: np.asarray(results.monthly[strategy][s], dtype=float) for s in SERIES}
    return Backtest(cutoff, fitted, actual_series(export, cutoff, months), simulated, runs, seed)
