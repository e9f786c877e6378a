"""docs/sweep.md: its Python example runs as written (with fewer runs, on one process)."""
from __future__ import annotations

import importlib
import re
import runpy
from pathlib import Path

import pytest

import simulator

# the module, not the function of the same name that simulator.analysis exports
sweep_module = importlib.import_module("simulator.analysis.sweep")

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_guide_example_runs(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "sweep.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    (tmp_path / "example.py").write_text(blocks[0], encoding="utf-8")
    simulate = simulator.simulate

    def quick(scenario, **kwargs):
        kwargs.update(runs=min(kwargs.get("runs") or 6, 6), workers=1)
        return simulate(scenario, **kwargs)

    monkeypatch.setattr(sweep_module, "simulate", quick)
    monkeypatch.chdir(tmp_path)
    runpy.run_path("example.py", run_name="__main__")
    printed = capsys.readouterr().out
    assert "<Sweep enterprise_vs_smb: motions.enterprise.team.reps (5 values); 5 points of 500 runs" in printed
    assert "NPV of monthly net cash flows (npv) by motions.enterprise.team.reps" in printed
    assert sorted(p.name for p in (tmp_path / "results" / "reps").iterdir()) == [
        "points", "report.html", "sweep.csv", "sweep.json", "sweep_metrics.png", "sweep_metrics.svg",
        "sweep_p_best.png", "sweep_p_best.svg"]
