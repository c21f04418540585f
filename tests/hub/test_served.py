"""`nnlab serve` on a shared machine: the service runs as the instructor's uid while students, each a Unix
user of their own, hand in with nbgrader's submit; each fetches the feedback the service released.

Ben also makes a hand-in in Ada's name, a moment after hers, before the service first looks: the
service must refuse it as `nnlab collect` does (test_multiuser.py), and grade Ada's own."""
from __future__ import annotations

import datetime
import json

import nbformat
import pytest
from shared_course import NNLAB, SCORE, A, shared_course
from unix_users import CAN_MAKE_USERS, WHY_NOT, stop

from nnlab.demo.submissions import autograded_points, correct, course_notebook

pytestmark = pytest.mark.skipif(not CAN_MAKE_USERS, reason=WHY_NOT)


def fetched_pages(shared, role: str) -> list[str]:
    return [p.read_text() for p in sorted((shared.work(role) / "feedback").glob(f"*/{A}.html"))]


@pytest.fixture(scope="module")
def served(fast_config):
    with shared_course("ada", "ben", extra_config=fast_config) as shared:
        ada, ben = shared.students["ada"], shared.students["ben"]
        for role in ("ada", "ben"):
            shared.as_student(role, "nbgrader", "fetch_assignment", A)
        right = correct(course_notebook(A, "release"), course_notebook(A, "source"))
        shared.answer("ada", json.loads(nbformat.writes(right)))
        shared.as_student("ada", "nbgrader", "submit", A)
        shared.as_student("ben", "nbgrader", "submit", A)
        # a plausible time, just after Ada's: nbgrader's collect would take it as her newest hand-in
        later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)).strftime(
            "%Y-%m-%d %H:%M:%S.%f UTC")
        ben.write_folder(shared.inbound() / f"{ada.name}+{A}+{later}+forged",
                         {f"{A}.ipynb": (shared.work("ben") / f"{A}.ipynb").read_bytes(),
                          "timestamp.txt": later.encode(), "submission_secret.txt": b"ben's own secret"})
        log = shared.base / "serve.log"
        service = shared.instructor.start(NNLAB, "serve", "--poll-interval", "2", log=log, cwd=shared.course,
                                          env={"NNLAB_EXCHANGE": str(shared.exchange)})
        shared.served = True
        try:
            for role in ("ada", "ben"):
                shared.release_feedback_for(role)
        finally:
            stop(service, timeout=60)
        for role in ("ada", "ben"):
            shared.as_student(role, "nbgrader", "fetch_feedback", A)
        journal = (shared.course / ".nnlab" / "serve" / "journal.jsonl").read_text()
        yield shared, journal, log.read_text(errors="replace")


def test_the_service_runs_as_the_instructor_and_each_student_fetches_their_own_feedback(served):
    shared, journal, log = served
    assert (shared.course / "gradebook.db").stat().st_uid == shared.instructor.uid
    pages = fetched_pages(shared, "ben")
    assert len(pages) == 1 and float(SCORE.search(pages[0])["score"]) == 0.0, (pages, log[-3000:])


def test_a_hand_in_forged_in_another_students_name_does_not_replace_hers(served):
    shared, journal, log = served
    total = sum(autograded_points(course_notebook(A)).values())
    pages = fetched_pages(shared, "ada")
    assert len(pages) == 1 and SCORE.search(pages[0]), (pages, journal[-3000:])
    assert float(SCORE.search(pages[0])["score"]) == total
