"""How long results.xlsx takes to write for a saved results directory, stage by stage.

Loads the results of DIR once, then writes the workbook --repeats times into
a temporary directory (DIR itself is never changed), timing the monthly
statements, the sheets XlsxWriter writes, and the per-run rows added after,
and the whole of ``write_workbook``. Prints each stage's median seconds (this
machine is shared and noisy: read them as +-10-15%), the cells of the
per-run sheets and the file's size.

Make a directory to time once, e.g. ``salesim run --runs 10000 --no-plots --no-xlsx --out /tmp/r10k``.

Usage: python benchmarks/workbook_speed.py DIR [--repeats K]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import simulator
from simulator.present import workbook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results = simulator.Results.load(args.directory)
    cells = sum(workbook.runs_table(results, s)[2].size for s in results.strategies)
    times: dict[str, list[float]] = {}

    def timed(stage, call, *arguments):
        started = time.perf_counter()
        value = call(*arguments)
        times.setdefault(stage, []).append(time.perf_counter() - started)
        return value

    with tempfile.TemporaryDirectory(prefix="workbook-speed-") as tmp:
        tmp = Path(tmp)
        for _ in range(args.repeats):
            timed("monthly statements", results.statements)
            bulk = timed("sheets (XlsxWriter)", workbook._draft, results, tmp / "draft.xlsx")
            timed("per-run rows added", workbook._add_rows, tmp / "draft.xlsx", tmp / "done.xlsx", bulk)
            path = timed("write_workbook, in all", workbook.write_workbook, results, tmp)
        size = path.stat().st_size
    print(f"{results.n_runs:,} runs x {len(results.strategies)} strategies x {results.scenario.horizon_months} "
          f"months; per-run sheets {cells:,} cells; results.xlsx {size / 1e6:.1f} MB")
    for stage, seconds in times.items():
        print(f"{stage:28s} {statistics.median(seconds):6.2f} s  (min {min(seconds):.2f}, max {max(seconds):.2f})")


if __name__ == "__main__":
    main()
