"""How long the decision commands take on the default scenario, and how many runs they simulate.

Three timings, each the wall time of the API call that the command makes:
- one plain simulation of --runs runs (what one point, or one evaluation, costs);
- a sweep of five points (motions.enterprise.team.reps = 2,3,4,5,6) at --runs runs a point
  (`salesim sweep --vary motions.enterprise.team.reps=2..6:1 --runs 1000 --workers 2`);
- a goal seek of the starting cash: the least company.starting_cash in [500k, 5M] for which cash runs
  out in at most 5% of the hybrid's runs, to within 10,000, then the check with fresh seeds
  (`salesim seek --vary company.starting_cash --target "P(cash_out) <= 0.05" --strategy hybrid
  --low 5e5 --high 5e6 --tolerance 10000 --runs 1000 --workers 2`).

"Run indices" counts every run index simulated (one run of every strategy simulated), "strategy runs"
every run of one strategy, by wrapping the `simulate` that the sweep and the seek call (a seek for one
strategy simulates that strategy alone). The machine is shared and noisy: read the times as
+-15% and compare only figures measured together.

Usage: python benchmarks/decisions_speed.py [--workers 2] [--runs 1000] [--only sweep|seek|plain]...
"""
from __future__ import annotations

import argparse
import importlib
import platform
import time

import simulator
from simulator.present.formatting import format_money

# the modules, not the functions of the same names that simulator.analysis exports
seek_module = importlib.import_module("simulator.analysis.seek")
sweep_module = importlib.import_module("simulator.analysis.sweep")

SWEEP = {"motions.enterprise.team.reps": "2,3,4,5,6"}
SEEK = ("company.starting_cash", "P(cash_out) <= 0.05", 5e5, 5e6)


class Counted:
    """``simulate`` that counts the run indices it simulates and the calls."""

    def __init__(self, simulate):
        self.simulate, self.runs, self.strategy_runs, self.calls = simulate, 0, 0, 0

    def __call__(self, *args, **kwargs):
        results = self.simulate(*args, **kwargs)
        self.runs += results.n_runs
        self.strategy_runs += results.n_runs * len(results.strategies)
        self.calls += 1
        return results


def timed(call):
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--only", action="append", choices=("plain", "sweep", "seek"))
    args = parser.parse_args()
    wanted = args.only or ["plain", "sweep", "seek"]
    scenario = simulator.load_scenario(None)
    strategies = len(scenario.strategies)
    print(f"salesim {simulator.__version__}, {platform.processor() or platform.machine()}, "
          f"{args.workers} workers, {args.runs:,} runs a simulation, {strategies} strategies")
    rows = []
    if "plain" in wanted:
        _, seconds = timed(lambda: simulator.simulate(scenario, runs=args.runs, workers=args.workers))
        rows.append(("one simulation", seconds, args.runs, args.runs * strategies, 1, ""))
    if "sweep" in wanted:
        counted = Counted(sweep_module.simulate)
        sweep_module.simulate = counted
        try:
            found, seconds = timed(lambda: simulator.sweep(scenario, SWEEP, runs=args.runs, workers=args.workers))
        finally:
            sweep_module.simulate = counted.simulate
        rows.append((f"sweep of {len(found.points)} points", seconds, counted.runs, counted.strategy_runs,
                     counted.calls, ""))
    if "seek" in wanted:
        counted = Counted(seek_module.simulate)
        seek_module.simulate = counted
        path, target, low, high = SEEK
        try:
            found, seconds = timed(lambda: simulator.seek(scenario, path, target, low, high, strategy="hybrid",
                                                          runs=args.runs, tolerance=10_000, workers=args.workers))
        finally:
            seek_module.simulate = counted.simulate
        answer = (f"answer {format_money(found.answer)} ({len(found.evaluations)} evaluations and the check; "
                  f"the check's P(cash_out) {found.check['value']:.3f}, 95% interval {found.check['low']:.3f} to "
                  f"{found.check['high']:.3f})")
        rows.append(("seek of the starting cash", seconds, counted.runs, counted.strategy_runs, counted.calls,
                     answer))
    print()
    print(f"{'':<28}{'wall s':>9}{'simulations':>13}{'run indices':>13}{'strategy runs':>15}{'s / 1,000':>11}")
    for name, seconds, runs, strategy_runs, calls, note in rows:
        print(f"{name:<28}{seconds:>9.1f}{calls:>13,}{runs:>13,}{strategy_runs:>15,}"
              f"{1000 * seconds / runs:>11.2f}  {note}")


if __name__ == "__main__":
    main()
