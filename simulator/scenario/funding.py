"""Funding rounds and runway rules: the parts of a scenario that make the plan react to the company's cash.

A round is money that comes in a month (``month: 1``), or in the first
month of a window whose condition holds (a bridge that comes only when
cash runs low). A rule (a policy) watches the company at every month's end
and changes the plan from the next month while it holds: freeze hiring,
scale marketing, stop replacing reps who leave, cut overhead; it fires
when ``when`` holds and lets go when ``release`` holds (hysteresis: freeze
under 6 months of runway, resume over 9).

Conditions are small sentences on the company's state at a month's end,
such as ``months_of_runway < 6`` or ``arr >= 1e6 and cash < 5e5``: a state
name, a comparison (``<``, ``<=``, ``>``, ``>=``) and a number, joined by
``and``. They are read by a parser of that grammar alone, never evaluated
as Python.
"""
from __future__ import annotations

import difflib
import math
import operator
import re
from dataclasses import dataclass
from typing import Literal, Optional, Union

from pydantic import Field, field_validator, model_validator

from simulator.scenario.params import Section

# The company's state at a month's end that a condition may read (documented in docs/model.md).
STATE = {
    "cash": "cash in the bank at the month's end, rounds received so far included",
    "months_of_runway": "cash / the average monthly net burn of the last three months (infinite when not "
                        "burning; 0 once cash is gone)",
    "burn": "average monthly net burn of the last three months (net cash out; negative when cash comes in)",
    "arr": "annual recurring revenue: 12 x MRR in the month",
    "mrr": "monthly recurring revenue in the month",
    "pipeline": "first-year contract value of the deals open at the month's end",
    "customers": "customers at the month's end",
    "month": "the month's number (1 = the first)",
}

COMPARE = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_DIGITS = r"\d(?:_?\d)*"   # as Python reads numbers: an underscore only between two digits
NUMBER = rf"[-+]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][-+]?{_DIGITS})?"
_TEST = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*(?P<op><=|>=|<|>|==|=|!=)?\s*(?P<value>\S.*?)?\s*$")
NAME = r"^[A-Za-z][A-Za-z0-9_]*$"
RESERVED = ("round", "rule")   # motions may not take these names: they prefix the rounds' and rules' metrics


def dotted_or_empty(name: str) -> bool:
    """Whether a motion cannot take ``name`` because it is empty or holds a '.': results name a motion's metrics
    <motion>.<metric>, and --set reaches its keys by a dotted path."""
    return not name.strip() or "." in name


@dataclass(frozen=True)
class Test:
    """One comparison of a condition: ``name op value``."""

    name: str
    op: str
    value: float

    def holds(self, state: dict) -> bool:
        return COMPARE[self.op](state[self.name], self.value)


