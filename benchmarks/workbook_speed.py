"""How long results.xlsx takes to write for a saved results directory, stage by stage.

Loads the results of DIR once, then writes the workbook --repeats times into
a temporary directory (DIR itself is never changed), timing the monthly
statements, the sheets XlsxWriter writes (the statements computed again
among them), the per-run rows added after, and the whole of
``write_workbook``. Prints each stage's median wall-clock
and CPU seconds (this machine is shared and noisy: read them as +-10-15%,
and the CPU time as the steadier of the two when other work competes for
the cores), the cells of the per-run sheets and the file's size.

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
    times: dict[str, list[tuple[float, float]]] = {}

    def timed(stage, call, *arguments):
        started, cpu = time.perf_counter(), time.process_time()
        value = call(*arguments)
        times.setdefault(stage, []).append((time.perf_counter() - started, time.process_time() - cpu))
        return value

    with tempfile.TemporaryDirectory(prefix="workbook-speed-") as tmp:
        tmp = Path(tmp)
        for _ in range(args.repeats):
            timed("monthly statements", results.statements)
            bulk = timed("sheets, statements incl.", workbook._draft, results, tmp / "draft.xlsx")
            timed("per-run rows added", workbook._add_rows, tmp / "draft.xlsx", tmp / "done.xlsx", bulk)
            path = timed("write_workbook, in all", workbook.write_workbook, results, tmp)
        size = path.stat().st_size
    print(f"{results.n_runs:,} runs x {len(results.strategies)} strategies x {results.scenario.horizon_months} "
          f"months; per-run sheets {cells:,} cells; results.xlsx {size / 1e6:.1f} MB")
    print(f"{'':28s} {'wall s':>8s} {'(min-max)':>12s} {'CPU s':>7s}")
    for stage, pairs in times.items():
        wall, cpu = [w for w, _ in pairs], [c for _, c in pairs]
        print(f"{stage:28s} {statistics.median(wall):8.2f} {min(wall):5.2f}-{max(wall):5.2f} "
              f"{statistics.median(cpu):7.2f}")


if __name__ == "__main__":
    main()
