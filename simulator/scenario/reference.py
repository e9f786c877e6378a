"""The scenario reference (docs/scenario-reference.md), generated from the schema.

Every key's unit, default, allowed values, level and meaning is read from
the declarations in :mod:`simulator.scenario.schema` and
:mod:`simulator.scenario.distributions`, so the reference says what the loader
accepts; a test compares the committed file with :func:`reference`::

    python -m simulator.scenario.reference > docs/scenario-reference.md
"""
from __future__ import annotations

import inspect
import sys
import typing
from typing import Literal, Optional

from pydantic import BaseModel

from simulator.scenario.distributions import DISTRIBUTIONS, PERCENTILE_PAIRS, Distribution
from simulator.scenario.drawn import drawable
from simulator.scenario.funding import STATE, Actions, Policy, Round
from simulator.scenario.params import Bounds, Section, bounds_of
from simulator.scenario.schema import (Company, Correlation, EnterpriseMotion, Hire, MidmarketMotion, Scenario,
                                       SmbMotion, Strategy)
from simulator.scenario.yamlio import read_yaml

MOTION_TYPES = {"enterprise": EnterpriseMotion, "midmarket": MidmarketMotion, "smb": SmbMotion}

# One example per distribution, as a scenario file writes it; each is validated when the reference is built.
EXAMPLES = {
    "constant": "{constant: {value: 3}}",
    "uniform": "{uniform: {low: 0.10, high: 0.30}}",
    "uniform_int": "{uniform_int: {low: 6, high: 10}}",
    "triangular": "{triangular: {low: 30, mode: 60, high: 150}}",
    "pert": "{pert: {low: 30, mode: 60, high: 150}}",
    "normal": "{normal: {p10: 60, p90: 130, low: 1}}",
    "lognormal": "{lognormal: {p5: 50_000, p95: 250_000}}",
    "gamma": "{gamma: {mean: 1.6, sd: 1.0}}",
    "beta": "{beta: {p5: 0.10, p95: 0.20}}",
    "poisson": "{poisson: {mean: 2}}",
    "binomial": "{binomial: {n: 8, p: 0.25}}",
    "empirical": "{empirical: {values: [42_000, 55_000, 61_000, 98_000, 120_000]}}",
    "choice": "{choice: {values: [1, 2, 3], weights: [0.5, 0.3, 0.2]}}",
}

# How a list or mapping of sections is named in the "allowed values" column.
_NOUNS = {Hire: "hires (below)", Strategy: "strategies (below)", Correlation: "correlations (below)",
          Round: "rounds (below)", Policy: "rules (below)", int: "whole numbers", float: "numbers"}

INTRO = """\
# Scenario file reference

<!-- Generated from the schema by `python -m simulator.scenario.reference`; edit the schema, not this file. -->

A scenario is one YAML file, UTF-8 text: the `company`, its go-to-market
`motions`, and the `strategies` to compare. Every key is listed below with
its unit, default, allowed values, when it is drawn and what it means. For
a guided tour, see [scenarios.md](scenarios.md); check a file with
`salesim validate FILE`.

## Conventions

- **Units are in the key names**: `_days`, `_months`, `_per_month`,
  `_per_year`, `_annual`. Money is in `company.currency` (a label only; no
  conversion). Rates and chances are fractions: `0.17`, not `17%`.
- **Money** may be written `2500000`, `2_500_000`, `2.5e6` or `2.5E6` (all
  the same number). `$2,500,000` and `2.5M` are text and are refused.
- **Numbers or distributions**: every key with a level in the *drawn per*
  column takes a plain number or a distribution (see
  [Distributions](#distributions)). A plain number is the same in every
  run and every deal. Keys marked *not drawn* take a plain value of the
  kind shown.
- **Drawn per**: the first word is the level a distribution gets when it
  leaves `per` out: `run` draws once per Monte Carlo run (a fact that is
  unknown but fixed for the company, such as this year's true lead rate);
  `deal` draws afresh for every deal (or, where the meaning says so, every
  objection, customer or rep). "deal possible" means `per: deal` is
  allowed; a key that says only `run` refuses it.
- **Allowed values** bound a number and the whole range of a distribution
  (an unbounded normal must be truncated with `low`/`high` where the key
  has a bound). A limit marked `*` is a sanity limit: a number must respect
  it, and so must a distribution's median, while its tail may pass it.
- **Whole numbers**: where a key is a whole number, a distribution should be
  a whole-number one (`uniform_int`, `poisson`, `binomial`, or `empirical`
  / `choice` of whole numbers); draws of a continuous one are rounded to
  the nearest whole number.
- **Unknown keys are errors** (with a "did you mean" suggestion), so a typo
  never silently falls back to a default.
"""


