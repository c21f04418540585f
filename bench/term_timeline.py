"""One student's term with `nnlab serve` running: hand-ins, how long each waited for its feedback,
an extension, a late hand-in, and what the feedback page said each time.

A course is set up in a fresh folder (the perceptron assignment, the late policy `per_day`), the
service runs as the instructor would start it, and the student `ana` uses nbgrader's own submit and
fetch_feedback against a real exchange:

1. the instructor sets the due date (`nnlab due`), a few minutes ahead;
2. ana hands in a notebook with a typical mistake, then the right answers (before the due date: the
   page shows points and hints);
3. the due date passes; the instructor gives ana an extension (`nnlab extend --by`), and ana hands in
   again inside it;
4. the extension passes; ana hands in once more, late.

Printed: for each hand-in, when it was handed in, when its feedback was released (from the service's
journal) and the latency, the score on the page and the page's deadline lines.

    .venv/bin/python bench/term_timeline.py [--due-in 90] [--keep DIR]
"""
from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from handins import Planned, Service, Students, journal
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchFeedback

from nnlab.course import nbgrader_environment
from nnlab.demo.term import Student, Term

A, WHO = "perceptron", "ana"


def nnlab(term: Term, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", *args, "--course", str(term.course)], cwd=term.course,
                          capture_output=True, text=True, env=nbgrader_environment(
                              {"NNLAB_EXCHANGE": str(term.workdir / "exchange")}))
    return (done.stdout + done.stderr).strip()


def released(term: Term, name: str, timeout: float = 300.0) -> float:
    """When the service released the feedback of hand-in `name` (time.time() of its journal line)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in journal(term.course):
            if line["handin"] == name and line["event"] == "released":
                return float(line["at"])
        time.sleep(0.5)
    raise TimeoutError(f"no feedback released for {name} in {timeout:g} s")


def fetched_page(students: Students) -> str:
    """The feedback page ana fetched with nbgrader's fetch_feedback, as text (the newest one)."""
    config = students.config(WHO, A)
    ExchangeFetchFeedback(coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config),
                          config=config).start()
    pages = sorted((students.workdir / "students" / WHO / A / "feedback").glob("*/*.html"))
    page = re.sub(r"(?s)<style.*?</style>|<script.*?</script>", "", pages[-1].read_text())
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def summary(page: str) -> list[str]:
    lines = page.splitlines()
    keep = [line for line in lines if re.match(r"(Handed in by|Due:|Late by|Before the due date)", line)]
    score = next((line for line in lines if f"{A} (Score:" in line), "")
    points = [line.split(":", 1)[1].split(" points")[0].strip() for line in lines if line.startswith("Hidden tests:")]
    carried = sum("Error carried forward" in line for line in lines)
    note = f" ({carried} judged with earlier answers carried forward)" if carried else ""
    return ([score] if score else []) + keep + [f"per question: {', '.join(points)}{note}"]


def hand_in(term: Term, students: Students, kind: str, what: str, began: float) -> None:
    planned = Planned(WHO, A, 0.0, kind)
    name = students.hand_in(planned)
    at = time.time()
    done = released(term, name)
    page = fetched_page(students)
    print(f"\n+{at - began:5.0f} s  {what}: handed in ({kind}); feedback released {done - at:.1f} s later")
    for line in summary(page):
        print(f"          {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--due-in", type=float, default=90.0, help="seconds from the start to the due date")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the course and exchange in DIR")
    args = parser.parse_args(argv)
    workdir = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="nnlab-timeline-"))
    config = ('c.Grading.cell_timeout = 30.0\n'
              'c.AssignLatePenalties.plugin_class = "nnlab.deadlines.policy.LatePolicy"\n'
              'c.LatePolicy.policy = "per_day"\n')
    term = Term(workdir, [A], [Student(WHO, "Ana", "Example", "", lambda *_: None)], extra_config=config)
    term.set_up()
    term.release()
    students = Students(workdir, term.course)
    service = Service(term.course, workdir / "exchange", 2, workdir / "serve.log")
    service.start()
    began = time.time()
    try:
        due = datetime.now(timezone.utc) + timedelta(seconds=args.due_in)
        print(f"+    0 s  instructor: {nnlab(term, 'due', A, due.strftime('%Y-%m-%dT%H:%M:%S+00:00')).splitlines()[0]}")
        hand_in(term, students, "mistakes", "first try", began)
        hand_in(term, students, "right", "second try", began)
        time.sleep(max(0.0, due.timestamp() - time.time() + 2))
        print(f"\n+{time.time() - began:5.0f} s  the due date has passed; instructor: "
              f"{nnlab(term, 'extend', WHO, A, '--by', '2m').splitlines()[0]}")
        hand_in(term, students, "right", "inside the extension", began)
        time.sleep(max(0.0, due.timestamp() + 120 - time.time() + 2))
        print(f"\n+{time.time() - began:5.0f} s  the extension has passed")
        hand_in(term, students, "mistakes", "late", began)
    finally:
        service.stop()
    print(f"\n(course and exchange in {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
