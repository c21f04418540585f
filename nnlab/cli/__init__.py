"""The `nnlab` command line: course chores over nbgrader, which it never hides.

`nnlab COMMAND --help` names the nbgrader commands each command runs; `--dry-run` prints them.
"""
from nnlab.cli.app import main

__all__ = ["main"]
