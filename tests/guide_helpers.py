"""Running a guide's Python example as written, with fewer runs on one process."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

import simulator

DOCS = Path(__file__).resolve().parent.parent / "docs"


def run_guide_example(guide: str, modules, runs: int, tmp_path, monkeypatch) -> None:
    """Run the one ```python block of ``docs/<guide>`` in ``tmp_path``, every ``simulate`` it reaches through
    ``modules`` (and ``simulator`` itself) cut to at most ``runs`` runs on one process."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / guide).read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    (tmp_path / "example.py").write_text(blocks[0], encoding="utf-8")
    simulate = simulator.simulate

    def quick(scenario, **kwargs):
        kwargs.update(runs=min(kwargs.get("runs") or runs, runs), workers=1)
        return simulate(scenario, **kwargs)

    for module in (simulator, *modules):
        monkeypatch.setattr(module, "simulate", quick)
    monkeypatch.chdir(tmp_path)
    runpy.run_path("example.py", run_name="__main__")
