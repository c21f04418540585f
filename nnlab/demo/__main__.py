"""`python -m nnlab.demo [WORKDIR]`: run a whole course term and print the grade table."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from nnlab.course import PROJECT_ROOT, Course, available_assignments
from nnlab.demo.term import Term
from nnlab.gradetable import format_table, read_grades


def main(argv: list[str]) -> int:
    workdir = Path(argv[0]) if argv else PROJECT_ROOT / "demo-output"
    # A cell may run 30 s in the demo (the course allows 60 s): the endless loop costs less waiting.
    term = Term(workdir.resolve(), available_assignments(),
                extra_config="c.Grading.cell_timeout = 20.0", workers=os.cpu_count() or 1)
    began = time.monotonic()
    print(f"Course term in {term.workdir}: assignments {', '.join(term.assignments)}")
    for s in term.students:
        print(f"  {s.id:<6} {s.about}")
    term.step("set up the course and its students", term.set_up)
    term.step("release the assignments", term.release)
    term.step("students fetch, work and submit", term.hand_in)
    term.step("collect the submissions", term.collect)
    before = term.submitted_digest()
    term.step(f"grade the class: nnlab grade, {term.workers} workers (hidden graders included)", term.autograde)
    term.step("generate feedback", term.feedback)
    term.step("export grades", term.export)
    term.step("write the class reports", term.report)
    unchanged = term.submitted_digest() == before

    course = Course.open(term.course)
    students, assignments, grades = read_grades(course.db_url, course.course_id)
    print("\nGrade table")
    print(format_table(students, assignments, grades))
    if term.problems:
        print("\nProblems found while grading:")
        print("\n".join(term.problems))
    print(f"\nsubmitted/ unchanged by grading: {'yes' if unchanged else 'NO'}")
    print(f"grades: {term.workdir / 'grades.csv'}")
    print(f"feedback: {term.course / 'feedback'}")
    for page in term.reports:
        print(f"class report: {page}")
    for name, seconds in term.timings.items():
        print(f"  {seconds:7.1f} s  {name}")
    print(f"  {time.monotonic() - began:7.1f} s  in all")
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
