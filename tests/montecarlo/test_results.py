"""Results files: what summary.json, runs.csv, monthly.npz and scenario.yaml hold; save/load; atomic writes."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from montecarlo_helpers import assert_identical, fast_scenario

import simulator
import simulator.montecarlo.results as results_module
from simulator.engine.catalogue import run_metric_names
from simulator.engine.ledger import COST_CATEGORIES, SERIES
from simulator.montecarlo.results import COST_SERIES, monthly_series_names
from simulator.montecarlo.statistics import KEY_METRICS, PERCENTILES

STAT_KEYS = {"mean", "std", "se", "ci95", *(f"p{q}" for q in PERCENTILES), "min", "max", "n", "nan_runs",
             "share_defined"}


@pytest.fixture(scope="module")
def results():
    return simulator.simulate(fast_scenario(), runs=24, seed=99, workers=1)


@pytest.fixture(scope="module")
def saved(results, tmp_path_factory):
    return results.save(tmp_path_factory.mktemp("out") / "run")


def test_save_writes_the_contract_files(saved):
    assert sorted(p.name for p in saved.iterdir()) == sorted(results_module.FILES)
    assert not [p for p in saved.parent.iterdir() if p.name.startswith(".")]


def test_summary_json_is_strict_json_equal_to_the_summary(results, saved):
    text = (saved / "summary.json").read_text()
    loaded = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in summary.json"))
    assert loaded == results.summary
    provenance = loaded["provenance"]
    for key in ("salesim_version", "scenario_sha256", "seed", "runs", "wall_seconds", "utc_time", "executor",
                "workers", "stopping_rule", "partial"):
        assert key in provenance, key
    assert provenance["salesim_version"] == simulator.__version__ and provenance["seed"] == 99
    assert provenance["scenario_sha256"] == results.scenario.sha256 and provenance["runs"] == 24
    for s in results.strategies:
        assert set(loaded["strategies"][s]) == set(results.runs[s])
        assert all(set(stat) == STAT_KEYS for stat in loaded["strategies"][s].values())
    assert set(loaded["comparisons"]["enterprise vs smb"]) == set(KEY_METRICS)
    assert set(loaded["costs"]["smb"]) == set(COST_CATEGORIES)


def test_runs_csv_has_a_row_per_strategy_and_run(results, saved):
    with open(saved / "runs.csv", newline="") as f:
        rows = list(csv.reader(f))
    columns = run_metric_names(results.scenario)
    assert rows[0] == ["strategy", "run", *columns]
    assert len(rows) == 1 + 24 * len(results.strategies)
    assert [r[:2] for r in rows[1:3]] == [["enterprise", "0"], ["enterprise", "1"]]
    npv = [float(r[2 + columns.index("npv")]) for r in rows[1:25]]
    assert npv == results.runs["enterprise"]["npv"].tolist()     # exact: shortest repr round-trips


def test_monthly_npz_holds_runs_x_months_per_strategy_and_series(results, saved):
    with np.load(saved / "monthly.npz") as npz:
        names = monthly_series_names(results.scenario)
        assert sorted(npz.files) == sorted(f"{s}/{k}" for s in results.strategies for k in names)
        cash = npz["hybrid/cash"]
    assert cash.shape == (24, 13) and cash.dtype == np.float32


def test_monthly_costs_by_category_add_up_to_the_costs_series_and_the_totals(results):
    for s in results.strategies:
        monthly = results.monthly[s]
        by_category = sum(monthly[k].astype(np.float64) for k in COST_SERIES)
        np.testing.assert_allclose(by_category, monthly["costs"], rtol=1e-6, atol=1e-2)
        for category in COST_CATEGORIES:
            total = monthly[f"costs.{category}"].astype(np.float64).sum(axis=1)
            np.testing.assert_allclose(total, results.costs[s][category], rtol=1e-6, atol=1e-2)


def test_a_directory_saved_before_monthly_costs_were_recorded_loads_without_them(results, saved, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(saved, old)
    with np.load(saved / "monthly.npz") as npz:
        np.savez(old / "monthly.npz", **{k: npz[k] for k in npz.files if k.split("/", 1)[1] in SERIES})
    assert set(simulator.Results.load(old).monthly["smb"]) == set(SERIES)
    with np.load(saved / "monthly.npz") as npz:   # some categories but not all: damaged
        np.savez(old / "monthly.npz", **{k: npz[k] for k in npz.files if not k.endswith("costs.overhead")})
    with pytest.raises(results_module.DamagedResults, match="costs.overhead"):
        simulator.Results.load(old)


def test_load_round_trips(results, saved):
    loaded = simulator.Results.load(saved)
    assert_identical(results, loaded)
    assert loaded.summary == results.summary and loaded.scenario.name == results.scenario.name


def test_scenario_yaml_reproduces_the_run(results, saved):
    again = simulator.simulate(simulator.load_scenario(saved / "scenario.yaml"), workers=1)
    assert again.summary["provenance"]["seed"] == 99 and again.n_runs == 24
    assert_identical(results, again)


def test_nan_is_an_empty_cell_and_null_in_json(results, tmp_path):
    runs = {s: {m: v.copy() for m, v in by_metric.items()} for s, by_metric in results.runs.items()}
    runs["smb"]["cash_out_month"][:] = math.nan   # cash never ran out
    summary = results_module.build_summary(results.provenance, runs, results.costs)
    assert summary["strategies"]["smb"]["cash_out_month"]["mean"] is None
    assert summary["strategies"]["smb"]["cash_out_month"]["share_defined"] == 0
    changed = simulator.Results(results.scenario, results.strategies, runs, results.monthly, summary,
                                results.costs)
    out = changed.save(tmp_path / "nan")
    with open(out / "runs.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["strategy"] == "smb"]
    assert all(r["cash_out_month"] == "" for r in rows)
    loaded = simulator.Results.load(out)
    assert np.isnan(loaded.runs["smb"]["cash_out_month"]).all()


def test_save_refuses_a_directory_that_is_not_empty(results, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="taken"):
        results.save(tmp_path / "taken")
    assert (tmp_path / "taken" / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_save_leaves_nothing_behind(results, tmp_path, monkeypatch, error):
    def broken_savez(*args, **kwargs):
        raise error

    monkeypatch.setattr(results_module.np, "savez", broken_savez)
    with pytest.raises(type(error)):
        results.save(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_save_checks_the_directory_before_writing(results, tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file"):
        results.save(tmp_path / "file" / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def _another_run_saves_into(directory):
    """extras that, while the files are written, let another run save into ``directory``."""
    def extras(res, staging):
        directory.mkdir()
        (directory / "summary.json").write_text("{}")
    return extras


def test_a_directory_filled_while_saving_raises_and_leaves_it_alone(results, tmp_path):
    with pytest.raises(FileExistsError, match="appeared while the results were being written"):
        results.save(tmp_path / "out", extras=_another_run_saves_into(tmp_path / "out"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "summary.json").read_text() == "{}"


def test_unique_saves_beside_a_directory_taken_before_or_while_saving(results, tmp_path):
    first = results.save(tmp_path / "out", unique=True)
    second = results.save(tmp_path / "out", unique=True)
    third = results.save(tmp_path / "out", unique=True, extras=_another_run_saves_into(tmp_path / "out-3"))
    assert (first.name, second.name, third.name) == ("out", "out-2", "out-4")
    assert (tmp_path / "out-3" / "summary.json").read_text() == "{}"
    assert_identical(results, simulator.Results.load(third))


def test_load_names_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="summary.json, runs.csv, monthly.npz, scenario.yaml missing"):
        simulator.Results.load(tmp_path)


def test_extras_land_inside_the_directory_before_it_appears(results, tmp_path):
    def chart(res, directory):
        assert not (tmp_path / "with").exists()          # still the hidden staging directory
        (directory / "chart.txt").write_text(res.scenario.name)

    out = results.save(tmp_path / "with", extras=chart)
    assert (out / "chart.txt").read_text() == results.scenario.name

    def failing(res, directory):
        raise RuntimeError("no fonts")

    with pytest.raises(RuntimeError, match="no fonts"):
        results.save(tmp_path / "without", extras=failing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["with"]
