"""`similarity_report`: the students' code of one assignment compared, the page and the CSV written."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nnlab.course import Course
from nnlab.similarity.code import Submission, read_submission, reference_submissions, template_code
from nnlab.similarity.compare import Pair, similar_pairs
from nnlab.similarity.defaults import GUARANTEE_THRESHOLD, NOISE_THRESHOLD, THRESHOLD, TOP
from nnlab.similarity.page import write_csv, write_page


@dataclass
class Result:
    pairs: list[Pair]
    submissions: list[Submission]
    page: Path
    csv: Path
    threshold: float

    @property
    def above(self) -> list[Pair]:
        return [p for p in self.pairs if p.similarity >= self.threshold]

    @property
    def skipped(self) -> list[tuple[str, str, str]]:
        return [(s.name, nb, why) for s in self.submissions for nb, why in s.skipped]


def similarity_report(course: Course | Path | str, assignment: str, references: list[Path] = (),
                      out: Path | None = None, threshold: float = THRESHOLD, top: int = TOP,
                      noise: int = NOISE_THRESHOLD, guarantee: int = GUARANTEE_THRESHOLD) -> Result:
    """Compare the submitted notebooks of `assignment` (submitted/<student>/<assignment>/*.ipynb), less
    the released template, with each other and with the reference folders; write similarity.html and
    similarity.csv to `out` (default: <course>/reports/<assignment>/)."""
    course = Course.of(course)
    template, template_cells = template_code(course.release(assignment))
    students = [read_submission(student, course.submitted(student, assignment), template_cells)
                for student in course.students_in(course.submitted_directory, assignment)]
    refs = [r for folder in references for r in reference_submissions(Path(folder), assignment, template_cells)]
    pairs = similar_pairs(students, refs, template, noise=noise, guarantee=guarantee)
    out = Path(out) if out is not None else course.folder / "reports" / assignment
    settings = (f"copydetect winnowing: noise threshold {noise}, guarantee threshold {guarantee} "
                f"(filtered characters; names, strings and comments count as one or none).")
    page = write_page(out / "similarity.html", assignment, pairs, students + refs, threshold, top, settings)
    table = write_csv(out / "similarity.csv", pairs)
    return Result(pairs, students + refs, page, table, threshold)
