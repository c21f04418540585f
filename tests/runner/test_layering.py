"""The runner sits on the notebook format only (issue 13). Nothing in nnlab/runner imports the
graders, autograde, batch or the CLI (the one module below it, nnlab.notebook_format, is all it may
import of nnlab), and the files that run inside the sandbox
(launch.RUNNER_FILES) import nothing of the nnlab package at all: there they are loaded by path,
with the package hidden."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nnlab.runner.launch import RUNNER, RUNNER_FILES


def imports(path: Path) -> list[tuple[str, int]]:
    """(module, relative level) of every import statement in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


@pytest.mark.parametrize("path", sorted(RUNNER.glob("*.py")), ids=lambda p: p.name)
def test_the_runner_imports_nothing_from_the_layers_above(path):
    below = ("nnlab.runner", "nnlab.notebook_format")
    above = [module for module, level in imports(path)
             if level > 1 or (level == 0 and module.split(".")[0] == "nnlab" and not module.startswith(below))]
    assert above == [], f"{path.name} imports {above}"


@pytest.mark.parametrize("name", RUNNER_FILES)
def test_the_student_side_files_import_nothing_of_the_package(name):
    ours = [module for module, level in imports(RUNNER / name) if level or module.split(".")[0] == "nnlab"]
    assert ours == [], f"{name} runs inside the sandbox, where nnlab cannot be imported: it imports {ours}"
