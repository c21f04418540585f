"""`nbgrader collect` with the course's configuration copies no link a student left in the
exchange's inbound folder, names each in the log, and collects the rest of the class."""
from __future__ import annotations

import os

import pytest

from nnlab.demo.term import CLASS, Term
from nnlab.exchange.collect import links_under

A = "perceptron"


@pytest.fixture(scope="module")
def handed_in(tmp_path_factory) -> Term:
    """ada and ben hand in through the exchange; nothing is collected yet."""
    term = Term(tmp_path_factory.mktemp("term"), [A], students=[CLASS[0], CLASS[1]])
    term.set_up()
    term.release()
    term.hand_in()
    return term


def inbound(term: Term, student: str) -> str:
    folder = term.workdir / "exchange" / "nnlab" / "inbound"
    (found,) = [p for p in folder.iterdir() if p.name.startswith(f"{student}+{A}+")]
    return str(found)


def test_links_in_the_exchange_are_not_followed(handed_in):
    term = handed_in
    ada, ben = inbound(term, "ada"), inbound(term, "ben")
    # what a student can write into the inbound folder by hand, after `nbgrader submit`
    os.symlink(term.course / "gradebook.db", os.path.join(ada, "grades.db"))
    os.symlink("/dev/null", os.path.join(ada, "data.bin"))  # (a link to /dev/zero would fill the disk)
    os.symlink(term.course / "source", os.path.join(ada, "solutions"))
    assert links_under(ada) == ["data.bin", "grades.db", "solutions"]
    os.rename(ben, term.workdir / "ben-elsewhere")
    os.symlink(ada, ben)  # ben's whole hand-in is a link to ada's
    done = term.nbgrader("collect", A, check=False)
    assert done.returncode == 0, done.stderr[-2000:]

    submitted = term.course / "submitted"
    assert sorted(p.name for p in (submitted / "ada" / A).iterdir()) == [
        f"{A}.ipynb", "submission_secret.txt", "timestamp.txt"]
    assert not (submitted / "ben" / A).exists()
    log = done.stdout + done.stderr
    for name in ("grades.db", "data.bin", "solutions"):
        assert f"Not collected: {name} in {ada} is a link" in log
    assert f"Not collected: {ben} is a link in the exchange" in log
    # the hand-ins in the exchange are as the students left them
    assert os.path.islink(os.path.join(ada, "grades.db")) and os.path.islink(ben)
