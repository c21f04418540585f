"""A worker of the running service killed (the OOM killer, an administrator): the service says the grader
failed, starts a fresh one, and grades the hand-ins in hand again; none is taken as the student's failure."""
from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
from classroom import ServiceProcess, answer, events, fetch_feedback, hand_in, make_term, settled, states, wait_for


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.fixture(scope="module")
def crashed(tmp_path_factory, fast_config):
    term = make_term(tmp_path_factory.mktemp("worker-crash"), ["ada", "ben"], fast_config)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        service = ServiceProcess(term)
        try:
            ada = hand_in(term, "ada", answer(term, "right"))
            wait_for(lambda: states(term).get(ada) == "collected" and children(service.process.pid), 120,
                     "ada's hand-in being graded", service)
            os.kill(children(service.process.pid)[0], signal.SIGKILL)
            ben = hand_in(term, "ben", answer(term, "right"))
            wait_for(lambda: settled(term, [ada, ben]), 300, "both hand-ins released after the crash", service)
            stopped = service.stop()
        finally:
            service.end_session()
        return {"names": {"ada": ada, "ben": ben}, "stopped": stopped, "log": service.output(),
                "events": events(term), "pages": {s: fetch_feedback(term, s) for s in ("ada", "ben")}}


def test_the_service_restarts_its_grader_and_says_why(crashed):
    assert crashed["stopped"] == 0
    assert re.search(r"the grader failed \(a worker died: .*\): restart 1 of at most 5", crashed["log"]), crashed["log"][-3000:]


def test_every_hand_in_is_graded_once_and_its_feedback_released(crashed):
    for student, name in crashed["names"].items():
        steps = [e["event"] for e in crashed["events"] if e["handin"] == name]
        assert steps == ["seen", "collected", "graded", "released"], (student, steps)
        assert re.search(r"Score: 12(\.0)? / ", crashed["pages"][student][name.split("+")[2]])
