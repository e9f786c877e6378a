"""docs/sensitivity.md: its Python example runs as written (with fewer runs, on one process)."""
from __future__ import annotations

import importlib
import re
import runpy
from pathlib import Path

import pytest

import simulator

# the module, not the function of the same name that simulator.analysis exports
sensitivity_module = importlib.import_module("simulator.analysis.sensitivity")

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_guide_example_runs(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "sensitivity.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    (tmp_path / "example.py").write_text(blocks[0], encoding="utf-8")
    simulate = simulator.simulate

    def quick(scenario, **kwargs):
        kwargs.update(runs=min(kwargs.get("runs") or 12, 12), workers=1)
        return simulate(scenario, **kwargs)

    monkeypatch.setattr(simulator, "simulate", quick)
    monkeypatch.setattr(sensitivity_module, "simulate", quick)
    monkeypatch.chdir(tmp_path)
    runpy.run_path("example.py", run_name="__main__")
    printed = capsys.readouterr().out
    assert "<Sensitivity enterprise_vs_smb: npv over 12 runs; swing of 12 runs at P10 and P90>" in printed
    assert "enterprise - smb (NPV of enterprise less smb's, run by run)" in printed
    assert sorted(p.name for p in (tmp_path / "results" / "drivers").iterdir()) == [
        "sensitivity.csv", "sensitivity.json", "tornado_npv.png", "tornado_npv.svg"]
