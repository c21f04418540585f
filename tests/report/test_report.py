"""The class report: statistics on hand-made numbers, edge cases on hand-made gradebooks,
and one real graded course (a short term: perceptron only, three students who hand in and one
who does not) checked against its gradebook and its hidden-grader reports."""
from __future__ import annotations

import base64
import csv
import html as html_lib
import json
import re
import shutil
import warnings
from pathlib import Path

import nbgrader.api
import numpy as np
import pytest
from alembic.script import ScriptDirectory
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from nnlab.cli import main as nnlab
from nnlab.course import Course
from nnlab.demo.mistakes import mistake_sets
from nnlab.demo.term import CLASS, Student, Term
from nnlab.graders.settings import Grading
from nnlab.report import ReportError, most_failed, write_report
from nnlab.report.classdata import HiddenTest
from nnlab.report.stats import (
    describe_discrimination,
    histogram_edges,
    item_rest_correlation,
    mean,
    pass_rate,
    question_stats,
    rest_totals,
)

ASSIGNMENT = "perceptron"
PNG = b"\x89PNG\r\n\x1a\n"


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    return {row["question"]: row for row in csv.DictReader(open(path, newline=""))}


def images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)]


# -- statistics on hand-made numbers ----------------------------------------------------------
def test_mean_and_pass_rate():
    assert mean([1.0, 0.0, 0.25]) == pytest.approx(0.4166667)
    assert mean([]) is None
    # 0.1 + 0.2 of a 0.3-point question is full marks despite floating point
    assert pass_rate([0.1 + 0.2, 0.2, 0.0, 0.3], 0.3) == 0.5
    assert pass_rate([], 2.0) is None


@pytest.mark.parametrize("item, rest, expected", [
    ([0, 1, 2], [0, 1, 2], 1.0),
    ([0, 1, 2], [4, 2, 0], -1.0),
    ([1, 0, 1, 0], [2, 0, 0, 2], 0.0),
    # all-or-nothing question: the point-biserial (M1 - M0) / s * sqrt(p q) = 2.5 / sqrt(2) * sqrt(0.24)
    ([1, 1, 0, 0, 0], [4, 3, 2, 1, 0], np.sqrt(3) / 2),
])
def test_item_rest_correlation_on_hand_made_numbers(item, rest, expected):
    r, why = item_rest_correlation(item, rest)
    assert r == pytest.approx(expected, abs=1e-12) and why == ""


def test_item_rest_correlation_is_pearson_on_partial_credit():
    item, rest = [0.25, 1.0, 0.0, 0.5, 1.0, 0.75], [3.0, 9.5, 1.0, 4.0, 7.0, 8.0]
    assert item_rest_correlation(item, rest)[0] == pytest.approx(np.corrcoef(item, rest)[0, 1])


@pytest.mark.parametrize("item, rest, why", [
    ([1.0], [3.0], "at least 3"),
    ([1.0, 0.0], [3.0, 1.0], "at least 3"),
    ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], "same on this question"),
    ([2.0, 1.0, 0.0], [4.0, 4.0, 4.0], "same on the other questions"),
])
def test_item_rest_correlation_undefined(item, rest, why):
    r, reason = item_rest_correlation(item, rest)
    assert r is None and why in reason


def test_rest_total_leaves_the_question_out_and_counts_ungraded_as_zero():
    rows = [{"a": 1.0, "b": 2.0, "c": None}, {"a": 0.0, "b": None, "c": 3.0}]
    assert rest_totals(rows, "a") == [2.0, 3.0]
    assert rest_totals(rows, "c") == [3.0, 0.0]


def test_question_stats_skip_students_not_graded_on_it():
    rows = [{"q": 2.0, "r": 3.0}, {"q": None, "r": 1.0}, {"q": 1.0, "r": 1.0}, {"q": 0.0, "r": 0.0}]
    s = question_stats("q", "nb", 2.0, "q", rows)
    assert (s.graded, s.mean, s.pass_rate) == (3, pytest.approx(1.0), pytest.approx(1 / 3))
    assert s.discrimination == pytest.approx(np.corrcoef([2.0, 1.0, 0.0], [3.0, 1.0, 0.0])[0, 1])
    nobody = question_stats("q", "nb", 2.0, "q", [{"q": None, "r": 1.0}])
    assert (nobody.graded, nobody.mean, nobody.pass_rate, nobody.discrimination) == (0, None, None, None)


