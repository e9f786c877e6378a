"""docs/workbook.md: its Python example runs as written (with fewer runs, on one process)."""
from __future__ import annotations

import pytest
from guide_helpers import run_guide_example

openpyxl = pytest.importorskip("openpyxl")


@pytest.mark.slow
def test_the_guide_example_runs(tmp_path, monkeypatch, capsys):
    run_guide_example("workbook.md", [], 12, tmp_path, monkeypatch)
    assert "'revenue', 'cost_of_revenue'" in capsys.readouterr().out
    saved = tmp_path / "results" / "with-workbook"
    assert openpyxl.load_workbook(saved / "results.xlsx").sheetnames[0] == "Answer"
