"""Monte Carlo runs: chunks of runs sent to an executor (in-process, process pool, Dask), gathered in place.

Run i of every strategy is ``run_strategy(scenario, strategy, i, seed)``, a
pure function of its arguments (computed for all strategies at once by
``run_strategies``), so the work splits into chunks of runs that
any process may compute; each chunk's arrays are copied into the store's
arrays at the chunk's own rows. Results therefore do not depend on the worker
count, the chunk size, the executor or the order in which chunks come back.
The store holds the runs asked for, and grows batch by batch under precision
control; a number of runs whose results would not fit in the memory available
is refused before the first run (:class:`NotEnoughMemory`).

Chunks are sized from a measured calibration chunk to take about a second,
never run by run (a Dask task costs ~1.7 ms, a pool task ~35 us); a small job
gets smaller chunks, down to 0.1 s, so that every worker has some. A bounded
number of chunks is in flight at a time, so finished chunks never pile up in
memory.
"""
from __future__ import annotations

import logging
import math
import os
import time
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone

import numpy as np

import simulator
from simulator.engine.ledger import COST_CATEGORIES
from simulator.engine import input_names
from simulator.engine.catalogue import belongs_to, run_metric_names, run_series_names
from simulator.montecarlo import precision as precision_control
from simulator.montecarlo.interrupts import ignore_sigint, interruptible, sigint_handled, sigint_ignored
from simulator.montecarlo.results import Results, build_summary, monthly_series_names

TARGET_CHUNK_SECONDS = 1.0
MIN_CHUNK_SECONDS = 0.1
DEFAULT_MAX_RUNS = 100_000
LOST_CHUNK_ATTEMPTS = 3   # a chunk whose worker died is run again, this many times at most


def run_chunk(scenario, start: int, stop: int, seed: int) -> dict:
    """Runs ``start`` .. ``stop - 1`` of every strategy: the one function every executor calls.

    Returns ``metrics`` float64 (strategies, metrics, runs: the company's
    metrics and every motion's, NaN for a motion the strategy does not run,
    as :func:`run_metric_names` lists them), ``inputs`` float64
    (strategies, uncertain inputs, runs: :func:`input_names`, NaN where the
    strategy has no such input), ``monthly`` float32 (strategies, series,
    runs, months), ``costs`` float64 (strategies, cost categories, runs:
    totals over the horizon), and the ``start``, ``stop`` and ``seconds`` it
    took.
    """
    # The engine loads only where runs happen. run_strategies simulates a motion that several strategies
    # share once per run: the same books as run_strategy for each, in less time.
    from simulator.engine import run_strategies

    began = time.perf_counter()
    strategies = list(scenario.strategies)
    n, months = stop - start, scenario.horizon_months
    names, inputs_drawn, series_names = run_metric_names(scenario), input_names(scenario), run_series_names(scenario)
    metrics = np.empty((len(strategies), len(names), n), dtype=np.float64)
    inputs = np.empty((len(strategies), len(inputs_drawn), n), dtype=np.float64)
    monthly = np.empty((len(strategies), len(series_names) + len(COST_CATEGORIES), n, months), dtype=np.float32)
    costs = np.empty((len(strategies), len(COST_CATEGORIES), n), dtype=np.float64)
    nan = math.nan
    for j, run in enumerate(range(start, stop)):
        books = run_strategies(scenario, run, seed)
        for s, strategy in enumerate(strategies):
            result = books[strategy]
            metrics[s, :, j] = [result.metrics.get(m, nan) for m in names]
            inputs[s, :, j] = [result.inputs.get(p, nan) for p in inputs_drawn]
            for k, series in enumerate(series_names):
                monthly[s, k, j] = result.monthly[series]
            for k, category in enumerate(COST_CATEGORIES, start=len(series_names)):
                monthly[s, k, j] = result.costs[category]
            costs[s, :, j] = [float(np.sum(result.costs[c])) for c in COST_CATEGORIES]
    return {"start": start, "stop": stop, "metrics": metrics, "inputs": inputs, "monthly": monthly, "costs": costs,
            "seconds": time.perf_counter() - began}


