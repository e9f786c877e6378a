"""docs/fit.md: its Python example runs as written (with fewer runs, on one process)."""
import importlib

import pytest
from guide_helpers import run_guide_example

backtest_module = importlib.import_module("simulator.fit.backtest")


@pytest.mark.slow
def test_the_guide_example_runs(tmp_path, monkeypatch, capsys):
    run_guide_example("fit.md", [backtest_module], 50, tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    assert "# 912 opportunities created over 24.0 months" in printed
    assert "backtest from 2024-07-01: 6 months simulated" in printed
    assert (tmp_path / "fit.html").exists()
