"""simulator.sensitivity: the tornado against inputs with a known effect, the swing against hand-computed changes,
the difference between two strategies, and the files."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from engine_helpers import certain_enterprise, scenario_from
from montecarlo_helpers import fast_scenario
from scipy import stats

import simulator
from simulator.analysis import SensitivityError

BUY = "motions.smb.process.buy_chance"
CASH = "company.starting_cash"
PRICE = "motions.a.deal.contract_value"


@pytest.fixture(scope="module")
def known():
    """The quick default scenario with SMB's buy chance drawn once per run over a wide range (it drives SMB's
    revenue) and the starting cash drawn once per run (it does not enter revenue)."""
    scenario = fast_scenario(f"{BUY}={{uniform: {{low: 0.01, high: 0.1}}, per: run}}",
                             f"{CASH}={{uniform: {{low: 1000000, high: 3000000}}, per: run}}")
    return simulator.simulate(scenario, runs=200, seed=11, workers=1)


@pytest.fixture(scope="module")
def ranked(known):
    return simulator.sensitivity(known, metrics=["revenue", "npv"], swing=False)


def test_the_input_with_a_strong_effect_ranks_top_and_one_without_any_is_not_told_apart_from_zero(known, ranked):
    smb = ranked.tornado("smb", "revenue")
    top = smb.effects[0]
    assert top.input == BUY
    assert top.ci95[0] > 0.5, "buying chance drives SMB revenue up, clearly"
    cash = next(e for e in smb.effects if e.input == CASH)
    assert cash.ci95[0] < 0 < cash.ci95[1], "the starting cash does not enter revenue"
    assert top.share > 0.5 > cash.share
    # Spearman's rho computed independently
    for e in smb.effects:
        expected = stats.spearmanr(known.inputs["smb"][e.input], known.runs["smb"]["revenue"]).statistic
        assert e.rho == pytest.approx(expected, abs=1e-12)
        assert e.n == 200
    # inputs of motions a strategy does not run are left out; the largest |rho| first
    assert {e.input for e in smb.effects} == {BUY, CASH, "motions.smb.leads.per_month",
                                              "motions.smb.deal.monthly_churn"}
    assert [abs(e.rho) for e in smb.effects] == sorted((abs(e.rho) for e in smb.effects), reverse=True)
    assert sum(e.share for e in smb.effects) == pytest.approx(smb.r2)


def test_the_difference_of_two_strategies_is_ranked_run_by_run(known, ranked):
    assert ranked.targets == ("enterprise", "smb", "hybrid", "enterprise - smb")
    pair = ranked.tornado("enterprise - smb", "revenue")
    assert pair.strategies == ("enterprise", "smb") and pair.is_difference
    difference = known.runs["enterprise"]["revenue"] - known.runs["smb"]["revenue"]
    assert pair.mean == pytest.approx(difference.mean())
    drawn = {**known.inputs["smb"], **known.inputs["enterprise"]}
    for e in pair.effects:
        assert e.rho == pytest.approx(stats.spearmanr(drawn[e.input], difference).statistic, abs=1e-12)
    # the pair the other way round: every correlation turns round
    other = simulator.sensitivity(known, metrics="revenue", versus=("smb", "enterprise"), strategies=[],
                                  swing=False)
    assert other.targets == ("smb - enterprise",)
    flipped = other.tornado("smb - enterprise").effects
    assert {e.input: e.rho for e in flipped} == pytest.approx({e.input: -e.rho for e in pair.effects})
    # known directions: objections left unresolved lose enterprise deals, so SMB comes out further ahead;
    # more enterprise leads bring it closer
    rho = {e.input: e for e in flipped}
    assert rho["motions.enterprise.process.unresolved_chance"].ci95[0] > 0
    assert rho["motions.enterprise.leads.per_month"].ci95[1] < 0


def test_an_input_both_strategies_share_alike_cancels_in_their_difference(known):
    # the hybrid runs the very SMB motion the smb strategy runs (common random numbers): its buying chance
    # moves both alike, and what decides between them is the enterprise motion
    found = simulator.sensitivity(known, metrics="revenue", versus=("hybrid", "smb"), strategies=[], swing=False)
    effects = {e.input: e for e in found.tornado("hybrid - smb").effects}
    assert effects[BUY].ci95[0] < 0 < effects[BUY].ci95[1]
    assert found.tornado("hybrid - smb").effects[0].input.startswith("motions.enterprise.")


def test_a_strategy_alone_has_no_difference_unless_asked(known):
    alone = simulator.sensitivity(known, metrics="npv", strategies="smb", swing=False)
    assert alone.targets == ("smb",)


@pytest.fixture(scope="module")
def certain():
    """Two enterprise motions whose every deal is won at a fixed price: in 'a' the price is drawn once per run,
    so revenue is the price times the customer-months of the run; the starting cash is drawn once per run."""
    price = {"uniform": {"low": 6000, "high": 18000}, "per": "run"}
    scenario = scenario_from({"a": certain_enterprise(deal__contract_value=price), "b": certain_enterprise()},
                             company={"starting_cash": {"uniform": {"low": 1e6, "high": 2e6}, "per": "run"},
                                      "overhead_per_month": 10_000, "discount_rate_annual": 0.1})
    results = simulator.simulate(scenario, runs=40, seed=5, workers=1)
    found = simulator.sensitivity(results, metrics=["revenue", "ending_cash", "npv"], swing_runs=30, workers=1)
    return results, found


def test_the_swing_of_a_metric_linear_in_an_input_is_the_hand_computed_change(certain):
    results, found = certain
    n = 30
    # ending cash = starting cash + the run's net cash flow, which the starting cash does not change
    cash = results.inputs["b"][CASH][:n]
    p10, p90 = 1e6 + 0.1 * 1e6, 1e6 + 0.9 * 1e6
    for target in ("a", "b"):
        e = next(e for e in found.tornado(target, "ending_cash").effects if e.input == CASH)
        assert (e.p10, e.p90) == pytest.approx((p10, p90))
        assert e.low == pytest.approx(p10 - cash.mean(), rel=1e-9)
        assert e.high == pytest.approx(p90 - cash.mean(), rel=1e-9)
        assert e.high_ci95[0] < e.high < e.high_ci95[1]
        # NPV discounts the net cash flows only: the starting cash moves it by nothing, in every run
        flat = next(e for e in found.tornado(target, "npv").effects if e.input == CASH)
        assert (flat.low, flat.high, *flat.low_ci95) == (0, 0, 0, 0)
    # revenue = price x customer-months; the price fixed at x gives revenue_i x / price_i in run i
    price = results.inputs["a"][PRICE][:n]
    revenue = results.runs["a"]["revenue"][:n]
    e = next(e for e in found.tornado("a", "revenue").effects if e.input == PRICE)
    assert (e.p10, e.p90) == pytest.approx((6000 + 0.1 * 12000, 6000 + 0.9 * 12000))
    assert e.low == pytest.approx(np.mean(revenue * (e.p10 / price - 1)), rel=1e-9)
    assert e.high == pytest.approx(np.mean(revenue * (e.p90 / price - 1)), rel=1e-9)
    assert found.tornado("a", "revenue").swing_base == pytest.approx(revenue.mean())


def test_the_swing_of_a_difference_pairs_both_strategies_runs(certain):
    _, found = certain
    assert found.targets == ("a", "b", "a - b")
    # the starting cash moves both strategies' ending cash alike: their difference not at all
    shared = next(e for e in found.tornado("a - b", "ending_cash").effects if e.input == CASH)
    assert shared.low == pytest.approx(0, abs=1e-6) and shared.high == pytest.approx(0, abs=1e-6)
    # a's price moves a alone: the difference moves as a does
    own = next(e for e in found.tornado("a - b", "revenue").effects if e.input == PRICE)
    alone = next(e for e in found.tornado("a", "revenue").effects if e.input == PRICE)
    assert (own.low, own.high) == pytest.approx((alone.low, alone.high))
    assert found.tornado("a - b", "revenue").by_swing()[0].input == PRICE


def test_the_swing_base_is_the_same_runs_simulated_again_when_the_results_are_not_this_salesims(certain):
    results, found = certain
    results.summary["provenance"]["salesim_version"] = "0.0.0"
    try:
        again = simulator.sensitivity(results, metrics="ending_cash", strategies="b", swing_runs=30, workers=1)
    finally:
        results.summary["provenance"]["salesim_version"] = simulator.__version__
    e, before = again.tornado("b").effects[0], found.tornado("b", "ending_cash").effects[0]
    assert (e.low, e.high) == pytest.approx((before.low, before.high))


def test_save_writes_the_table_and_the_json(certain, tmp_path):
    _, found = certain
    out = found.save(tmp_path / "drivers")
    assert sorted(p.name for p in out.iterdir()) == ["sensitivity.csv", "sensitivity.json"]
    with open(out / "sensitivity.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(t.effects) for t in found.tornados.values())
    first = rows[0]
    assert (first["target"], first["metric"], first["rank"]) == ("a", "revenue", "1")
    assert float(first["rho"]) == found.tornado("a", "revenue").effects[0].rho
    data = json.loads((out / "sensitivity.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    assert data["swing_runs"] == 30 and data["swing_levels"] == [0.1, 0.9] and data["metrics"] == ["revenue",
                                                                                                  "ending_cash", "npv"]
    assert {t["target"] for t in data["tornados"]} == {"a", "b", "a - b"}
    with pytest.raises(FileExistsError):
        found.save(out)
    assert "revenue of a: top input motions.a.deal.contract_value" in repr(found)


def test_bad_requests_say_what_is_wrong(known):
    with pytest.raises(SensitivityError, match="unknown metric 'npx'; did you mean 'npv'"):
        simulator.sensitivity(known, metrics="npx", swing=False)
    with pytest.raises(SensitivityError, match="unknown strategy 'hybird'; did you mean 'hybrid'"):
        simulator.sensitivity(known, strategies="hybird", swing=False)
    with pytest.raises(SensitivityError, match="two different strategies"):
        simulator.sensitivity(known, versus=("smb", "smb"), swing=False)


def test_no_uncertain_inputs_is_said_plainly():
    scenario = scenario_from({"a": certain_enterprise()})
    results = simulator.simulate(scenario, runs=5, workers=1)
    with pytest.raises(SensitivityError, match="no uncertain inputs that vary from run to run"):
        simulator.sensitivity(results, swing=False)


def test_results_without_recorded_inputs_are_told_to_run_again(known):
    inputs, known.inputs = known.inputs, {}
    try:
        with pytest.raises(SensitivityError, match="hold no per-run draws"):
            simulator.sensitivity(known, swing=False)
    finally:
        known.inputs = inputs
    assert math.isfinite(simulator.sensitivity(known, metrics="npv", swing=False).tornado("smb").r2)