def test_discrimination_reading_and_histogram_bins():
    assert [describe_discrimination(r) for r in [None, -0.3, 0.1, 0.25, 0.35, 0.8]] == [
        "n/a", describe_discrimination(-0.01), "poor", "fair", "good", "very good"]
    assert describe_discrimination(-0.3).startswith("negative")
    assert histogram_edges(15.0).tolist() == list(range(16))
    assert len(histogram_edges(37.5)) == 11 and histogram_edges(37.5)[-1] == 37.5


def test_most_failed_orders_by_failures_then_notebook_order():
    tests = [HiddenTest("t1", "q1", 1, "h1", 1, 3), HiddenTest("t2", "q1", 1, "h2", 3, 3),
             HiddenTest("t3", "q2", 1, "h3", 0, 3), HiddenTest("t4", "q2", 1, "h4", 1, 3)]
    assert [t.name for t in most_failed(tests)] == ["t2", "t1", "t4"]
    assert [t.name for t in most_failed(tests, top=1)] == ["t2"]


# -- hand-made gradebooks: the edge cases --------------------------------------------------------
QUESTIONS = {"q_easy": 1.0, "q_hard": 2.0, "essay": 3.0}


@pytest.fixture(scope="module")
def blank_gradebook(tmp_path_factory) -> Path:
    """An empty gradebook, made once. nbgrader stamps a new gradebook with the schema version
    from an `alembic heads` subprocess (many seconds on a busy machine): read the same head in
    this process instead."""
    path = tmp_path_factory.mktemp("blank") / "gradebook.db"
    head = ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic")).get_current_head()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nbgrader.api, "get_alembic_version", lambda: head)
        Gradebook(f"sqlite:///{path}", "nnlab").close()
    return path


@pytest.fixture
def make_course(tmp_path, blank_gradebook):
    """make_course(students, scores): a course folder whose gradebook holds assignment "hw" with
    QUESTIONS and these scores ({student: {question: auto score, None: still to grade by hand}};
    students without an entry have no submission)."""
    def make(students: list[str], scores: dict[str, dict[str, float | None]]) -> Path:
        root = tmp_path / "course"
        root.mkdir()
        shutil.copyfile(blank_gradebook, root / "gradebook.db")
        return fill_gradebook(root, students, scores)
    return make


def fill_gradebook(root: Path, students: list[str], scores: dict[str, dict[str, float | None]]) -> Path:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "nnlab") as gb:
        gb.add_assignment("hw")
        gb.add_notebook("hw", "hw")
        for name, points in QUESTIONS.items():
            gb.add_grade_cell(name, "hw", "hw", max_score=points, cell_type="markdown" if name == "essay" else "code")
        for student in students:
            gb.add_student(student)
        for student, row in scores.items():
            # nbgrader 0.9.6's add_submission trips a harmless autoflush warning of SQLAlchemy 2
            # (nbgrader autograde meets it too); the project turns RuntimeWarnings into errors.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)
                gb.add_submission("hw", student)
            for name, value in row.items():
                grade = gb.find_grade(name, "hw", "hw", student)
                grade.auto_score, grade.needs_manual_grade = value, value is None
            gb.db.commit()
    return root


def test_class_of_one(make_course):
    course = make_course(["solo"], {"solo": {"q_easy": 1.0, "q_hard": 0.5, "essay": None}})
    page = write_report(course, "hw")
    assert page == course / "reports" / "hw" / "index.html"
    rows = read_csv(page.with_name("questions.csv"))
    assert rows["q_easy"] | {} == {"question": "q_easy", "notebook": "hw", "points": "1", "graded": "1",
                                   "mean_score": "1", "pass_rate": "1", "discrimination": ""}
    assert (rows["q_hard"]["mean_score"], rows["q_hard"]["pass_rate"]) == ("0.5", "0")
    assert (rows["essay"]["graded"], rows["essay"]["mean_score"]) == ("0", "")
    text = page.read_text()
    assert len(images(text)) == 2 and "n/a: needs at least 3 graded students" in text
    assert "still to grade by hand" in text


