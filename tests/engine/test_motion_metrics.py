"""Per-motion figures against known answers: the stage funnel, rep utilisation, stalled deals."""
import numpy as np
import pytest

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


def test_quota_attainment_and_pipeline_coverage_count_deals_against_the_quota():
    """Every deal is worth 12,000 a year; 10 reps with a 120,000 quota each: attainment is 12,000 x the deals won
    in the last 12 months / 1.2M, and coverage 12,000 x the deals open at the end / a quarter's 300,000."""
    motion = certain_enterprise()
    motion["team"]["quota_per_rep"] = 120_000
    scenario = scenario_from({"e": motion})
    end = scenario.horizon_months * DAYS_PER_MONTH
    for run in range(3):
        result = run_strategy(scenario, "e", run)
        deals = result.deals["e"]
        won_last_year = np.sum(deals["won"] & (deals["close_day"] >= end - 12 * DAYS_PER_MONTH))
        open_at_end = np.sum(~np.isnan(deals["open_day"]) & np.isnan(deals["close_day"]))
        assert result.metrics["e.quota_attainment"] == pytest.approx(12_000 * won_last_year / 1_200_000)
        assert result.metrics["e.pipeline_coverage"] == pytest.approx(12_000 * open_at_end / 300_000)
    assert np.isnan(run_strategy(scenario_from({"e": certain_enterprise()}), "e", 0).metrics["e.quota_attainment"])