def reference() -> str:
    """The whole reference as Markdown text."""
    parts = [INTRO, "## Top level\n", _doc(Scenario) + "\n", _table(Scenario, [("", None)]), TOP_LEVEL_NOTES,
             "## `company`\n", _doc(Company) + "\n", _table(Company, [("", Company())])]
    parts += _motions()
    parts += ["## `strategies.<name>`\n", _doc(Strategy) + "\n", _table(Strategy, [("", None)]), STRATEGY_NOTES]
    parts += ["## `correlations[]`\n", _doc(Correlation) + "\n", _table(Correlation, [("", None)]),
              CORRELATION_NOTES]
    parts += ["## `company.funding[]`\n", _doc(Round) + "\n", _table(Round, [("", None)]),
              "## `policies[]`\n", _doc(Policy) + "\n", _table(Policy, [("", None)]),
              "## `policies[].actions`\n", _doc(Actions) + "\n", _table(Actions, [("", None)]), _conditions()]
    parts += _distributions()
    parts.append(RULES)
    return "\n".join(parts)


# ---------------------------------------------------------------- motions


def _default_motion(kind: str) -> BaseModel:
    return MOTION_TYPES[kind].model_validate({"type": kind})


def _root(cls: type) -> type:
    """The section a type-specific one was made from (SmbLeads -> LeadSource)."""
    while Section not in cls.__bases__ and cls.__bases__[0] is not BaseModel:
        cls = cls.__bases__[0]
    return cls


def _motions() -> list[str]:
    kinds = list(MOTION_TYPES)
    rows = ["| key | what it holds |", "| --- | --- |",
            "| `type` | Required: " + ", ".join(f"`{k}`" for k in kinds) + ". |"]
    for key, field in EnterpriseMotion.model_fields.items():
        if key == "type":
            continue
        if not _is_section(field.annotation):   # a plain key of the motion itself
            rows.append(f"| `{key}` | {_cell(field.description)} Default: {field.default}. |")
            continue
        held: dict[str, list[str]] = {}
        for kind in kinds:
            held.setdefault(_doc(_root(MOTION_TYPES[kind].model_fields[key].annotation)), []).append(kind)
        cell = next(iter(held)) if len(held) == 1 else "<br>".join(
            f"{', '.join(group)}: {text}" for text, group in held.items())
        rows.append(f"| `{key}` | {_cell(cell)} |")
    types = "\n".join(f"- `{kind}`: {_doc(cls)}" for kind, cls in MOTION_TYPES.items())
    parts = ["## `motions.<name>`\n",
             "Named go-to-market motions; the name is yours (`enterprise`, `outbound_eu`, ...). Each has a "
             "`type`, which sets its sections and their defaults:\n", types + "\n",
             "Every section may be left out, and so may every key in it: the defaults of the motion's type "
             "apply. Its keys and sections:\n", "\n".join(rows) + "\n"]
    for key, field in EnterpriseMotion.model_fields.items():
        if key == "type" or not _is_section(field.annotation):
            continue
        groups: dict[type, list[str]] = {}
        for kind in kinds:
            groups.setdefault(_root(MOTION_TYPES[kind].model_fields[key].annotation), []).append(kind)
        for cls, group in groups.items():
            only = "" if len(group) == len(kinds) else f" ({', '.join(group)})"
            parts += _section(f"motions.<name>.{key}", cls, [(k, getattr(_default_motion(k), key)) for k in group],
                              only)
    return parts


