"""Many Unix users on one machine, as on a shared JupyterHub: the instructor and two students each a
user of their own, with nbgrader's own commands run as them against a shared exchange.

Ada hands in a right answer, Ben the release untouched, and Ben also makes a hand-in in Ada's name.
The instructor collects, grades and releases feedback (`nnlab`, as the instructor's uid). Each
student fetches their own feedback with their own score; Ben cannot list the exchange's hand-ins or
feedback, cannot find Ada's through nbgrader, cannot read her secret or her copy of her hand-in,
and his forgery is refused at collect."""
from __future__ import annotations

import copy
import json

import nbformat
import pytest
from nbgrader.utils import notebook_hash
from shared_course import SCORE, A, shared_course
from unix_users import CAN_MAKE_USERS, WHY_NOT

from nnlab.demo.submissions import autograded_points, correct, course_notebook

pytestmark = pytest.mark.skipif(not CAN_MAKE_USERS, reason=WHY_NOT)


def feedback_pages(shared, role: str) -> list[str]:
    """The feedback pages in the student's copy of the assignment (read as root: what they got)."""
    return [p.read_text() for p in sorted((shared.work(role) / "feedback").glob("*/*.html"))]


def cache_of(shared, role: str):
    return shared.students[role].home / ".local" / "share" / "jupyter" / "nbgrader_cache" / "nnlab"


@pytest.fixture(scope="module")
def term(fast_config):
    with shared_course("ada", "ben", extra_config=fast_config) as shared:
        ada, ben = shared.students["ada"].name, shared.students["ben"].name
        for role in ("ada", "ben"):
            shared.as_student(role, "nbgrader", "fetch_assignment", A)
        right = correct(course_notebook(A, "release"), course_notebook(A, "source"))
        shared.answer("ada", json.loads(nbformat.writes(right)))
        shared.as_student("ada", "nbgrader", "submit", A)
        # Ben's forgery: Ada's name, a later time than hers, his own (right) answers
        forged = shared.inbound() / f"{ada}+{A}+2099-01-01 00:00:00.000000 UTC+forged"
        shared.students["ben"].write_folder(forged, {f"{A}.ipynb": nbformat.writes(copy.deepcopy(right)).encode(),
                                                     "timestamp.txt": b"2099-01-01 00:00:00.000000 UTC"})
        shared.as_student("ben", "nbgrader", "submit", A)
        shared.release_feedback_for("ada")
        collect_log = "\n".join(shared.log)
        for role in ("ada", "ben"):
            shared.as_student(role, "nbgrader", "fetch_feedback", A)
        yield shared, ada, ben, collect_log


def test_each_student_fetches_feedback_with_their_own_score(term):
    shared, *_ = term
    total = sum(autograded_points(course_notebook(A)).values())
    scores = {}
    for role in ("ada", "ben"):
        pages = feedback_pages(shared, role)
        assert len(pages) == 1, (role, shared.log)
        scores[role] = float(SCORE.search(pages[0])["score"])
    assert scores == {"ada": total, "ben": 0.0}, scores


def test_the_forged_hand_in_is_refused_and_adas_own_is_graded(term):
    shared, ada, ben, _ = term
    submitted = shared.course / "submitted" / ada / A
    timestamp = (submitted / "timestamp.txt").read_text()
    assert not timestamp.startswith("2099"), "Ben's forgery was collected as Ada's hand-in"
    cached = next(cache_of(shared, "ada").glob(f"*+{A}+*"))
    assert (cached / "timestamp.txt").read_text() == timestamp, "Ada's own hand-in is the one graded"


def test_a_student_cannot_list_the_hand_ins_or_the_feedback(term):
    shared, *_ = term
    for folder in (shared.inbound(), shared.outbound_feedback()):
        done = shared.as_student("ben", "ls", str(folder), check=False)
        assert done.returncode != 0 and b"Permission denied" in done.stderr, (folder, done)
        assert any(folder.iterdir()), "the folder is not empty: there was something to hide"


def test_nbgrader_shows_a_student_none_of_another_students_hand_ins(term):
    shared, ada, ben, _ = term
    listed = shared.as_student("ben", "nbgrader", "list", "--inbound", check=False)
    assert ada not in (listed.stdout + listed.stderr).decode()
    mine = shared.as_student("ben", "nbgrader", "list", "--cached")
    assert ben in (mine.stdout + mine.stderr).decode(), "the same listing shows his own hand-in"
    shared.as_student("ben", "nbgrader", "fetch_feedback", A, "--student", ada, check=False)
    for page in feedback_pages(shared, "ben"):
        assert float(SCORE.search(page)["score"]) == 0.0, "Ben got feedback other than his own"


def test_a_student_cannot_read_another_students_hand_in_or_its_secret(term):
    shared, *_ = term
    ada_cached = next(cache_of(shared, "ada").glob(f"*+{A}+*"))
    for target in (ada_cached / f"{A}.ipynb", ada_cached / "submission_secret.txt",
                   shared.work("ada") / "feedback", shared.course / "gradebook.db",
                   shared.course / "submitted"):
        assert target.exists(), target
        done = shared.as_student("ben", "cat", str(target), check=False)
        assert done.returncode != 0 and b"Permission denied" in done.stderr, (target, done)
    own = next(cache_of(shared, "ben").glob(f"*+{A}+*")) / "submission_secret.txt"
    assert shared.as_student("ben", "cat", str(own)).stdout, "he reads his own"


def test_a_home_others_may_read_gives_away_the_name_of_the_feedback(term):
    """Why homes must be 0700: the released page is readable by anyone who knows its name, a keyed
    hash of the hand-in's secret; from a home others may read, Ben takes Ada's secret and so the name.
    With her home private (above) he cannot read the secret."""
    shared, *_ = term
    home = shared.students["ada"].home
    secret_file = next(cache_of(shared, "ada").glob(f"*+{A}+*")) / "submission_secret.txt"
    name = f"{notebook_hash(secret=secret_file.read_text(), notebook_id=A)}.html"
    page = shared.outbound_feedback() / name
    assert page.exists(), "her released page has this name"
    assert shared.as_student("ben", "cat", str(page), check=False).returncode == 0, \
        "the page itself is readable by its name: only the secret hides it"
    home.chmod(0o755)   # Debian's useradd default
    try:
        stolen = shared.as_student("ben", "cat", str(secret_file), check=False)
    finally:
        home.chmod(0o700)
    assert stolen.returncode == 0 and stolen.stdout.decode() == secret_file.read_text()
