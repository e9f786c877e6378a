"""salesim: Monte Carlo simulation of enterprise and SMB go-to-market bets.

The Python API a notebook uses is the one the command line uses::

    import simulator
    scenario = simulator.load_scenario("scenarios/enterprise_vs_smb.yaml")
    results = simulator.simulate(scenario, runs=1000, seed=7, workers=2)
    results.save("results/example")          # or simulator.Results.load("results/example")
    drivers = simulator.sensitivity(results, metrics="npv")   # what drives NPV; drivers.save("results/drivers")
    what_if = simulator.sweep(scenario, {"motions.enterprise.team.reps": "2,4,6"}, runs=500)   # .save(dir)
    enough = simulator.seek(scenario, "company.starting_cash", "P(cash_out) <= 0.05", 5e5, 5e6,
                            strategy="hybrid", runs=500)   # the least starting cash that meets the target
    worth = simulator.value_of_information(results, strategies=["enterprise", "smb"])   # EVPI, EVPPI; .save(dir)
"""
__version__ = "0.1.0"

from simulator.scenario import Problem, Scenario, ScenarioError, load_scenario, parse_scenario  # noqa: E402
import functools  # noqa: E402

from simulator.montecarlo import simulate as _simulate  # noqa: E402
from simulator.montecarlo.results import Results  # noqa: E402
from simulator.analysis import (Seek, Sensitivity, Sweep, ValueOfInformation, seek, sensitivity, sweep,  # noqa: E402
                                value_of_information)
from simulator.analysis.voi import summary_block as _value_of_information_block  # noqa: E402


@functools.wraps(_simulate)
def simulate(scenario, *args, **kwargs) -> Results:
    results = _simulate(scenario, *args, **kwargs)
    # what knowing the future, or one input, would be worth: a block of the summary (summary.json, the report)
    block = _value_of_information_block(results)
    if block is not None:
        results.summary["value_of_information"] = block
    return results


simulate.__doc__ = (_simulate.__doc__ or "") + """
    ``simulator.simulate`` also puts the value of information of NPV between
    the strategies in the summary (``summary["value_of_information"]``; see
    :func:`value_of_information`); the sweeps and seeks of
    :mod:`simulator.analysis` simulate without it.
    """

__all__ = ["Problem", "Results", "Scenario", "ScenarioError", "Seek", "Sensitivity", "Sweep", "ValueOfInformation",
           "__version__", "load_scenario", "parse_scenario", "seek", "sensitivity", "simulate", "sweep",
           "value_of_information"]