def test_question_nobody_answered_and_students_who_submitted_nothing(make_course, tmp_path):
    scores = {"a": {"q_easy": 1.0, "q_hard": 0.0, "essay": 3.0}, "b": {"q_easy": 0.0, "q_hard": 0.0, "essay": 1.0},
              "c": {"q_easy": 1.0, "q_hard": 0.0, "essay": 2.0}}
    course = make_course(["a", "b", "c", "d", "e"], scores)
    page = write_report(course, "hw", out_dir=tmp_path / "out")
    assert page == tmp_path / "out" / "index.html"
    rows = read_csv(page.with_name("questions.csv"))
    hard = rows["q_hard"]
    assert (hard["mean_score"], hard["pass_rate"], hard["discrimination"]) == ("0", "0", "")
    assert float(rows["q_easy"]["mean_score"]) == pytest.approx(2 / 3, abs=1e-4)
    assert float(rows["q_easy"]["discrimination"]) == pytest.approx(np.corrcoef([1, 0, 1], [3, 1, 2])[0, 1], abs=1e-4)
    text = page.read_text()
    assert "Submitted nothing: 2 (d, e)" in text
    assert "every student scored the same on this question" in text


HOSTILE_IDS = ['<img src=x onerror=alert(1)>', "x' onmouseover='alert(1)", '"><script>alert(1)</script>']


def test_student_ids_with_markup_are_text_on_the_page(make_course):
    """Student ids come from folder names and the roster: on the page they are text, never markup."""
    scores = {HOSTILE_IDS[0]: {"q_easy": 1.0, "q_hard": 0.0, "essay": None}}
    course = make_course(HOSTILE_IDS, scores)
    page = write_report(course, "hw").read_text()
    assert "<script" not in page and "<img src=x" not in page and "onmouseover='" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert html_lib.escape(HOSTILE_IDS[1]) in page   # the single quote is escaped too (attributes use it)


def test_nobody_submitted(make_course):
    course = make_course(["a", "b"], {})
    text = write_report(course, "hw").read_text()
    assert "Submitted nothing: 2 (a, b)" in text and "no statistics to show" in text and not images(text)
    rows = read_csv(course / "reports" / "hw" / "questions.csv")
    assert list(rows) == sorted(QUESTIONS) and all(r["graded"] == "0" and r["mean_score"] == "" for r in rows.values())


def test_submission_without_any_score_is_named_not_counted(make_course):
    scores = {"a": {"q_easy": 1.0, "q_hard": 2.0, "essay": None},
              "broken": {"q_easy": None, "q_hard": None, "essay": None}}
    course = make_course(["a", "broken"], scores)
    text = write_report(course, "hw").read_text()
    assert "no score recorded" in text and "1 (broken)" in text
    assert read_csv(course / "reports" / "hw" / "questions.csv")["q_easy"]["graded"] == "1"


def test_unreadable_grader_report_is_noted_not_fatal(make_course):
    course = make_course(["a"], {"a": {"q_easy": 1.0, "q_hard": 2.0, "essay": None}})
    path = Course.of(course).grader_report("hw", "a", "hw")
    path.parent.mkdir(parents=True)
    path.write_text('{"cells": [ not json')
    text = html_lib.unescape(write_report(course, "hw").read_text())
    assert f"{path}: unreadable grader report" in text


def test_tests_passed_only_carried_forward_are_counted_and_shown(make_course):
    course = make_course(["a", "b"], {"a": {"q_easy": 0.0, "q_hard": 2.0, "essay": None},
                                      "b": {"q_easy": 1.0, "q_hard": 2.0, "essay": None}})
    test = {"name": "test_hard_uses_easy", "points": 1.0, "passed": True, "hint": "uses q_easy's answer", "reason": ""}
    for student, carried in (("a", True), ("b", False)):
        report = {"cells": {"q_hard": {"score": 1.0, "points": 1.0, "tests": [test]}},
                  "carried_forward": {"q_hard": {"taken": True, "own": 0.0, "carried": 1.0, "with": ["q_easy"],
                                                 "answers": ["easy"], "names": ["easy"],
                                                 "tests": [{"name": test["name"], "own": False, "carried": True}]}}
                  if carried else {}}
        path = Course.of(course).grader_report("hw", student, "hw")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report))
    text = html_lib.unescape(write_report(course, "hw").read_text())
    assert "passed only carried forward" in text
    row = next(line for line in text.splitlines() if "test_hard_uses_easy" in line)
    assert "0 of 2" in row and row.endswith("<td class='num'>1</td></tr>"), row


def test_missing_gradebook_is_a_clear_error_and_creates_nothing(tmp_path):
    with pytest.raises(ReportError, match=re.escape(str(tmp_path / "gradebook.db")) + ": no gradebook"):
        write_report(tmp_path, "hw")
    assert not (tmp_path / "gradebook.db").exists() and not (tmp_path / "reports").exists()


