"""docs/funding.md: its Python example runs as written (with fewer runs, on one process)."""
from __future__ import annotations

from guide_helpers import run_guide_example


def test_the_guide_example_runs(tmp_path, monkeypatch, capsys):
    run_guide_example("funding.md", [], 6, tmp_path, monkeypatch)
    out = capsys.readouterr().out
    assert "hybrid: capital needed at 95%" in out and "hybrid_no_rules: capital needed" in out
    assert "freeze in 0%" in out.split("hybrid_no_rules")[1]
