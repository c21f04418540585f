"""nbgrader's generate_feedback for some students of an assignment, in this process: the course's own
feedback pipeline (GenerateFeedback's preprocessors, templates), each page written again (`force`)."""
from __future__ import annotations

import logging

from nbgrader.coursedir import CourseDirectory

from nnlab.course import Course
from nnlab.serve.exchange import quiet_child


def generate_feedback(course: Course, assignment: str, students: list[str], log: logging.Logger) -> list[str]:
    """The feedback pages of `students`' graded `assignment`; returns the students whose pages were not made."""
    from nbgrader.converters import GenerateFeedback, NbGraderException

    others = [s for s in course.students_in(course.autograded_directory, assignment) if s not in students]
    coursedir = CourseDirectory(config=course.config, assignment_id=assignment, student_id_exclude=",".join(others))
    converter = GenerateFeedback(coursedir=coursedir, config=course.config, force=True, log=quiet_child(log, "feedback"))
    try:
        converter.start()
    except NbGraderException:
        pass   # the pages it could make are made; the others are named below
    return [s for s in students if not any(course.feedback(s, assignment).glob("*.html"))
            or not (course.feedback(s, assignment) / "timestamp.txt").is_file()]
