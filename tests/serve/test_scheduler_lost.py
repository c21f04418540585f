"""The Dask scheduler of the course cannot be reached: the service says so and grades on this machine's
workers, and the student's feedback is released as usual."""
from __future__ import annotations

import re

import pytest
from classroom import ServiceProcess, answer, events, fetch_feedback, hand_in, make_term, settled, wait_for

from nnlab.batch.local_cluster import LocalCluster

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


@pytest.fixture(scope="module")
def scheduler_lost_midway(tmp_path_factory, fast_config):
    """ada's hand-in graded on a running Dask cluster; then the scheduler and its worker are killed; then
    ben hands in."""
    term = make_term(tmp_path_factory.mktemp("scheduler-lost"), ["ada", "ben"], fast_config)
    cluster = LocalCluster(tmp_path_factory.mktemp("dask"), workers=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        service = ServiceProcess(term, "--scheduler", cluster.address)
        try:
            first = hand_in(term, "ada", answer(term, "right"))
            wait_for(lambda: settled(term, [first]), 300, "ada's hand-in graded on the cluster", service)
            on_cluster = (cluster.folder / "w1.log").read_text()
            cluster.close()   # the scheduler and its worker gone while the service runs
            second = hand_in(term, "ben", answer(term, "right"))
            wait_for(lambda: settled(term, [second]), 300, "ben's hand-in released after the scheduler went", service)
            stopped = service.stop()
        finally:
            service.end_session()
            cluster.close()
    return {"names": (first, second), "stopped": stopped, "log": service.output(), "on_cluster": on_cluster,
            "pages": {s: fetch_feedback(term, s) for s in ("ada", "ben")}, "events": events(term)}


def test_a_scheduler_lost_between_hand_ins_is_said_and_the_next_is_graded_here(scheduler_lost_midway):
    found = scheduler_lost_midway
    assert found["stopped"] == 0
    assert "nnlab-course" in found["on_cluster"] or "grade" in found["on_cluster"], found["on_cluster"][-2000:]
    assert re.search(r"grading on this machine's workers from now on", found["log"]), found["log"][-3000:]
    for student, name in zip(("ada", "ben"), found["names"]):
        assert re.search(r"Score: 12(\.0)? / ", found["pages"][student][name.split("+")[2]]), student
    graded = [e["handin"] for e in found["events"] if e["event"] == "graded"]
    assert sorted(graded) == sorted(found["names"]), "each hand-in graded once"
