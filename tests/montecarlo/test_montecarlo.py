"""Monte Carlo runs: identical on every executor, common random numbers, 1/sqrt(n), precision, Ctrl-C."""
from __future__ import annotations

import logging
import math
import os
import signal

import numpy as np
import pytest
from distributed import Client, LocalCluster
from montecarlo_helpers import assert_identical, fast_scenario
from scipy import stats

import simulator
import simulator.engine
from simulator.montecarlo.results import monthly_series_names
from simulator.montecarlo import runner
from simulator.montecarlo.statistics import KEY_METRICS, relative_half_width


@pytest.fixture(scope="module")
def scenario():
    return fast_scenario()


@pytest.fixture(scope="module")
def reference(scenario):
    """60 runs, one worker, in this process: what every other way of running must reproduce."""
    return simulator.simulate(scenario, runs=60, workers=1)


def test_reference_has_the_promised_shapes(scenario, reference):
    assert reference.strategies == list(scenario.strategies)
    assert reference.n_runs == 60 and not reference.partial
    for s in reference.strategies:
        assert all(v.shape == (60,) and v.dtype == np.float64 for v in reference.runs[s].values())
        assert all(v.shape == (60, 13) and v.dtype == np.float32 for v in reference.monthly[s].values())
    provenance = reference.summary["provenance"]
    assert provenance["seed"] == scenario.seed and provenance["runs"] == 60
    assert provenance["executor"] == "in-process" and provenance["stopping_rule"]["rule"] == "runs"


@pytest.mark.parametrize("workers, chunk_runs", [(2, None), (2, 7), (1, 25)])
def test_identical_for_any_worker_count_and_chunk_size(scenario, reference, workers, chunk_runs):
    results = simulator.simulate(scenario, runs=60, workers=workers, chunk_runs=chunk_runs)
    assert_identical(reference, results)


def test_a_running_process_pool_serves_several_simulations_and_is_left_running(scenario, reference):
    pool = runner.process_pool(2)
    try:
        first = simulator.simulate(scenario, runs=60, executor=pool, chunk_runs=7)
        assert_identical(reference, first)
        assert first.provenance["executor"] == "process pool" and first.provenance["workers"] == 2
        workers = set(pool._processes)
        again = simulator.simulate(scenario, runs=60, executor=pool, chunk_runs=11)
        assert_identical(reference, again)
        assert set(pool._processes) == workers, "the same worker processes, not new ones"
    finally:
        processes = list(pool._processes.values())
        runner.stop_pool(pool)
    assert not any(process.is_alive() for process in processes)


def test_identical_on_a_dask_cluster(scenario, reference):
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        results = simulator.simulate(scenario, runs=60, executor=client, chunk_runs=9)
    assert_identical(reference, results)
    assert results.summary["provenance"]["executor"] == "dask client"