def _section(path: str, cls: type, defaults: list, only: str = "") -> list[str]:
    """A heading, the section's docstring and its table, then its subsections."""
    parts = [f"## `{path}`{only}\n", _doc(cls) + "\n", _table(cls, defaults)]
    for key, field in cls.model_fields.items():
        annotation = field.annotation
        if _is_section(annotation):
            sub = [(label, getattr(value, key)) for label, value in defaults]
            if _is_collection(annotation):
                parts += _collection(f"{path}.{key}", annotation, sub, only)
            else:
                parts += _section(f"{path}.{key}", annotation, sub, only)
        elif typing.get_origin(annotation) is list and _is_section(typing.get_args(annotation)[0]):
            item = typing.get_args(annotation)[0]
            parts += _section(f"{path}.{key}[]", item, [("", None)], only)
    return parts


def _is_section(annotation) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Section)


def _is_collection(cls: type) -> bool:
    """A section whose keys are all alike (the stages, the signals)."""
    kinds = {field.annotation for field in cls.model_fields.values()}
    return len(kinds) == 1 and _is_section(next(iter(kinds)))


def _collection(path: str, cls: type, defaults: list, only: str) -> list[str]:
    """A section of like items: what an item holds, then each item's defaults."""
    item_cls = next(iter(cls.model_fields.values())).annotation
    item = path.rsplit(".", 1)[-1].rstrip("s")
    names = "\n".join(f"- `{key}`: {_cell(field.description)}" for key, field in cls.model_fields.items())
    labels = [label for label, _ in defaults]
    keys = list(item_cls.model_fields)
    head = f"| {item} | " + " | ".join(f"`{k}`" for k in keys) + " |"
    rows = [head, "|" + " --- |" * (len(keys) + 1)]
    for name in cls.model_fields:
        cells = [" / ".join(_flow(getattr(getattr(value, name), k), bounds_of(item_cls.model_fields[k]))
                            for _, value in defaults) for k in keys]
        rows.append(f"| `{name}` | " + " | ".join(cells) + " |")
    shown = " / ".join(labels)
    return [f"## `{path}.<{item}>`{only}\n", _doc(cls) + " Each one is a section:\n", names + "\n",
            _doc(item_cls) + "\n", _table(item_cls, None),
            f"Defaults ({shown}):\n" if len(labels) > 1 else "Defaults:\n", "\n".join(rows) + "\n"]


# ---------------------------------------------------------------- tables


def _table(cls: type, defaults: Optional[list]) -> str:
    """key | unit | default | allowed values | drawn per | meaning, one row per key.

    ``defaults`` lists (label, section) pairs whose values are the defaults
    (a None section: the class's own defaults); None: defaults are shown
    elsewhere.
    """
    header = "| key | unit | default | allowed values | drawn per | meaning |"
    rows = [header, "| --- | --- | --- | --- | --- | --- |"]
    for name, field in cls.model_fields.items():
        bounds = bounds_of(field)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        unit = bounds.unit if bounds else extra.get("unit", "")
        allowed = _bounds_text(bounds) if bounds else _allowed(field.annotation, field.metadata)
        per = _per_text(bounds)
        if defaults is None:
            default = "below"
        elif _is_section(field.annotation):
            default = "section below"
        else:
            default = _defaults_cell(name, field, bounds, defaults)
        rows.append(f"| `{field.alias or name}` | {unit} | {default} | {allowed} | {per} | "
                    f"{_cell(field.description or '')} |")
    return "\n".join(rows) + "\n"


def _defaults_cell(name: str, field, bounds: Optional[Bounds], defaults: list) -> str:
    shown = []
    for label, section in defaults:
        if section is None:
            value = None if field.is_required() else field.get_default(call_default_factory=True)
            text = "required" if field.is_required() else _flow(value, bounds)
        else:
            text = _flow(getattr(section, name), bounds)
        shown.append((label, text))
    if len({text for _, text in shown}) == 1:
        return shown[0][1]
    return "<br>".join(f"{label}: {text}" for label, text in shown)


