"""Monthly statements: the mean statement adds up as every run's books do; percentiles are numpy's, line by line;
exact answers where the books are certain."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from engine_helpers import certain_enterprise, scenario_from
from montecarlo_helpers import fast_scenario
from plot_helpers import fake_results

import simulator
from simulator.montecarlo.statements import LINES, STATISTICS, StatementsUnavailable

# The stored series are float32: a run's books add up to within a few units in the last place of its largest
# amount (cash of a few million: ulp 0.25), so the identities are checked to within that.
FLOAT32 = float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def results():
    return simulator.simulate(fast_scenario(), runs=60, seed=11, workers=1)


@pytest.fixture(scope="module")
def statements(results):
    return results.statements()


def _raw(results, strategy, series) -> np.ndarray:
    return np.asarray(results.monthly[strategy][series], dtype=np.float64)


def test_a_statement_per_strategy_with_every_line_and_month(results, statements):
    assert list(statements) == results.strategies
    for s, found in statements.items():
        assert found.strategy == s and found.runs == 60 and found.months == 13
        assert [line.key for line in found.lines] == [line.key for line in LINES]
        assert set(found.values) == set(STATISTICS)
        assert all(v.shape == (len(LINES), 13) and np.isfinite(v).all() for v in found.values.values())


def test_the_mean_statement_adds_up(statements):
    for found in statements.values():
        line = found.line
        scale = np.abs(line("revenue")) + np.abs(line("payments")) + np.abs(line("ending_cash"))
        tight = 1e-12 * scale + 1e-9   # float64 arithmetic on the same runs' values
        assert np.all(np.abs(line("gross_profit") - (line("revenue") - line("cost_of_revenue"))) <= tight)
        assert np.all(np.abs(line("ebitda") - (line("gross_profit") - line("sales_and_marketing")
                                              - line("overhead"))) <= tight)
        parts = line("service_cost") + line("customization") + line("payment_fees")
        assert np.all(np.abs(line("cost_of_revenue") - parts) <= tight)
        parts = line("salaries") + line("commissions") + line("lead_generation")
        assert np.all(np.abs(line("sales_and_marketing") - parts) <= tight)
        np.testing.assert_allclose(line("opening_cash")[1:], line("ending_cash")[:-1], rtol=1e-12)


def test_the_mean_statement_holds_the_runs_own_ledger_identities(results, statements):
    """Cash: ending = opening + collections - payments and net cash flow = collections - payments, in the mean as
    in each run (to the float32 rounding of the stored series); EBITDA = revenue - every cost."""
    for s, found in statements.items():
        cash, collections, costs = (_raw(results, s, k) for k in ("cash", "collections", "costs"))
        bound = 8 * FLOAT32 * np.abs(cash).max()
        opening = np.concatenate((cash[:, :1] - _raw(results, s, "net_cash_flow")[:, :1], cash[:, :-1]), axis=1)
        assert np.all(np.abs(cash - opening - collections + costs) <= bound)   # each run's books
        line = found.line
        residual = line("ending_cash") - line("opening_cash") - line("collections") + line("payments")
        assert np.all(np.abs(residual) <= bound)
        assert np.all(np.abs(line("net_cash_flow") - (line("collections") - line("payments"))) <= bound)
        ebitda = (_raw(results, s, "revenue") - costs).mean(axis=0)
        assert np.all(np.abs(line("ebitda") - ebitda) <= 8 * FLOAT32 * costs.max())
        starting = results.scenario.company.starting_cash
        assert np.all(np.abs(found.values[k][0, 0] - starting) <= bound for k in STATISTICS)   # opening cash, month 1


def test_percentiles_are_numpys_on_the_raw_series_line_by_line(results, statements):
    for s, found in statements.items():
        for key, series in (("revenue", "revenue"), ("collections", "collections"), ("payments", "costs"),
                            ("ending_cash", "cash"), ("salaries", "costs.salaries"), ("overhead", "costs.overhead")):
            for statistic, q in (("p10", 10), ("p50", 50), ("p90", 90)):
                expected = np.percentile(_raw(results, s, series), q, axis=0)
                np.testing.assert_allclose(found.line(key, statistic), expected, rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(found.line(key), _raw(results, s, series).mean(axis=0), rtol=1e-12,
                                       atol=1e-9)
        gross = _raw(results, s, "revenue") - sum(_raw(results, s, f"costs.{c}") for c in
                                                  ("cost_of_revenue", "customization", "payment_fees"))
        np.testing.assert_allclose(found.line("gross_profit", "p90"), np.percentile(gross, 90, axis=0), rtol=1e-12,
                                   atol=1e-9)


def test_each_year_is_its_months_summed_and_its_balances_at_its_ends(results, statements):
    """13 months: a year of 12 and one of 1. The mean year is the sum of the mean months (a balance: its first
    or last month); a year's percentile is numpy's over the runs' own years."""
    for s, found in statements.items():
        assert found.year_months == ((1, 12), (13, 13))
        for key in ("revenue", "ebitda", "payments", "lead_generation"):
            months = found.line(key)
            np.testing.assert_allclose(found.line(key, by="year"), [months[:12].sum(), months[12]], rtol=1e-12,
                                       atol=1e-6)
        assert np.array_equal(found.line("opening_cash", by="year"), found.line("opening_cash")[[0, 12]])
        assert np.array_equal(found.line("ending_cash", by="year"), found.line("ending_cash")[[11, 12]])
        revenue = _raw(results, s, "revenue")
        for statistic, q in (("p10", 10), ("p50", 50), ("p90", 90)):
            expected = [np.percentile(revenue[:, :12].sum(axis=1), q), np.percentile(revenue[:, 12], q)]
            np.testing.assert_allclose(found.line("revenue", statistic, by="year"), expected, rtol=1e-12)
            expected = [np.percentile(_raw(results, s, "cash")[:, k], q) for k in (11, 12)]
            np.testing.assert_allclose(found.line("ending_cash", statistic, by="year"), expected, rtol=1e-12)
        line = lambda key: found.line(key, by="year")   # noqa: E731
        np.testing.assert_allclose(line("ebitda"), line("gross_profit") - line("sales_and_marketing")
                                   - line("overhead"), rtol=1e-9, atol=1e-6)


