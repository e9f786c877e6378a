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
from simulator.montecarlo import simulate  # noqa: E402
from simulator.montecarlo.results import Results  # noqa: E402
from simulator.analysis import (Seek, Sensitivity, Sweep, ValueOfInformation, seek, sensitivity, sweep,  # noqa: E402
                                value_of_information)

__all__ = ["Problem", "Results", "Scenario", "ScenarioError", "Seek", "Sensitivity", "Sweep", "ValueOfInformation",
           "__version__", "load_scenario", "parse_scenario", "seek", "sensitivity", "simulate", "sweep",
           "value_of_information"]
