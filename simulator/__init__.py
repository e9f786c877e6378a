"""salesim: Monte Carlo simulation of enterprise and SMB go-to-market bets.

The Python API a notebook uses is the one the command line uses::

    import simulator
    scenario = simulator.load_scenario("scenarios/enterprise_vs_smb.yaml")
"""
__version__ = "0.1.0"

from simulator.scenario import Problem, Scenario, ScenarioError, load_scenario, parse_scenario  # noqa: E402

__all__ = ["Problem", "Scenario", "ScenarioError", "__version__", "load_scenario", "parse_scenario"]
