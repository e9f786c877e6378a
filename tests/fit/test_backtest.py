"""Backtests: the actual series by hand, coverage near nominal on histories with known parameters, the report."""
import numpy as np
import pytest
from cli_helpers import assert_one_line_error
from click.testing import CliRunner

import cli
from simulator.fit import read_export
from simulator.fit.backtest import actual_series, backtest
from simulator.fit.sample import SAMPLE, SAMPLE_SCENARIO, simulated_deals, write_export
from simulator.scenario import load_scenario


def test_actual_series_by_hand(tmp_path):
    # cutoff 2024-01-01; months of 30.4375 days: month 1 ends on day 30.4, month 2 on day 60.9
    path = tmp_path / "e.csv"
    path.write_text("Created Date,Close Date,Stage,Amount\n"
                    "2023-12-01,2024-01-10,Closed Won,500\n"        # created before the cutoff: not counted
                    "2024-01-02,2024-01-20,Closed Won,100\n"        # won in month 1
                    "2024-01-05,2024-02-15,Closed Won,250\n"        # won in month 2, open at month 1's end
                    "2024-01-06,2024-01-07,Closed Lost,900\n"       # lost in month 1
                    "2024-02-10,2024-06-01,Prospecting,50\n"        # open at month 2's end
                    "2024-01-08,2024-03-01,Closed Lost,10\n",       # lost on day 60: open at month 1's end
                    encoding="utf-8")
    export = read_export(path)
    actual = actual_series(export, np.datetime64("2024-01-01"), 2)
    assert actual["won"].tolist() == [1, 1]
    assert actual["bookings"].tolist() == [100, 250]
    assert actual["open_deals"].tolist() == [2, 1]


@pytest.fixture(scope="module")
def backtests(tmp_path_factory):
    """Backtests of four histories simulated from the sample's known scenario: 12 months fitted, 6 checked."""
    scenario = load_scenario(SAMPLE_SCENARIO).with_values({"horizon_months": 18})
    found = []
    for run in range(1, 5):
        path = write_export(simulated_deals(scenario, "smb", "smb", run=run),
                            tmp_path_factory.mktemp("bt") / "deals.csv", "hubspot")
        found.append(backtest(read_export(path), "2024-01-01", "smb", "smb", runs=200, seed=run, workers=1))
    return found


@pytest.mark.slow
def test_backtest_coverage_is_near_nominal_on_histories_with_known_parameters(backtests):
    for level, low, high in ((0.9, 0.8, 1.0), (0.5, 0.35, 0.75)):
        inside = np.concatenate([b.inside(s, level) for b in backtests for s in ("won", "bookings", "open_deals")])
        assert len(inside) >= 60
        assert low <= inside.mean() <= high, (level, inside.mean())


@pytest.mark.slow
def test_calibration_rises_with_the_band(backtests):
    levels, observed = backtests[0].calibration()
    assert levels.tolist() == pytest.approx([0.1 * k for k in range(1, 10)])
    assert np.all(np.diff(observed) >= 0)


@pytest.mark.slow
def test_fit_command_with_backtest_writes_the_report(tmp_path):
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--out", str(out), "--backtest", "2024-07-01",
                                           "--runs", "100", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "backtest from 2024-07-01: 6 months simulated 100 times" in result.output
    assert "P5-P95" in result.output
    page = (tmp_path / "fit.html").read_text(encoding="utf-8")
    assert "Backtest from 2024-07-01" in page and "Kaplan-Meier" in page
    assert page.count("data:image/png;base64,") == 5
    assert "http://" not in page and "https://" not in page and "<script" not in page


@pytest.mark.parametrize("date, words", [
    ("2025-07-01", ["the export ends on 2024-12-31, less than a month after it"]),
    ("2022-07-01", ["no opportunity was created before it (the first on 2023-01-01)"]),
    ("2023-01-20", ["--backtest 2023-01-20: the history before it:", "at least 2"]),
    ("1/2/2024", ["--backtest: '1/2/2024' is not a date written 2024-01-31"]),
])
def test_bad_backtest_dates_are_one_line_and_exit_2(tmp_path, date, words):
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(cli.main, ["fit", str(SAMPLE), "--out", str(out), "--backtest", date])
    assert_one_line_error(result, *words)
    assert not out.exists() and not (tmp_path / "fit.html").exists()


@pytest.mark.slow
def test_a_backtest_by_group_simulates_every_group_against_all_the_actuals():
    export = read_export(SAMPLE, by="Lead Source")
    found = backtest(export, "2024-10-01", "smb", "smb", by=True, runs=30, seed=3, workers=1)
    assert [g.motion for g in found.fitted.groups] == ["smb_Partner", "smb_Referral", "smb_Web"]
    assert found.months == 3
    for series, values in actual_series(read_export(SAMPLE), np.datetime64("2024-10-01"), 3).items():
        assert found.actual[series].tolist() == values.tolist()
    assert found.simulated["won"].shape == (30, 3)