def chunk_size(seconds_per_run: float, remaining: int, workers: int) -> int:
    """Runs per chunk: about TARGET_CHUNK_SECONDS of work, less (not under MIN_CHUNK_SECONDS) when that
    gives every worker about 4 chunks of the ``remaining`` runs."""
    per_run = max(seconds_per_run, 1e-6)
    ideal = max(1, int(TARGET_CHUNK_SECONDS / per_run))
    least = max(1, int(MIN_CHUNK_SECONDS / per_run))
    balanced = math.ceil(remaining / (4 * max(1, workers)))
    return max(1, min(ideal, max(least, balanced), remaining))


def memory_per_run(scenario) -> int:
    """Bytes that the results of one run (every strategy) take in memory while a simulation runs.

    Per strategy: every monthly series and each cost category's monthly
    amounts, ``months`` float32 values each (4 bytes), and every per-run
    metric (the company's and each motion's), uncertain input and cost total
    (float64, 8 bytes); plus one byte marking the run done: about 11 kB for
    the default scenario's 3 strategies over 36 months.
    """
    per_strategy = (len(monthly_series_names(scenario)) * scenario.horizon_months * 4
                    + (len(run_metric_names(scenario)) + len(input_names(scenario)) + len(COST_CATEGORIES)) * 8)
    return len(scenario.strategies) * per_strategy + 1


def available_memory() -> int | None:
    """Bytes of memory available for new data now, without swapping; None where the system does not say.

    Linux: ``MemAvailable`` of /proc/meminfo (free memory plus caches the
    kernel can drop). Elsewhere: free physical pages from ``os.sysconf``.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _gib(count: float) -> str:
    return f"{count / 2**30:,.1f} GiB"


class NotEnoughMemory(ValueError):
    """The runs asked for would need more memory for their results than the machine has available."""

    def __init__(self, runs: int, per_run: int, available: int):
        self.runs, self.needed, self.available = runs, runs * per_run, available
        super().__init__(f"{runs:,} runs would need {_gib(self.needed)} of memory for their results "
                         f"({per_run:,} bytes a run); {_gib(available)} is available, enough for about "
                         f"{max(0, available // per_run):,} runs")


def _room_for(runs: int, per_run: int) -> int | None:
    """The memory available when ``runs`` more runs would not fit in it, else None."""
    available = available_memory()
    return available if available is not None and runs * per_run > available else None


class _Store:
    """Arrays holding every run asked for so far, filled chunk by chunk at each chunk's rows."""

    def __init__(self, scenario, capacity: int):
        strategies, months = len(scenario.strategies), scenario.horizon_months
        self.names, self.input_names = run_metric_names(scenario), input_names(scenario)
        self.series = monthly_series_names(scenario)
        self.metrics = np.empty((strategies, len(self.names), capacity), dtype=np.float64)
        self.inputs = np.empty((strategies, len(self.input_names), capacity), dtype=np.float64)
        self.monthly = np.empty((strategies, len(self.series), capacity, months), dtype=np.float32)
        self.costs = np.empty((strategies, len(COST_CATEGORIES), capacity), dtype=np.float64)
        self.done = np.zeros(capacity, dtype=bool)

    @property
    def capacity(self) -> int:
        """Runs the store has room for."""
        return int(self.done.size)

    def grow(self, capacity: int) -> None:
        """Make room for ``capacity`` runs, keeping those stored (a precision batch asks for more)."""
        if capacity <= self.capacity:
            return
        kept = self.capacity
        for name in ("metrics", "inputs", "monthly", "costs"):
            old = getattr(self, name)
            new = np.empty(old.shape[:2] + (capacity,) + old.shape[3:], dtype=old.dtype)
            new[:, :, :kept] = old
            setattr(self, name, new)
        self.done = np.concatenate([self.done, np.zeros(capacity - kept, dtype=bool)])

    def put(self, chunk: dict) -> None:
        rows = slice(chunk["start"], chunk["stop"])
        self.metrics[:, :, rows] = chunk["metrics"]
        self.inputs[:, :, rows] = chunk["inputs"]
        self.monthly[:, :, rows] = chunk["monthly"]
        self.costs[:, :, rows] = chunk["costs"]
        self.done[rows] = True

    def metric(self, s: int, name: str, n: int) -> np.ndarray:
        return self.metrics[s, self.names.index(name), :n]


def local_cluster(workers: int):
    """A Dask LocalCluster of ``workers`` single-threaded worker processes, tuned for chunks of runs.

    Dask's defaults suit workers that hold data; ours run allocation-heavy
    Python for a second at a time and keep nothing, and Dask's malloc
    trimming and 10 ms stack sampling cost them ~15% of their speed.
    """
    import dask
    from distributed import LocalCluster

    quick = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
             "distributed.worker.profile.enabled": False}
    with sigint_ignored(), dask.config.set(quick):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                            silence_logs=logging.ERROR)