def _per_text(bounds: Optional[Bounds]) -> str:
    if bounds is None:
        return "not drawn"
    if bounds.per == "deal":
        return "deal (run possible)"
    return "run (deal possible)" if bounds.per_deal else "run"


def _bounds_text(bounds: Bounds) -> str:
    parts = [f"{op} {_number(v)}" for op, v in ((">", bounds.gt), (">=", bounds.ge), ("<", bounds.lt),
                                                ("<=", bounds.le)) if v is not None]
    if bounds.cap is not None:
        parts.append(f"<= {_number(bounds.cap)}*")
    text = " and ".join(parts) if parts else "any number"
    return ("whole number " if bounds.integer else "") + text


def _constraints(metadata) -> list[str]:
    found = []
    for item in metadata:
        for attr, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            if getattr(item, attr, None) is not None:
                found.append(f"{op} {_number(getattr(item, attr))}")
    return found


def _lengths(metadata) -> tuple[Optional[int], Optional[int]]:
    low = next((m.min_length for m in metadata if getattr(m, "min_length", None) is not None), None)
    high = next((m.max_length for m in metadata if getattr(m, "max_length", None) is not None), None)
    return low, high


def _allowed(annotation, metadata) -> str:
    """The values a plain (non-parameter) key takes, in words."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _allowed(args[0], list(metadata) + list(args[1:]))
    if origin is typing.Union:
        members = [a for a in args if a is not type(None)]
        text = " or ".join(_allowed(a, metadata) for a in members)
        return text + (", or unset" if type(None) in args else "")
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    low, high = _lengths(metadata)
    if annotation in (int, float):
        words = "whole number" if annotation is int else "number"
        return " ".join([words, " and ".join(_constraints(metadata))]).strip()
    if annotation is str:
        pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
        text = "text"
        if low or high:
            text += f", {low or 0} to {high} characters" if high else f", at least {low} character"
        return text + (f", matching `{pattern}`" if pattern else "")
    if origin in (list, dict):
        item = args[-1]
        count = (f" (exactly {low})" if low and low == high else f" (at least {low})" if low else "")
        if origin is list:
            return f"a list of {_noun(item)}{count}"
        return f"a mapping of names to {_noun(item)}{count}"
    if _is_section(annotation):
        return "section below"
    return _cell(getattr(annotation, "__name__", str(annotation)))


def _noun(item) -> str:
    if item in _NOUNS:
        return _NOUNS[item]
    if item is str:
        return "names"
    if typing.get_origin(item) is typing.Annotated:
        return "motions (below)"
    return "keys to change" if typing.get_origin(item) is dict or item is dict else str(item)


# ---------------------------------------------------------------- values as a scenario file writes them


def _number(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        x = int(x)
    if isinstance(x, int):
        return f"{x:_}" if abs(x) >= 10_000 else str(x)
    return repr(x)


def _flow(value, bounds: Optional[Bounds] = None) -> str:
    """A value in YAML flow style, as it would be written in a scenario."""
    if value is None:
        return "unset"
    if isinstance(value, Distribution):
        law = value.law.model_dump(by_alias=True, exclude_unset=True)
        text = f"{{{value.name}: {_flow(law)}"
        if bounds is not None and value.per != bounds.per:
            text += f", per: {value.per}"
        return _cell(text + "}")
    if isinstance(value, (bool, int, float)):
        return _number(value)
    if isinstance(value, str):
        return f"`{value}`" if value else '""'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, BaseModel):
        return _flow(value.model_dump(by_alias=True, exclude_defaults=True))
    return _cell(str(value))


def _doc(obj) -> str:
    """A docstring as one Markdown paragraph (RST ``code`` becomes `code`)."""
    text = inspect.getdoc(obj) or ""
    return " ".join(text.split()).replace("``", "`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------- distributions


def _distributions() -> list[str]:
    parts = [DISTRIBUTION_INTRO]
    for name, cls in DISTRIBUTIONS.items():
        parts.append(f"#### `{name}`\n")
        parts.append(_doc(cls) + "\n")
        forms = getattr(cls, "FORMS", {})
        in_forms = {attr for attrs in forms.values() for attr in attrs}
        percentiles = {key for pair in PERCENTILE_PAIRS for key in pair}
        lines = []
        if forms or cls.PERCENTILES:
            options = [" and ".join(_key(cls, a) for a in attrs) for attrs in forms.values()]
            if cls.PERCENTILES:
                options.append("a percentile pair: " + ", ".join(f"`{lo}` and `{hi}`" for lo, hi in PERCENTILE_PAIRS))
            lines.append("- Give one of: " + "; or ".join(options) + ".")
        rest = [a for a in cls.model_fields if a not in in_forms and a not in percentiles]
        required = [_key(cls, a) for a in rest if cls.model_fields[a].is_required()]
        optional = [_key(cls, a) for a in rest if not cls.model_fields[a].is_required()]
        if required:
            lines.append("- Keys: " + ", ".join(required) + ".")
        if optional:
            lines.append("- Optional: " + ", ".join(optional) + ".")
        lines.append(f"- Example: `{EXAMPLES[name]}` {_summary(EXAMPLES[name])}.")
        parts.append("\n".join(lines) + "\n")
    return parts


def _key(cls: type, attr: str) -> str:
    field = cls.model_fields[attr]
    notes = _constraints(field.metadata)
    mark = drawable(cls, attr)
    if mark is not None:
        notes += ["> 0" if mark.positive else "any number", "or drawn once per run"]
    annotation = field.annotation
    inner = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    if inner[0] is int:
        notes.insert(0, "whole number")
    elif typing.get_origin(inner[0]) is list:
        low, _ = _lengths(field.metadata)
        notes.insert(0, "a list of numbers" + (f", at least {low}" if low else ""))
    default = field.get_default()
    if not field.is_required() and default is not None:
        notes.append(f"default {_number(default)}")
    return f"`{field.alias or attr}`" + (f" ({', '.join(notes)})" if notes else "")


def _summary(example: str) -> str:
    """What an example draws: its 5th and 95th percentiles and its mean (checks the example, too)."""
    data, _ = read_yaml(example)
    dist = Distribution.model_validate(data)
    low, high = (float(dist.ppf(q)) for q in (0.05, 0.95))
    if low == high:
        return f"is always {_short(low)}"
    return f"draws 90% of values between {_short(low)} and {_short(high)}, mean {_short(dist.mean())}"


def _short(x: float) -> str:
    return _number(float(f"{x:.3g}"))


DISTRIBUTION_INTRO = """\
## Distributions

