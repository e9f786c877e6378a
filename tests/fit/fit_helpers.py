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


COMMITTEE = """
name: committee
horizon_months: 30
motions:
  enterprise:
    type: enterprise
    leads: {per_month: 30}
    team: {reps: 1, deals_per_rep: 10000, ramp_months: 0, attrition_per_year: 0}
    deal: {contract_value: {lognormal: {median: 80000, sigma: 0.6}}, discount: 0}
    process:
      objections_per_member: 0
      stages:
        meeting: {days: {gamma: {shape: 1, scale: 10}}, loss_chance: 0.3}
        demo: {days: {gamma: {shape: 1.5, scale: 10}}, loss_chance: 0.2}
        technical: {days: {gamma: {shape: 2, scale: 10}}, loss_chance: 0.2}
        procurement: {days: {gamma: {shape: 3, scale: 10}}, loss_chance: 0.1}
        order: {days: {gamma: {shape: 1, scale: 10}}, loss_chance: 0.05}
strategies:
  enterprise: {motions: [enterprise]}
"""
"""An enterprise motion whose parameters a fit can recover: no objections, stage days of gammas with one
scale (their sum is a gamma: mean 85 days), known stage losses (win rate 0.7 x 0.8 x 0.8 x 0.9 x 0.95)."""
COMMITTEE_LOSSES = (0.3, 0.2, 0.2, 0.1, 0.05)
