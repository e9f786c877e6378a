"""From an export to a scenario: fit each group of opportunities, write the motions, validate the result.

``fit_export(export, motion="smb", kind="smb")`` fits the opportunities
(every group of ``--by`` on its own) and returns a :class:`Fitted`, whose
:meth:`Fitted.scenario_text` is a whole scenario: the fitted motion alone
with one strategy running it, or, given a base scenario, that scenario with
its motion of the same name replaced by the fitted one(s). Either passes
``salesim validate``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from simulator.fit.estimate import (CycleFit, FitError, RateFit, ValueFit, fit_cycles, fit_rate, fit_value,
                                    naive_cycles)
from simulator.fit.export import Export, did_you_mean
from simulator.fit.motion import check_motion, motion_values, period_text, wrap, yaml_text
from simulator.scenario import Scenario, parse_scenario
from simulator.engine.units import DAYS_PER_MONTH
from simulator.scenario.schema import STAGES, deep_merge, merged_motion
from simulator.scenario.yamlio import read_yaml

KINDS = ("enterprise", "midmarket", "smb")


@dataclass(frozen=True)
class GroupFit:
    """The estimates of one group of opportunities (all of them without ``--by``) and its fitted motion."""

    motion: str                  # the motion's name in the scenario
    label: str                   # the group's value in the --by column ("" without one)
    export: Export
    rate: RateFit
    cycles: CycleFit             # the family with the lower AIC
    alternatives: dict           # family -> CycleFit, both families
    value: ValueFit
    naive: dict                  # what ignoring open deals gives
    data: dict                   # the motion's fitted keys, as plain data
    notes: dict                  # dotted path -> where its value came from


@dataclass(frozen=True)
class Fitted:
    """Every group's fit and the scenario they make."""

    source: str
    kind: str
    motion: str
    groups: list
    base: Optional[str] = None

    def scenario_text(self) -> str:
        """The scenario as YAML, a comment above each fitted key; it passes ``salesim validate``."""
        head = [f"# Fitted by `salesim fit` from {self.source}: {len(self.groups)} motion"
                f"{'s' if len(self.groups) != 1 else ''} of type {self.kind}.",
                "# Each fitted key says what data it came from. Not fitted (the export cannot say): the team,",
                "# costs, billing, renewal and churn, which keep the base scenario's values or the type's defaults."]
        data = self._data()
        if self.base is not None:
            head.append(f"# The base scenario is {self.base}; its motion {self.motion!r} is replaced.")
        for line in self.capacity_warnings(data):
            head += [f"# {part}" for part in wrap(f"Warning: {line}", 110)]
        notes = {("motions", g.motion) + path: text for g in self.groups for path, text in g.notes.items()}
        return "\n".join(head) + "\n" + yaml_text(data, notes) + "\n"

    def _data(self) -> dict:
        """The scenario as plain data: the fitted motions alone with a strategy running them, or the base's."""
        if self.base is not None:
            return self._into_base()
        return {"name": _name(Path(self.source).stem + "-fit"),
                "description": f"Opportunities of {Path(self.source).name} ({self._period()}), fitted.",
                "motions": {g.motion: g.data for g in self.groups},
                "strategies": {self.motion: {"motions": [g.motion for g in self.groups]}}}

    def capacity_warnings(self, data: dict | None = None) -> list[str]:
        """A line for each fitted motion whose team (not fitted) cannot work the deals the export shows at once.

        A committee deal holds a rep slot from opening to close, so the
        slots needed are the deals open on average at the last six month
        ends of the export; an SMB lead holds one only while a rep handles
        its objections. Too few slots and leads go cold in the simulation
        that never went cold in the data.
        """
        data = self._data() if data is None else data
        lines = []
        for g in self.groups:
            motion = merged_motion(data["motions"][g.motion], {})
            team = motion.team
            slots = _mean(team.reps) * _mean(team.deals_per_rep)
            if self.kind == "smb":
                process = motion.process
                need = (g.rate.per_month * _mean(process.touched_share) * _mean(process.objections)
                        * _mean(process.objection_days) / DAYS_PER_MONTH)
                what = "touched leads held at once"
            else:
                need = float(np.mean(open_at_month_ends(g.export, 6)))
                what = "deals open at once (the average of the export's last six month ends)"
            if slots < need:
                lines.append(f"motion {g.motion!r}: its team works {slots:.0f} deals at once (reps x "
                             f"deals_per_rep) but the export had {need:.0f} {what}: raise team.reps or "
                             "team.deals_per_rep, or leads will go cold in the simulation")
        return lines

    def scenario(self) -> Scenario:
        """The fitted scenario, validated (raises ScenarioError)."""
        return parse_scenario(self.scenario_text(), source="<fitted scenario>")

    def _period(self) -> str:
        return period_text(self.groups[0].rate) if len(self.groups) == 1 else "by " + ", ".join(
            g.label for g in self.groups)

    def _into_base(self) -> dict:
        data, _ = read_yaml(Path(self.base).read_bytes())
        motions = data["motions"]
        old = motions.get(self.motion, {})
        keep = old if old.get("type") == self.kind else {}
        names = [g.motion for g in self.groups]
        replaced = {}
        for name, motion in motions.items():
            if name == self.motion:
                replaced.update({g.motion: deep_merge(keep, g.data) for g in self.groups})
            else:
                replaced[name] = motion
        data["motions"] = replaced
        for strategy in data["strategies"].values():
            listed = strategy.get("motions", [])
            if self.motion in listed and names != [self.motion]:
                at = listed.index(self.motion)
                strategy["motions"] = listed[:at] + names + listed[at + 1:]
                overrides = strategy.get("overrides", {})
                if self.motion in overrides:
                    changes = overrides.pop(self.motion)
                    overrides.update({name: changes for name in names})
        if names != [self.motion]:
            data["correlations"] = [c for c in data.get("correlations", [])
                                    if not any(p.startswith(f"motions.{self.motion}.") for p in c["between"])]
        return data


