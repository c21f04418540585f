"""The Dask scheduler of the course cannot be reached: the service says so and grades on this machine's
workers, and the student's feedback is released as usual."""
from __future__ import annotations

import re

import pytest
from classroom import ServiceProcess, answer, fetch_feedback, hand_in, make_term, settled, wait_for

NOWHERE = "tcp://127.0.0.1:9"   # the discard port: no scheduler answers there


@pytest.fixture(scope="module")
def graded_without_scheduler(tmp_path_factory, fast_config):
    term = make_term(tmp_path_factory.mktemp("no-scheduler"), ["ada"], fast_config)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        service = ServiceProcess(term, "--scheduler", NOWHERE)
        try:
            name = hand_in(term, "ada", answer(term, "right"))
            wait_for(lambda: settled(term, [name]), 300, "ada's hand-in released without the scheduler", service)
            stopped = service.stop()
        finally:
            service.end_session()
        return {"name": name, "stopped": stopped, "log": service.output(), "pages": fetch_feedback(term, "ada")}


def test_the_service_says_the_scheduler_is_lost_and_grades_here(graded_without_scheduler):
    found = graded_without_scheduler
    assert found["stopped"] == 0
    assert re.search(rf"cannot reach the Dask scheduler at {NOWHERE}.*: grading on this machine's workers from now on",
                     found["log"]), found["log"][-2000:]
    page = found["pages"][found["name"].split("+")[2]]
    assert re.search(r"Score: 12(\.0)? / ", page)