def test_unknown_assignment_names_the_known_ones(make_course):
    course = make_course(["a"], {})
    with pytest.raises(ReportError, match="no assignment 'perceptorn' in the gradebook .assignments there: hw"):
        write_report(course, "perceptorn")


@pytest.mark.parametrize("content, problem", [(b"this is not a database" * 100, "not a readable nbgrader gradebook"),
                                               (b"", "empty file")])
def test_corrupt_gradebook_is_a_clear_error(tmp_path, content, problem):
    (tmp_path / "gradebook.db").write_bytes(content)
    with pytest.raises(ReportError, match=f"gradebook.db: {problem}"):
        write_report(tmp_path, "hw")
    assert (tmp_path / "gradebook.db").read_bytes() == content  # the report never writes to the gradebook


# -- a real graded course ------------------------------------------------------------------------
def hands_in_nothing(a, release, source):
    return None


@pytest.fixture(scope="module")
def term(tmp_path_factory, fast_config) -> Term:
    by_id = {s.id: s for s in CLASS}
    students = [by_id["ada"], by_id["ben"], by_id["cara"],
                Student("dora", "Dora", "Quinn", "hands nothing in", hands_in_nothing)]
    term = Term(tmp_path_factory.mktemp("report-term"), [ASSIGNMENT], students, extra_config=fast_config)
    term.set_up()
    term.release()
    term.hand_in()
    term.collect()
    term.autograde()
    assert not term.problems, term.problems
    return term


@pytest.fixture(scope="module")
def report(term) -> tuple[str, dict[str, dict[str, str]]]:
    page = write_report(term.course, ASSIGNMENT)
    assert page == term.course / "reports" / ASSIGNMENT / "index.html"
    return page.read_text(), read_csv(page.with_name("questions.csv"))


def gradebook_scores(term: Term) -> dict[str, dict[str, float]]:
    """{student: {question: score}} for the autograded questions, read straight from the gradebook."""
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        return {s: {g.name: g.score for g in gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, s).grades
                    if g.auto_score is not None} for s in ["ada", "ben", "cara"]}


def test_page_embeds_its_figures(report):
    page, _ = report
    pictures = images(page)
    assert len(pictures) == 2 and all(p.startswith(PNG) and len(p) > 5000 for p in pictures)
    assert "<img" in page and "src='http" not in page and "<link" not in page and "<script" not in page


def test_page_counts_the_class(report):
    page, _ = report
    assert "4 students enrolled; <b>3</b> submitted" in page
    assert "Submitted nothing: 1 (dora)" in page
    assert "item-rest correlation" in page  # says which discrimination index it is


def test_csv_matches_the_gradebook(term, report):
    _, rows = report
    cara_marks = mistake_sets(ASSIGNMENT)[0].expected  # her documented marks, one per autograded question
    got = gradebook_scores(term)
    assert set(got["ada"]) == set(got["cara"]) == set(cara_marks)
    # nbgrader scores an unchanged written answer 0 by itself: ben's needs no grading by hand
    assert set(got["ben"]) == set(cara_marks) | {"xor_explanation"}
    for question in cara_marks:
        points = float(rows[question]["points"])
        ada, ben, cara = got["ada"][question], got["ben"][question], got["cara"][question]
        assert (ada, ben, cara) == (points, 0.0, pytest.approx(cara_marks[question]))
        assert float(rows[question]["mean_score"]) == pytest.approx((ada + ben + cara) / 3, abs=1e-4)
        assert float(rows[question]["pass_rate"]) == pytest.approx((1 + (cara >= points)) / 3, abs=1e-4)
        rest = [sum(v for k, v in got[s].items() if k != question) for s in ["ada", "ben", "cara"]]
        assert float(rows[question]["discrimination"]) == pytest.approx(
            np.corrcoef([ada, ben, cara], rest)[0, 1], abs=1e-4)
    # the written answer: only ben's untouched one is scored (0) until the instructor grades by hand
    assert (rows["xor_explanation"]["graded"], rows["xor_explanation"]["mean_score"]) == ("1", "0")


def test_page_total_mean_matches_the_gradebook(term, report):
    page, _ = report
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        totals = {s: gb.find_submission(ASSIGNMENT, s).score for s in ["ada", "ben", "cara"]}
    cara = sum(mistake_sets(ASSIGNMENT)[0].expected.values())
    assert totals == pytest.approx({"ada": 12.0, "ben": 0.0, "cara": cara})
    assert f"mean {(12.0 + 0.0 + cara) / 3:.2f}" in page