def _name(text: str) -> str:
    """A scenario or motion name made of letters, digits, '_', '.' and '-'."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.-")
    return name or "fitted"


def fit_group(export: Export, kind: str, motion: str, label: str = "", where: Optional[str] = None) -> GroupFit:
    """Fit one group of opportunities; FitError, beginning with ``where`` (default: the export's file), when it
    has too few deals of a kind."""
    where = export.source if where is None else where
    days = export.days_open
    alternatives = {family: fit_cycles(days, export.outcome, family, where) for family in ("gamma", "lognormal")}
    cycles = min(alternatives.values(), key=lambda f: f.aic)
    rate = fit_rate(export.created, export.as_of, where)
    value = fit_value(export.amount[export.outcome == "won"], where)
    lost_counts = np.bincount(export.lost_at[export.lost_at >= 0], minlength=len(STAGES))
    data, notes = motion_values(kind, rate, cycles, alternatives["gamma"], value, lost_counts)
    check_motion(data)
    return GroupFit(motion, label, export, rate, cycles, alternatives, value, naive_cycles(days, export.outcome),
                    data, notes)


def check_motion_name(motion: str) -> None:
    """FitError unless ``motion`` can name a motion of a scenario (the rules `salesim validate` applies)."""
    from simulator.scenario.funding import RESERVED, dotted_or_empty

    if dotted_or_empty(motion) or motion in RESERVED:
        raise FitError(f"--motion: {motion!r} cannot name a motion: a name is not empty, holds no '.' (results "
                       f"name a motion's metrics <motion>.<metric>) and is not {' or '.join(RESERVED)}")


def check_replaced_motion(motion: str, motions: list[str], base) -> None:
    """FitError unless ``motion`` is one of the base scenario's ``motions``: the fit replaces one, never adds one."""
    if motion not in motions:
        raise FitError(f"--motion: {motion!r} is not a motion of {base}{did_you_mean(motion, motions)}; its "
                       f"motions are {', '.join(motions)}, and the fit replaces one of them")


def fit_export(export: Export, motion: str = "fitted", kind: str = "smb", by: bool = False,
               base: Optional[str] = None) -> Fitted:
    """Fit an export: one motion, or with ``by`` one per value of the group column (``<motion>_<value>``).

    Raises :class:`FitError` naming the group that has too few deals, or when ``base`` has no motion
    named ``motion`` (the fit replaces a motion of the base; it never adds one).
    """
    if kind not in KINDS:
        raise FitError(f"--type {kind!r}: expected one of {', '.join(KINDS)}")
    if base is not None:
        check_replaced_motion(motion, list(read_yaml(Path(base).read_bytes())[0].get("motions") or {}), base)
    if not by:
        return Fitted(export.source, kind, motion, [fit_group(export, kind, motion)], base)
    groups = []
    for label in sorted(set(export.group.tolist())):
        part = export.subset(export.group == label)
        # no '.' in a motion's name: a group 'Web.com' fits motion smb_Web_com
        groups.append(fit_group(part, kind, _name(f"{motion}_{label or 'blank'}").replace(".", "_"), label,
                                where=f"{export.source}: group {label!r} ({len(part)} rows)"))
    return Fitted(export.source, kind, motion, groups, base)


def _mean(value) -> float:
    """A key's value, or its distribution's mean (any parameter drawn once per run at its median)."""
    return float(value) if isinstance(value, (int, float)) else float(value.typical().mean())


def open_at_month_ends(export: Export, months: int) -> np.ndarray:
    """Deals open at each of the last ``months`` calendar month ends before the export's date."""
    ends = np.arange(np.datetime64(export.as_of, "M") - months, np.datetime64(export.as_of, "M")) + 1
    ends = ends.astype("datetime64[D]") - 1
    closed = np.where(np.isnat(export.closed), np.datetime64("9999-12-31"), export.closed)
    return np.array([np.sum((export.created <= end) & (closed > end)) for end in ends], dtype=float)


def summary_lines(fitted: Fitted) -> list[str]:
    """What was fitted, a few lines per motion, for the terminal."""
    lines = [f"warning: {line}" for line in fitted.capacity_warnings()]
    if fitted.groups[0].export.outcome_from:
        lines.append(fitted.groups[0].export.outcome_from)
    for g in fitted.groups:
        w, w_se = g.cycles.estimate(lambda f: f.win_rate)
        mean, mean_se = g.cycles.estimate(lambda f: f.cycle("won").mean())
        head = f"{g.motion}" + (f" ({g.label!r})" if g.label else "")
        lines += [
            f"{head}: {len(g.export)} opportunities, {period_text(g.rate)}: {g.cycles.n_won} won, "
            f"{g.cycles.n_lost} lost, {g.cycles.n_open} open (censored)",
            f"  opportunities per month  {g.rate.per_month:.4g} (se {g.rate.per_month_sd:.3g})"
            + (f", trend {g.rate.growth:+.2%} a month (se {g.rate.growth_se:.2%})" if g.rate.trend_kept else ""),
            f"  win rate                 {w:.1%} (se {w_se:.1%}); closed deals alone: {g.naive['win_rate']:.1%}",
            f"  won cycle                mean {mean:.0f} days (se {mean_se:.1f}), {g.cycles.family}; closed deals "
            f"alone: {g.naive['won_mean_days']:.0f}",
            f"  contract value           {g.value.kept}: median {g.value.median:,.0f} (se {g.value.median_se:,.0f}), "
            f"sigma {g.value.sigma:.2f}; Shapiro-Wilk p = {g.value.test_p:.3g}",
        ]
    return lines


def write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` whole or not at all (a sibling file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