def test_percentile_statements_do_not_add_up(statements):
    """The documented caveat is real: the P10 of EBITDA is not the P10 of its parts combined."""
    found = statements["hybrid"]
    line = found.line
    combined = line("gross_profit", "p10") - line("sales_and_marketing", "p10") - line("overhead", "p10")
    assert not np.allclose(line("ebitda", "p10"), combined)


def test_exact_statement_with_no_leads():
    """No leads: no revenue; ten reps' salaries and the overhead every month, in every run alike."""
    scenario = scenario_from({"e": certain_enterprise(leads__per_month=0)}, horizon_months=12)
    found = simulator.simulate(scenario, runs=3, workers=1).statements()["e"]
    months = np.arange(1, 13)
    for statistic in STATISTICS:
        line = lambda key: found.line(key, statistic)   # noqa: E731
        assert np.all(line("revenue") == 0) and np.all(line("gross_profit") == 0)
        assert np.all(line("salaries") == 100_000) and np.all(line("overhead") == 10_000)
        assert np.all(line("ebitda") == -110_000) and np.all(line("payments") == 110_000)
        assert np.array_equal(line("ending_cash"), 1_000_000 - 110_000 * months)
        assert np.array_equal(line("opening_cash"), 1_000_000 - 110_000 * (months - 1))
        assert found.line("ebitda", statistic, by="year").tolist() == [-110_000 * 12]
        assert found.line("ending_cash", statistic, by="year").tolist() == [1_000_000 - 110_000 * 12]


def test_cost_of_service_is_the_margin_left_of_revenue_at_every_statistic():
    """A gross margin of 75%: cost of service is a quarter of revenue in every run, so also at its mean and
    percentiles (a percentile commutes with scaling by a positive number); commissions are 10% of bookings."""
    motion = certain_enterprise(deal__gross_margin=0.75, team__commission_rate=0.1)
    results = simulator.simulate(scenario_from({"e": motion}, horizon_months=12), runs=40, workers=1)
    found = results.statements()["e"]
    bookings = _raw(results, "e", "bookings")
    for statistic in STATISTICS:
        np.testing.assert_allclose(found.line("service_cost", statistic), 0.25 * found.line("revenue", statistic),
                                   rtol=1e-6)
    np.testing.assert_allclose(found.line("commissions"), 0.1 * bookings.mean(axis=0), rtol=1e-6)
    assert found.line("revenue")[-1] > 0


def test_results_without_monthly_costs_by_category_say_so():
    with pytest.raises(StatementsUnavailable, match="no monthly costs by category"):
        fake_results(runs=5).statements()


def test_a_line_or_statistic_that_does_not_exist_is_named(statements):
    with pytest.raises(KeyError, match="no line 'profit'"):
        statements["smb"].line("profit")
    with pytest.raises(KeyError, match="'p95' is not one of mean, p10, p50, p90"):
        statements["smb"].line("revenue", "p95")
    with pytest.raises(KeyError, match="by='quarter' is not 'month' or 'year'"):
        statements["smb"].line("revenue", by="quarter")


def test_a_funded_plan_has_a_funding_line_and_its_cash_still_adds_up():
    """With funding rounds the cash-flow view has a funding line: ending = opening + collections - payments +
    funding, in the mean and from the starting cash; the seed round of month 1 is in month 1's line exactly."""
    scenario = simulator.load_scenario(Path(__file__).parents[2] / "scenarios" / "funded_plan.yaml")
    results = simulator.simulate(scenario, runs=10, seed=3, workers=1)
    for s, found in results.statements().items():
        keys = [line.key for line in found.lines]
        assert keys[-2:] == ["funding", "ending_cash"] and len(keys) == len(LINES) + 1
        line = found.line
        residual = (line("ending_cash") - line("opening_cash") - line("collections") + line("payments")
                    - line("funding"))
        assert np.all(np.abs(residual) <= 8 * FLOAT32 * np.abs(_raw(results, s, "cash")).max())
        assert line("opening_cash")[0] == pytest.approx(scenario.company.starting_cash, rel=1e-6)
        seed_round = next(r for r in scenario.company.funding if r.month == 1)
        assert line("funding", "p10")[0] == line("funding", "p90")[0] == pytest.approx(seed_round.amount, rel=1e-6)


def test_runway_rules_without_rounds_add_no_funding_line():
    """Rules alone record a funding series (of zeros): the statement has no funding line for it."""
    import yaml

    data = yaml.safe_load((Path(__file__).parents[2] / "scenarios" / "funded_plan.yaml").read_text())
    del data["company"]["funding"]
    data["company"]["starting_cash"] = 1_800_000
    results = simulator.simulate(simulator.parse_scenario(yaml.safe_dump(data)), runs=4, seed=3, workers=1)
    assert all("funding" in results.monthly[s] for s in results.strategies)
    for found in results.statements().values():
        assert [line.key for line in found.lines] == [line.key for line in LINES]
