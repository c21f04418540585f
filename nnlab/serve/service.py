"""The service's loop, in the shape of pytest-xdist's DSession: each turn takes what happened (new
hand-ins in the exchange, hand-ins whose attempt fell due, a batch graded, the grader or the Dask
scheduler failing) and does the next step of each hand-in, recording every step in the journal once
it is done. A grader that fails outright is started again, up to `Serve.grader_restarts` times.

A hand-in's way: seen -> (not graded: why | held until its next attempt | replaced by a newer one) ->
collected -> graded -> feedback released. A restart replays the journal and redoes at most the step
each hand-in was in; every step can be done twice without harm.

A hand-in can also come another way (`Arrivals`: the course's Moodle, pulled into submitted/). It goes
the same way, but it is collected already (submitted/ must still hold it), its feedback is only made (it
goes back the way it came, through `Released`), and its student cannot be sent a page through the
exchange (held, replaced or not graded: the log says so).
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from nnlab.batch.grader import Grader, Started, check
from nnlab.batch.run import BatchRun, ClusterError, Status
from nnlab.batch.state import recorded_digest
from nnlab.course import Course, work_folder
from nnlab.digest import folder_digest
from nnlab.exchange.collect import owner_name
from nnlab.serve import notices
from nnlab.serve.exchange import CourseExchange, ExchangeFailed
from nnlab.serve.feedback import generate_feedback
from nnlab.serve.handins import (
    Listed,
    content_problems,
    handed_in_at,
    notebook_names,
    read_secret,
    shown_time,
    time_problem,
    unsafe_name,
)
from nnlab.serve.journal import (
    COLLECTED,
    GRADED,
    HELD,
    NOT_GRADED,
    NOTIFIED,
    RELEASED,
    SEEN,
    SUPERSEDED,
    HandIn,
    Journal,
    pulled_name,
)
from nnlab.serve.lock import ServiceLock
from nnlab.serve.queue import limit_text, next_attempt, next_up
from nnlab.serve.settings import Serve

STEP_TRIES = 3   # an exchange step that fails this often for one hand-in gives up on it (its student is told)


class ServiceStopped(Exception):
    """The service cannot go on: the message says why."""


class Released(Protocol):
    """What else is done with each hand-in whose feedback is released (nnlab/cli/serve.py gives it: the
    course's Moodle, nnlab.lms.serve_push): `queue` notes the students durably before the release is
    journaled, `push` (every turn too) does the work; neither raises, neither stops the grading."""

    def queue(self, assignment: str, students: list[str]) -> None: ...

    def push(self) -> None: ...


class Arrival(Protocol):
    """A hand-in that came another way than the exchange, already in submitted/<student>/<assignment>/."""
    source: str          # the way it came ("moodle"): the journal names it <source>/student+assignment+time
    student: str
    assignment: str
    handed_in: str       # its time, as submitted/<student>/<assignment>/timestamp.txt holds it


class Arrivals(Protocol):
    """Hand-ins that come another way than the exchange (nnlab/cli/serve.py gives it: the course's Moodle,
    nnlab.lms.serve_pull): `poll`, called every turn, returns those now in submitted/, again at later calls
    too (the service takes each one it has not journaled); it never raises, never stops the grading. It
    leaves submitted/<student>/<assignment>/ as it is for each (student, assignment) in `busy`: the
    workers are grading what it holds."""

    def poll(self, busy: set[tuple[str, str]]) -> list[Arrival]: ...


class Service:
    def __init__(self, course: Course, log: logging.Logger | None = None, verbose: bool = False,
                 released: Released | None = None, arrivals: Arrivals | None = None):
        self.course, self.verbose = course, verbose
        self.released = released
        self.arrivals = arrivals
        self.settings = Serve(config=course.config)
        self.log = log or logging.getLogger("nnlab.serve")
        self.exchange = CourseExchange(course, self.log)
        self.assignments = set(course.source_assignments())
        self.journal: Journal | None = None
        self.grader: Grader | None = None
        self.restarts = 0
        self.stopping = False
        self.pid = os.getpid()
        self.listed: dict[str, Listed] = {}         # hand-in name -> as the exchange last listed it
        self.tries: dict[str, int] = {}             # hand-in name -> failed exchange steps
        self.told_unknown: set[str] = set()
        self.sorted_out: set[str] = set()           # hand-in names sorted out by this process
        self.in_hand: dict[str, tuple[HandIn, Started]] = {}   # hand-in name -> it and its grader run, not yet recorded

    # -- the process --------------------------------------------------------------------------
    def run(self) -> None:
        """Serve until SIGTERM or SIGINT (the current step is finished first; a second signal stops at once)."""
        lock = ServiceLock(self.course)
        lock.acquire()
        self.pid = os.getpid()
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.journal = Journal.of(self.course)
            self._resume()
            while not self.stopping:
                if not self.turn():
                    self._sleep(self.settings.poll_interval)
            self._record_graded(wait=True)
            self.log.info("stopped: every step in hand finished, the rest resumes at the next start")
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            if self.grader is not None:
                self.grader.close()
            if self.journal is not None:
                self.journal.close()
            lock.release()

    def _stop(self, signum, frame) -> None:
        if os.getpid() != self.pid:
            # a worker forked from the service: it ends as it would have by default (the pool terminates
            # its workers with SIGTERM when one dies, and waits for them)
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if self.stopping:
            raise KeyboardInterrupt   # a second signal: stop now, the journal resumes the step in hand
        self.stopping = True
        self.log.info("%s: stopping after the step in hand", signal.Signals(signum).name)

    def _sleep(self, seconds: float) -> None:
        """Wait `seconds`, less when a signal comes or the workers finish a hand-in."""
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end and not self._finished():
            time.sleep(max(0.0, min(0.1, end - time.monotonic())))

    def _resume(self) -> None:
        """After a stop at any moment: half-written autograded folders go (their students are graded again),
        and the journal says where each hand-in was."""
        for a in sorted(self.assignments):
            for student, folder in check(self.course, a).unfinished.items():
                self.log.info("%s/%s: %s was half-written when the service stopped: graded again",
                              a, student, self.course.show(folder))
        waiting = self.journal.waiting()
        if self.journal.handins:
            self.log.info("journal %s: %d hand-in(s), %d still to grade%s", self.journal.path, len(self.journal.handins),
                          len(waiting), f", {self.journal.torn} torn line(s) left out" if self.journal.torn else "")

    # -- one turn -------------------------------------------------------------------------------
    def turn(self) -> bool:
        """One turn of the loop; False when there was nothing to do (the loop then waits a poll interval, or
        until the workers finish a hand-in)."""
        self.take(self.arrivals.poll(self._busy()) if self.arrivals is not None else [])
        try:
            self.see(self.exchange.inbound())
        except ExchangeFailed as exc:
            self.log.error("%s", exc)
            return self._record_graded()
        self._notify_pending()
        self._release_pending()
        if self.released is not None:
            self.released.push()   # what an earlier turn (or run) could not push
        recorded = self._record_graded()
        return self._start_ready() or recorded

    # -- seeing hand-ins ------------------------------------------------------------------------
    def see(self, listed: list[Listed]) -> None:
        """Journal and sort out each hand-in not seen before."""
        for item in listed:
            self.listed[item.name] = item
        for item in listed:
            if item.name in self.journal.handins:
                continue
            if item.assignment not in self.assignments:
                if item.name not in self.told_unknown:
                    self.told_unknown.add(item.name)
                    self.log.warning("%s: not an assignment of this course (%s): left in the exchange",
                                     item.name, ", ".join(sorted(self.assignments)))
                continue
            folder = item.local()
            self.journal.record(None, SEEN, name=item.name, student=item.student, assignment=item.assignment,
                                handed_in=item.timestamp,
                                notebooks=notebook_names(folder, self.course.notebooks(item.assignment)))
            self._sort_out(self.journal.handins[item.name], item)
        for handin in [h for h in self.journal.waiting() if h.state == SEEN and h.name in self.listed]:
            self._sort_out(handin, self.listed[handin.name])   # after a restart: a hand-in seen, not sorted out

    def take(self, arrivals: list[Arrival]) -> None:
        """Journal and sort out each hand-in that came another way, not seen before."""
        for arrival in arrivals:
            name = pulled_name(arrival.source, arrival.student, arrival.assignment, arrival.handed_in)
            if name in self.journal.handins or arrival.assignment not in self.assignments:
                continue
            self.journal.record(None, SEEN, name=name, student=arrival.student, assignment=arrival.assignment,
                                handed_in=arrival.handed_in, notebooks=self.course.notebooks(arrival.assignment),
                                source=arrival.source)
            self.log.info("%s: handed in on %s, pulled into %s", name, arrival.source,
                          self.course.show(self.course.submitted(arrival.student, arrival.assignment)))
            self._sort_out_pulled(self.journal.handins[name])
        for handin in [h for h in self.journal.waiting() if h.state == SEEN and h.pulled]:
            self._sort_out_pulled(handin)   # after a restart: a hand-in seen, not sorted out

    def _sort_out_pulled(self, handin: HandIn) -> None:
        """A hand-in in submitted/ not graded (why), held, or waiting, as `_sort_out` does for the exchange's."""
        if handin.state != SEEN or handin.name in self.sorted_out:
            return
        self.sorted_out.add(handin.name)
        why = self._pulled_problem(handin)
        if why:
            self.log.warning("%s: not graded: %s", handin.name, why)
            self.journal.record(handin, NOT_GRADED, why=why)
            self.notify(handin)
            return
        self._hold_or_wait(handin)

    def _pulled_problem(self, handin: HandIn) -> str:
        """Why a hand-in in submitted/ cannot be graded ("" when it can): its name, its time, its files."""
        why = unsafe_name(Listed(handin.student, handin.assignment, "", "", ""))
        if why or handed_in_at(handin.handed_in) is None:
            return why or f"its time {handin.handed_in!r} is not a time"
        folder = self.course.submitted(handin.student, handin.assignment)
        problems = content_problems(folder, handin.assignment, self.course.notebooks(handin.assignment),
                                    1000 * self.course.max_dir_size)
        if problems:
            return "; ".join(problems)
        return self._replaced_in_submitted(handin)

    def _replaced_in_submitted(self, handin: HandIn) -> str:
        """Why submitted/ no longer holds `handin` (another hand-in took its place), "" when it does."""
        written = self.course.submitted_stamp(handin.student, handin.assignment)
        if written == handin.handed_in:
            return ""
        return (f"your hand-in of {written} took its place before it was graded" if written
                else "it is no longer in the course's submitted folder")

    def _sort_out(self, handin: HandIn, item: Listed) -> None:
        """A hand-in not graded (why), held (over the attempt limit), or waiting; the older waiting hand-ins of
        its student at its assignment replaced by it."""
        if handin.state != SEEN or handin.name in self.sorted_out:
            return
        self.sorted_out.add(handin.name)
        forger = self._forger(item)
        if forger:
            self.log.error("%s: names the student %s but was made by %s: a hand-in in another student's name is "
                           "refused (that student's own hand-ins are graded as usual)", handin.name, handin.student, forger)
            self.journal.record(handin, NOT_GRADED, why=f"made by {forger}, not by {handin.student}")
            self._set_aside(item)
            self.journal.record(handin, NOTIFIED, page=False)   # the student it names did not hand it in: no page
            return
        why = self._problem(handin, item)
        if why:
            self.log.warning("%s: not graded: %s", handin.name, why)
            self.journal.record(handin, NOT_GRADED, why=why)
            self._set_aside(item)
            self.notify(handin)
            return
        self._hold_or_wait(handin)

    def _hold_or_wait(self, handin: HandIn) -> None:
        """`handin` replaces its student's older waiting hand-ins of the assignment, and is held when over the
        attempt limit."""
        newest = self._replace_older(handin)
        due = next_attempt(self.journal, self.settings, newest, time.time())
        if due and newest.state == SEEN:
            self.log.info("%s: over the attempt limit, graded at %s", newest.name, shown_time(due))
            self.journal.record(newest, HELD, due=due)
            self.notify(newest)

    def _forger(self, item: Listed) -> str:
        """Who made a hand-in folder in another student's name ("" when its owner is the student it names, or
        the service's own user; an exchange that is not a local folder knows who submitted)."""
        folder = item.local()
        if folder is None:
            return ""
        owner = owner_name(str(folder))
        return "" if owner == item.student or os.lstat(folder).st_uid == os.getuid() else owner

    def _problem(self, handin: HandIn, item: Listed) -> str:
        why = unsafe_name(item) or time_problem(item, handin.seen, self.settings.clock_skew_minutes)
        folder = item.local()
        if why or folder is None:
            return why
        problems = content_problems(folder, item.assignment, self.course.notebooks(item.assignment),
                                    1000 * self.course.max_dir_size)
        if problems:
            return "; ".join(problems)
        stamp = folder / "timestamp.txt"
        written = stamp.read_text(errors="replace").strip() if stamp.is_file() and stamp.stat().st_size < 200 else None
        if written != item.timestamp:
            return f"its timestamp.txt ({written!r}) is not its time in the exchange ({item.timestamp})"
        return ""

    def _replace_older(self, handin: HandIn) -> HandIn:
        """Of the student's hand-ins of the assignment still waiting and not yet collected, the newest stays
        (the one nbgrader's collect takes), the others are replaced by it; returns the newest."""
        waiting = [h for h in self.journal.of_student(handin.student, handin.assignment) if h.state in (SEEN, HELD)]
        newest = max(waiting, key=lambda h: (handed_in_at(h.handed_in).timestamp(), h.name))
        for older in waiting:
            if older is not newest:
                self.log.info("%s: replaced by %s before it was graded", older.name, newest.name)
                self.journal.record(older, SUPERSEDED, why=newest.handed_in)
                self.notify(older)
        return newest

    def _set_aside(self, item: Listed) -> None:
        """A hand-in not graded leaves the inbound (kept under .nnlab/serve/set-aside/): nbgrader's collect
        takes a student's newest hand-in by its time, and would take this one, or fail on its time."""
        folder = item.local()
        if folder is None:
            return
        kept = work_folder(self.course.root, "serve") / "set-aside" / item.name
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder), str(kept))
        except OSError as exc:
            self.log.error("%s: cannot move it out of the exchange's inbound (%s): collecting %s's hand-ins of %s "
                           "may fail until it is removed", item.name, exc, item.student, item.assignment)

    def _folder_of(self, handin: HandIn) -> Path | None:
        item = self.listed.get(handin.name)
        if item is not None and item.local() is not None:
            return item.local()
        kept = work_folder(self.course.root, "serve") / "set-aside" / handin.name
        return kept if kept.is_dir() else None

    # -- telling a student about a hand-in not graded (yet) ---------------------------------------
    def notify(self, handin: HandIn) -> None:
        """The page of a held, replaced or not graded hand-in, released to its student."""
        notice = {HELD: lambda: notices.held(shown_time(handin.due), limit_text(self.settings, handin.assignment)),
                  SUPERSEDED: lambda: notices.superseded(handin.why),
                  NOT_GRADED: lambda: notices.not_graded(handin.why)}[handin.state]()
        if handin.pulled:   # no hand-in of theirs in the exchange to file a page under
            self.log.info("%s: handed in on %s: its student is not sent this page (%s)", handin.name, handin.source,
                          notice.message)
            self.journal.record(handin, NOTIFIED, page=False)
            return
        folder = self._folder_of(handin)
        secret = read_secret(folder) if folder is not None and not folder.is_symlink() else None
        if secret is None or unsafe_name(Listed(handin.student, handin.assignment, "", "", "")):
            self.log.warning("%s: its student cannot be told (no readable submission secret in the hand-in)", handin.name)
            self.journal.record(handin, NOTIFIED, page=False)
            return
        try:
            notices.release_notice(self.course, self.exchange, handin.student, handin.assignment, handin.notebooks,
                                   shown_time(handin.seen), secret, handin.handed_in, notice)
        except (ExchangeFailed, OSError) as exc:
            self.log.error("%s: %s", handin.name, exc)
            if self._failed_again(handin):
                self.journal.record(handin, NOTIFIED, page=False)
            return
        self.journal.record(handin, NOTIFIED, page=True)

    def _notify_pending(self) -> None:
        for handin in list(self.journal.handins.values()):
            if handin.state in (HELD, SUPERSEDED, NOT_GRADED) and not handin.notified:
                self.notify(handin)

    def _failed_again(self, handin: HandIn) -> bool:
        """One more failed step of `handin`; True when it has failed STEP_TRIES times."""
        self.tries[handin.name] = self.tries.get(handin.name, 0) + 1
        return self.tries[handin.name] >= STEP_TRIES

    # -- grading ------------------------------------------------------------------------------
    # A pipeline: the workers grade the hand-ins handed to them (one each, and `Serve.ahead` more waiting
    # in their queue) while this process records the last ones they finished (nbgrader's autograde, the one
    # gradebook writer) and makes and releases their feedback.
    def _start_ready(self) -> bool:
        """Hand the ready hand-ins to the workers, in the fair order, while they have fewer notebooks in hand
        than they grade at once plus `Serve.ahead`; True when one was."""
        if not self._workers_alive():
            return False
        began, tried = False, set()
        while not self.stopping and self._notebooks_in_hand() < self._slots() + self.settings.ahead:
            busy = self._busy() | tried
            handin = next_up(self.journal, time.time(), busy)
            if handin is None:
                break
            tried.add((handin.student, handin.assignment))
            collected = self._collect(handin)
            if collected is None:
                continue
            self._drop_stale_autograded(collected)
            started = self._graded(lambda grader, h=collected: grader.start([h.assignment], [h.student]))
            if started is None:
                break
            self.in_hand[collected.name] = (collected, started)
            began = True
        return began

    def _busy(self) -> set[tuple[str, str]]:
        """(student, assignment) of each hand-in in hand: its submitted/ folder is being graded."""
        return {(h.student, h.assignment) for h, _ in self.in_hand.values()}

    def _notebooks_in_hand(self) -> int:
        return sum(len(run.plan.jobs) for _, run in self.in_hand.values())

    def _slots(self) -> int:
        return self._grader().slots()

    def _finished(self) -> bool:
        """Whether the workers finished a hand-in this process has not recorded yet."""
        return any(run.ready() for _, run in self.in_hand.values())

    def _record_graded(self, wait: bool = False) -> bool:
        """Record the hand-ins the workers finished (every one in hand when `wait`), then make and release their
        feedback; True when one was."""
        if not self._workers_alive():
            return True
        done = [name for name, (_, run) in self.in_hand.items() if wait or run.ready()]
        graded = []
        for name in done:
            if name not in self.in_hand:   # the grader was restarted: the hand-ins in hand are graded again
                continue
            handin, started = self.in_hand.pop(name)
            run = self._graded(lambda grader, run=started: grader.finish(run))
            if run is not None and self._recorded(handin, run):
                graded.append(handin)
        for assignment in dict.fromkeys(h.assignment for h in graded):
            self.release(assignment, [h for h in graded if h.assignment == assignment])
        return bool(done)

    def _recorded(self, handin: HandIn, run) -> bool:
        """Journal what the grader's `run` did with `handin`; True when it is graded."""
        records = [n for n in run.notebooks if n.student == handin.student and n.assignment == handin.assignment]
        failed = [n for n in records if n.status is Status.FAILED]
        if run.stopped and failed:
            return False   # the Dask scheduler went away: graded again, here, at the next turn
        if failed or not records:
            why = (failed[0].error or "see the grader's log") if failed else "the grader found nothing to grade in it"
            self.journal.record(handin, NOT_GRADED, why=f"grading failed: {why}")
            self.notify(handin)
            return False
        self.journal.record(handin, GRADED, notebooks=sum(n.status is Status.GRADED for n in records),
                            seconds=round(sum(n.seconds for n in records), 3),
                            student_seconds=round(sum(n.student_seconds for n in records), 3))
        return True

    def _collect(self, handin: HandIn) -> HandIn | None:
        """`handin` in submitted/ (collected now, unless it already was); None when it is not to be graded now."""
        if handin.state == GRADED:
            return handin
        if handin.state == COLLECTED or handin.pulled:
            return self._still_submitted(handin)
        s, a = handin.student, handin.assignment
        try:
            self.see(self.exchange.inbound(s, a))   # a newer hand-in of theirs replaces this one first
        except ExchangeFailed as exc:
            self.log.error("%s", exc)
            return None
        handin = self.journal.handins[handin.name]
        if handin.state not in (SEEN, HELD):
            return None
        try:
            self.exchange.collect(s, a)
        except ExchangeFailed as exc:
            self.log.error("%s: %s", handin.name, exc)
            if self._failed_again(handin):
                self.journal.record(handin, NOT_GRADED, why=f"it could not be collected ({exc})")
                self.notify(handin)
            return None
        stamp = self.course.submitted(s, a) / "timestamp.txt"
        collected = stamp.read_text(errors="replace").strip() if stamp.is_file() else ""
        if collected != handin.handed_in:
            why = (f"its time {handin.handed_in} is not later than your hand-in of {collected}, collected before"
                   if collected else "it could not be collected")
            self.log.warning("%s: not graded: %s", handin.name, why)
            self.journal.record(handin, NOT_GRADED, why=why)
            self.notify(handin)
            return None
        self.journal.record(handin, COLLECTED)
        return handin

    def _still_submitted(self, handin: HandIn) -> HandIn | None:
        """`handin` collected, if submitted/ still holds it (a later hand-in, pulled there from Moodle say,
        may have taken its place while it waited: then that one is graded, this one is replaced)."""
        why = self._replaced_in_submitted(handin)
        if why:
            written = self.course.submitted_stamp(handin.student, handin.assignment)
            self.log.warning("%s: not graded: %s", handin.name, why)
            if written:
                self.journal.record(handin, SUPERSEDED, why=written)
            else:
                self.journal.record(handin, NOT_GRADED, why=why)
            self.notify(handin)
            return None
        if handin.state != COLLECTED:
            self.journal.record(handin, COLLECTED)
        return handin

    def _drop_stale_autograded(self, handin: HandIn) -> None:
        """The autograded folder of a collected hand-in goes unless the grader recorded it as graded from this
        very submission: the grader takes a folder it has no record of as graded, and a service killed during
        nbgrader's autograde can leave one that looks whole (nbgrader's first pass only, every score 0)."""
        if handin.state != COLLECTED:
            return
        s, a = handin.student, handin.assignment
        folder = self.course.autograded(s, a)
        if folder.is_dir() and recorded_digest(self.course, a, s) != folder_digest(self.course.submitted(s, a)):
            self.log.info("%s: %s is not known to be its grading: graded afresh", handin.name, self.course.show(folder))
            shutil.rmtree(folder)

    def _grader(self) -> Grader:
        """The service's grader, made when first needed and again after a restart."""
        if self.grader is None:
            self.grader = Grader(self.course, self.verbose, keep_log=True, progress=False)   # the log of every hand-in
        return self.grader

    def _workers_alive(self) -> bool:
        """Whether the grader's workers can grade; when one died, the grader is started again (the hand-ins in
        hand are graded again: their failure is the grader's, not the students')."""
        broken = self.grader.broken() if self.grader is not None else ""
        if broken:
            self._restart_grader(broken)
        return not broken

    def _graded(self, step):
        """`step(grader)` (a start or a finish); None when the grader failed: the hand-ins in hand stay collected
        and are graded again at the next turn."""
        try:
            run = step(self._grader())
        except ClusterError as exc:
            self._local_grading(str(exc))
            return None
        except BrokenProcessPool as exc:   # a worker killed while the grader started or handed out its jobs
            self._restart_grader(f"a worker died: {exc}")
            return None
        except Exception as exc:  # nbgrader's writer crashed: a fresh grader, up to the cap
            self._restart_grader(f"{type(exc).__name__}: {exc}")
            return None
        if isinstance(run, BatchRun) and run.stopped:   # the notebooks the cluster did not grade: here, next turn
            self._local_grading(run.stopped)
            return run
        broken = self.grader.broken()
        if broken:   # the notebooks in hand failed for the grader's sake, not the students': graded again
            self._restart_grader(broken)
            return None
        return run

    def _local_grading(self, why: str) -> None:
        from traitlets.config import Config

        self.log.error("%s: grading on this machine's workers from now on (restart the service to use the "
                       "scheduler again)", why)
        self._drop_grader()
        self.course.update_config(Config({"BatchGrading": {"scheduler": ""}}))

    def _restart_grader(self, why: str) -> None:
        self.restarts += 1
        self.log.error("the grader failed (%s): restart %d of at most %d", why, self.restarts,
                       self.settings.grader_restarts)
        self._drop_grader()
        if self.restarts > self.settings.grader_restarts:
            raise ServiceStopped(f"the grader failed {self.restarts} times (last: {why})")

    def _drop_grader(self) -> None:
        """Close the grader; the hand-ins it had in hand stay collected, graded again by the next one."""
        self.in_hand.clear()
        try:
            self.grader.close()
        except Exception as exc:  # its workers may already be gone
            self.log.warning("closing the grader: %s", exc)
        self.grader = None

    # -- feedback -----------------------------------------------------------------------------
    def release(self, assignment: str, graded: list[HandIn]) -> None:
        """Generate and release the feedback of graded hand-ins of `assignment`."""
        if not graded:
            return
        missing = set(generate_feedback(self.course, assignment, [h.student for h in graded], self.log))
        done = []
        for handin in graded:
            stamp = self.course.feedback(handin.student, assignment) / "timestamp.txt"
            if handin.student in missing or not stamp.is_file() or stamp.read_text().strip() != handin.handed_in:
                self.log.error("%s: graded, but its feedback page could not be made: tried again at the next turn",
                               handin.name)
                continue
            try:
                if not handin.pulled:   # one that came another way goes back that way (`Released`)
                    self.exchange.release_feedback(handin.student, assignment)
            except ExchangeFailed as exc:
                self.log.error("%s: %s", handin.name, exc)
                continue
            done.append(handin)
        if done and self.released is not None:   # noted before the journal says released: a stop loses none
            self.released.queue(assignment, list(dict.fromkeys(h.student for h in done)))
        for handin in done:
            self.journal.record(handin, RELEASED)
            self.log.info("%s: graded, feedback %s %.1f s after it was handed in", handin.name,
                          f"made for {handin.source}" if handin.pulled else "released",
                          time.time() - handed_in_at(handin.handed_in).timestamp())
        if done and self.released is not None:
            self.released.push()

    def _release_pending(self) -> None:
        """Hand-ins graded whose feedback was not released (a stop between the two)."""
        pending: dict[str, list[HandIn]] = {}
        for handin in self.journal.handins.values():
            if handin.state == GRADED:
                pending.setdefault(handin.assignment, []).append(handin)
        for assignment, graded in pending.items():
            self.release(assignment, graded)


def service_log(verbose: bool = False) -> logging.Logger:
    """The service's log: a line an event, with its time, on stderr (systemd's journal takes it from there)."""
    log = logging.getLogger("nnlab.serve")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False
    return log


__all__ = ["RELEASED", "Arrival", "Arrivals", "Released", "Service", "ServiceStopped", "service_log"]
