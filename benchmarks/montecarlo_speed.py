"""How fast and how big Monte Carlo runs of the default scenario are, on this machine.

Prints (a "run" is one run index: every strategy of the scenario once):
- runs per second with 1 worker and with every core, and their ratio;
- runs per second on a Dask LocalCluster of every core against the process
  pool (the cluster started and its workers' imports done beforehand; that
  start-up time shown apart);
- seconds for 10,000 runs with every core (the `salesim run` path);
- peak resident memory of the runner for 10,000 and 100,000 runs, each in a
  fresh subprocess (the parent's peak; the largest worker's shown apart).

Throughput figures are medians over --repeats repetitions; this machine is
shared and noisy, so read them as +-10%.

Usage: python benchmarks/montecarlo_speed.py [--runs N] [--repeats K] [--memory 10000,100000] [--skip-memory]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import simulator
from simulator.montecarlo import local_cluster

_MEMORY_PROBE = """
import json, resource, sys, tempfile, time
import simulator
runs = int(sys.argv[1])
scenario = simulator.load_scenario(None)
started = time.perf_counter()
results = simulator.simulate(scenario, runs=runs)
seconds = time.perf_counter() - started
with tempfile.TemporaryDirectory() as tmp:
    started = time.perf_counter()
    results.save(tmp + "/out")
    save_seconds = time.perf_counter() - started
print(json.dumps({"runs": results.n_runs, "seconds": seconds, "save_seconds": save_seconds,
                  "executor": results.provenance["executor"],
                  "workers": results.provenance["workers"],
                  "parent_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _rate(scenario, runs: int, repeats: int, **kwargs) -> float:
    """Median runs per second of ``simulate`` over ``repeats`` repetitions."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        simulator.simulate(scenario, runs=runs, **kwargs)
        rates.append(runs / (time.perf_counter() - started))
    return statistics.median(rates)


def _memory(runs: int) -> dict:
    done = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(runs)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400, help="runs per throughput measurement")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of each throughput measurement")
    parser.add_argument("--memory", default="10000,100000", help="run counts for the memory measurements")
    parser.add_argument("--skip-memory", action="store_true", help="throughput only")
    parser.add_argument("--skip-throughput", action="store_true", help="memory only")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    scenario = simulator.load_scenario(None)
    print(f"scenario {scenario.name}: {len(scenario.strategies)} strategies, {scenario.horizon_months} months; "
          f"{cores} cores")
    if not args.skip_throughput:
        print(f"  throughput: medians of {args.repeats} x {args.runs} runs")
        _throughput(scenario, args.runs, args.repeats, cores)
    if args.skip_memory:
        return
    for runs in (int(x) for x in args.memory.split(",")):
        found = _memory(runs)
        print(f"  {runs:,} runs: {found['seconds']:.0f} s ({found['executor']}, {found['workers']} workers) "
              f"+ {found['save_seconds']:.0f} s to save; peak resident {found['parent_peak_mb']:.0f} MB "
              f"(largest worker {found['worker_peak_mb']:.0f} MB)")


def _throughput(scenario, runs: int, repeats: int, cores: int) -> None:
    simulator.simulate(scenario, runs=3, workers=1)   # warm up imports
    one = _rate(scenario, runs, repeats, workers=1)
    pool = _rate(scenario, runs, repeats, workers=cores)
    print(f"  1 worker (in-process):         {one:6.1f} runs/s")
    print(f"  {cores} workers (process pool):     {pool:6.1f} runs/s   ({pool / one:.2f}x one worker)")

    from distributed import Client
    started = time.perf_counter()
    with local_cluster(cores) as cluster, Client(cluster) as client:   # the cluster `salesim run --dask` starts
        simulator.simulate(scenario, runs=4 * cores + 3, executor=client, chunk_runs=1)  # workers import
        start_up = time.perf_counter() - started
        dask = _rate(scenario, runs, repeats, executor=client)
    print(f"  {cores} workers (Dask LocalCluster): {dask:6.1f} runs/s   ({dask / pool:.2f}x the process pool; "
          f"cluster start-up and imports {start_up:.1f} s, not counted)")
    print(f"  10,000 runs at {pool:.1f} runs/s: ~{10_000 / pool:.0f} s")


if __name__ == "__main__":
    main()