class _InProcess:
    """Runs each chunk at once, in this process."""

    name = "in-process"
    lost_errors: tuple = ()

    def __init__(self, scenario, seed):
        self.scenario, self.seed, self.workers = scenario, seed, 1

    def submit(self, start: int, stop: int) -> Future:
        future: Future = Future()
        future.set_result(run_chunk(self.scenario, start, stop, self.seed))
        return future

    def wait(self, pending):
        return list(pending)

    def cancel(self, futures) -> None:
        """Give up on chunks not yet returned (Ctrl-C, or another chunk failed)."""

    def close(self, cancel: bool = False) -> None:
        """Let go of the workers; with ``cancel``, stop them now rather than letting running chunks end."""


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for chunks of runs: ``workers`` processes that ignore Ctrl-C (the parent handles it).

    ``simulate(..., executor=pool)`` runs on it and leaves it running, so that several simulations (the
    points of a sweep, the evaluations of a seek) share its processes; end it with :func:`stop_pool`.
    """
    return ProcessPoolExecutor(workers, initializer=ignore_sigint)


def stop_pool(pool: ProcessPoolExecutor, cancel: bool = False) -> None:
    """Shut a process pool down: after its running chunks end, or with ``cancel`` at once (the workers
    terminated: Ctrl-C, or a failure elsewhere)."""
    if not cancel:
        pool.shutdown(wait=True)
        return
    # The standard library has no public way to stop running tasks before 3.14.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    results = getattr(pool, "_result_queue", None)
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if not _ended(process, 2.0):
            # still starting when told to end: a forked worker holds the parent's handler, which only counts
            # SIGTERM, until its initializer restores the default
            process.kill()
            _ended(process, 10.0)
    if manager is not None:
        manager.join(timeout=2.0)
        if manager.is_alive() and results is not None:
            # The pool's manager thread waits for the rest of a result that a terminated worker was half-way
            # through sending, and the interpreter would wait for that thread at exit, for good. Ours is the
            # last open end the rest could come from: closing it ends the wait (the pool then counts as broken).
            results._writer.close()
            manager.join(timeout=10.0)


def _ended(process, seconds: float) -> bool:
    """Wait up to ``seconds`` for a worker process to have exited (not only closed its pipes, which
    ``join`` waits for), and say whether it has."""
    deadline = time.monotonic() + seconds
    process.join(timeout=seconds)
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.005)
    return process.exitcode is not None


class _Pool(_InProcess):
    """A process pool on this machine (default: one worker per core), started here or handed in running."""

    name = "process pool"
    lost_errors = (BrokenProcessPool,)

    def __init__(self, scenario, seed, workers: int, pool: ProcessPoolExecutor | None = None):
        super().__init__(scenario, seed)
        self.own = pool is None
        self.pool = process_pool(workers) if pool is None else pool
        self.workers = workers if pool is None else int(getattr(pool, "_max_workers", None) or workers)

    def submit(self, start: int, stop: int) -> Future:
        try:
            return self.pool.submit(run_chunk, self.scenario, start, stop, self.seed)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start a fresh pool of our own (a pool handed in stays
            # broken for its owner to end); lost chunks come back here.
            if self.own:
                self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool, self.own = process_pool(self.workers), True
            return self.pool.submit(run_chunk, self.scenario, start, stop, self.seed)

    def wait(self, pending):
        return wait(pending, return_when=FIRST_COMPLETED).done

    def cancel(self, futures) -> None:
        for future in futures:
            future.cancel()

    def close(self, cancel: bool = False) -> None:
        """Shut our own pool down; leave a pool handed in running (its chunks cancelled) for its owner."""
        if self.own:
            stop_pool(self.pool, cancel)


class _Dask(_InProcess):
    """A Dask distributed cluster: a LocalCluster started here, or an existing scheduler."""

    def __init__(self, scenario, seed, workers: int | None, address=None, client=None):
        from distributed import Client
        from distributed.client import FutureCancelledError
        from distributed.comm.core import CommClosedError
        from distributed.scheduler import KilledWorker

        super().__init__(scenario, seed)
        self.lost_errors = (KilledWorker, CommClosedError, FutureCancelledError)
        self.cluster, self.own_client = None, client is None
        if client is not None:
            self.client, self.name = client, "dask client"
        elif address is not None:
            self.client, self.name = Client(address, timeout="20s"), f"dask scheduler {address}"
        else:
            self.cluster = local_cluster(workers)
            self.client, self.name = Client(self.cluster), "dask LocalCluster"
        infos = self.client.scheduler_info().get("workers", {}).values()
        self.workers = max(1, sum(int(w.get("nthreads", 1)) for w in infos))
        self.token = uuid.uuid4().hex[:12]

    def submit(self, start: int, stop: int):
        # retries: a chunk whose task failed runs again; a chunk on a lost worker is rescheduled by Dask.
        return self.client.submit(run_chunk, self.scenario, start, stop, self.seed, retries=2,
                                  key=f"salesim-chunk-{self.token}-{start}-{stop}-{uuid.uuid4().hex[:6]}")

    def wait(self, pending):
        from distributed import wait as dask_wait
        return dask_wait(list(pending), return_when="FIRST_COMPLETED").done

    def cancel(self, futures) -> None:
        if futures and self.client.status == "running":
            self.client.cancel(list(futures))

    def close(self, cancel: bool = False) -> None:
        if not self.own_client:
            return
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _executor(kind, scenario, seed, workers):
    """The executor adapter for ``kind``: auto, in-process, process, dask, a tcp:// address or a Client."""
    if kind == "auto":
        kind = "in-process" if workers == 1 else "process"
    if kind == "in-process":
        return _InProcess(scenario, seed)
    if kind == "process":
        return _Pool(scenario, seed, workers)
    if kind == "dask":
        return _Dask(scenario, seed, workers)
    if isinstance(kind, str) and "://" in kind:
        return _Dask(scenario, seed, None, address=kind)
    if hasattr(kind, "submit") and hasattr(kind, "scheduler_info"):
        return _Dask(scenario, seed, None, client=kind)
    if isinstance(kind, ProcessPoolExecutor):
        return _Pool(scenario, seed, workers, pool=kind)
    raise ValueError(f"executor={kind!r} is not one of 'auto', 'in-process', 'process', 'dask', a scheduler "
                     "address such as 'tcp://host:8786', a distributed.Client or a running process pool")


