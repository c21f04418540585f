"""`nnlab` run in the test's own process with its output captured: what the CLI tests share."""
from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from nnlab.cli import main


@dataclass
class Run:
    code: int
    out: str
    err: str


def nnlab(*argv) -> Run:
    """`nnlab ARGV` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return Run(code, out.getvalue(), err.getvalue())
