"""The journal: every hand-in the service saw and what became of it, keyed by the exchange's hand-in
name (`student+assignment+timestamp[+random]`), or, for a hand-in that came another way into submitted/
(pulled from the course's Moodle), by `<source>/student+assignment+timestamp`: no exchange hand-in's name
holds a '/' (it is a folder's name), so the two never meet. In `.nnlab/serve/journal.jsonl`.

A line an event, appended and flushed to disk (fsync) only once the step it records is done, so a
restart redoes at most the step in hand, and each step is safe to redo (collecting the same hand-in
again changes nothing, the grader skips a submission already graded, releasing replaces the page).
A line is written with one `write` of the whole line: a service killed mid-write, or a full disk,
leaves at most a torn last line, which is not taken as done and is cut off when the journal opens.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from nnlab.course import Course, work_folder

# the events of a hand-in, in the order they can happen
SEEN = "seen"                  # listed in the exchange's inbound, or pulled into submitted/ (`source`)
HELD = "held"                  # over the attempt limit: graded when `due`
SUPERSEDED = "superseded"      # a newer hand-in of the same student and assignment replaced it before grading
NOT_GRADED = "not graded"      # bad input, or grading failed: `why`
NOTIFIED = "notified"          # the page of a held, superseded or not graded hand-in released
COLLECTED = "collected"        # in submitted/
GRADED = "graded"              # in the gradebook
RELEASED = "released"          # its feedback released to the exchange (pulled: made, and handed to what pushes it)

WAITING = {SEEN, HELD, COLLECTED}      # still to be graded
DONE = {RELEASED, SUPERSEDED, NOT_GRADED}
EXCHANGE = "exchange"                  # the source of a hand-in handed in through nbgrader's exchange


@dataclass
class HandIn:
    name: str
    student: str
    assignment: str
    handed_in: str                                         # the time in its name, as the student's submit wrote it
    notebooks: list[str] = field(default_factory=list)     # its notebooks' names, as fetch_feedback will look for them
    state: str = SEEN
    times: dict[str, float] = field(default_factory=dict)  # event -> when (seconds since the epoch)
    due: float = 0.0                                       # HELD: when it may be graded
    why: str = ""                                          # NOT_GRADED: the student's reason; SUPERSEDED: by which
    notified: bool = False
    graded_notebooks: int = 0                              # notebooks the grader graded for it (0: found graded)
    grading_events: int = 0                                # GRADED lines: more than one is a hand-in graded twice
    source: str = EXCHANGE                                 # where it was handed in ("moodle": pulled into submitted/)

    @property
    def seen(self) -> float:
        return self.times[SEEN]

    @property
    def pulled(self) -> bool:
        """Whether it came into submitted/ another way than the exchange (no collect, no release to the exchange)."""
        return self.source != EXCHANGE


def pulled_name(source: str, student: str, assignment: str, handed_in: str) -> str:
    """The journal's name of a hand-in `source` placed in submitted/."""
    return f"{source}/{student}+{assignment}+{handed_in}"


def journal_path(course: Course) -> Path:
    return work_folder(course.root, "serve") / "journal.jsonl"


class Journal:
    """The course's journal, read at open; `record` appends an event and applies it to `handins`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.handins: dict[str, HandIn] = {}
        self.torn = 0   # lines found torn or unreadable when it opened
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._replay()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    @classmethod
    def of(cls, course: Course) -> "Journal":
        return cls(journal_path(course))

    def close(self) -> None:
        os.close(self._fd)

    def record(self, handin: HandIn | None, event: str, at: float | None = None, **data) -> None:
        """Append `event` of `handin` (a new hand-in when `event` is SEEN: `data` then holds its fields)."""
        at = time.time() if at is None else at
        name = handin.name if handin is not None else data["name"]
        line = {"at": at, "time": datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="seconds"),
                "handin": name, "event": event, **{k: v for k, v in data.items() if k != "name"}}
        encoded = (json.dumps(line, sort_keys=False) + "\n").encode()
        written = os.write(self._fd, encoded)
        if written != len(encoded):   # a full disk can take part of a line: never taken as done
            raise OSError(f"the journal {self.path} took {written} of {len(encoded)} bytes of a line (disk full?)")
        os.fsync(self._fd)
        self._apply(line)

    def waiting(self) -> list[HandIn]:
        return [h for h in self.handins.values() if h.state in WAITING]

    def of_student(self, student: str, assignment: str) -> list[HandIn]:
        return [h for h in self.handins.values() if h.student == student and h.assignment == assignment]

    # -- reading ------------------------------------------------------------------------------
    def _replay(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        whole = data.rfind(b"\n") + 1
        if whole < len(data):   # a torn last line: cut it off, so the next line starts on its own
            self.torn += 1
            with open(self.path, "r+b") as out:
                out.truncate(whole)
                out.flush()
                os.fsync(out.fileno())
        for raw in data[:whole].splitlines():
            try:
                self._apply(json.loads(raw))
            except (ValueError, KeyError, TypeError):
                self.torn += 1

    def _apply(self, line: dict) -> None:
        event, name = line["event"], line["handin"]
        if event == SEEN:
            self.handins[name] = HandIn(name, line["student"], line["assignment"], line["handed_in"],
                                        list(line.get("notebooks", [])), source=str(line.get("source", EXCHANGE)))
        handin = self.handins[name]
        handin.times[event] = line["at"]
        if event == NOTIFIED:
            handin.notified = True
            return
        if event == GRADED:
            handin.grading_events += 1
            handin.graded_notebooks += int(line.get("notebooks", 0))
        if event == HELD:
            handin.due = float(line["due"])
        if event in (NOT_GRADED, SUPERSEDED):
            handin.why = line.get("why", "")
        if event in (HELD, SUPERSEDED, NOT_GRADED):
            handin.notified = False   # its page says what this event says, once released
        handin.state = event