def _run_range(adapter, store: _Store, start: int, stop: int, per_run: float, chunk_runs, report) -> None:
    """Compute runs start .. stop-1 in chunks, a bounded number in flight, each copied into ``store``."""
    queue, position = deque(), start
    while position < stop:
        size = chunk_runs or chunk_size(per_run, stop - position, adapter.workers)
        queue.append((position, min(stop, position + size)))
        position += size
    pending: dict = {}
    window = 2 * adapter.workers + 1
    try:
        while queue or pending:
            while queue and len(pending) < window:
                begin, end = queue.popleft()
                pending[adapter.submit(begin, end)] = (begin, end, 1)
            for future in adapter.wait(pending):
                begin, end, attempt = pending.pop(future)
                try:
                    chunk = future.result()
                except adapter.lost_errors:
                    if attempt >= LOST_CHUNK_ATTEMPTS:
                        raise
                    pending[adapter.submit(begin, end)] = (begin, end, attempt + 1)
                    continue
                store.put(chunk)
                report(end - begin)
    except BaseException:
        adapter.cancel(list(pending))
        raise
    finally:
        pending.clear()


def simulate(scenario, runs: int | None = None, seed: int | None = None, workers: int | None = None,
             chunk_runs: int | None = None, executor="auto", precision=None,
             max_runs: int | None = None, progress=None) -> Results:
    """Run every strategy of ``scenario`` ``runs`` times and return the :class:`Results`.

    runs: runs per strategy (default ``scenario.runs``; with ``precision``,
        the first batch). seed: root seed (default ``scenario.seed``).
    workers: processes or Dask workers (default: every core).
    chunk_runs: runs per chunk (default: measured, ~1 s of work per chunk).
    executor: 'auto' (in-process for 1 worker, else a process pool),
        'in-process', 'process', 'dask' (a LocalCluster), a scheduler address
        ('tcp://host:8786'), a ``distributed.Client``, or a running process
        pool (:func:`process_pool`), which is left running for more
        simulations (its own worker count then applies).
    precision: run batch after batch until the 95% CI half-width of the mean
        of each watched metric is within its target for every strategy, or
        ``max_runs`` (default 100,000; the first batch is never larger) is
        reached, or the next batch would not fit in the memory available.
        A number (0.01) or "1%": within that share of |mean| for the key
        metrics (revenue, npv, ending_cash, capital_needed). A mapping
        watches only the metrics it names, each with an amount in the
        metric's unit ({"npv": 50_000}) or a share of its |mean|
        ({"npv": "1%"}); see :mod:`simulator.montecarlo.precision`.
    progress: called as ``progress(runs_done, runs_planned)`` after each chunk.

    Memory grows with the runs asked for (:func:`memory_per_run` each);
    :class:`NotEnoughMemory` is raised before the first run when ``runs``
    (with ``precision``, the first batch) would not fit in the memory
    available.

    Identical arguments give bit-identical results whatever the workers,
    chunk_runs or executor. Ctrl-C stops the workers and returns the runs
    completed so far, marked partial (``results.partial``); with none
    completed, KeyboardInterrupt propagates. In the main thread, a further
    SIGINT while the workers stop and the runs are gathered is ignored
    (see :mod:`simulator.montecarlo.interrupts`).
    """
    runs, seed, workers, wanted, max_runs = _arguments(scenario, runs, seed, workers, chunk_runs, precision,
                                                       max_runs)
    strategies = list(scenario.strategies)
    per_run = memory_per_run(scenario)
    available = _room_for(runs, per_run)
    if available is not None:
        raise NotEnoughMemory(runs, per_run, available)
    store = _Store(scenario, runs)
    counter = _Counter(runs, progress)
    started, utc = time.perf_counter(), datetime.now(timezone.utc)
    adapter, interrupted, rule = None, False, None
    executor_name, worker_count = _executor_name(executor, workers), workers
    # Outside `interruptible`, SIGINT is only counted: stopping the workers and gathering the finished runs
    # must not be cut short by a second one (`timeout -s INT` sends two).
    with sigint_handled() as sigint:
        try:
            with interruptible(sigint):
                seconds_per_run = _calibrate(scenario, seed, store, counter)
                adapter = _executor(executor, scenario, seed, workers)
                executor_name, worker_count = adapter.name, adapter.workers
                rule = _run_batches(adapter, store, scenario, counter, seconds_per_run, chunk_runs, wanted,
                                    max_runs, per_run)
            adapter.close()
            adapter = None
        except BaseException as error:
            if adapter is not None:
                adapter.close(cancel=True)
            if not isinstance(error, KeyboardInterrupt) or not store.done.any():
                raise
            interrupted = True
        if sigint is not None and sigint.received:   # during the last close: the runs are done, but stop here
            interrupted = True
        completed = np.flatnonzero(store.done) if interrupted else np.arange(counter.planned)
        if interrupted:
            stop = sigint.stop if sigint is not None else "interrupted (Ctrl-C)"
            rule = {"rule": "interrupted", "description": f"{stop} after {completed.size:,} of "
                                                          f"{counter.planned:,} runs"}
        provenance = {
            "salesim_version": simulator.__version__, "scenario": scenario.name,
            "scenario_sha256": scenario.sha256, "seed": seed, "runs": int(completed.size),
            "horizon_months": scenario.horizon_months, "wall_seconds": round(time.perf_counter() - started, 3),
            "utc_time": utc.strftime("%Y-%m-%dT%H:%M:%SZ"), "executor": executor_name, "workers": worker_count,
            "stopping_rule": rule, "partial": interrupted}
        return _results(scenario, strategies, store, completed, provenance)


