"""Run the hidden graders of one notebook in their own pytest process and read the report."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nnlab.graders.limits import GradingLimits

GRADERS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = GRADERS_DIR.parent.parent


@dataclass(frozen=True)
class GraderLimits(GradingLimits):
    """The limits of a pytest grading process of its own (`nnlab.graders.run`)."""
    grading_timeout: float = 900.0
    memory_mb: int = 3072
    sandbox: bool = True


def graders_for(assignment: str, notebook: str, graders_dir: Path = GRADERS_DIR) -> Path:
    return Path(graders_dir) / assignment / f"test_{notebook}.py"


def grade_notebook(graders: Path, submission: Path, student: str, secret_path: str,
                   limits: GraderLimits = GraderLimits(), python: str = sys.executable) -> tuple[dict, str]:
    """Grade `submission` with the grader module `graders`: (report, pytest's output)."""
    with tempfile.TemporaryDirectory(prefix="nnlab-grade-") as tmp:
        report_path = Path(tmp) / "report.json"
        command = [
            python, "-m", "pytest", str(graders), "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
            "--submission", str(submission), "--student", student, "--secret", str(secret_path),
            "--grade-report", str(report_path), "--call-timeout", str(limits.call_timeout),
            "--cell-timeout", str(limits.cell_timeout), "--notebook-timeout", str(limits.notebook_timeout),
            "--memory-mb", str(limits.memory_mb), *(["--no-sandbox"] if not limits.sandbox else []),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=limits.grading_timeout,
                                  cwd=str(PROJECT_ROOT))
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"the hidden graders for {student} did not finish in {limits.grading_timeout:g} s")
        if not report_path.exists():
            raise RuntimeError(f"the hidden graders could not run for {student}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return json.loads(report_path.read_text()), done.stdout


def cell_scores(report: dict) -> dict[str, float]:
    """{test cell grade_id: score} from a grade report."""
    return {cell: result["score"] for cell, result in report.get("cells", {}).items()}