A distribution is a mapping with exactly one distribution name, its
parameters, and optionally `per`:

```yaml
contract_value:
  lognormal: {p5: 50_000, p95: 250_000}
  per: deal
```

### Percentiles

The continuous distributions `normal`, `lognormal`, `uniform`, `gamma` and
`beta` may be given by one pair of percentiles instead of their own
parameters, the way people give ranges:

- `p5: a, p95: b`: 5% of draws fall below `a` and 5% above `b`, so 90% fall
  between them (a 90% interval, what Guesstimate's and Squiggle's
  "a to b" ranges mean);
- `p10: a, p90: b`: 10% below `a`, 10% above `b` (an 80% interval);
- `p25: a, p75: b`: a quarter below `a`, a quarter above `b` (the middle half).

Give exactly one pair, with `a < b`. The fitted distribution's percentiles
at those levels equal the given values exactly: closed form for `normal`
(mean `(a + b) / 2`), `lognormal` (median the geometric mean `sqrt(a b)`)
and `uniform` (the range stretched beyond `a` and `b` so that the
percentiles hold), solved numerically for `gamma` and `beta`. A `normal`
truncated with `low`/`high` takes its percentiles (or mean and sd) before
truncation; a `beta` with `low`/`high` takes them on that scale. Ranges
that no distribution of the kind can have (a `gamma` or `lognormal` below
0, a `beta` outside its range) are errors.

