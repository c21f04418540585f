"""The journal and the service's lock, alone: a torn line or a full disk never leaves a step taken as
done; the lock is the kernel's, so a killed service leaves none behind."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap

import pytest

from nnlab.serve.journal import COLLECTED, GRADED, SEEN, Journal
from nnlab.serve.lock import ServiceLock, ServiceRunning, lock_path, running_service

NAME = "ada+perceptron+2026-12-01 10:00:00.000000 UTC+abc"


def _seen(journal: Journal, name: str = NAME) -> None:
    student, assignment, stamp, _ = name.split("+")
    journal.record(None, SEEN, name=name, student=student, assignment=assignment, handed_in=stamp,
                   notebooks=[assignment])


def test_a_hand_in_replays_to_its_last_step(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    _seen(journal)
    journal.record(journal.handins[NAME], COLLECTED)
    journal.close()
    again = Journal(tmp_path / "journal.jsonl")
    assert again.handins[NAME].state == COLLECTED
    assert [h.name for h in again.waiting()] == [NAME]


def test_a_torn_last_line_is_not_taken_as_done_and_is_cut_off(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    _seen(journal)
    journal.record(journal.handins[NAME], COLLECTED)
    journal.close()
    with open(path, "ab") as out:   # a service killed in the middle of writing `graded`
        out.write(b'{"at": 1.0, "handin": "' + NAME.encode() + b'", "event": "gra')
    again = Journal(path)
    assert again.handins[NAME].state == COLLECTED and again.torn == 1
    again.record(again.handins[NAME], GRADED, notebooks=1)
    again.close()
    assert Journal(path).handins[NAME].state == GRADED   # the next line started on a line of its own
    assert path.read_text().count("\n") == 3


def test_a_full_disk_leaves_the_step_undone(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this machine to stand for a full disk")
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    _seen(journal)
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, journal._fd)   # every later write of the journal meets a full disk
    with pytest.raises(OSError) as failed:
        journal.record(journal.handins[NAME], COLLECTED)
    assert failed.value.errno == errno.ENOSPC
    assert journal.handins[NAME].state == SEEN
    assert Journal(path).handins[NAME].state == SEEN


def test_one_service_holds_the_lock_and_nnlab_grade_can_tell(tmp_path):
    from nnlab.course import Course

    course = Course.open(tmp_path)
    assert running_service(course) is None
    held = ServiceLock(course)
    held.acquire()
    try:
        with pytest.raises(ServiceRunning, match=rf"`nnlab serve` is running for this course \(pid {os.getpid()} on "):
            ServiceLock(course).acquire()
        assert running_service(course).startswith("`nnlab serve` is running")
    finally:
        held.release()
    assert running_service(course) is None


def test_a_killed_service_leaves_no_lock(tmp_path):
    from nnlab.course import Course

    course = Course.open(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from nnlab.course import Course
        from nnlab.serve.lock import ServiceLock
        ServiceLock(Course.open({str(tmp_path)!r})).acquire()
        print("held", flush=True)
        time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert running_service(course) is not None
    finally:
        holder.kill()
        holder.wait()
    assert lock_path(course).exists() and running_service(course) is None
