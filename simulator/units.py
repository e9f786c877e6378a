"""The calendar the model counts in: days, and months of equal length."""

DAYS_PER_MONTH = 365.25 / 12
