"""The marks of written answers live in nbgrader's gradebook, with the rubric beside them: items
re-score, conflicts are refused, pseudonyms are stable, the sample spreads over the marks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from marking_course import ASSIGNMENT, QUESTION, class_answers, store_course
from nbgrader.api import Gradebook

from nnlab.gradebook import read_gradebook
from nnlab.marking.questions import seed_rubric, written_questions
from nnlab.marking.sample import agreement, draw, report_text
from nnlab.marking.store import Conflict, MarkingError, MarkingStore


def question_of(course: Path):
    [question] = [q for q in written_questions(course / "source" / ASSIGNMENT, ASSIGNMENT) if q.grade_id == QUESTION]
    return question


def gradebook_mark(store: MarkingStore, question, student: str) -> dict:
    return store.gradebook_marks(question)[student]


@pytest.fixture
def setup(new_course):
    course = new_course(class_answers(6))
    store = MarkingStore(store_course(course), ASSIGNMENT)
    return course, store, question_of(course)


def fresh(store, question, student):
    return {"version": 0, "gradebook": gradebook_mark(store, question, student)}


def test_the_source_notebooks_rubric_seeds_the_items(setup):
    course, store, question = setup
    assert question.points == 3 and "XOR" in question.prompt and "Model answer" in question.model_answer
    state = MarkingStore.question_state(store.read(), question)
    assert [state["items"][i]["key"] for i in state["order"]] == ["1", "2", "3"]
    assert [state["items"][i]["points"] for i in state["order"]] == [1.0, 1.0, 1.0]
    assert seed_rubric("- 0.5 points: a half\n  more of it\n\nprose") [0].comment == "a half more of it"


def test_a_mark_is_the_cells_manual_score_and_comment_in_the_gradebook(setup):
    course, store, question = setup
    done = store.mark(question, "s01", ["i1", "i3"], -0.5, "Nice figure.", "marker A", fresh(store, question, "s01"))
    assert done["gradebook"]["score"] == 1.5
    with Gradebook("sqlite:///" + str(course / "gradebook.db"), store.course.course_id) as gb:
        grade = gb.find_grade(QUESTION, ASSIGNMENT, ASSIGNMENT, "s01")
        comment = gb.find_comment(QUESTION, ASSIGNMENT, ASSIGNMENT, "s01").manual_comment
        assert grade.manual_score == 1.5 and not grade.needs_manual_grade
    assert comment.splitlines()[0].endswith("(+1)") and "Adjustment (-0.5)" in comment and comment.endswith("Nice figure.")
    # the grade table (nnlab's one reader of the gradebook) no longer waits for a person on it
    snapshot = read_gradebook(store.course.db_url, store.course.course_id)
    assert not snapshot.submission("s01", ASSIGNMENT).needs_manual
    assert snapshot.submission("s02", ASSIGNMENT).needs_manual
    # kept within 0 and the question's points
    assert store.mark(question, "s02", ["i1", "i2", "i3"], 5, "", "A", fresh(store, question, "s02"))["gradebook"]["score"] == 3
    assert store.mark(question, "s03", [], -2, "", "A", fresh(store, question, "s03"))["gradebook"]["score"] == 0
    with pytest.raises(MarkingError):
        store.mark(question, "s04", ["i99"], 0, "", "A", fresh(store, question, "s04"))


def test_changing_an_items_points_rescores_every_answer_that_has_it(setup):
    course, store, question = setup
    for student, items in {"s01": ["i1"], "s02": ["i1", "i2"], "s03": ["i2"]}.items():
        store.mark(question, student, items, 0, "", "A", fresh(store, question, student))
    result = store.change_item(question, "i1", 0.5, "boundary is a line", "A")
    assert sorted(result["rescored"]) == ["s01", "s02"] and result["conflicts"] == []
    marks = store.gradebook_marks(question)
    assert (marks["s01"]["score"], marks["s02"]["score"], marks["s03"]["score"]) == (0.5, 1.5, 1.0)
    assert marks["s02"]["comment"].startswith("boundary is a line (+0.5)")
    # a mark typed in the formgrader meanwhile is not overwritten by the re-score: it is reported
    with Gradebook(store.course.db_url, store.course.course_id) as gb:
        gb.find_grade(QUESTION, ASSIGNMENT, ASSIGNMENT, "s01").manual_score = 2.75
        gb.db.commit()
    result = store.change_item(question, "i1", 1.0, "boundary is a line", "A")
    assert result == {"rescored": ["s02"], "conflicts": ["s01"]}
    assert store.gradebook_marks(question)["s01"]["score"] == 2.75


def test_two_markers_never_overwrite_each_other_silently(setup):
    course, store, question = setup
    seen_by_a = fresh(store, question, "s01")
    seen_by_b = fresh(store, question, "s01")
    store.mark(question, "s01", ["i1"], 0, "", "A", seen_by_a)
    with pytest.raises(Conflict) as refused:
        store.mark(question, "s01", ["i2", "i3"], 0, "", "B", seen_by_b)
    assert "marked meanwhile by A" in str(refused.value)
    assert refused.value.current["mark"]["items"] == ["i1"] and refused.value.current["gradebook"]["score"] == 1
    assert store.gradebook_marks(question)["s01"]["score"] == 1
    # B saw A's mark and replaces it on purpose
    store.mark(question, "s01", ["i2", "i3"], 0, "", "B", {"version": refused.value.current["version"],
                                                           "gradebook": refused.value.current["gradebook"]})
    assert store.gradebook_marks(question)["s01"]["score"] == 2
    assert [m["by"] for m in MarkingStore.question_state(store.read(), question)["history"]["s01"]] == ["A"]
    # a score typed in the formgrader is a change too
    seen = fresh(store, question, "s02")
    with Gradebook(store.course.db_url, store.course.course_id) as gb:
        gb.find_grade(QUESTION, ASSIGNMENT, ASSIGNMENT, "s02").manual_score = 1.25
        gb.db.commit()
    with pytest.raises(Conflict, match="in the formgrader"):
        store.mark(question, "s02", ["i1"], 0, "", "A", seen)


def test_pseudonyms_are_stable_and_names_are_shown_only_after_a_recorded_switch(setup, new_course):
    course, store, question = setup
    numbers = store.pseudonyms()
    assert sorted(numbers.values()) == list(range(1, 7))
    assert store.pseudonyms() == numbers
    assert MarkingStore(store.course, ASSIGNMENT).pseudonyms() == numbers
    assert not store.revealed()
    store.reveal(True, "A")
    store.reveal(False, "B")
    assert not store.revealed()
    store.reveal(True, "C")
    assert store.revealed()
    recorded = json.loads(store.path.read_text())["reveal"]
    assert [(e["on"], e["by"]) for e in recorded] == [(True, "A"), (False, "B"), (True, "C")]
    # numbers are drawn at random: over several courses, not always in the order of the ids
    others = [MarkingStore(store_course(new_course(class_answers(6), f"c{k}")), ASSIGNMENT).pseudonyms() for k in range(3)]
    orders = {tuple(found[s] for s in sorted(numbers)) for found in [numbers, *others]}
    assert len(orders) > 1


def test_the_sample_spreads_over_the_mark_range():
    marks = {f"s{i:03d}": i / 10 for i in range(100)}   # marks 0 .. 9.9
    sample = draw(marks, 10, 5, seed=1)
    assert len(sample) == 10 == len(set(sample))
    assert sorted(int(marks[s]) for s in sample) == list(range(10))   # one from each tenth of the range
    assert len(draw(marks, 1, 5, seed=1)) == 5                         # at least the minimum
    assert len(draw({"a": 1, "b": 2}, 10, 5)) == 2                     # never more than are marked


def test_agreement_report():
    items = {"i1": {"key": "1", "comment": "line"}, "i2": {"key": "2", "comment": "argument"}}
    first = {"a": {"score": 2, "items": ["i1", "i2"]}, "b": {"score": 1, "items": ["i1"]}, "c": {"score": 0, "items": []}}
    second = {"a": {"score": 2, "items": ["i1", "i2"]}, "b": {"score": 2, "items": ["i1", "i2"]},
              "c": {"score": 0.25, "items": []}}
    found = agreement(first, second, ["a", "b", "c", "d"], items, {s: f"Script {n}" for n, s in enumerate("abcd", 1)}, 0.5)
    assert (found.compared, found.pending) == (3, 1)
    assert (found.mean_difference, found.mean_absolute_difference, found.largest_difference) == (0.417, 0.417, 1)
    assert found.apart == [{"script": "Script 2", "first": 1, "second": 2, "difference": 1}]
    assert found.items == [{"item": "i2", "key": "2", "comment": "argument", "first_only": [], "second_only": ["Script 2"]}]
    assert "largest difference: 1" in report_text(found)


def test_second_marks_stay_beside_the_gradebook_until_taken(setup):
    course, store, question = setup
    for i, student in enumerate(sorted(class_answers(6))):
        store.mark(question, student, ["i1", "i2", "i3"][: i % 4], 0, "", "A", fresh(store, question, student))
    sample = store.draw_sample(question, 50, 2, "A", seed=3)
    assert len(sample) == 3
    target = sample[0]
    first = store.gradebook_marks(question)[target]["score"]
    store.second_mark(question, target, ["i1", "i2", "i3"], 0, "", "B", {"version": 0})
    assert store.gradebook_marks(question)[target]["score"] == first        # the first mark stands
    with pytest.raises(MarkingError):
        store.second_mark(question, next(s for s in class_answers(6) if s not in sample), [], 0, "", "B", {"version": 0})
    report = store.agreement(question, 0.5)
    assert report.compared == 1 and report.largest_difference == 3 - first
    store.take_second(question, target, "instructor")
    assert store.gradebook_marks(question)[target]["score"] == 3


def test_the_marking_page_goes_only_where_the_formgrader_is():
    """A student's server (the course's student configuration switches the formgrader off) gets no
    marking page, whatever the environment enables."""
    import json

    from nnlab.marking.extension import serves_marking

    student = json.loads((Path(__file__).parents[2] / "student" / "jupyter" / "jupyter_server_config.json").read_text())
    assert not serves_marking({"nnlab.marking": True, **student["ServerApp"]["jpserver_extensions"]})
    assert serves_marking({"nnlab.marking": True, "nbgrader.server_extensions.formgrader": True})
