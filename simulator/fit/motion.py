"""A fitted motion: the estimates written onto the existing keys of a motion, each key saying where it came from.

The scenario format has no key for "win rate" or "cycle length" as such:
an SMB motion decides after ``process.cycle_days`` with ``buy_chance``
lifted by buying signals, and a committee motion (enterprise, midmarket)
walks five stages, each taking ``days`` and losing the deal with its
``loss_chance``, while objections add time and blockers. What an export can
say is mapped onto those keys so that the motion reproduces it, and the
parts of the model the export cannot see are switched off, with a comment
saying so:

- SMB: ``leads.per_month`` (a gamma ``per: run``), ``growth_per_month``,
  ``process.buy_chance`` (a beta ``per: run`` from the effective won and
  lost counts) with every signal's chance 0 and objections never
  unresolved (the export's losses already include theirs), and
  ``process.cycle_days`` the won cycle (the format has one cycle for buyers
  and non-buyers, so the lost cycle is only reported); referrals 0 (the
  export counts referred opportunities among the rest).
- enterprise, midmarket: no objections (their time and blockers are in the
  fitted cycle and losses); the won cycle, a gamma(k, s), is split over the
  stages as gamma(k x share, s) each, in proportion to the type's default
  stage days, so their sum is exactly the fitted won cycle; the lost deals
  are spread over the stages as the export's stage reached says, or
  without one over the stages whose expected end is nearest their fitted
  cycle, which gives each stage's ``loss_chance`` (a beta ``per: run``;
  independent betas of stage-by-stage losses multiply to the win rate's
  uncertainty, as the counts of a sequential multinomial do).
- ``deal.contract_value``: the lognormal or the empirical amounts, with
  ``discount`` 0 (the amounts are what was signed). The lognormal's median
  and sigma are drawn once per run from their sampling distributions, so
  that few won deals give wider results than many: the median as a
  lognormal with sigma s / sqrt(n) (the mean of n log amounts is normal
  with that sd), sigma as a gamma with mean s and sd s / sqrt(2 (n - 1)).
  The empirical amounts are resampled as they are: their own sampling
  error is not simulated.
"""
from __future__ import annotations

import math
import re

import numpy as np
import yaml

from simulator.fit.estimate import CycleFit, RateFit, ValueFit
from simulator.scenario.schema import SIGNALS, STAGES, is_distribution, merged_motion

MAX_EMPIRICAL = 500   # amounts kept in an empirical contract value (evenly spaced quantiles beyond)


