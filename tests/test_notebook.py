"""The worked notebook runs from top to bottom with the current API, so it never rots."""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


@pytest.mark.parametrize("name", ["enterprise_vs_smb.ipynb"])
def test_notebook_is_committed_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "strip the outputs before committing"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["enterprise_vs_smb.ipynb"])
def test_notebook_executes(name, monkeypatch):
    monkeypatch.setenv("SALESIM_NOTEBOOK_RUNS", "6")  # read by the notebook: a handful of runs is enough here
    # the kernel imports this checkout's simulator, installed or not
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 5, "the charts show inline"
    text = "".join(o.get("text", "") for o in outputs)
    assert "P(enterprise beats smb on NPV)" in text and "to cover 95% of runs" in text
    assert "What drives NPV" in text and "rank corr." in text     # the sensitivity section ran
    assert "perfect information on everything" in text and "<ValueOfInformation" in text   # and the value's
    assert "report.html" in text
