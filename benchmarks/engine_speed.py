"""How fast one run is: milliseconds per run of each strategy of the default scenario, on one core.

Times are CPU time of this process (``time.process_time``), which a busy
neighbour on a shared machine disturbs less than the wall clock, and which
is how the C peer RevSim's figure is quoted. Prints, as medians over
repetitions (this machine is shared and noisy):
- ms per run of each strategy alone (``run_strategy``);
- ms per run of all strategies together (``run_strategies``, which
  simulates a motion shared by several strategies once): the figure the
  Monte Carlo runner pays per run index;
- microseconds per simulated deal (leads that reached a rep or a decision).

With ``--peer CMD`` (a shell command that simulates one run of a peer
tool, say RevSim on its config-simple.ini for benchmarks/revsim_simple.yaml),
the peer's CPU time per run (its child processes' user + system time) is
measured interleaved with salesim's on the same scenario, repetition by
repetition, and the two are printed side by side.

Usage: python benchmarks/engine_speed.py [--runs N] [--repeats K] [--peer CMD [--peer-runs M]] [SCENARIO]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import time

import numpy as np

import simulator
from simulator.engine import run_strategies, run_strategy


def _time(fn, runs: int) -> float:
    start = time.process_time()
    for run in range(runs):
        fn(run)
    return (time.process_time() - start) / runs


def _peer_time(command: str, runs: int) -> float:
    """CPU seconds per run of a peer's command (user + system of the children), run ``runs`` times."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=None)
    parser.add_argument("--runs", type=int, default=40, help="runs timed per repetition")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions; the median is shown")
    parser.add_argument("--peer", help="shell command simulating one run of a peer tool, timed interleaved")
    parser.add_argument("--peer-runs", type=int, default=20, help="peer runs timed per repetition")
    args = parser.parse_args()
    scenario = simulator.load_scenario(args.scenario)
    run_strategies(scenario, 0)  # warm up imports and caches

    print(f"scenario {scenario.name}: {scenario.horizon_months} months, strategies {', '.join(scenario.strategies)}")
    for strategy in scenario.strategies:
        times = [_time(lambda r: run_strategy(scenario, strategy, r), args.runs) for _ in range(args.repeats)]
        deals = np.mean([sum(np.count_nonzero(~np.isnan(d["open_day"]))
                             for d in run_strategy(scenario, strategy, r).deals.values()) for r in range(10)])
        ms = statistics.median(times) * 1000
        print(f"  {strategy:<12} {ms:7.2f} ms/run   {deals:8.0f} deals/run   {ms * 1000 / deals:6.2f} us/deal")
    together = [_time(lambda r: run_strategies(scenario, r), args.runs) for _ in range(args.repeats)]
    separately = sum(statistics.median([_time(lambda r: run_strategy(scenario, s, r), args.runs // 2)
                                        for _ in range(3)]) for s in scenario.strategies)
    print(f"  all strategies, one run index: {statistics.median(together) * 1000:.2f} ms "
          f"(each strategy on its own: {separately * 1000:.2f} ms)")
    if args.peer:
        ours, theirs = [], []
        for _ in range(args.repeats):
            theirs.append(_peer_time(args.peer, args.peer_runs))
            ours.append(_time(lambda r: run_strategies(scenario, r), args.runs))
        print(f"  side by side, interleaved: peer {statistics.median(theirs) * 1000:.2f} ms CPU/run "
              f"(range {min(theirs) * 1000:.2f}-{max(theirs) * 1000:.2f}), salesim "
              f"{statistics.median(ours) * 1000:.2f} ms (range {min(ours) * 1000:.2f}-{max(ours) * 1000:.2f}): "
              f"salesim takes {statistics.median(ours) / statistics.median(theirs):.2f}x the peer's time")


if __name__ == "__main__":
    main()
