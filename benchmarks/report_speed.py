"""How fast the charts and the report of a saved results directory are drawn, stage by stage.

Times what `salesim report DIR` does after checking the directory (and what
`salesim run` does after simulating): loading the results, then each chart
(the figure built, its PNG and SVG written) and report.html, each into a
fresh temporary directory, so DIR itself is never changed. Prints each
stage's median seconds over --repeats repetitions (this machine is shared and
noisy: read them as +-10%), the sum of the chart and report stages, and the
whole of ``write_outputs`` timed in one piece as a check on that sum.

Make a directory to time once, e.g. ``salesim run --runs 10000 --no-plots --out /tmp/r10k``.

Usage: python benchmarks/report_speed.py DIR [--repeats K] [--no-whole]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import simulator
from simulator.present import plots, report


def _seconds(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _write_chart(results, name: str, directory: Path) -> bytes:
    """One chart as ``write_plots`` draws it (PNG and SVG written); returns the PNG bytes."""
    if hasattr(plots, "write_chart"):
        return plots.write_chart(results, name, directory)
    # salesim versions before write_chart, for timing them beside this one
    fig = plots.figures(results, charts=(name,))[name]
    png = plots.figure_bytes(fig, "png")
    fig.set_layout_engine("none")
    (directory / f"{name}.png").write_bytes(png)
    (directory / f"{name}.svg").write_bytes(plots.figure_bytes(fig, "svg"))
    return png


def _one_repetition(directory: Path) -> dict[str, float]:
    """Seconds per stage: load, every chart, the report."""
    times: dict[str, float] = {}
    started = time.perf_counter()
    results = simulator.Results.load(directory)
    times["load results"] = time.perf_counter() - started
    images = {}
    with tempfile.TemporaryDirectory(prefix="report-speed-") as tmp:
        out = Path(tmp)
        for name in plots.CHARTS:
            started = time.perf_counter()
            images[name] = _write_chart(results, name, out)
            times[f"chart {name}"] = time.perf_counter() - started
        times["report.html"] = _seconds(lambda: report.write_report(results, out, images))
    return times


def _whole(directory: Path) -> float:
    """Seconds for ``write_outputs`` (every chart and the report) on results already loaded."""
    results = simulator.Results.load(directory)
    with tempfile.TemporaryDirectory(prefix="report-speed-") as tmp:
        return _seconds(lambda: report.write_outputs(results, tmp))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="a results directory (salesim run --out DIR)")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions; the median is shown")
    parser.add_argument("--no-whole", action="store_true", help="skip timing write_outputs in one piece")
    args = parser.parse_args()
    results = simulator.Results.load(args.directory)   # warm up imports, fonts and caches
    with tempfile.TemporaryDirectory(prefix="report-speed-") as tmp:
        _write_chart(results, plots.CHARTS[0], Path(tmp))
    print(f"{args.directory}: {results.n_runs:,} runs of {len(results.strategies)} strategies, "
          f"{results.scenario.horizon_months} months; medians of {args.repeats} repetitions")
    repetitions = [_one_repetition(args.directory) for _ in range(args.repeats)]
    medians = {stage: statistics.median(r[stage] for r in repetitions) for stage in repetitions[0]}
    for stage, seconds in medians.items():
        print(f"  {stage:<24} {seconds:6.2f} s")
    drawing = [sum(seconds for stage, seconds in r.items() if stage != "load results") for r in repetitions]
    print(f"  {'charts + report':<24} {statistics.median(drawing):6.2f} s "
          f"(range {min(drawing):.2f}-{max(drawing):.2f})")
    if not args.no_whole:
        whole = [_whole(args.directory) for _ in range(args.repeats)]
        print(f"  {'write_outputs, one piece':<24} {statistics.median(whole):6.2f} s "
              f"(range {min(whole):.2f}-{max(whole):.2f})")


if __name__ == "__main__":
    main()
