"""Attempt limits on a running service: a hand-in too soon after the last graded one is kept and
acknowledged with the time it will be graded, a newer one replaces it, and at that time the newest is
graded and its feedback released; the replaced one is never graded."""
from __future__ import annotations

import re

import pytest
from classroom import ServiceProcess, answer, events, fetch_feedback, hand_in, make_term, settled, states, wait_for

MINUTES = 0.5


@pytest.fixture(scope="module")
def limited(tmp_path_factory, fast_config):
    term = make_term(tmp_path_factory.mktemp("limits"), ["ada"],
                     fast_config + f"c.Serve.minutes_between_attempts = {{'perceptron': {MINUTES}}}\n")
    found = {"term": term}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        service = ServiceProcess(term)
        try:
            first = hand_in(term, "ada", answer(term, "right"))
            wait_for(lambda: states(term).get(first) in ("collected", "graded", "released"), 120,
                     "ada's first hand-in collected", service)
            second = hand_in(term, "ada", answer(term, "release"))
            third = hand_in(term, "ada", answer(term, "release"))
            found["names"] = [first, second, third]
            wait_for(lambda: states(term).get(third) == "held" and settled(term, [first, second]), 120,
                     "the third hand-in held, the second replaced", service)
            found["while held"] = fetch_feedback(term, "ada")
            wait_for(lambda: settled(term, [third]), 300, "the held hand-in graded when due", service)
            assert service.stop() == 0
        finally:
            service.end_session()
        found["after"] = fetch_feedback(term, "ada")
    found["events"] = events(term)
    return found


def _steps(limited, name):
    return [e["event"] for e in limited["events"] if e["handin"] == name]


def _page(pages, name):
    return pages[name.split("+")[2]]


def test_the_held_hand_in_is_acknowledged_with_when_it_will_be_graded(limited):
    first, second, third = limited["names"]
    page = _page(limited["while held"], third)
    assert "received, graded later" in page
    assert re.search(r"this hand-in will be graded at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+, when your next attempt is due", page)
    assert f"one graded hand-in every {MINUTES:g} minutes" in page
    assert "Score:" not in page


def test_a_newer_waiting_hand_in_replaces_the_older_which_is_never_graded(limited):
    first, second, third = limited["names"]
    assert _steps(limited, second)[-2:] == ["superseded", "notified"]
    assert "collected" not in _steps(limited, second)
    page = _page(limited["after"], second)
    assert "replaced it before it was graded" in page


def test_the_held_hand_in_is_graded_when_its_attempt_is_due(limited):
    first, second, third = limited["names"]
    assert _steps(limited, third) == ["seen", "held", "notified", "collected", "graded", "released"]
    at = {e["event"]: e["at"] for e in limited["events"] if e["handin"] == third}
    began_first = next(e["at"] for e in limited["events"] if e["handin"] == first and e["event"] == "collected")
    assert at["collected"] >= began_first + MINUTES * 60
    assert re.search(r"Score: 0(\.0)? / ", _page(limited["after"], third))
    assert re.search(r"Score: 12(\.0)? / ", _page(limited["after"], first))
