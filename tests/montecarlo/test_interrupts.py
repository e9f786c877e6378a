"""Ctrl-C (SIGINT) once runs have finished always ends in the partial table and exit 130.

`timeout -s INT` signals the main process twice (itself, then its process
group); a second KeyboardInterrupt while the pool was being stopped used to
escape with every finished run lost ("interrupted" and nothing else).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner
from montecarlo_helpers import FAST, fast_scenario

import cli
import simulator
from simulator.montecarlo import runner
from simulator.montecarlo.interrupts import Terminated, sigint_handled
from simulator.montecarlo.results import Results

ROOT = Path(__file__).resolve().parents[2]
FAST_SET = [arg for item in FAST for arg in ("--set", item)]

needs_the_default_handler = pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="SIGINT is not Python's default here, so simulate leaves it alone")


def _sigint_to_self() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.01)   # let the handler run here, as a signal from outside would


def _simulate(*args, **kwargs):
    """simulate, with a KeyboardInterrupt that escapes it a test failure rather than the end of the session."""
    try:
        return simulator.simulate(*args, **kwargs)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped simulate although runs had finished")


@needs_the_default_handler
@pytest.mark.parametrize("workers", [1, 2])
def test_a_second_sigint_while_stopping_the_workers_is_ignored(workers, monkeypatch):
    """The first SIGINT stops the runs; one more while the executor is being stopped changes nothing."""
    close = {1: runner._InProcess.close, 2: runner._Pool.close}[workers]

    def close_and_signal_again(self, cancel=False):
        if cancel:
            _sigint_to_self()
        close(self, cancel)

    monkeypatch.setattr(runner._Pool if workers == 2 else runner._InProcess, "close", close_and_signal_again)

    def progress(done, planned):
        if done > 3:
            _sigint_to_self()

    results = _simulate(fast_scenario(), runs=400, workers=workers, chunk_runs=10, progress=progress)
    assert results.partial and 3 < results.n_runs < 400
    assert results.provenance["stopping_rule"]["rule"] == "interrupted"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # put back


@needs_the_default_handler
def test_a_sigint_while_the_pool_closes_after_the_last_run_keeps_every_run(monkeypatch):
    close = runner._Pool.close

    def close_and_signal(self, cancel=False):
        if not cancel:
            _sigint_to_self()
        close(self, cancel)

    monkeypatch.setattr(runner._Pool, "close", close_and_signal)
    results = _simulate(fast_scenario(), runs=30, workers=2, chunk_runs=10)
    assert results.partial and results.n_runs == 30
    assert "after 30 of 30 runs" in results.provenance["stopping_rule"]["description"]


@needs_the_default_handler
def test_sigint_before_any_run_finishes_still_raises(monkeypatch):
    real = runner.run_chunk

    def run_chunk(*args):
        _sigint_to_self()
        return real(*args)

    monkeypatch.setattr(runner, "run_chunk", run_chunk)
    with pytest.raises(KeyboardInterrupt):
        simulator.simulate(fast_scenario(), runs=10, workers=1)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@needs_the_default_handler
def test_sigint_while_saving_prints_the_table_saves_nothing_and_exits_130(tmp_path, monkeypatch):
    write = Results._write

    def write_and_signal(self, directory):
        write(self, directory)
        _sigint_to_self()
        _sigint_to_self()

    monkeypatch.setattr(Results, "_write", write_and_signal)
    result = CliRunner().invoke(cli.main, ["run", "--runs", "10", "--workers", "1", "--quiet", "--no-plots",
                                           *FAST_SET, "--out", str(tmp_path / "out")])
    assert result.exit_code == 130, result.output
    assert "P(enterprise beats smb)" in result.stdout and "nothing was saved" in result.stderr
    assert list(tmp_path.iterdir()) == []


def _start_run(tmp_path, workers: int) -> subprocess.Popen:
    """`python cli.py run` of many quick runs, with Python's own SIGINT handler whatever this process has."""
    code = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "sys.argv = ['cli.py', *sys.argv[1:]]; runpy.run_path('cli.py', run_name='__main__')")
    args = [sys.executable, "-c", code, "run", "--runs", "100000", "--workers", str(workers), "--no-plots",
            *FAST_SET, "--out", str(tmp_path / "out")]
    return subprocess.Popen(args, cwd=ROOT, stdout=open(tmp_path / "stdout", "w"),
                            stderr=open(tmp_path / "stderr", "w"))


@pytest.mark.slow
@pytest.mark.parametrize("signum, signals", [(signal.SIGINT, 1), (signal.SIGINT, 2), (signal.SIGINT, 3),
                                             (signal.SIGTERM, 1), (signal.SIGTERM, 2)])
def test_a_signal_to_the_main_process_only_prints_the_partial_table(tmp_path, signum, signals):
    """As `timeout` or a job scheduler does: the main process gets SIGINT (`timeout -s INT` sends it twice)
    or SIGTERM, its workers do not. Every time: the table of the runs finished, exit 130 (143 for SIGTERM),
    no worker left behind (SIGTERM used to end the main process at once and leave them computing)."""
    process = _start_run(tmp_path, workers=2)
    try:
        deadline = time.monotonic() + 60
        while "runs (" not in (tmp_path / "stderr").read_text():   # the first run has finished
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr").read_text()
            time.sleep(0.02)
        time.sleep(1.5)                                             # the pool has been at work for a while
        workers = psutil.Process(process.pid).children()
        for _ in range(signals):
            os.kill(process.pid, signum)
            time.sleep(0.01)
        returncode = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    stdout, stderr = (tmp_path / "stdout").read_text(), (tmp_path / "stderr").read_text()
    term = signum == signal.SIGTERM
    assert returncode == (143 if term else 130), stderr
    stop = r"terminated \(SIGTERM\)" if term else r"interrupted \(Ctrl-C\)"
    found = re.search(rf"PARTIAL RESULTS: {stop} after ([\d,]+) of 100,000 runs", stdout)
    assert found and int(found[1].replace(",", "")) >= 1, stdout + stderr
    assert "P(enterprise beats smb)" in stdout and "Traceback" not in stderr
    assert not (tmp_path / "out").exists()
    time.sleep(0.5)
    left = [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    for worker in left:
        worker.kill()
    assert not left, "worker processes outlived the interrupted run"


@pytest.mark.skipif(signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL, reason="SIGTERM is handled here already")
def test_a_background_job_whose_sigint_is_ignored_still_stops_cleanly_on_sigterm():
    """A shell's background job starts with SIGINT ignored: that is left alone, but SIGTERM, which would end
    the main process at once and leave its workers computing, is handled for the block and then restored."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with sigint_handled() as handler:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is handler
            with sigint_handled() as inner:              # simulate inside the command line's block
                assert inner is handler
            with pytest.raises(Terminated):
                with handler.interruptible():
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(0.5)
            assert (handler.terminated, handler.exit_code, handler.stop) == (True, 143, "terminated (SIGTERM)")
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGINT, previous)
