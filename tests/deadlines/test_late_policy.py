"""The late policy through nbgrader's own late-submission plugin: plain `nbgrader autograde` records each
late notebook's penalty, `nbgrader export` and the feedback page show the same numbers as nnlab's policy,
on-time hand-ins lose nothing, extensions count (also one given before the hand-in), and the penalties
follow a due date or extension changed after grading."""
from __future__ import annotations

import math

import pytest
from cli_run import nnlab
from course import DUE, A, days, export, hand_in, make_course, nbgrader
from nbgrader.api import Gradebook

from nnlab.course import Course

PER_DAY, CAP = 0.1, 0.3
POLICY = f'c.LatePolicy.policy = "per_day"\nc.LatePolicy.per_day = {PER_DAY}\nc.LatePolicy.cap = {CAP}\n'
HAND_INS = {            # student: (work, hand-in time relative to the due date)
    "ada": ("correct", -days(1 / 24)),
    "ben": ("correct", days(1.5)),
    "cara": ("correct", days(10)),
    "dan": ("correct", days(2)),       # with an extension of 3 days given before he hands in
    "eve": ("mistakes", -days(1)),     # hands in again, right this time, a day late (feedback_only below)
}
DAN_EXTENSION = days(3)


@pytest.fixture(scope="module")
def course(tmp_path_factory, fast_config):
    folder = make_course(tmp_path_factory.mktemp("late") / "course", list(HAND_INS), fast_config + POLICY)
    assert nnlab("due", A, DUE.isoformat(), "--course", folder).code == 0
    assert nnlab("extend", "dan", A, "--by", "3d", "--course", folder).code == 0   # before dan has handed in
    for student, (work, offset) in HAND_INS.items():
        hand_in(folder, student, work, DUE + offset)
    nbgrader(folder, "autograde", A)
    nbgrader(folder, "generate_feedback", A)
    return folder


def gradebook(folder):
    opened = Course.open(folder)
    return Gradebook(opened.db_url, opened.course_id)


def penalties(folder) -> dict[str, tuple[float, float, float | None]]:
    """{student: (raw score, max score, late penalty)} as the gradebook holds them."""
    with gradebook(folder) as gb:
        return {s.student.id: (s.score, s.max_score, s.notebooks[0].late_submission_penalty)
                for s in gb.find_assignment(A).submissions}


def shown(points: float) -> str:
    """Points as the feedback page shows them (nbgrader's template: `| float | round(2)`)."""
    return str(round(float(points), 2))


def per_day(late_days: float, maximum: float) -> float:
    return min(CAP, math.ceil(late_days) * PER_DAY) * maximum


def test_on_time_hand_ins_lose_nothing(course):
    found = penalties(course)
    assert found["ada"][2] is None and found["eve"][2] is None
    assert found["ada"][0] == found["ada"][1] - 3.0, "right answers: all but the written answer, marked by hand"


def test_late_hand_ins_lose_the_policys_share_per_day_up_to_the_cap(course):
    found = penalties(course)
    raw, maximum, penalty = found["ben"]
    assert penalty == pytest.approx(per_day(1.5, maximum))          # a day and a half: two days
    assert penalty == pytest.approx(2 * PER_DAY * maximum)
    raw, maximum, penalty = found["cara"]
    assert penalty == pytest.approx(CAP * maximum) and 10 * PER_DAY > CAP   # capped


def test_an_extension_given_before_the_hand_in_reaches_nbgraders_late_computation(course):
    with gradebook(course) as gb:
        submission = gb.find_submission(A, "dan")
        assert submission.extension == DAN_EXTENSION
        assert submission.total_seconds_late == 0
    assert penalties(course)["dan"][2] is None
    assert "kept until" not in nnlab("status", "--course", course).out


def test_nbgrader_export_agrees_with_the_gradebook_and_the_policy(course):
    rows = export(course)
    for student, (raw, _, penalty) in penalties(course).items():
        row = rows[student]
        assert float(row["raw_score"]) == pytest.approx(raw)
        assert float(row["late_submission_penalty"]) == pytest.approx(penalty or 0.0)
        assert float(row["score"]) == pytest.approx(raw - (penalty or 0.0)), student


