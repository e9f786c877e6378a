"""Scenario files: YAML in, a validated and typed Scenario out."""
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.loading import default_scenario_path, load_scenario, parse_scenario, scenario_yaml
from simulator.scenario.schema import Scenario

__all__ = ["Problem", "Scenario", "ScenarioError", "default_scenario_path", "load_scenario", "parse_scenario",
           "scenario_yaml"]
