"""Opportunity histories with known parameters, drawn from known distributions with a fixed seed."""
import numpy as np


def synthetic_history(seed: int, n: int = 600, window_days: int = 540, win_rate: float = 0.3,
                      won=(200.0, 100.0), lost=(120.0, 60.0), follow_up: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Deals created evenly over ``window_days``, won with ``win_rate`` after a gamma cycle of (mean, sd)
    ``won`` days, else lost after one of ``lost``; the export is taken at the window's end.

    Returns (days to close or open so far, outcome "won"/"lost"/"open").
    """
    rng = np.random.default_rng(seed)
    created = rng.uniform(0, window_days, n)
    is_won = rng.random(n) < win_rate

    def gamma(mean_sd, size):
        mean, sd = mean_sd
        return rng.gamma((mean / sd) ** 2, sd ** 2 / mean, size)

    cycle = np.where(is_won, gamma(won, n), gamma(lost, n))
    closed = created + cycle < window_days + follow_up
    days = np.where(closed, cycle, window_days + follow_up - created)
    return days, np.where(closed, np.where(is_won, "won", "lost"), "open")
