"""docs/seek.md: its Python example runs as written (with fewer runs, on one process)."""
from __future__ import annotations

import importlib
import json

import pytest
from guide_helpers import run_guide_example

# the module, not the function of the same name that simulator.analysis exports
seek_module = importlib.import_module("simulator.analysis.seek")


@pytest.mark.slow
def test_the_guide_example_runs(tmp_path, monkeypatch):
    run_guide_example("seek.md", [seek_module], 12, tmp_path, monkeypatch)
    saved = tmp_path / "results" / "enough-cash"
    assert sorted(p.name for p in saved.iterdir()) == ["evaluations.csv", "seek.json"]
    found = json.loads((saved / "seek.json").read_text(encoding="utf-8"))
    assert 5e5 <= found["answer"] <= 5e6