def test_the_feedback_page_shows_the_hand_in_the_due_date_and_the_deduction(course):
    found = penalties(course)
    page = (course / "feedback" / "ben" / A / f"{A}.html").read_text()
    raw, maximum, penalty = found["ben"]
    assert f"(Score: {shown(raw - penalty)} / {shown(maximum)})" in page
    assert "Handed in by ben at 2025-03-16 10:59:00 UTC." in page
    assert "Due: 2025-03-14 22:59 UTC." in page
    assert (f"Late by 1 day 12 h: {penalty:g} points taken off (2 days late: 2 x 10% of {maximum:g} points)."
            in page)
    cara = (course / "feedback" / "cara" / A / f"{A}.html").read_text()
    assert f"{found['cara'][2]:g} points taken off (10 days late: 10 x 10%, at most 30% of {maximum:g} points)" in cara
    dan = (course / "feedback" / "dan" / A / f"{A}.html").read_text()
    assert "Due: 2025-03-14 22:59 UTC; with your extension of 3 days: 2025-03-17 22:59 UTC." in dan
    assert "Late by" not in dan
    ada = (course / "feedback" / "ada" / A / f"{A}.html").read_text()
    assert "Late by" not in ada and "Handed in by ada at 2025-03-14 21:59:00 UTC." in ada
    assert "Written response</a> (to be marked / 3.0)" in ada


def test_an_extension_after_grading_recomputes_the_penalty_everywhere(course):
    before = penalties(course)["ben"][2]
    run = nnlab("extend", "ben", A, "--by", "2d", "--course", course)
    assert run.code == 0, run.err
    assert f"ben, {A}: late penalty {before:g} points -> none" in run.out
    assert float(export(course)["ben"]["late_submission_penalty"]) == 0.0
    back = nnlab("extend", "ben", A, "--clear", "--course", course)
    assert f"ben, {A}: late penalty none -> {before:g} points" in back.out
    assert float(export(course)["ben"]["late_submission_penalty"]) == pytest.approx(before)


def test_feedback_only_keeps_the_grade_of_the_last_hand_in_on_time(course):
    """eve hands in with mistakes on time, then right answers a day late; ben has nothing on time."""
    with gradebook(course) as gb:
        on_time = {g.name: g.score for g in gb.find_submission_notebook(A, A, "eve").grades}
    on_time_total = sum(on_time.values())
    hand_in(course, "eve", "correct", DUE + days(1))
    nbgrader(course, "autograde", A, "--force", "--student=eve")
    late_total = penalties(course)["eve"][0]
    assert late_total > on_time_total, "the late hand-in scores more"
    with open(course / "course_config.py", "a") as config:
        config.write('\nc.LatePolicy.policy = "feedback_only"\n')
    run = nnlab("due", A, DUE.isoformat(), "--course", course)    # the same due date: penalties recomputed
    assert run.code == 0, run.err
    rows = export(course)
    assert float(rows["eve"]["score"]) == pytest.approx(on_time_total)
    assert float(rows["eve"]["late_submission_penalty"]) == pytest.approx(late_total - on_time_total)
    assert float(rows["ben"]["score"]) == 0.0, "nothing on time: no points"
    assert float(rows["ada"]["score"]) == pytest.approx(penalties(course)["ada"][0]), "on time: untouched"
    nbgrader(course, "generate_feedback", A, "--force", "--student=eve")
    page = (course / "feedback" / "eve" / A / f"{A}.html").read_text()
    assert f"(Score: {shown(on_time_total)} / " in page
    assert ("the grade stays with your last hand-in on time (2025-03-13 22:59:00 UTC): "
            f"{late_total - on_time_total:g} points gained since are not counted") in page
    assert "PASS" in page and "FAIL" not in page, "the late hand-in's full feedback"
