"""Per-motion figures against known answers: the stage funnel, rep utilisation, stalled deals."""
import numpy as np

from engine_helpers import certain_enterprise, scenario_from
from simulator.engine import run_strategy
from simulator.engine.units import DAYS_PER_MONTH
from simulator.scenario.schema import STAGES

LOSS = {"meeting": 0.4, "demo": 0.3, "technical": 0.25, "procurement": 0.15, "order": 0.05}


def test_each_stage_passes_one_minus_its_loss_chance():
    motion = certain_enterprise(leads__per_month=20)
    motion["process"]["stages"] = {s: {"days": 20, "loss_chance": LOSS[s]} for s in STAGES}
    scenario = scenario_from({"e": motion})
    rates = {s: [] for s in STAGES}
    for run in range(20):
        metrics = run_strategy(scenario, "e", run).metrics
        for s in STAGES:
            rates[s].append(metrics[f"e.{s}_conversion"])
    for s in STAGES:
        values = np.array(rates[s])
        se = values.std(ddof=1) / np.sqrt(len(values))
        assert abs(values.mean() - (1 - LOSS[s])) < 4 * se, s


def test_rep_utilisation_is_littles_law_over_the_slots():
    """Certain 100-day deals, 3 leads a month, no waiting, 1,000 slots: deals held at time t average
    lambda x min(t, 100), so over a horizon of T days utilisation is lambda (100 (T - 100) + 100^2 / 2) / T / 1,000."""
    scenario = scenario_from({"e": certain_enterprise()})
    days = scenario.horizon_months * DAYS_PER_MONTH
    expected = 3 / DAYS_PER_MONTH * (100 * (days - 100) + 100 ** 2 / 2) / days / 1_000
    values = np.array([run_strategy(scenario, "e", run).metrics["e.rep_utilisation"] for run in range(30)])
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert abs(values.mean() - expected) < 4 * se
    stalled = [run_strategy(scenario, "e", run).metrics["e.stalled_deals"] for run in range(3)]
    assert stalled == [0, 0, 0]          # every deal closes after 100 days: none open for twice that
