"""Scenario parameters: a number or a distribution, with its unit, bounds and level.

Every numeric key of a scenario is declared with :func:`param`, which says
what the key means, its unit, its default, the values it may take, and
whether it is drawn once per run or may be drawn per deal. The same
declaration drives validation and the generated scenario reference, so the
two cannot drift.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Optional, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from simulator.scenario.distributions import Distribution
from simulator.scenario.drawn import value_kind

ParamValue = Annotated[
    Union[Annotated[float, Tag("number")], Annotated[Distribution, Tag("distribution")]],
    Discriminator(
        value_kind,
        custom_error_type="param_type",
        custom_error_message="expected a number or a distribution such as {lognormal: {p5: 50, p95: 250}}",
    ),
]


@dataclass(frozen=True)
class Bounds:
    """What a parameter may be: its range, whether whole, and when it is drawn."""

    ge: Optional[float] = None
    le: Optional[float] = None
    gt: Optional[float] = None
    lt: Optional[float] = None
    cap: Optional[float] = None  # a sanity limit on constants and on a distribution's median
    integer: bool = False
    per: str = "run"          # default level when a distribution leaves `per` out
    per_deal: bool = False    # may a distribution be drawn per deal?
    unit: str = ""

    def describe(self) -> str:
        parts = []
        if self.gt is not None:
            parts.append(f"> {self.gt:g}")
        if self.ge is not None:
            parts.append(f">= {self.ge:g}")
        if self.lt is not None:
            parts.append(f"< {self.lt:g}")
        if self.le is not None:
            parts.append(f"<= {self.le:g}")
        if self.cap is not None:
            parts.append(f"<= {self.cap:g}")
        text = " and ".join(parts) if parts else "any number"
        return ("a whole number " if self.integer else "") + text

    def _inside(self, low: float, high: float, continuous: bool = False) -> bool:
        # A continuous law touches an open bound with probability zero.
        return not ((self.ge is not None and low < self.ge)
                    or (self.gt is not None and (low < self.gt if continuous else low <= self.gt))
                    or (self.le is not None and high > self.le) or (self.lt is not None and high >= self.lt))

    def __call__(self, value):
        if isinstance(value, Distribution):
            low, high = value.support()
            if not self._inside(low, high, continuous=True):
                span = f"[{low:g}, {high:g}]"
                raise ValueError(f"this distribution can draw values in {span}; expected {self.describe()}"
                                 + (" (truncate it with low/high)" if math.isinf(low) or math.isinf(high) else ""))
            median = float(value.typical().ppf(0.5))
            if self.cap is not None and median > self.cap:
                raise ValueError(f"this distribution's median is {median:g}; expected {self.describe()}")
            if value.per == "deal" and not self.per_deal:
                raise ValueError("this parameter is drawn once per run; per: deal is not possible here")
            if value.drawn() and (value.per or self.per) == "run":
                raise ValueError(f"a distribution drawn once per run cannot have parameters drawn once per run "
                                 f"({', '.join(value.drawn())}): give them as numbers"
                                 + (", or draw it per: deal" if self.per_deal else ""))
            return value if value.per else value.model_copy(update={"per": self.per})
        if not self._inside(value, value) or (self.cap is not None and value > self.cap):
            raise ValueError(f"expected {self.describe()}, got {value:g}")
        if self.integer and value != int(value):
            raise ValueError(f"expected a whole number, got {value:g}")
        return value


def param(default, description: str, *, unit: str = "", per: str = "run", per_deal: bool = False,
          ge=None, le=None, gt=None, lt=None, cap=None, integer: bool = False):
    """Declare a numeric scenario key: ``x: ParamValue = param(...)`` in a :class:`Section`.

    The bounds travel with the field, so validation and the generated
    reference read the same declaration.
    """
    bounds = Bounds(ge=ge, le=le, gt=gt, lt=lt, cap=cap, integer=integer, per=per, per_deal=per_deal, unit=unit)
    return Field(default, description=description, validate_default=True,
                 json_schema_extra={"bounds": bounds})


def plain_data(model: BaseModel) -> dict:
    """A section or distribution as a scenario file writes it (see :meth:`Section.as_data`)."""
    # Unset optional keys are left out: each of them means "unset" when left out.
    return _plain(model.model_dump(mode="json", by_alias=True, exclude_none=True))


def _plain(value):
    """Data with whole floats as ints (a float key reads ``3`` as 3.0, so the value is the same)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def key_value(model: BaseModel, key: str, missing=None):
    """The value under ``key`` (as a file writes it: ``mean``, not ``mean_``) of a section or distribution."""
    for name, field in type(model).model_fields.items():
        if key == (field.alias or name):
            return getattr(model, name)
    return missing


def bounds_of(field) -> Optional[Bounds]:
    """The :class:`Bounds` a field was declared with, or None for non-parameters."""
    extra = field.json_schema_extra
    return extra.get("bounds") if isinstance(extra, dict) else None


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, numbers are numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

    def as_data(self) -> dict:
        """The section as a scenario file writes it: plain mappings, lists, numbers and text.

        Every key is written, defaults included, so the data means the same
        to a later salesim whose defaults differ. Distributions are written
        as they were given (``{lognormal: {p5: 4, p95: 9}, per: run}``),
        whole numbers without a decimal point (``2500000``, not
        ``2500000.0``). Validating the data gives an equal section.
        """
        return plain_data(self)

    @field_validator("*", mode="after")
    @classmethod
    def _check_bounds(cls, value, info):
        bounds = bounds_of(cls.model_fields[info.field_name])
        return bounds(value) if bounds is not None else value
