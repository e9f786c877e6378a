"""Numbers for people: money in the scenario's currency, shares as percentages, metric labels.

A finance reader wants ``$1.2M``, not ``1234567.891``: money keeps three
significant digits and a k/M/B suffix. US dollars get a ``$`` prefix; any
other currency is written after the amount (``1.2M EUR``), which reads right
for every ISO code without a table of symbols.
"""
from __future__ import annotations

import math

from simulator.engine.catalogue import metric_entry

SCALES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def _info(name: str) -> tuple[str, str]:
    """A metric's label and kind from the catalogue; a name it does not know reads as a count."""
    try:
        entry = metric_entry(name)
    except KeyError:
        return name.replace("_", " ").capitalize(), "count"
    return entry.label, entry.kind


def trim_zeros(text: str) -> str:
    """'1.20' -> '1.2', '2.00' -> '2'."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def with_currency(number: str, currency: str, negative: bool) -> str:
    sign = "-" if negative else ""
    if currency.upper() == "USD":
        return f"{sign}${number}"
    return f"{sign}{number} {currency}"


def format_money(value: float, currency: str = "USD", digits: int = 3) -> str:
    """An amount with ``digits`` significant digits and a k/M/B suffix: ``$1.23M``, ``845k EUR``.

    NaN reads ``n/a``.
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    size = float(f"{abs(value):.{digits}g}")  # round first: 999,950 reads $1M, not $1000k
    scale, suffix = next(((s, n) for s, n in SCALES if size >= s), (1.0, ""))
    scaled = size / scale
    places = max(digits - 1 - int(math.floor(math.log10(scaled))), 0) if suffix else 0
    number = trim_zeros(f"{scaled:.{places}f}") + suffix
    return with_currency(number, currency, value < 0 and number.strip("0.") != "")


def format_percent(share: float) -> str:
    """A share (0.634) as a percentage: ``63%``; below 1% or above 99% with one decimal."""
    if share is None or not math.isfinite(share):
        return "n/a"
    pct = 100 * share
    if pct == 0 or pct == 100:
        return f"{pct:.0f}%"
    if pct < 0.1 or pct > 99.9:
        return "<0.1%" if pct < 0.1 else ">99.9%"
    if pct < 1 or pct > 99:
        return f"{pct:.1f}%"
    return f"{pct:.0f}%"


def format_number(value: float, digits: int = 3) -> str:
    """A plain number with ``digits`` significant digits and thousands separators: ``1,234``, ``2.35``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    if value == 0:
        return "0"
    places = max(digits - 1 - int(math.floor(math.log10(abs(value)))), 0)
    return trim_zeros(f"{value:.{places}f}")


def format_correlation(value: float) -> str:
    """A correlation, signed, two decimals: ``+0.62``, ``-0.05``; a value that rounds to zero reads ``+0.00``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{round(value, 2) + 0.0:+.2f}"   # + 0.0 turns -0.0 into 0.0


def format_metric(name: str, value: float, currency: str = "USD") -> str:
    """A value of the per-run metric ``name`` in its own unit: money, months, days, percent..."""
    kind = _info(name)[1]
    if value is None or not math.isfinite(value):
        return "n/a"
    if kind == "money":
        return format_money(value, currency)
    if kind == "percent":
        return format_percent(value)
    if kind == "months":
        return f"{format_number(value)} mo"
    if kind == "days":
        return f"{format_number(value)} days"
    if kind == "ratio":
        return f"{format_number(value)}x"
    return f"{value:,.0f}" if abs(value) >= 10 else format_number(value)  # counts: 24 customers, not 23.9


def metric_label(name: str, currency: str = "USD") -> str:
    """The metric's name for an axis, with its unit: 'Revenue over the horizon (USD)'."""
    label, kind = _info(name)
    unit = {"money": currency, "months": "months", "days": "days", "percent": "%"}.get(kind)
    return f"{label} ({unit})" if unit else label
