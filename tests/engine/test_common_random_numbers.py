"""Common random numbers: a motion's k-th month meets the same leads and deals whatever the horizon or start month."""
import copy

import numpy as np
import pytest
import yaml

from simulator import parse_scenario
from simulator.engine import run_strategy
from simulator.engine.units import DAYS_PER_MONTH
from simulator.scenario import default_scenario_path

SCENARIOS = default_scenario_path().parents[2] / "scenarios"


def _data(name: str) -> dict:
    return yaml.safe_load((SCENARIOS / name).read_text())


def _motions():
    for file in ("enterprise_vs_smb.yaml", "midmarket.yaml"):
        for motion in _data(file)["motions"]:
            yield file, motion


@pytest.mark.parametrize("file,motion", list(_motions()))
def test_the_first_months_are_the_same_whatever_the_horizon(file, motion):
    """Horizons 16 and 20: months 1-16 identical, in every series, cost and lead."""
    data = _data(file)
    data["strategies"] = {"only": {"motions": [motion]}}
    for motion_data in data["motions"].values():
        motion_data.get("team", {}).pop("hires", None)
    short, long = (parse_scenario(yaml.safe_dump(dict(data, horizon_months=h))) for h in (16, 20))
    for run in range(3):
        a, b = run_strategy(short, "only", run), run_strategy(long, "only", run)
        for name, flows in a.by_motion[motion].items():
            assert np.array_equal(flows, b.by_motion[motion][name][:16]), name
        for name, series in a.monthly.items():
            assert np.array_equal(series, b.monthly[name][:16]), name
        arrived = a.deals[motion]["arrival_day"]
        assert np.array_equal(arrived, b.deals[motion]["arrival_day"][:len(arrived)], equal_nan=True)


@pytest.mark.parametrize("file,motion", list(_motions()))
def test_a_later_start_meets_the_same_deals_shifted(file, motion):
    """In one scenario, a strategy starting the motion in month 5 = the month-1 strategy shifted by 4 months."""
    data = _data(file)
    hires = data["motions"][motion].get("team", {}).get("hires", [])
    late = {"start_month": 5, "team": {"hires": [dict(h, month=h["month"] + 4) for h in hires]}}
    data["strategies"] = {"early": {"motions": [motion]},
                          "late": {"motions": [motion], "overrides": {motion: copy.deepcopy(late)}}}
    scenario = parse_scenario(yaml.safe_dump(data))
    for run in range(3):
        early, later = run_strategy(scenario, "early", run), run_strategy(scenario, "late", run)
        for name, flows in later.by_motion[motion].items():
            assert np.all(flows[:4] == 0), name
            assert np.array_equal(flows[4:], early.by_motion[motion][name][:-4]), name
        shifted = later.deals[motion]["arrival_day"] - 4 * DAYS_PER_MONTH
        np.testing.assert_allclose(shifted, early.deals[motion]["arrival_day"][:len(shifted)], rtol=1e-12)
        assert len(shifted) > 0
