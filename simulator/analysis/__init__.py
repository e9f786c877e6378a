"""Questions asked of many runs: what drives a result (sensitivity), what if a key took other values (sweeps),
which value of a key meets a target (goal seek), what knowing more before choosing is worth (value of information)."""
from simulator.analysis.sensitivity import (DEFAULT_SWING_RUNS, Effect, Sensitivity, SensitivityError, Tornado,
                                            sensitivity)
from simulator.analysis.seek import Seek, SeekError, Target, parse_target, seek
from simulator.analysis.sweep import Cell, Sweep, SweepError, parse_values, sweep
from simulator.analysis.voi import Partial, ValueOfInformation, ValueOfInformationError, value_of_information

__all__ = ["DEFAULT_SWING_RUNS", "Cell", "Effect", "Partial", "Seek", "SeekError", "Sensitivity", "SensitivityError",
           "Sweep", "SweepError", "Target", "Tornado", "ValueOfInformation", "ValueOfInformationError",
           "parse_target", "parse_values", "seek", "sensitivity", "sweep", "value_of_information"]
