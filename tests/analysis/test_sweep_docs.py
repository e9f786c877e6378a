"""docs/sweep.md: its Python example runs as written (with fewer runs, on one process)."""
from __future__ import annotations

import importlib

import pytest
from guide_helpers import run_guide_example

# the module, not the function of the same name that simulator.analysis exports
sweep_module = importlib.import_module("simulator.analysis.sweep")


@pytest.mark.slow
def test_the_guide_example_runs(tmp_path, monkeypatch, capsys):
    run_guide_example("sweep.md", [sweep_module], 6, tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    assert "<Sweep enterprise_vs_smb: motions.enterprise.team.reps (5 values); 5 points of 500 runs" in printed
    assert "NPV of monthly net cash flows (npv) by motions.enterprise.team.reps" in printed
    assert sorted(p.name for p in (tmp_path / "results" / "reps").iterdir()) == [
        "points", "report.html", "sweep.csv", "sweep.json", "sweep_metrics.png", "sweep_metrics.svg",
        "sweep_p_best.png", "sweep_p_best.svg"]
