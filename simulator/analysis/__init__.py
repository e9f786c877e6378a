"""Questions asked of many runs: what drives a result (sensitivity), what if a key took other values (sweeps),
which value of a key meets a target (goal seek); value of information to come."""
from simulator.analysis.sensitivity import (DEFAULT_SWING_RUNS, Effect, Sensitivity, SensitivityError, Tornado,
                                            sensitivity)
from simulator.analysis.seek import Seek, SeekError, Target, parse_target, seek
from simulator.analysis.sweep import Cell, Sweep, SweepError, parse_values, sweep

__all__ = ["DEFAULT_SWING_RUNS", "Cell", "Effect", "Seek", "SeekError", "Sensitivity", "SensitivityError", "Sweep",
           "SweepError", "Target", "Tornado", "parse_target", "parse_values", "seek", "sensitivity", "sweep"]
