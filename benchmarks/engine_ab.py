"""Two engines timed against each other in one process: the paired ratio of their CPU time per run.

On a shared, noisy machine two engines timed in separate processes, minutes
apart, differ by more than most changes do. Here both source trees (say a
checkout of the commit before a change, made with ``git worktree add
--detach DIR REV``, and this one) are loaded into one process and
timed in alternating blocks of runs (the order flipped every block), so both
see the same noise; each block pair gives a ratio (this tree / the other),
and their median is the figure to quote. Times are CPU time
(``time.process_time``).

Cases: the default scenario's run index (``run_strategies``: every strategy,
a shared motion once), each of its strategies alone, and the RevSim-mapped
scenario (benchmarks/revsim_simple.yaml).

Usage: python benchmarks/engine_ab.py OTHER_TREE [--blocks 16] [--runs 15]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
REVSIM = HERE / "benchmarks" / "revsim_simple.yaml"


def _load(tree: Path, scenario):
    """The engine module and the scenario as ``tree``'s salesim reads them, with the modules they loaded."""
    for name in [m for m in sys.modules if m == "simulator" or m.startswith("simulator.")]:
        del sys.modules[name]
    sys.path.insert(0, str(tree))
    try:
        import simulator
        import simulator.engine
        loaded = simulator.load_scenario(scenario)
    finally:
        sys.path.remove(str(tree))
    modules = {m: sys.modules[m] for m in sys.modules if m == "simulator" or m.startswith("simulator.")}
    return simulator.engine, loaded, modules


def _case(trees: dict, scenario, strategy, blocks: int, runs: int) -> dict[str, list[float]]:
    """Milliseconds per run of each tree, block by block."""
    loaded = {name: _load(tree, scenario) for name, tree in trees.items()}
    times = {name: [] for name in trees}
    for block in range(blocks):
        order = list(trees) if block % 2 == 0 else list(trees)[::-1]
        for name in order:
            engine, loaded_scenario, modules = loaded[name]
            sys.modules.update(modules)       # the tree's own modules for anything imported while running

            def one(run, engine=engine, s=loaded_scenario):
                return engine.run_strategies(s, run) if strategy is None else engine.run_strategy(s, strategy, run)

            one(0)
            started = time.process_time()
            for run in range(block * runs, (block + 1) * runs):
                one(run)
            times[name].append((time.process_time() - started) / runs * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other source tree (a directory holding simulator/)")
    parser.add_argument("--blocks", type=int, default=16, help="blocks of runs timed per tree and case")
    parser.add_argument("--runs", type=int, default=15, help="runs per block")
    args = parser.parse_args()
    if not (args.other / "simulator" / "__init__.py").is_file():
        parser.error(f"{args.other} holds no simulator/ package")
    trees = {"other": args.other.resolve(), "this": HERE}
    cases = [("default scenario, every strategy", None, None), ("default scenario, enterprise", None, "enterprise"),
             ("default scenario, smb", None, "smb"), ("default scenario, hybrid", None, "hybrid"),
             ("RevSim-mapped scenario", REVSIM, None)]
    print(f"ms per run, medians of {args.blocks} blocks of {args.runs} runs; ratio = this tree / {args.other}")
    for label, scenario, strategy in cases:
        times = _case(trees, scenario, strategy, args.blocks, args.runs)
        other, this = times["other"], times["this"]
        ratio = statistics.median(b / a for a, b in zip(other, this))
        print(f"  {label:<34} other {statistics.median(other):6.2f}   this {statistics.median(this):6.2f}   "
              f"paired ratio {ratio:.3f}", flush=True)


if __name__ == "__main__":
    main()