### `per: run` or `per: deal`

- `per: run`: one draw per Monte Carlo run, used by every deal of that run.
  For facts that are unknown but fixed for the company: this year's true
  lead rate, the real win chance, the market's churn. Without this level,
  thousands of deals average out and the result looks far more certain
  than it is.
- `per: deal`: a fresh draw for every deal (deal size, committee size,
  cycle length), or for every objection where the key says so.

Left out, `per` takes the key's default level (the *drawn per* column).
Only keys marked "deal possible" accept `per: deal`.

### Uncertain parameters of a per-deal distribution

A per-deal distribution whose own parameters are not known exactly (a
median estimated from 40 deals) may give a parameter as a distribution
drawn once per run:

```yaml
contract_value:
  lognormal:
    median: {normal: {mean: 12_000, sd: 400}, per: run}
    sigma: {gamma: {mean: 0.46, sd: 0.024}, per: run}
  per: deal
```

Each run draws the median and sigma once; every deal of that run then
draws its value from the lognormal with those numbers, so deals within a
run share one price level and runs differ by it. Without the outer level,
thousands of deals would average the per-deal spread away and the result
would look surer than the data allow.

- Which parameters: `lognormal` `median`, `sigma`, `mean`, `sd`; `normal`
  `mean`, `sd`; `gamma` `shape`, `scale`, `mean`, `sd` (marked "or drawn
  once per run" below). Percentiles stay numbers: give the native
  parameters to draw them.
- One level: the inner distribution has numbers for parameters, and is
  drawn `per: run` (left out, `per` is `run`; `per: deal` is an error).
- Only inside a distribution drawn per deal: a per-run distribution with
  drawn parameters would be one per-run distribution with another shape,
  and is refused.
- Positive parameters (all but a normal's `mean`): every draw the inner
  distribution can make must be above 0. A per-run draw is the inverse CDF
  at a probability kept within [1e-12, 1 - 1e-12], so the rule is that the
  inner distribution's 1e-12 quantile is above 0 (`normal: {mean: 12000,
  sd: 400}` passes; a normal that reaches 0 must be truncated with `low`,
  or be a `lognormal` or `gamma`). No draw can then leave the domain.
- Checks of the outer distribution that need its parameters (a truncated
  `normal` that leaves almost no probability) and a key's sanity limit
  read each drawn parameter at its median.
- Each drawn parameter is an uncertain input of its own, named by its
  dotted path in the file (`motions.smb.deal.contract_value.lognormal.median`):
  `--set` and `with_values` take that path, correlations may name it,
  sensitivity and value of information see it, and `inputs.csv` has its
  draws.

### Correlations

Per-run parameters are independent unless a `correlations` entry joins
two of them by their dotted paths (`motions.enterprise.leads.per_month`)
with a Spearman rank correlation `rank` from -1 to 1. They are drawn
through a Gaussian copula: correlated standard normals with correlation
`2 sin(pi rank / 6)` become uniforms, and each parameter's inverse CDF
turns its uniform into a draw, so every parameter keeps its own
distribution exactly and each declared pair has the given rank
correlation. All declared correlations together must be possible at once
(a positive definite matrix); each pair is declared once; per-deal
distributions and plain numbers cannot be correlated. A strategy that
overrides a correlated parameter with another per-run distribution keeps
the correlation (the path is the same); with a number, there is nothing
left to correlate.

### The distributions
"""

TOP_LEVEL_NOTES = """\
Top-level keys that start with `x-` are ignored, as in docker-compose files:
they are a place for YAML anchors that sections merge in. Keys given beside
a merge key override the merged ones (a key written twice is an error):

```yaml
x-team: &team {salary_per_month: 9_000, ramp_months: 3}
motions:
  smb: {type: smb, team: {<<: *team, reps: 2}}
```
"""

STRATEGY_NOTES = """\
A strategy runs the listed motions side by side, sharing the company's cash.
`overrides` changes keys of a motion for this strategy only, written as the
motion is written under `motions`:

```yaml
strategies:
  hybrid:
    motions: [enterprise, smb]
    overrides:
      enterprise:
        team: {reps: 2, hires: [{month: 13, reps: 1}]}
```

Mappings merge key by key; a distribution, a list (such as `hires`) or a
number replaces the motion's value whole. The merged motion is validated
like one in the file, and errors point at the override. A strategy cannot
change a motion's `type`. Strategies see the same random draws for the same
motion (common random numbers), so their differences are sharp.
"""

CORRELATION_NOTES = """\
See [Correlations](#correlations) for how they are drawn.

```yaml
correlations:
  - between: [motions.enterprise.leads.per_month, motions.smb.leads.per_month]
    rank: 0.5   # a hot market lifts both
```
"""

FUNDING_NOTES = """\
A scenario with rounds or rules adds, per run, `funding_received`,
`round.<name>` (1 when the round came), `rule.<name>.fired` and
`rule.<name>.months`, and the monthly series `funding`, `runway` and
`rule.<name>`; see [funding.md](funding.md).

```yaml
company:
  funding:
    - {name: seed, amount: 1.5e6, month: 1}
    - {name: bridge, amount: 500_000, window: [1, 36], when: "cash < 3e5"}
policies:
  - name: freeze
    when: months_of_runway < 6
    release: months_of_runway > 9
    actions: {freeze_hiring: all}
```
"""


def _conditions() -> str:
    """What a condition may say: its grammar and the state names, from the parser's own table."""
    names = "\n".join(f"- `{name}`: {meaning}." for name, meaning in STATE.items())
    return ("### Conditions\n\n`when` and `release` read the company's state at a month's end: comparisons "
            "`NAME OP NUMBER` (OP one of `<`, `<=`, `>`, `>=`; numbers as `300000`, `3e5` or `300_000`) joined "
            "by `and`, such as `arr >= 1e6 and months_of_runway < 9`. The names:\n\n" + names + "\n\n"
            + FUNDING_NOTES)


RULES = """\
## Rules checked across keys

Besides each key's own allowed values, `salesim validate` checks:

- a distribution has exactly one name, one set of parameters (one percentile
  pair at most), and consistent ones (`low < high`, `low <= mode <= high`,
  `p5 < p95`, a `beta` mean and sd that a beta can have, ...);
- a distribution's whole range lies within the key's allowed values, and
  `per: deal` is used only where possible;
- a parameter of a distribution given as a distribution is one of those
  that may be drawn, in a distribution drawn per deal, drawn `per: run`,
  with numbers for its own parameters, and, for a positive parameter, with
  its 1e-12 quantile above 0;
- a motion's `start_month` and a hire's `month` are within `horizon_months`,
  and no hire comes before its motion starts, in the motions and in every
  strategy's overrides;
- at least one stage of a buying committee has `objection_share` above 0;
- a strategy lists existing motions, each once; its overrides name only
  its own motions, keep their `type`, and give a valid motion when merged;
- a correlation joins two different per-run distributions, each pair once,
  and all of them together form a positive definite matrix;
- no two funding rounds, and no two rules, share a name (a round and a
  rule may), a round's month or window lies within `horizon_months`, a
  rule's actions name existing motions, a strategy's `policies` names
  existing rules, and no motion is named `round` or `rule` (with or
  without rounds and rules: their metrics use the names);
- a motion's name is not empty and holds no `.` (results name a motion's
  metrics `<motion>.<metric>`, and `--set` reaches its keys by a dotted
  path), and a strategy's name is not empty.

Every problem is reported at once, each with its file, line and dotted
path (or the `--set` that caused it); the rules across keys are checked on
every part that is valid on its own, even when other keys are not.
"""


def main() -> None:
    sys.stdout.write(reference())


if __name__ == "__main__":
    main()
