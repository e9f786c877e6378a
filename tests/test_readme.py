"""The README's Python example runs as written, also where worker processes start by re-importing the main
script (the "spawn" start method, the default on macOS and Windows)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs the example file as __main__ under "spawn", as `python example.py` would on macOS. Only the number of
# runs is cut (and two workers asked for, so that worker processes start even on one core); the example's own
# code runs unchanged, and the workers re-import it as they would the user's script.
WRAPPER = textwrap.dedent("""
    import multiprocessing
    import runpy
    import sys

    import simulator

    multiprocessing.set_start_method("spawn")
    simulate = simulator.simulate

    def quick(*args, **kwargs):
        kwargs.update(runs=12, workers=2, chunk_runs=4)
        return simulate(*args, **kwargs)

    simulator.simulate = quick
    runpy.run_path(sys.argv[1], run_name="__main__")
""")


def readme_python_example() -> str:
    """The README's Python example: its one ```python block that calls simulate."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    found = [block for block in blocks if "simulator.simulate(" in block]
    assert len(found) == 1, f"{len(found)} Python examples call simulator.simulate in README.md"
    return found[0]


def test_the_readme_example_guards_its_main_code():
    assert 'if __name__ == "__main__":' in readme_python_example()


@pytest.mark.slow
def test_the_readme_example_runs_with_spawned_workers(tmp_path):
    (tmp_path / "example.py").write_text(readme_python_example(), encoding="utf-8")
    (tmp_path / "wrapper.py").write_text(WRAPPER, encoding="utf-8")
    done = subprocess.run([sys.executable, "wrapper.py", "example.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    printed = float(done.stdout.strip().splitlines()[-1])          # the median NPV of smb
    summary = json.loads((tmp_path / "results" / "mine" / "summary.json").read_text())
    assert printed == summary["strategies"]["smb"]["npv"]["p50"]
    assert summary["provenance"]["runs"] == 12 and summary["provenance"]["executor"] == "process pool"
