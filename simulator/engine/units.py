"""The calendar the model counts in: days, and months of equal length."""
import numpy as np

DAYS_PER_MONTH = 365.25 / 12


def month_of(days):
    """The month (0 = the first) each day falls in: floor(days / DAYS_PER_MONTH), as whole numbers.

    Written as a division and a floor because numpy's ``//`` on floats is
    an order of magnitude slower.
    """
    return np.floor(np.asarray(days) / DAYS_PER_MONTH).astype(np.int64)
