"""Questions asked of many runs: what drives a result (sensitivity); sweeps, goal seek and value of information
to come."""
from simulator.analysis.sensitivity import (DEFAULT_SWING_RUNS, Effect, Sensitivity, SensitivityError, Tornado,
                                            sensitivity)

__all__ = ["DEFAULT_SWING_RUNS", "Effect", "Sensitivity", "SensitivityError", "Tornado", "sensitivity"]
