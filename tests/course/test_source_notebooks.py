"""Every source notebook runs top to bottom in a real kernel with no error and nothing on stderr
(under nbgrader any stderr output in a test cell scores 0, so a warning would cost points)."""
from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from nnlab.course import PROJECT_ROOT, available_assignments


@pytest.mark.parametrize("assignment", available_assignments())
def test_source_notebook_runs_clean(assignment, tmp_path):
    nb = nbformat.read(PROJECT_ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {index} wrote to stderr: {output.text[:200]}")
    assert not problems, "\n".join(problems)
    assert sum(c.cell_type == "code" and bool(c.outputs) for c in nb.cells) > 0, "the notebook shows results"