def test_page_names_every_question(term, report):
    page, rows = report
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        questions = [c.name for c in gb.find_notebook(ASSIGNMENT, ASSIGNMENT).grade_cells]
    assert set(rows) == set(questions) and len(questions) == 7
    assert all(f"<code>{q}</code>" in page for q in questions)


def test_most_failed_hidden_tests_with_their_hints(term, report):
    page, _ = report
    failures: dict[str, int] = {}
    own_failures: dict[str, int] = {}   # passed only with earlier answers carried forward
    hints: dict[str, str] = {}
    for student in ["ada", "ben", "cara"]:
        saved = json.loads(Course.of(term.course).grader_report(ASSIGNMENT, student, ASSIGNMENT).read_text())
        carried = {t["name"] for both in saved["carried_forward"].values() if both["taken"]
                   for t in both["tests"] if t["carried"] and not t["own"]}
        for cell in saved["cells"].values():
            for test in cell["tests"]:
                failures[test["name"]] = failures.get(test["name"], 0) + (not test["passed"])
                own_failures[test["name"]] = own_failures.get(test["name"], 0) + (test["name"] in carried)
                hints[test["name"]] = test["hint"]
    table = page.split("Hidden tests failed most often", 1)[1]
    listed = re.findall(r"<td><code>(\w+)</code></td><td>([^<]*)</td><td class='num'>[\d.]+</td>"
                        r"<td class='num'>(\d+) of 3", table)
    assert len(listed) == 10
    for name, hint, failed in listed:
        assert html_lib.unescape(hint) == hints[name] and int(failed) == failures[name]
    # the most failed on the students' own work come first: nothing left out was failed more often
    # than the last one listed
    mine = {t: n + own_failures[t] for t, n in failures.items()}
    assert min(mine[t] for t, *_ in listed) >= max(n for t, n in mine.items() if t not in {x for x, *_ in listed})
    # cara's documented mistake: step(0) is 0
    assert "step(0) is 1: a net input exactly at the threshold fires (&gt;=, not &gt;)" in table


def test_page_shows_hints_only_never_grader_secrets(term, report):
    page, _ = report
    text = html_lib.unescape(page)
    for secret in ["BEGIN HIDDEN TESTS", "_expected", "nnlab.reference", "checks.close", "pytest.mark.grade",
                   "NotImplementedError", "wrong result", "ref."]:
        assert secret not in text, secret
    # no line of the notebook's hidden test regions (hidden inputs and expected values)
    source = json.loads((term.course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    hidden = []
    for cell in source["cells"]:
        block = "".join(cell["source"]).split("### BEGIN HIDDEN TESTS")[1:]
        hidden += [line.strip() for part in block for line in part.split("### END HIDDEN TESTS")[0].splitlines()]
    assert hidden and not [line for line in hidden if len(line) > 8 and line in text]
    # every hint shown is the first line of a grader docstring, nothing more
    graders = Grading().graders(ASSIGNMENT, ASSIGNMENT).read_text()
    shown = re.findall(r"</code></td><td>([^<]*)</td><td class='num'>", page.split("Hidden tests failed", 1)[1])
    assert shown and all(f'"""{html_lib.unescape(h)}"""' in graders for h in shown)


def test_fewer_most_failed_tests_when_asked(term, tmp_path):
    table = write_report(term.course, ASSIGNMENT, tmp_path / "r", top=3).read_text().split("failed most often", 1)[1]
    assert table.count("<tr><td class='num'>") == 3
    written = term.course / "reports" / ASSIGNMENT / "questions.csv"
    assert (tmp_path / "r" / "questions.csv").read_text() == written.read_text()


def test_nnlab_report_command(term, tmp_path, capsys):
    assert nnlab(["report", ASSIGNMENT, "--course", str(term.course), "--out", str(tmp_path / "r")]) == 0
    assert str(tmp_path / "r" / "index.html") in capsys.readouterr().out
    assert images((tmp_path / "r" / "index.html").read_text())


def test_nnlab_report_cannot_write_is_one_line_and_exit_1(term, tmp_path, capsys):
    (tmp_path / "taken").write_text("a file where the report folder would go")
    assert nnlab(["report", ASSIGNMENT, "--course", str(term.course), "--out", str(tmp_path / "taken")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnlab report: ") and str(tmp_path / "taken") in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (tmp_path / "taken").read_text().startswith("a file")
