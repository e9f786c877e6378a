"""Writing an analysis's output directory: all of it or nothing, and its tables as CSV."""
from __future__ import annotations

import csv
import json
import math
import os
import shutil
import uuid
from pathlib import Path
from typing import Callable, Sequence

from simulator.montecarlo.results import check_output_directory


def write_directory(directory, fill: Callable[[Path], None]) -> Path:
    """Create ``directory`` (it must not exist or be empty) with what ``fill(staging)`` writes.

    The files go into a hidden sibling that is renamed into place only when
    complete, so an error or an interrupt never leaves a half-written result.
    """
    target = check_output_directory(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.partial"
    staging.mkdir()
    try:
        fill(staging)
        os.rename(staging, target)   # replaces an empty directory; fails if another process filled it
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def write_rows(path: Path, rows: Sequence[dict], columns: Sequence[str]) -> None:
    """A CSV of ``rows`` (dicts with the same keys; ``columns`` names them when there is none): floats as
    their repr, NaN and infinities as empty cells."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(list(rows[0]) if rows else list(columns))
        for row in rows:
            writer.writerow(["" if isinstance(v, float) and not math.isfinite(v) else
                             repr(v) if isinstance(v, float) else v for v in row.values()])


def write_json(path: Path, value) -> None:
    """``value`` as indented JSON (no NaN: the caller makes values JSON-safe), ending with a line break."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, allow_nan=False)
        f.write("\n")
