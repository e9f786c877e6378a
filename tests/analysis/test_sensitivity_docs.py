"""docs/sensitivity.md: its Python example runs as written (with fewer runs, on one process)."""
from __future__ import annotations

import importlib

import pytest
from guide_helpers import run_guide_example

# the module, not the function of the same name that simulator.analysis exports
sensitivity_module = importlib.import_module("simulator.analysis.sensitivity")


@pytest.mark.slow
def test_the_guide_example_runs(tmp_path, monkeypatch, capsys):
    run_guide_example("sensitivity.md", [sensitivity_module], 12, tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    assert "<Sensitivity enterprise_vs_smb: npv over 12 runs; swing of 12 runs at P10 and P90>" in printed
    assert "enterprise - smb (NPV of enterprise less smb's, run by run)" in printed
    assert sorted(p.name for p in (tmp_path / "results" / "drivers").iterdir()) == [
        "sensitivity.csv", "sensitivity.json", "tornado_npv.png", "tornado_npv.svg"]
