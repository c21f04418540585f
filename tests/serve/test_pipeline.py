"""The service is a pipeline: while one worker grades a slow hand-in, the other grades the hand-ins that come
after it, and their feedback is released without waiting for the slow one."""
from __future__ import annotations

import re

import nbformat
import pytest
from classroom import ServiceProcess, answer, events, fetch_feedback, hand_in, make_term, settled, wait_for

SLOW_CELL = "import time\ntime.sleep(3)"   # a cell the student added: under the cell timeout, never cut


@pytest.fixture(scope="module")
def piped(tmp_path_factory, fast_config):
    # budgets off: the added cells run their full time under the 5 s cell timeout of the fast settings
    term = make_term(tmp_path_factory.mktemp("pipeline"), ["ada", "ben", "cara"],
                     fast_config + "c.Grading.budgets = False\nc.BatchGrading.workers = 2\nc.Serve.ahead = 0\n")
    slow = answer(term, "right")
    slow.cells += [nbformat.v4.new_code_cell(SLOW_CELL) for _ in range(3)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        service = ServiceProcess(term)
        try:
            wait_for(lambda: "serving" in service.output(), 120, "the service up", service)
            names = {"ada": hand_in(term, "ada", slow)}
            wait_for(lambda: any(e["handin"] == names["ada"] and e["event"] == "collected" for e in events(term)),
                     120, "ada's slow hand-in collected", service)
            names["ben"] = hand_in(term, "ben", answer(term, "right"))
            names["cara"] = hand_in(term, "cara", answer(term, "release"))
            wait_for(lambda: settled(term, names.values()), 300, "the three hand-ins released", service)
            stopped = service.stop()
        finally:
            service.end_session()
    at = {(e["handin"], e["event"]): e["at"] for e in events(term)}
    return {"names": names, "at": at, "stopped": stopped, "events": events(term),
            "pages": {s: fetch_feedback(term, s) for s in names}}


def test_the_hand_ins_after_a_slow_one_are_released_before_it_is_graded(piped):
    at, names = piped["at"], piped["names"]
    slow_graded = at[names["ada"], "graded"]
    for student in ("ben", "cara"):   # one worker grades ada's for 9 s; the other grades ben's, then cara's
        assert at[names[student], "released"] < slow_graded, (student, piped["events"])


def test_each_hand_in_is_graded_once_with_its_own_score(piped):
    assert piped["stopped"] == 0
    for student, name in piped["names"].items():
        steps = [e["event"] for e in piped["events"] if e["handin"] == name]
        assert steps == ["seen", "collected", "graded", "released"], (student, steps)
    stamp = {s: n.split("+")[2] for s, n in piped["names"].items()}
    assert re.search(r"Score: 12(\.0)? / ", piped["pages"]["ada"][stamp["ada"]])   # the slow one, right answers
    assert re.search(r"Score: 12(\.0)? / ", piped["pages"]["ben"][stamp["ben"]])
    assert re.search(r"Score: 0(\.0)? / ", piped["pages"]["cara"][stamp["cara"]])  # the release untouched
