"""The `nnlab` command line: course chores over nbgrader, which it never hides.

`nnlab COMMAND --help` names the nbgrader commands each command runs; `--dry-run` prints them.
"""
import sys

# jsonschema (nbformat's and nbgrader's validator) imports rfc3987_syntax, when installed, only to
# check "iri" strings, which no notebook or nbgrader schema has; that import compiles a grammar for
# about two seconds. Every nnlab command goes without it: this runs before anything imports jsonschema.
sys.modules.setdefault("rfc3987_syntax", None)

from nnlab.cli.app import main  # noqa: E402  (after the line above, on purpose)

__all__ = ["main"]