def _r(x: float, digits: int = 4) -> float | int:
    """``x`` to ``digits`` significant figures (a whole number stays whole)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return x
    value = round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return int(value) if float(value).is_integer() and abs(value) >= 1 else value


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def period_text(rate: RateFit) -> str:
    return f"{rate.months[0]} to {rate.months[-1]}"


def motion_values(kind: str, rate: RateFit, cycles: CycleFit, gamma_cycles: CycleFit, value: ValueFit,
                  lost_counts: np.ndarray) -> tuple[dict, dict]:
    """The fitted keys of a motion of type ``kind`` as plain data, and a comment for each dotted path.

    ``cycles`` is the family chosen by AIC, ``gamma_cycles`` the gamma fit
    (a committee motion needs a gamma to split over its stages);
    ``lost_counts`` the lost deals whose last stage the export records, by
    stage (a committee motion's losses are spread as they are).
    """
    data: dict = {"type": kind, "leads": {}, "process": {}, "deal": {}}
    notes: dict = {}
    period = period_text(rate)
    data["leads"]["per_month"] = {"gamma": {"mean": _r(rate.per_month), "sd": _r(rate.per_month_sd)}, "per": "run"}
    trend = (f"with a trend of {rate.growth:+.2%} a month (se {rate.growth_se:.2%}), at the level expected the "
             "month after the export" if rate.trend_kept else f"no trend kept (the trend is {rate.trend_z:+.1f} "
             f"standard errors from zero; kept beyond {2:g})")
    notes[("leads", "per_month")] = (f"{rate.total} opportunities created over {rate.observed_months:.1f} months "
                                     f"({period}): {rate.per_month:.4g} a month (se {rate.per_month_sd:.3g}), "
                                     f"{trend}; the gamma draws the unknown true rate once per run")
    if rate.trend_kept:
        data["leads"]["growth_per_month"] = {"normal": {"mean": _r(rate.growth), "sd": _r(rate.growth_se),
                                                        "low": -0.5}, "per": "run"}
    else:
        data["leads"]["growth_per_month"] = 0
    notes[("leads", "growth_per_month")] = (f"Poisson regression of the {len(rate.counts)} monthly counts on time "
                                            f"({period})")
    w, w_se = cycles.estimate(lambda f: f.win_rate)
    closed = cycles.n_won + cycles.n_lost
    effective = w * (1 - w) / w_se ** 2
    where = (f"{closed} closed deals ({cycles.n_won} won, {cycles.n_lost} lost) and {cycles.n_open} open ones "
             f"(censored) created {period}")
    if kind == "smb":
        _smb(data, notes, cycles, w, w_se, effective, where)
    else:
        _committee(data, notes, kind, gamma_cycles, w, w_se, effective, where, lost_counts)
    _contract_value(data, notes, value, period)
    return data, notes


def _cycle_text(fit: CycleFit, outcome: str) -> str:
    mean, mean_se = fit.estimate(lambda f: f.cycle(outcome).mean())
    sd, sd_se = fit.estimate(lambda f: f.cycle(outcome).std())
    return f"mean {mean:.0f} days (se {mean_se:.1f}), sd {sd:.0f} (se {sd_se:.1f})"


def _smb(data, notes, cycles: CycleFit, w, w_se, effective, where) -> None:
    process = data["process"]
    process["buy_chance"] = {"beta": {"a": _r(effective * w), "b": _r(effective * (1 - w))}, "per": "run"}
    notes[("process", "buy_chance")] = (f"win rate {_pct(w)} (se {_pct(w_se)}) from {where}, fitted with their "
                                        f"cycle lengths; a beta of {effective:.0f} effective closed deals, drawn "
                                        "once per run")
    process["signals"] = {name: {"chance": 0} for name in SIGNALS}
    notes[("process", "signals")] = ("the export records no buying signals: none is shown, and the win rate is "
                                     "all in buy_chance")
    process["unresolved_chance"] = 0
    notes[("process", "unresolved_chance")] = "losses after objections are among the export's losses, in buy_chance"
    won = cycles.cycle("won")
    if cycles.family == "gamma":
        shape, scale = np.exp(cycles.theta[1:3])
        process["cycle_days"] = {"gamma": {"shape": _r(shape), "scale": _r(scale)}, "per": "deal"}
    else:
        process["cycle_days"] = {"lognormal": {"median": _r(float(won.median())),
                                               "sigma": _r(float(np.exp(cycles.theta[2])))}, "per": "deal"}
    notes[("process", "cycle_days")] = (f"won cycle, {cycles.family} (lower AIC) fitted by maximum likelihood "
                                        f"to {where}: {_cycle_text(cycles, 'won')}. The lost cycle "
                                        f"({_cycle_text(cycles, 'lost')}) cannot be set apart: an smb motion has "
                                        "one cycle for buyers and non-buyers")
    data["leads"]["referrals_per_customer_per_month"] = 0
    notes[("leads", "referrals_per_customer_per_month")] = ("referred opportunities are counted in the export's "
                                                            "opportunities, so in per_month")


def stage_shares(kind: str) -> np.ndarray:
    """Each stage's share of the type's default stage days."""
    stages = merged_motion({"type": kind}, {}).process.stages
    days = np.array([float(getattr(stages, s).days) for s in STAGES])
    return days / days.sum()


def lost_at_stages(fit: CycleFit, shares: np.ndarray) -> np.ndarray:
    """The share of lost deals lost at each stage's end: the fitted lost cycle's mass nearest each expected end.

    Stage k of a won deal ends after gamma(k x cumulative share, s) days,
    on average the won mean x cumulative share; a lost deal's fitted cycle
    is assigned to the stage whose expected end is nearest.
    """
    ends = np.cumsum(shares) * fit.cycle("won").mean()
    cuts = np.concatenate([[0.0], (ends[:-1] + ends[1:]) / 2, [np.inf]])
    return np.diff(fit.cycle("lost").cdf(cuts))


def _committee(data, notes, kind, fit: CycleFit, w, w_se, effective, where, lost_counts: np.ndarray) -> None:
    process = data["process"]
    process["objections_per_member"] = 0
    notes[("process", "objections_per_member")] = ("the export records no objections: their time and blockers are "
                                                   "in the fitted stage days and losses")
    shape, scale = np.exp(fit.theta[1:3])
    shares = stage_shares(kind)
    recorded = int(lost_counts.sum())
    lost = (1 - w) * (lost_counts / recorded if recorded else lost_at_stages(fit, shares))
    reached = 1 - np.concatenate([[0.0], np.cumsum(lost)[:-1]])
    stages = process["stages"] = {}
    for i, name in enumerate(STAGES):
        a, b = effective * lost[i], effective * (reached[i] - lost[i])
        loss = {"beta": {"a": _r(a), "b": _r(b)}, "per": "run"} if a >= 0.05 else 0
        stages[name] = {"days": {"gamma": {"shape": _r(shape * shares[i]), "scale": _r(scale)}, "per": "deal"},
                        "loss_chance": loss}
        why = (f"{lost_counts[i]} of the {recorded} lost deals whose last stage the export records"
               if recorded else "those whose fitted cycle ends nearest this stage's")
        notes[("process", "stages", name, "loss_chance")] = (
            f"{_pct(lost[i] / reached[i])} of the deals reaching {name} are lost there: {_pct(lost[i] / (1 - w))} "
            f"of the losses, {why}")
    notes[("process", "stages")] = (
        f"won cycle, gamma fitted by maximum likelihood to {where}: {_cycle_text(fit, 'won')}, split over the "
        f"stages in proportion to the {kind} default stage days ({', '.join(f'{s:.0%}' for s in shares)}): the "
        f"stages' days add up to exactly the fitted won cycle. Win rate {_pct(w)} (se {_pct(w_se)}), from "
        f"{effective:.0f} effective closed deals, is the product of the stages' losses; lost cycle "
        f"{_cycle_text(fit, 'lost')}")


def _contract_value(data, notes, value: ValueFit, period: str) -> None:
    test = (f"Shapiro-Wilk test of the log amounts: W = {value.test_statistic:.3f}, p = {value.test_p:.3g}"
            if math.isfinite(value.test_p) else "too few amounts to test")
    if value.kept == "lognormal":
        data["deal"]["contract_value"] = {"lognormal": {
            "median": {"lognormal": {"median": _r(value.median), "sigma": _r(value.log_median_se)}, "per": "run"},
            "sigma": {"gamma": {"mean": _r(value.sigma), "sd": _r(value.sigma_se)}, "per": "run"}}, "per": "deal"}
        what = (f"lognormal fitted to {value.n} won amounts ({period}): median {value.median:,.0f} (se "
                f"{value.median_se:,.0f}), sigma {value.sigma:.3g} (se {value.sigma_se:.2g}); {test}: kept. "
                f"Median and sigma are drawn once per run from their sampling distributions (the median a "
                f"lognormal with sigma {value.log_median_se:.3g} = sigma / sqrt(n), sigma a gamma with its se), "
                "so every deal of a run shares them and fewer deals give wider results")
    else:
        kept = value.values if value.n <= MAX_EMPIRICAL else np.quantile(
            value.values, (np.arange(MAX_EMPIRICAL) + 0.5) / MAX_EMPIRICAL)
        data["deal"]["contract_value"] = {"empirical": {"values": [_r(float(v), 6) for v in kept]}, "per": "deal"}
        what = (f"the {value.n} won amounts ({period}) themselves"
                + (f", as {MAX_EMPIRICAL} evenly spaced quantiles" if value.n > MAX_EMPIRICAL else "")
                + f": a lognormal is rejected ({test}). They are resampled as they are: their sampling error "
                "is not simulated")
    notes[("deal", "contract_value")] = what
    data["deal"]["discount"] = 0
    notes[("deal", "discount")] = "the amounts are the values signed, after any discount"


def check_motion(data: dict) -> None:
    """Raise pydantic's ValidationError when the fitted keys do not make a valid motion (a bug, not bad data)."""
    merged_motion(data, {})


def yaml_text(value, notes: dict | None = None, path: tuple = (), indent: int = 0) -> str:
    """``value`` (a mapping) as block YAML, with the comment of each dotted path above its key.

    Distributions and lists are written on one line, in flow style.
    """
    notes = notes or {}
    lines = []
    pad = " " * indent
    for key, item in value.items():
        here = path + (key,)
        if here in notes:
            lines += [f"{pad}# {line}" for line in wrap(notes[here], 110 - indent)]
        if isinstance(item, dict) and item and not is_distribution(item):
            lines.append(f"{pad}{_flow(key)}:")
            lines.append(yaml_text(item, notes, here, indent + 2))
        else:
            lines.append(f"{pad}{_flow(key)}: {_flow(item)}")
    return "\n".join(lines)


def _flow(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10 ** 9, sort_keys=False, allow_unicode=True)
    return re.sub(r"\n\.\.\.\n$", "", text).strip()


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])
