"""Questions asked of many runs: what drives a result (sensitivity), what if a key took other values (sweeps);
goal seek and value of information to come."""
from simulator.analysis.sensitivity import (DEFAULT_SWING_RUNS, Effect, Sensitivity, SensitivityError, Tornado,
                                            sensitivity)
from simulator.analysis.sweep import Cell, Sweep, SweepError, parse_values, sweep

__all__ = ["DEFAULT_SWING_RUNS", "Cell", "Effect", "Sensitivity", "SensitivityError", "Sweep", "SweepError", "Tornado",
           "parse_values", "sensitivity", "sweep"]