def _arguments(scenario, runs, seed, workers, chunk_runs, precision, max_runs) -> tuple:
    """simulate's arguments checked, defaults filled: runs (the first batch), seed, workers, the precision
    targets and the most runs allowed."""
    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if runs < 1 or workers < 1 or (chunk_runs is not None and chunk_runs < 1):
        raise ValueError(f"runs (={runs}), workers (={workers}) and chunk_runs (={chunk_runs}) must be >= 1")
    wanted = precision_control.targets(precision)
    if max_runs is not None and not wanted:
        raise ValueError(f"max_runs (={max_runs}) needs a precision to stop at")
    if not wanted:
        return runs, seed, workers, wanted, runs
    max_runs = DEFAULT_MAX_RUNS if max_runs is None else int(max_runs)
    if max_runs < 1:
        raise ValueError(f"max_runs (={max_runs}) must be >= 1")
    return min(runs, max_runs), seed, workers, wanted, max_runs


class _Counter:
    """Runs done and planned, told to ``progress(done, planned)`` after each chunk."""

    def __init__(self, planned: int, progress=None):
        self.done, self.planned, self.progress = 0, planned, progress

    def __call__(self, count: int) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.planned)


def _calibrate(scenario, seed: int, store: _Store, counter: _Counter) -> float:
    """Run the first runs here, timed after a warm-up run, and keep them like any other; seconds per run."""
    for begin, end in ((0, 1), (1, min(counter.planned, 3))):
        if begin < end:
            calibration = run_chunk(scenario, begin, end, seed)
            store.put(calibration)
            counter(end - begin)
    return calibration["seconds"] / (calibration["stop"] - calibration["start"])