def parse_condition(text: str) -> tuple[Test, ...]:
    """The comparisons of a condition (``"arr >= 1e6 and cash < 5e5"``), all of which must hold.

    Raises ValueError naming what could not be read: an unknown state name
    (with the nearest one), an operator or a number.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("expected a condition such as 'months_of_runway < 6' or 'arr >= 1e6 and cash < 5e5'")
    tests = []
    parts = re.split(r"\band\b", text)
    for part in parts:
        found = _TEST.match(part)
        shown = f"'{part.strip()}'" + (f" in '{text}'" if len(parts) > 1 else "")
        if not found or not part.strip():
            raise ValueError(f"{shown} is not a comparison: write NAME OP NUMBER, such as 'cash < 3e5', and join "
                             "comparisons with 'and'")
        name, op, value = found["name"], found["op"], found["value"]
        if name not in STATE:
            guess = difflib.get_close_matches(name, list(STATE), n=1) or [s for s in STATE if name in s][:1]
            hint = f"; did you mean '{guess[0]}'?" if guess else f"; expected one of: {', '.join(STATE)}"
            raise ValueError(f"unknown state '{name}' in '{text}'{hint}")
        if op not in COMPARE:
            raise ValueError(f"{shown}: expected <, <=, > or >= after '{name}'" + (f", got '{op}'" if op else ""))
        number = _number(value)
        if number is None:
            raise ValueError(f"{shown}: expected a number after '{op}' (300000, 3e5, 300_000), got "
                             f"'{value or ''}'")
        tests.append(Test(name, op, number))
    return tuple(tests)


def _number(text: Optional[str]) -> Optional[float]:
    """The number a condition writes (``300000``, ``3e5``, ``300_000``), or None when it is not one."""
    if text is None or not re.fullmatch(NUMBER, text):
        return None
    try:
        return float(text)
    except ValueError:   # the pattern follows Python's grammar; this is a second line of defence
        return None


def holds(tests: tuple[Test, ...], state: dict) -> bool:
    """Whether every comparison of a parsed condition holds in ``state``."""
    return all(test.holds(state) for test in tests)


def _condition(value: Optional[str]) -> Optional[str]:
    if value is not None:
        parse_condition(value)
    return value


def _shown(value) -> str:
    """A bad value as a message shows it: a list or mapping by its kind, anything else as written."""
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)


class Round(Section):
    """One funding round: an amount that comes in a month, or in a window when its condition holds."""

    name: str = Field(description="Short name of the round (seed, bridge, series_a): its metrics are "
                                  "round.<name>.", min_length=1, max_length=40, pattern=NAME)
    amount: float = Field(description="Money the round brings in.", gt=0, allow_inf_nan=False,
                          json_schema_extra={"unit": "money"})
    month: Optional[int] = Field(None, description="Month (1 = the first) in which the round comes, if its "
                                                   "condition holds then. Give month or window.", ge=1,
                                 json_schema_extra={"unit": "month"})
    window: Optional[list[int]] = Field(None, description="[first, last] months: the round comes in the first "
                                                          "month of the window whose condition holds, at most "
                                                          "once. Give month or window.",
                                        min_length=2, max_length=2, json_schema_extra={"unit": "months"})
    when: Optional[str] = Field(None, description="Condition on the company's state at the month's end "
                                                  "('cash < 3e5', 'arr >= 1e6 and months_of_runway < 9'); "
                                                  "unset: the round always comes.")

    @field_validator("when")
    @classmethod
    def _readable(cls, value):
        return _condition(value)

    @model_validator(mode="after")
    def _month_or_window(self):
        if (self.month is None) == (self.window is None):
            raise ValueError("give either month or window: [first, last]")
        if self.window is not None and not 1 <= self.window[0] <= self.window[1]:
            raise ValueError(f"window {self.window}: expected [first, last] with 1 <= first <= last")
        return self


class Actions(Section):
    """What a rule does to the plan while it holds; a motion a strategy does not run is left alone."""

    freeze_hiring: Optional[Union[Literal["all"], list[str]]] = Field(
        None, description="Motions whose planned hires wait while the rule holds (all: every motion); a hire "
                          "due in a frozen month starts in the first month hiring is open again.")
    scale_marketing: Optional[Union[float, dict[str, float]]] = Field(
        None, description="Factor (0 to 1) on the motions' paid lead flow and its fixed spend "
                          "(marketing_per_month, outsourced_per_month) while the rule holds: one factor for "
                          "every motion, or per motion {smb: 0.5}. Referrals are not scaled.")
    stop_replacing: Optional[Union[Literal["all"], list[str]]] = Field(
        None, description="Motions whose reps who leave are not replaced while the rule holds (all: every "
                          "motion); a replacement due then starts in the first month replacing is allowed again.")
    cut_overhead: Optional[float] = Field(
        None, description="Share (0 to 1) of company.overhead_per_month cut while the rule holds.", ge=0, le=1,
        allow_inf_nan=False, json_schema_extra={"unit": "fraction"})

    @field_validator("freeze_hiring", "stop_replacing", mode="before")
    @classmethod
    def _motion_names(cls, value):
        # One problem in words, not one per member of the union ("literal['all']", "list[str]").
        if value is None or value == "all" or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return value
        named = isinstance(value, str) and re.fullmatch(NAME, value) and value.lower() != "all"
        bad = [v for v in value if not isinstance(v, str)][:1] if isinstance(value, list) else []
        raise ValueError(f"expected all or a list of motion names such as [{value if named else 'smb'}], got "
                         + (f"{bad[0]!r} in the list" if bad else _shown(value)))

    @field_validator("scale_marketing", mode="before")
    @classmethod
    def _factor_or_factors(cls, value):
        # One problem in words, not one per member of the union ("float", "dict[str,float]").
        def factor(item):
            return isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item)

        if value is None or factor(value):
            return value
        bad = [(k, v) for k, v in value.items() if not (isinstance(k, str) and factor(v))][:1] \
            if isinstance(value, dict) else []
        if isinstance(value, dict) and not bad:
            return value
        raise ValueError("expected a factor from 0 to 1, or {motion: factor} such as {smb: 0.5}, got "
                         + (f"{bad[0][0]}: {bad[0][1]!r}" if bad else _shown(value)))

    @field_validator("scale_marketing")
    @classmethod
    def _factors(cls, value):
        factors = value.values() if isinstance(value, dict) else [] if value is None else [value]
        for factor in factors:
            if not 0 <= factor <= 1:
                raise ValueError(f"a marketing factor must be from 0 to 1 (0.5 halves it), got {factor:g}")
        return value

    @model_validator(mode="after")
    def _something(self):
        # An empty list or mapping names no motion: the action does nothing, as if it were left out.
        empty = [key for key in type(self).model_fields if getattr(self, key) in ([], {})]
        if all(getattr(self, key) is None or key in empty for key in type(self).model_fields):
            raise ValueError(f"a rule needs at least one action: {', '.join(type(self).model_fields)}"
                             + "".join(f"; {key}: {getattr(self, key)} names no motion" for key in empty))
        return self

    def motions(self, key: str, motions) -> tuple[str, ...]:
        """The motions among ``motions`` that action ``key`` (freeze_hiring, stop_replacing) names."""
        named = getattr(self, key)
        if named is None:
            return ()
        return tuple(motions) if named == "all" else tuple(m for m in motions if m in named)

    def marketing_factor(self, motion: str) -> float:
        """The factor this rule puts on a motion's marketing (1: untouched)."""
        value = self.scale_marketing
        if isinstance(value, dict):
            return float(value.get(motion, 1.0))
        return 1.0 if value is None else float(value)


class Policy(Section):
    """A runway rule: checked at every month's end; while it holds, its actions change the plan."""

    name: str = Field(description="Short name of the rule (freeze): its metrics are rule.<name>.fired and "
                                  "rule.<name>.months.", min_length=1, max_length=40, pattern=NAME)
    when: str = Field(description="Condition that fires the rule at a month's end ('months_of_runway < 6'); "
                                  "its actions apply from the next month.")
    release: Optional[str] = Field(None, description="Condition that lets the rule go ('months_of_runway > 9'); "
                                                     "unset: once fired, the rule holds to the end.")
    actions: Actions = Field(description="What the rule does while it holds.")

    @field_validator("when", "release")
    @classmethod
    def _readable(cls, value):
        return _condition(value)
