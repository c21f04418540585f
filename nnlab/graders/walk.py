"""The student's process walked through the notebook, stopping at each graded test cell.

A test cell's hidden tests see the student's process as the notebook stands when it reaches
that cell: the cells above it have run, the cells below it have not, as for the visible asserts
in the cell itself. So a later scratch cell cannot change an earlier question's score, and a fix
made only further down does not earn it. The test cell runs right after its hidden tests (its
asserts may hold expected values: nothing of it runs before they are done), then the walk goes
on to the next graded cell. The engine (nnlab.graders.engine) walks every notebook this way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nnlab.notebook_format import CodeCell
from nnlab.runner.student_process import NotebookRun, StudentProcess


@dataclass(frozen=True)
class Stretch:
    """Cells run one after another, then the hidden tests of `stop` (None: the notebook's end)."""
    cells: list[tuple[int, str]]
    stop: str | None


def stretches(cells: list[CodeCell], graded: set[str]) -> list[Stretch]:
    """The notebook cut before each test cell whose grade_id has hidden tests in `graded`."""
    parts, pending, seen = [], [], set()
    for cell in cells:
        if cell.grade_id in graded and cell.grade_id not in seen:
            seen.add(cell.grade_id)
            parts.append(Stretch(pending, cell.grade_id))
            pending = []
        pending.append((cell.index, cell.source))
    parts.append(Stretch(pending, None))
    return parts


@dataclass
class NotebookWalk:
    """Moves `process` (made with no cells) through `parts`, one stretch at a time."""
    process: StudentProcess
    parts: list[Stretch]
    position: int = -1                      # the last stretch run
    outputs: dict[int, tuple] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0                    # running the notebook's cells

    @property
    def stops(self) -> list[str]:
        """The graded test cells, in notebook order."""
        return [part.stop for part in self.parts if part.stop is not None]

    @property
    def graded_cells(self) -> set[int]:
        """Where the graded test cells are (each opens the stretch after its stop)."""
        return {self.parts[i + 1].cells[0][0] for i, part in enumerate(self.parts) if part.stop is not None}

    def to(self, grade_id: str | None) -> StudentProcess:
        """The process as the notebook stands at the test cell `grade_id` (None, or a cell the
        notebook does not have: at its end). Raises StudentCodeError when the notebook cannot run."""
        target = next((i for i, part in enumerate(self.parts) if part.stop == grade_id and grade_id is not None),
                      len(self.parts) - 1)
        if target < self.position:   # asked for an earlier cell: walk again from the top
            self.process.close()
            self.process.cells, self.process.skipped, self.position = [], [], -1
        while self.position < target:
            self.position += 1
            cells = self.parts[self.position].cells
            if self.position == 0:
                self.process.cells = list(cells)
                self._record(self.process.start())
            else:
                self._record(self.process.advance(cells))
        return self.process

    def finish(self) -> StudentProcess:
        return self.to(None)

    def _record(self, run: NotebookRun) -> None:
        self.outputs.update(run.outputs)
        self.errors.update({error["cell"]: error["error"] for error in run.cell_errors})
        self.seconds += run.seconds

    def cell_errors(self) -> list[dict]:
        """The errors of the notebook's cells, but those of graded test cells (their asserts
        failing is what their hidden tests report)."""
        return [{"cell": cell, "error": error} for cell, error in sorted(self.errors.items())
                if cell not in self.graded_cells]