def _run_batches(adapter, store: _Store, scenario, counter: _Counter, seconds_per_run: float, chunk_runs, wanted,
                 max_runs: int, per_run: int) -> dict:
    """Run batch after batch (one without precision targets) until the stopping rule says stop; return it."""
    done = min(counter.planned, 3)   # the calibration's
    while True:
        _run_range(adapter, store, done, counter.planned, seconds_per_run, chunk_runs, counter)
        done = counter.planned
        rule = _stopping_rule(store, scenario, done, wanted, max_runs)
        if rule["rule"] == "continue":
            # Growing copies the stored runs into arrays for the next batch: both must fit at once.
            available = _room_for(rule["next_runs"], per_run)
            if available is not None:
                rule = _out_of_memory_rule(rule, done, NotEnoughMemory(rule["next_runs"], per_run, available))
        if rule["rule"] != "continue":
            return rule
        store.grow(rule["next_runs"])
        counter.planned = rule["next_runs"]


def _executor_name(kind, workers) -> str:
    """The executor's name for the provenance, before (or without) starting it."""
    if kind == "auto":
        kind = "in-process" if workers == 1 else "process"
    if isinstance(kind, str):
        return {"process": "process pool", "dask": "dask LocalCluster"}.get(kind, kind)
    return "process pool" if isinstance(kind, ProcessPoolExecutor) else "dask client"


def _stopping_rule(store: _Store, scenario, n: int, wanted, max_runs: int) -> dict:
    """Whether to stop after ``n`` runs, and why; with precision targets, how many runs to aim for next."""
    if not wanted:
        return {"rule": "runs", "description": f"the {n:,} runs asked for"}
    return precision_control.stopping_rule(lambda s, metric: store.metric(s, metric, n), list(scenario.strategies),
                                           n, wanted, max_runs, scenario.company.currency)


def _out_of_memory_rule(rule: dict, n: int, error: NotEnoughMemory) -> dict:
    """The stopping rule when the next precision batch would not fit in memory: stop at ``n`` runs."""
    base = {k: v for k, v in rule.items() if k not in ("rule", "next_runs")}
    return {"rule": "memory", **base, "next_runs_refused": error.runs, "memory_needed": error.needed,
            "memory_available": error.available,
            "description": f"stopped at {n:,} runs before the precision was reached ({rule['short_of']}): "
                           f"the next batch ({error.runs:,} runs) would need "
                           f"{_gib(error.needed)} of memory, with {_gib(error.available)} available"}


def _results(scenario, strategies, store: _Store, rows: np.ndarray, provenance: dict) -> Results:
    """Results over the given rows of the store (a prefix when complete, so views, not copies)."""
    n = rows.size
    prefix = n == 0 or (rows[0] == 0 and rows[-1] == n - 1)
    pick = slice(0, n) if prefix else rows
    own = {s: set(scenario.strategies[s].motions) for s in strategies}
    runs = {s: {m: store.metrics[i, j, pick] for j, m in enumerate(store.names) if belongs_to(m, own[s])}
            for i, s in enumerate(strategies)}
    inputs = {s: {p: store.inputs[i, j, pick] for j, p in enumerate(store.input_names)
                  if not np.isnan(store.inputs[i, j, pick]).all()} for i, s in enumerate(strategies)}
    monthly = {s: {k: store.monthly[i, j, pick] for j, k in enumerate(store.series)}
               for i, s in enumerate(strategies)}
    costs = {s: {c: store.costs[i, j, pick] for j, c in enumerate(COST_CATEGORIES)}
             for i, s in enumerate(strategies)}
    summary = build_summary(provenance, runs, costs)
    return Results(scenario, strategies, runs, monthly, summary, costs, rows, inputs)
