"""How fast the charts and the report of a saved results directory are drawn, stage by stage.

Times what `salesim report DIR` does (and what `salesim run` does after
simulating), each repetition in a fresh Python process as the command runs:
importing salesim, loading the results, then each chart (the figure built,
its PNG and SVG written) and report.html, all written into a temporary
directory, so DIR itself is never changed. Prints each stage's median
seconds over --repeats repetitions (this machine is shared and noisy: read
them as +-10%), then the charts and report together, and the whole process
as the parent saw it (interpreter start-up included).

Make a directory to time once, e.g. ``salesim run --runs 10000 --no-plots --out /tmp/r10k``.

Usage: python benchmarks/report_speed.py DIR [--repeats K]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

# One repetition, run in a fresh process: prints {stage: seconds} as JSON.
_REPETITION = """
import json, sys, tempfile, time
from pathlib import Path
started = time.perf_counter()
import simulator
from simulator.present import plots, report
times = {"import salesim": time.perf_counter() - started}

def write_chart(results, name, directory):
    if hasattr(plots, "write_chart"):
        return plots.write_chart(results, name, directory)
    # salesim versions before write_chart, for timing them beside this one: what their write_plots did
    fig = plots.figures(results, charts=(name,))[name]
    png = plots.figure_bytes(fig, "png")
    fig.set_layout_engine("none")
    (directory / f"{name}.png").write_bytes(png)
    (directory / f"{name}.svg").write_bytes(plots.figure_bytes(fig, "svg"))
    fig.clear()
    return png

started = time.perf_counter()
results = simulator.Results.load(sys.argv[1])
times["load results"] = time.perf_counter() - started
images = {}
with tempfile.TemporaryDirectory(prefix="report-speed-") as tmp:
    for name in plots.CHARTS:
        started = time.perf_counter()
        images[name] = write_chart(results, name, Path(tmp))
        times[f"chart {name}"] = time.perf_counter() - started
    started = time.perf_counter()
    report.write_report(results, tmp, images)
    times["report.html"] = time.perf_counter() - started
print(json.dumps({"runs": results.n_runs, "strategies": len(results.strategies),
                  "months": results.scenario.horizon_months, "times": times}))
"""
_NOT_DRAWING = ("import salesim", "load results")


def _repetition(directory: str) -> tuple[dict, float]:
    """One repetition's report (runs, strategies, months, seconds per stage) and the process's wall seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _REPETITION, directory], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - started


def _median_and_range(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s   (range {min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="a results directory (salesim run --out DIR)")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions; the median is shown")
    args = parser.parse_args()
    _repetition(args.directory)   # warm the file cache and matplotlib's font cache
    repetitions = [_repetition(args.directory) for _ in range(args.repeats)]
    found = repetitions[0][0]
    print(f"{args.directory}: {found['runs']:,} runs of {found['strategies']} strategies, {found['months']} months; "
          f"medians of {args.repeats} repetitions, each in a fresh process")
    for stage in found["times"]:
        print(f"  {stage:<24} {_median_and_range([r['times'][stage] for r, _ in repetitions])}")
    drawing = [sum(s for stage, s in r["times"].items() if stage not in _NOT_DRAWING) for r, _ in repetitions]
    print(f"  {'charts + report':<24} {_median_and_range(drawing)}")
    print(f"  {'whole process':<24} {_median_and_range([wall for _, wall in repetitions])}")


if __name__ == "__main__":
    main()
