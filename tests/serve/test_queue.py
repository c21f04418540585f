"""Attempt limits and the fair queue, on a journal of known times: a student's later attempt never waits
ahead of another's earlier one, and an attempt over the limit is due when the limit says."""
from __future__ import annotations

import pytest
from traitlets import TraitError
from traitlets.config import Config

from nnlab.serve.journal import COLLECTED, GRADED, RELEASED, SEEN, Journal
from nnlab.serve.queue import DAY, limit_text, next_attempt, next_up, ready
from nnlab.serve.settings import Serve

NOW = 1_800_000_000.0


def _hand_in(journal: Journal, student: str, seen: float, *steps: tuple[str, float], assignment: str = "perceptron") -> str:
    name = f"{student}+{assignment}+{seen}+x"
    journal.record(None, SEEN, at=seen, name=name, student=student, assignment=assignment, handed_in=str(seen))
    for event, at in steps:
        journal.record(journal.handins[name], event, at=at)
    return name


@pytest.fixture
def journal(tmp_path):
    found = Journal(tmp_path / "journal.jsonl")
    yield found
    found.close()


def test_a_students_second_hand_in_waits_behind_anothers_first(journal):
    _hand_in(journal, "xia", NOW - 300, (COLLECTED, NOW - 290), (GRADED, NOW - 280), (RELEASED, NOW - 279))
    second = _hand_in(journal, "xia", NOW - 100)
    first = _hand_in(journal, "yan", NOW - 50)     # arrived later, but it is yan's first
    assert [h.name for h in ready(journal, NOW)] == [first, second]
    assert next_up(journal, NOW, busy=set()).name == first
    journal.record(journal.handins[first], COLLECTED, at=NOW)
    journal.record(journal.handins[first], GRADED, at=NOW)
    journal.record(journal.handins[first], RELEASED, at=NOW)
    assert next_up(journal, NOW, busy=set()).name == second


def _taken_in_turn(journal: Journal) -> list[str]:
    """The names next_up hands to the workers one after another, each then busy."""
    busy, taken = set(), []
    while (handin := next_up(journal, NOW, busy)) is not None:
        busy.add((handin.student, handin.assignment))
        taken.append(handin.name)
    return taken


def test_first_hand_ins_go_to_the_workers_earliest_first_whatever_their_assignment(journal):
    names = [_hand_in(journal, s, NOW - 60 + i) for i, s in enumerate(["ada", "ben", "cara"])]
    other = _hand_in(journal, "ada", NOW - 59.5, assignment="backprop")
    assert _taken_in_turn(journal) == [names[0], other, *names[1:]]


def test_a_student_has_one_hand_in_of_an_assignment_in_hand_at_a_time(journal):
    first = _hand_in(journal, "ada", NOW - 60, (COLLECTED, NOW - 50))
    _hand_in(journal, "ada", NOW - 40)    # waits for the first to be graded (and is a second attempt)
    assert _taken_in_turn(journal) == [first]
    assert next_up(journal, NOW, busy={("ada", "perceptron")}) is None
    ben = _hand_in(journal, "ben", NOW - 30)
    assert next_up(journal, NOW, busy={("ada", "perceptron")}).name == ben


def _settings(**traits) -> Serve:
    return Serve(config=Config({"Serve": traits}))


def test_an_attempt_over_the_daily_limit_is_due_a_day_after_the_oldest_counted(journal):
    _hand_in(journal, "ada", NOW - 5000, (COLLECTED, NOW - 4000))
    _hand_in(journal, "ada", NOW - 3000, (COLLECTED, NOW - 2000))
    waiting = journal.handins[_hand_in(journal, "ada", NOW - 10)]
    assert next_attempt(journal, _settings(attempts_per_day={"perceptron": 2}), waiting, NOW) == NOW - 4000 + DAY
    assert next_attempt(journal, _settings(attempts_per_day={"perceptron": 3}), waiting, NOW) == 0
    assert next_attempt(journal, _settings(attempts_per_day={"*": 2, "backprop": 9}), waiting, NOW) == NOW - 4000 + DAY
    assert next_attempt(journal, _settings(), waiting, NOW) == 0
    assert next_attempt(journal, _settings(attempts_per_day={"perceptron": 2}), waiting, NOW + DAY) == 0


def test_an_attempt_too_soon_after_the_last_is_due_that_many_minutes_after_it(journal):
    _hand_in(journal, "ada", NOW - 700, (COLLECTED, NOW - 600))
    waiting = journal.handins[_hand_in(journal, "ada", NOW - 10)]
    assert next_attempt(journal, _settings(minutes_between_attempts={"*": 30}), waiting, NOW) == NOW - 600 + 1800
    assert next_attempt(journal, _settings(minutes_between_attempts={"*": 5}), waiting, NOW) == 0
    assert limit_text(_settings(minutes_between_attempts={"*": 30}, attempts_per_day={"*": 1}), "perceptron") == (
        "1 graded hand-in in any 24 hours and one graded hand-in every 30 minutes")


def test_a_held_hand_in_is_ready_once_it_is_due(journal):
    name = _hand_in(journal, "ada", NOW - 10)
    journal.record(journal.handins[name], "held", at=NOW - 5, due=NOW + 60)
    assert ready(journal, NOW) == []
    assert [h.name for h in ready(journal, NOW + 60)] == [name]


def test_notebooks_ahead_of_the_workers_cannot_be_fewer_than_none():
    assert _settings(ahead=2).ahead == 2
    with pytest.raises(TraitError, match="'ahead'.* less than 0"):   # -1 would leave a worker idle for good
        _settings(ahead=-1)