@pytest.mark.slow
def test_a_lost_dask_worker_costs_time_never_results(scenario, reference):
    """Kill a worker process while chunks are in flight: its chunks run again, the results do not change."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one_worker(done, planned):
            if done >= 10 and not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(done)

        results = simulator.simulate(scenario, runs=60, executor=client, chunk_runs=5, progress=kill_one_worker)
    assert killed and killed[0] < 60
    assert_identical(reference, results)


def _each_strategy_in_its_own_world(monkeypatch):
    """Make the runner simulate every strategy separately (no motion shared between strategies)."""
    shared = simulator.engine.run_strategies

    def run_strategies(scenario, run, seed=None, strategies=None):
        return {s: shared(scenario, run, seed, [s])[s] for s in scenario.strategies}

    monkeypatch.setattr(simulator.engine, "run_strategies", run_strategies)


def test_common_random_numbers_across_strategies(monkeypatch):
    """Without the hybrid's override, its enterprise and SMB motions, simulated in a world of their own,
    see exactly the draws of the single-motion strategies, run by run: its counts are their sums."""
    scenario = fast_scenario("strategies.hybrid.overrides={}")
    _each_strategy_in_its_own_world(monkeypatch)
    results = simulator.simulate(scenario, runs=30, workers=1, chunk_runs=7)
    enterprise, smb, hybrid = (results.monthly[s] for s in ("enterprise", "smb", "hybrid"))
    for series in ("leads", "deals_opened", "won", "lost"):
        assert np.array_equal(hybrid[series], enterprise[series] + smb[series]), series
    assert np.any(enterprise["won"] > 0) and np.any(smb["won"] > 0)


def test_sharing_a_motion_between_strategies_changes_nothing(scenario, reference, monkeypatch):
    _each_strategy_in_its_own_world(monkeypatch)
    assert_identical(reference, simulator.simulate(scenario, runs=60, workers=1))


@pytest.mark.slow
def test_standard_errors_shrink_like_one_over_sqrt_runs(scenario):
    """se(n) = std / sqrt(n), so 4x the runs halves it; the tolerance is the sampling spread of the two
    standard deviations (from the sample's own kurtosis), at 4 sigma."""
    small = simulator.simulate(scenario, runs=50, workers=2)
    large = simulator.simulate(scenario, runs=200, workers=2)
    for s in large.strategies:
        for metric in KEY_METRICS:
            se_small = small.summary["strategies"][s][metric]["se"]
            se_large = large.summary["strategies"][s][metric]["se"]
            values = large.runs[s][metric]
            kurtosis = stats.kurtosis(values, fisher=False)
            # relative variance of a sample standard deviation: (kurtosis - 1) / (4 n)
            rel_var = (kurtosis - 1) / 4 * (1 / 50 + 1 / 200)
            assert abs(se_small / se_large - 2) < 4 * 2 * math.sqrt(rel_var), (s, metric)
            assert se_large == pytest.approx(np.std(values, ddof=1) / math.sqrt(200), rel=1e-12)


@pytest.mark.slow
def test_precision_control_stops_when_the_intervals_are_narrow_enough(scenario):
    results = simulator.simulate(scenario, runs=40, precision=0.15, max_runs=5000, workers=2)
    rule = results.summary["provenance"]["stopping_rule"]
    assert rule["rule"] == "precision"
    n = results.n_runs
    assert 40 < n < 5000 and results.summary["provenance"]["runs"] == n
    widest = max(relative_half_width(results.runs[s][m]) for s in results.strategies for m in KEY_METRICS)
    assert widest <= 0.15 and rule["worst_relative_half_width"] == pytest.approx(widest)
    again = simulator.simulate(scenario, runs=40, precision=0.15, max_runs=5000, workers=1)
    assert_identical(results, again)


def test_precision_control_stops_at_max_runs(scenario):
    results = simulator.simulate(scenario, runs=20, precision=1e-6, max_runs=50, workers=1)
    rule = results.summary["provenance"]["stopping_rule"]
    assert rule["rule"] == "max_runs" and results.n_runs == 50
    assert "max runs (50)" in rule["description"]


def test_the_first_batch_is_never_larger_than_max_runs(scenario):
    results = simulator.simulate(scenario, runs=40, precision=1e-6, max_runs=12, workers=1)
    assert results.n_runs == 12


def test_memory_per_run_is_what_the_store_takes(scenario):
    store = runner._Store(scenario, 100)
    taken = (store.metrics.nbytes + store.inputs.nbytes + store.monthly.nbytes + store.costs.nbytes
             + store.done.nbytes)
    assert taken == 100 * runner.memory_per_run(scenario)
    store.grow(250)
    assert store.capacity == 250 and store.monthly.shape == (3, len(monthly_series_names(scenario)), 250, 13)


def test_available_memory_agrees_with_psutil():
    psutil = pytest.importorskip("psutil")
    available = runner.available_memory()
    assert available == pytest.approx(psutil.virtual_memory().available, rel=0.2)


def _machine_with(available: int, monkeypatch) -> None:
    monkeypatch.setattr(runner, "available_memory", lambda: available)


def test_runs_that_do_not_fit_in_memory_are_refused_before_the_first_run(scenario, monkeypatch):
    _machine_with(2**30, monkeypatch)
    monkeypatch.setattr(runner, "run_chunk", lambda *args: pytest.fail("a run started"))
    per_run = runner.memory_per_run(scenario)
    with pytest.raises(runner.NotEnoughMemory, match=r"10,000,000 runs would need \d+\.\d GiB of memory .* "
                                                     r"1\.0 GiB is available") as refused:
        simulator.simulate(scenario, runs=10_000_000)
    assert refused.value.needed == 10_000_000 * per_run and refused.value.available == 2**30


class _RecordingStore(runner._Store):
    """A store that remembers every size it was given."""
    sizes: list = []

    def __init__(self, scenario, capacity):
        super().__init__(scenario, capacity)
        self.sizes.append(capacity)

    def grow(self, capacity):
        super().grow(capacity)
        self.sizes.append(self.capacity)


def test_precision_grows_the_store_batch_by_batch_and_stops_when_memory_runs_short(scenario, monkeypatch):
    monkeypatch.setattr(runner, "_Store", _RecordingStore)
    _RecordingStore.sizes = []
    _machine_with(100 * runner.memory_per_run(scenario), monkeypatch)
    results = simulator.simulate(scenario, runs=20, precision=1e-9, max_runs=10_000_000, workers=1)
    rule = results.summary["provenance"]["stopping_rule"]
    assert _RecordingStore.sizes[0] == 20 and _RecordingStore.sizes == sorted(_RecordingStore.sizes)
    assert max(_RecordingStore.sizes) <= 100 and results.n_runs == _RecordingStore.sizes[-1]
    assert rule["rule"] == "memory" and rule["next_runs_refused"] > 100
    assert f"stopped at {results.n_runs:,} runs before the precision" in rule["description"]
    assert "would need" in rule["description"] and "available" in rule["description"]


def _broken_after_calibration(scenario, run, seed=None, strategies=None):
    if run >= 3:
        raise ArithmeticError(f"run {run} does not add up")
    return _real_run_strategies(scenario, run, seed, strategies)


_real_run_strategies = simulator.engine.run_strategies


def test_a_failing_chunk_stops_the_pool_and_raises(scenario, monkeypatch):
    monkeypatch.setattr(simulator.engine, "run_strategies", _broken_after_calibration)  # forked workers see it
    with pytest.raises(ArithmeticError, match="does not add up"):
        simulator.simulate(scenario, runs=200, workers=2, chunk_runs=5)


def _interrupt_after(start_limit: int, monkeypatch):
    real = runner.run_chunk

    def run_chunk(scenario, start, stop, seed):
        if start >= start_limit:
            raise KeyboardInterrupt
        return real(scenario, start, stop, seed)

    monkeypatch.setattr(runner, "run_chunk", run_chunk)


def test_ctrl_c_returns_the_completed_runs_marked_partial(scenario, reference, monkeypatch):
    _interrupt_after(3, monkeypatch)   # the calibration chunk completes, then Ctrl-C
    results = simulator.simulate(scenario, runs=60, workers=1)
    assert results.partial and results.n_runs == 3
    assert results.summary["provenance"]["stopping_rule"]["rule"] == "interrupted"
    for s in results.strategies:
        assert np.array_equal(results.runs[s]["npv"], reference.runs[s]["npv"][:3])


def test_ctrl_c_before_any_run_completes_propagates(scenario, monkeypatch):
    _interrupt_after(0, monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        simulator.simulate(scenario, runs=10, workers=1)


def test_ctrl_c_stops_a_process_pool(scenario, monkeypatch):
    calls = []

    def progress(done, planned):
        calls.append(done)
        if done > 3:
            raise KeyboardInterrupt

    results = simulator.simulate(scenario, runs=200, workers=2, chunk_runs=10, progress=progress)
    assert results.partial and 3 < results.n_runs < 200
    assert results.summary["provenance"]["runs"] == results.n_runs


STOP_MID_RESULT = """
import time
from simulator.montecarlo.runner import process_pool, stop_pool

def result_larger_than_a_pipe(i):
    return b"x" * 20_000_000

pool = process_pool(2)
futures = [pool.submit(result_larger_than_a_pipe, i) for i in range(40)]
time.sleep(0.5)
stop_pool(pool, cancel=True)
print("stopped")
"""


def test_a_pool_stopped_while_a_worker_sends_its_result_lets_python_exit():
    """Workers ended half-way through sending a result left the pool's manager thread waiting for the rest,
    and the interpreter waiting for that thread at exit, for good (a test session that never ended)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", STOP_MID_RESULT], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert done.returncode == 0 and done.stdout.strip() == "stopped", done.stderr


@pytest.mark.parametrize("kwargs, message", [
    ({"runs": 0}, "runs (=0)"), ({"workers": 0}, "workers (=0)"), ({"precision": -0.1}, "precision (=-0.1)"),
    ({"max_runs": 10}, "max_runs (=10)"), ({"executor": "carrier-pigeon"}, "'carrier-pigeon'")])
def test_bad_arguments_name_the_value(scenario, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        simulator.simulate(scenario, **kwargs)


def test_chunks_are_sized_to_take_about_a_second():
    assert runner.chunk_size(0.01, 10_000, 2) == 100          # 1 s of 10 ms runs
    assert runner.chunk_size(0.01, 400, 2) == 50              # 0.5 s: smaller, 4 chunks per worker
    assert runner.chunk_size(0.01, 60, 2) == 10               # never under 0.1 s
    assert runner.chunk_size(0.01, 5, 2) == 5                 # never more than what is left
    assert runner.chunk_size(5.0, 100, 2) == 1                # slow runs: one per chunk
