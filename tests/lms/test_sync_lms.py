"""`nnlab sync-lms A` against the Moodle web-service stand-in (moodle_ws.py): hand-ins pulled into
submitted/, the due date and extensions into the gradebook, grades, comments and feedback pages pushed
by the rules of export-lms, only what changed, and Moodle's refusals as one clear line."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from moodle_term import mark_by_hand, term_with_right_answers
from moodle_ws import GRADE, Site, Submission, serve
from nbgrader.api import Gradebook

from nnlab.cli import main as nnlab_main
from nnlab.course import Course
from nnlab.deadlines.extensions import deadline_of
from nnlab.demo.term import Student
from nnlab.lms.moodle_pull import User, is_blind
from nnlab.lms.sync import sync_moodle
from nnlab.lms.webservice import MoodleError, MoodleService, form_fields
from nnlab.report.classdata import read_class
from nnlab.serve.lock import ServiceLock

A = "perceptron"
TOKEN = "0123456789abcdef0123456789abcdef"
DUE = datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc)
HANDED_IN = int(datetime(2026, 12, 7, 10, 53, tzinfo=timezone.utc).timestamp())
# Moodle user id: (full name in Moodle, e-mail in Moodle, participant number, course student id)
USERS = {
    101: ("Zoë O'Brien", "zoe.private@mail.example.com", 11, "zoe"),   # found by name: the apostrophe kept
    102: ("Chris Smith", "chris1@students.example.org", 12, "chris1"),  # one name, two students: by e-mail
    103: ("Chris Smith", "chris2@students.example.org", 13, "chris2"),  # his grade is locked in Moodle
    104: ("Dan Novak", "dan@students.example.org", 14, "dan"),          # a written answer still to mark
}


def site_for(notebook: bytes, **assignment) -> Site:
    return Site(token=TOKEN, course_id=7, assignment={
        "id": 5, "cmid": 42, "course": 7, "name": A, "duedate": int(DUE.timestamp()), "cutoffdate": 0, "grade": 10,
        "blindmarking": 0, "revealidentities": 0, "teamsubmission": 0, **assignment},
        users={uid: {"fullname": name, "email": email, "participant": n} for uid, (name, email, n, _) in USERS.items()},
        submissions={uid: Submission({f"{A}.ipynb": notebook}, HANDED_IN) for uid in USERS},
        extensions={103: int((DUE + timedelta(days=2)).timestamp())})


def configure(course: Path, url: str, token_file: Path) -> None:
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Moodle.url = {url!r}\nc.Moodle.course_id = 7\nc.Moodle.token_path = {str(token_file)!r}\n")


def sync(course: Path, capsys, *more: str) -> tuple[int, str, str]:
    status = nnlab_main(["sync-lms", A, "--course", str(course), *more])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def moodle(tmp_path_factory, fast_config):
    """A course and its Moodle: the class pulled over web services, graded, marked by hand except
    dan's answer, feedback written, chris2's grade locked in Moodle; then one sync pushed."""
    students = [Student(sid, name.split()[0], name.split(" ", 1)[1], "right answers", lambda a, r, s: None)
                for name, _, _, sid in USERS.values()]
    term, right = term_with_right_answers(tmp_path_factory.mktemp("lms-sync"), students, fast_config)
    site = site_for(right)
    server, url = serve(site)
    token_file = term.workdir / "moodle-token"
    token_file.write_text(TOKEN + "\n")
    configure(term.course, url, token_file)
    pull = term.nnlab("sync-lms", A, "--pull-only")
    term.nbgrader("autograde", A)
    mark_by_hand(term.course, A, {"zoe": 1.0, "chris1": 1.0, "chris2": 1.0})
    term.nbgrader("generate_feedback", A)
    site.locked.add(103)
    push = term.nnlab("sync-lms", A)
    yield term, site, pull, push
    server.shutdown()


def test_the_pull_places_each_hand_in_and_takes_moodles_deadlines(moodle):
    term, site, pull, _ = moodle
    assert pull.returncode == 0, pull.stderr
    assert "pulled: 4 new, 0 changed" in pull.stdout
    for _, _, _, sid in USERS.values():
        assert (term.course / "submitted" / sid / A / f"{A}.ipynb").read_bytes() == site.submissions[101].files[f"{A}.ipynb"]
    stamp = (term.course / "submitted" / "zoe" / A / "timestamp.txt").read_text()
    assert datetime.fromisoformat(stamp) == datetime.fromtimestamp(HANDED_IN, timezone.utc)
    course = Course.open(term.course)
    with Gradebook(course.db_url, course.course_id) as gb:
        assert deadline_of(gb, course.root, A, "zoe").due == DUE.replace(tzinfo=None) or \
            deadline_of(gb, course.root, A, "zoe").due == DUE
        assert deadline_of(gb, course.root, A, "chris2").extension == timedelta(days=2)
        assert deadline_of(gb, course.root, A, "chris1").extension is None
    recorded = json.loads((term.course / ".nnlab" / "lms-import" / A / "participants.json").read_text())
    assert {n: r["student"] for n, r in recorded.items()} == {"11": "zoe", "12": "chris1", "13": "chris2", "14": "dan"}
    assert TOKEN not in pull.stdout + pull.stderr


def test_the_push_sends_grades_comments_and_pages_and_names_what_it_leaves_out(moodle):
    term, site, _, push = moodle
    assert push.returncode == 0, push.stderr
    assert sorted(site.grades) == [101, 102]   # zoe and chris1
    results = {r.student: r for r in read_class(term.course, A).results}
    maximum = read_class(term.course, A).max_score
    assert site.grades[101]["grade"] == pytest.approx(results["zoe"].total / maximum * 10, abs=1e-4)
    assert f"{A}: {results['zoe'].total:g} of {maximum:g} points." in site.grades[101]["comment"]
    page = site.grades[101]["files"][f"{A}.html"]
    assert page == (term.course / "feedback" / "zoe" / A / f"{A}.html").read_bytes()
    assert "participant 13 (chris2): the grade is locked or overridden in Moodle's gradebook" in push.stdout
    assert ("participant 14 (dan): not graded: 1 answer(s) still to grade by hand in the formgrader "
            "(or sync with --partial)") in push.stdout
    saved = [params for function, params in site.calls if function == "mod_assign_save_grades"]
    assert len(saved) == 1 and {int(g["userid"]) for g in saved[0]["grades"]} == {101, 102}
    assert TOKEN not in push.stdout + push.stderr


def test_a_second_sync_sends_nothing_and_leaves_every_hand_in_as_it_is(moodle):
    term, site, _, _ = moodle
    before = {p: p.stat().st_mtime_ns for p in (term.course / "submitted").rglob("*.ipynb")}
    calls = len(site.calls)
    again = term.nnlab("sync-lms", A)
    assert again.returncode == 0, again.stderr
    assert "pulled: 0 new, 0 changed, 4 unchanged" in again.stdout
    assert "pushed: 0 grade(s), 2 unchanged since the last push" in again.stdout
    assert not [f for f, _ in site.calls[calls:] if f == "mod_assign_save_grades"]
    assert before == {p: p.stat().st_mtime_ns for p in (term.course / "submitted").rglob("*.ipynb")}


def test_a_mark_changed_after_the_feedback_stops_the_push_naming_the_student(moodle):
    term, site, _, _ = moodle
    calls, sent = len(site.calls), dict(site.grades[101])
    mark_by_hand(term.course, A, {"zoe": 0.5})
    try:
        refused = term.nnlab("sync-lms", A)
    finally:
        mark_by_hand(term.course, A, {"zoe": 1.0})
    assert refused.returncode == 1
    assert "the feedback of perceptron no longer shows the gradebook's grades for zoe" in refused.stderr
    assert "run `nnlab feedback perceptron`, then sync again (nothing sent)" in refused.stderr
    assert not [f for f, _ in site.calls[calls:] if f == "mod_assign_save_grades"]
    assert site.grades[101] == sent


def test_an_invalid_token_is_one_clear_line_exit_1_and_nothing_changes(moodle, tmp_path):
    term, site, _, _ = moodle
    wrong = tmp_path / "token"
    wrong.write_text("not-the-token")
    config = term.course / "nbgrader_config.py"
    kept = config.read_text()
    before = sorted(p.relative_to(term.course) for p in term.course.rglob("*"))
    config.write_text(kept.replace(str(term.workdir / "moodle-token"), str(wrong)))
    try:
        done = term.nnlab("sync-lms", A)
    finally:
        config.write_text(kept)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "nnlab sync-lms: Moodle mod_assign_get_assignments failed (invalidtoken: Invalid token - token not found): "
        "the token is wrong or was deleted: create one (Site administration > Server > Web services > Manage tokens) "
        "and write it to the file c.Moodle.token_path names"]
    assert "not-the-token" not in done.stdout + done.stderr
    assert sorted(p.relative_to(term.course) for p in term.course.rglob("*")) == before


def test_a_missing_capability_names_the_function_and_the_capability(moodle):
    _, site, _, _ = moodle
    service = MoodleService(f"http://127.0.0.1:{_port(site, moodle)}", TOKEN)
    site.capabilities.discard(GRADE)
    try:
        with pytest.raises(MoodleError) as refused:
            service.save_grades(5, [{"userid": 101, "grade": 1}])
    finally:
        site.capabilities.add(GRADE)
    assert str(refused.value).startswith("Moodle mod_assign_save_grades failed (nopermissions: Sorry, but you do "
                                         "not currently have permissions to do that (Grade assignment).)")
    assert "give that user a role with it" in str(refused.value)
    # the functions that read several assignments answer it with a warning and nothing: not "no hand-ins"
    site.capabilities.discard(GRADE)
    try:
        with pytest.raises(MoodleError, match="mod_assign_get_submissions failed .*lacks mod/assign:grade"):
            service.submissions(5)
    finally:
        site.capabilities.add(GRADE)
    assert len(service.submissions(5)) == 4


def test_a_feedback_page_over_moodles_upload_limit_leaves_its_grade_out_naming_it(moodle):
    term, site, _, _ = moodle
    calls = len(site.calls)
    site.max_bytes = 1000   # every page is larger
    try:
        refused = term.nnlab("sync-lms", A, "--partial")
    finally:
        site.max_bytes = 0
    assert refused.returncode == 0, refused.stderr
    assert ("participant 14 (dan): Moodle refused its feedback page (perceptron.html: This file is bigger than the "
            "maximum size (fileoversized)): grade not sent") in refused.stdout
    assert "pushed: 0 grade(s), 2 unchanged since the last push" in refused.stdout
    assert 104 not in site.grades
    assert "mod_assign_save_grades" not in [function for function, _ in site.calls[calls:]]


def test_partial_sends_a_grade_still_waiting_for_marks_by_hand_counting_them_0(moodle):
    # the last test of this course: dan's grade goes to Moodle from now on
    term, site, _, _ = moodle
    calls = len(site.calls)
    refused = term.nnlab("sync-lms", A)
    assert "participant 14 (dan): not graded: 1 answer(s) still to grade by hand" in refused.stdout
    partial = term.nnlab("sync-lms", A, "--partial")
    assert partial.returncode == 0, partial.stderr
    results = read_class(term.course, A)
    dan = {r.student: r for r in results.results}["dan"]
    assert dan.awaiting_manual == 1 and dan.total > 0
    assert site.grades[104]["grade"] == pytest.approx(dan.total / results.max_score * 10, abs=1e-4)
    assert f"dan: {site.grades[104]['grade']:g} / 10, comment and 1 feedback file(s)" in partial.stdout
    assert "pushed: 1 grade(s), 2 unchanged since the last push" in partial.stdout
    assert "participant 13 (chris2): the grade is locked" in partial.stdout   # --partial unlocks nothing
    [saved] = [params for function, params in site.calls[calls:] if function == "mod_assign_save_grades"]
    assert [int(g["userid"]) for g in saved["grades"]] == [104]


def _port(site: Site, moodle) -> str:
    term = moodle[0]
    text = (term.course / "nbgrader_config.py").read_text()
    return text.split("c.Moodle.url = 'http://127.0.0.1:", 1)[1].split("'", 1)[0]


@pytest.fixture(scope="module")
def blind(tmp_path_factory, fast_config):
    """A blind-marked assignment pulled, graded under participant numbers, marked, and pushed."""
    students = [Student(sid, name.split()[0], name.split(" ", 1)[1], "right answers", lambda a, r, s: None)
                for name, _, _, sid in USERS.values()]
    term, right = term_with_right_answers(tmp_path_factory.mktemp("lms-sync-blind"), students, fast_config)
    site = site_for(right, blindmarking=1)
    server, url = serve(site)
    token_file = term.workdir / "moodle-token"
    token_file.write_text(TOKEN)
    configure(term.course, url, token_file)
    pull = term.nnlab("sync-lms", A, "--pull-only")
    term.nbgrader("autograde", A)
    mark_by_hand(term.course, A, {f"participant-{n}": 1.0 for n in (11, 12, 13, 14)})
    term.nbgrader("generate_feedback", A)
    push = term.nnlab("sync-lms", A)
    yield term, site, pull, push
    server.shutdown()


def test_a_blind_marked_assignment_goes_both_ways_by_participant_number(blind):
    term, site, pull, push = blind
    assert pull.returncode == 0 and push.returncode == 0, pull.stderr + push.stderr
    assert "blind marking: students are their participant numbers" in pull.stdout
    assert sorted(p.name for p in (term.course / "submitted").iterdir()) == [
        "participant-11", "participant-12", "participant-13", "participant-14"]
    assert sorted(site.grades) == [101, 102, 103, 104]   # back to the Moodle user of each participant number
    assert "participant-11: " in push.stdout
    # reports name a blind-marked participant once, by number
    assert User(103, "13", "Participant 13", "participant-13", "").who == "participant 13"
    assert User(102, "12", "Chris Smith", "chris1", "").who == "participant 12 (chris1)"
    shown = push.stdout + "".join(g["comment"] + b"".join(g["files"].values()).decode() for g in site.grades.values())
    for name, *_ in USERS.values():
        assert name not in shown and name.replace("'", "&#x27;") not in shown


# -- without grading: blind marking, hostile files, the parameters' notation -----------------------

@pytest.fixture
def small_course(tmp_path) -> Path:
    course = tmp_path / "course"
    (course / "source" / A).mkdir(parents=True)
    (course / "source" / A / f"{A}.ipynb").write_text("{}")
    (course / "students.csv").write_text("id,first_name,last_name,email\n"
                                         + "".join(f"{sid},{n.split()[0]},{n.split(' ', 1)[1]},{e}\n"
                                                   for n, e, _, sid in USERS.values()), encoding="utf-8")
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.Moodle.course_id = 7\n")
    return course


def test_a_blind_marked_assignment_is_pulled_under_participant_numbers_only(small_course):
    site = site_for(b'{"cells": []}', blindmarking=1)
    assert is_blind(site.assignment)
    server, url = serve(site)
    try:
        synced = sync_moodle(small_course, A, MoodleService(url, TOKEN), push=False)
    finally:
        server.shutdown()
    assert sorted(p.name for p in (small_course / "submitted").iterdir()) == [
        "participant-11", "participant-12", "participant-13", "participant-14"]
    written = "".join(p.read_text(errors="replace") for p in small_course.rglob("*") if p.is_file()
                      and p.suffix in (".json", ".txt"))
    assert "O'Brien" not in written and "Chris Smith" not in written and "Participant 11" in written
    assert "blind marking" in synced.summary()


def test_a_hand_in_changed_in_moodle_replaces_the_old_one_which_is_kept(small_course):
    site = site_for(b'{"cells": ["first"]}')
    server, url = serve(site)
    try:
        sync_moodle(small_course, A, MoodleService(url, TOKEN), push=False)
        site.submissions[101] = Submission({f"{A}.ipynb": b'{"cells": ["second"]}'}, HANDED_IN + 60)
        synced = sync_moodle(small_course, A, MoodleService(url, TOKEN), push=False)
    finally:
        server.shutdown()
    assert synced.pulled.replaced == ["zoe"] and sorted(synced.pulled.unchanged) == ["chris1", "chris2", "dan"]
    assert (small_course / "submitted" / "zoe" / A / f"{A}.ipynb").read_bytes() == b'{"cells": ["second"]}'
    [kept] = (small_course / ".nnlab" / "lms-import" / A).glob(f"sync-*/zoe/{A}/{A}.ipynb")
    assert kept.read_bytes() == b'{"cells": ["first"]}'
    assert "1 changed (the previous kept under .nnlab/lms-import/)" in synced.summary()


def test_moodles_file_name_never_becomes_a_path_and_another_host_gets_no_token(small_course):
    site = site_for(b'{"cells": []}')
    site.submissions = {101: Submission({"../../../evil.ipynb": b'{"cells": ["evil"]}'}, HANDED_IN)}
    server, url = serve(site)
    try:
        sync_moodle(small_course, A, MoodleService(url, TOKEN), push=False)
        with pytest.raises(MoodleError, match="another site"):
            MoodleService(url, TOKEN).download("http://attacker.example.com/webservice/pluginfile.php/1/x")
    finally:
        server.shutdown()
    assert (small_course / "submitted" / "zoe" / A / f"{A}.ipynb").read_bytes() == b'{"cells": ["evil"]}'
    assert not list(small_course.parent.rglob("evil.ipynb"))


def test_without_the_site_or_the_token_the_command_says_which_setting(small_course, tmp_path, capsys):
    status = nnlab_main(["sync-lms", A, "--course", str(small_course)])
    assert status == 2 and "c.Moodle.url is not set" in capsys.readouterr().err
    missing = tmp_path / "no-token"
    with open(small_course / "nbgrader_config.py", "a") as config:
        config.write(f"c.Moodle.url = 'http://127.0.0.1:9'\nc.Moodle.token_path = {str(missing)!r}\n")
    status = nnlab_main(["sync-lms", A, "--course", str(small_course)])
    err = capsys.readouterr().err
    assert status == 1 and f"c.Moodle.token_path = {str(missing)!r}: cannot read the Moodle token" in err
    assert not (small_course / "submitted").exists()


def test_parameters_go_in_phps_array_notation():
    assert form_fields({"assignmentid": 5, "applytoall": False, "grades": [
        {"userid": 7, "plugindata": {"assignfeedbackcomments_editor": {"text": "<p>ok</p>", "format": 1}}}]}) == [
        ("assignmentid", "5"), ("applytoall", "0"), ("grades[0][userid]", "7"),
        ("grades[0][plugindata][assignfeedbackcomments_editor][text]", "<p>ok</p>"),
        ("grades[0][plugindata][assignfeedbackcomments_editor][format]", "1")]


def test_an_extension_withdrawn_in_moodle_is_withdrawn_from_the_gradebook(small_course):
    site = site_for(b'{"cells": []}')
    site.extensions[102] = int((DUE + timedelta(days=1)).timestamp())
    server, url = serve(site)
    course = Course.open(small_course)

    def extensions() -> dict[str, timedelta | None]:
        with Gradebook(course.db_url, course.course_id) as gb:
            return {sid: deadline_of(gb, course.root, A, sid).extension for *_, sid in USERS.values()}
    try:
        sync_moodle(small_course, A, MoodleService(url, TOKEN), push=False)
        assert extensions() == {"zoe": None, "chris1": timedelta(days=1), "chris2": timedelta(days=2), "dan": None}
        site.extensions[103] = 0          # Moodle's "Grant extension" undone: the flag stays, its date 0
        del site.extensions[102]          # and a user's flags gone altogether
        synced = sync_moodle(small_course, A, MoodleService(url, TOKEN), push=False)
    finally:
        server.shutdown()
    assert extensions() == {"zoe": None, "chris1": None, "chris2": None, "dan": None}
    assert sorted(synced.pulled.deadlines) == ["extension of chris1: until none (from Moodle)",
                                               "extension of chris2: until none (from Moodle)"]


@pytest.mark.parametrize("grade, how", [(-3, "it is graded on a scale (Moodle scale id 3), not in points"),
                                        (0, "it takes no grade (Grade > Type: None)")])
def test_an_assignment_graded_on_a_scale_is_refused_naming_it_before_anything_is_pulled(small_course, capsys,
                                                                                       tmp_path, grade, how):
    site = site_for(b'{"cells": []}', grade=grade, name="Perceptron (scale)")
    server, url = serve(site)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    with open(small_course / "nbgrader_config.py", "a") as config:
        config.write(f"c.Moodle.url = {url!r}\nc.Moodle.token_path = {str(token_file)!r}\n"
                     f"c.Moodle.assignments = {{{A!r}: 5}}\n")
    try:
        status, out, err = sync(small_course, capsys)
        pulled_only = sync(small_course, capsys, "--pull-only")
    finally:
        server.shutdown()
    assert status == 1 and out == ""
    assert err.strip() == (f"nnlab sync-lms: Moodle assignment 'Perceptron (scale)' (id 5): {how}; nnlab sends "
                           "points: set its Grade > Type to Point in Moodle's settings of the assignment (nothing "
                           "sent); `--pull-only` pulls its hand-ins and deadlines")
    assert not [f for f, _ in site.calls if f == "mod_assign_save_grades"]
    assert pulled_only[0] == 0 and "pulled: 4 new" in pulled_only[1]


def test_one_file_moodle_cannot_serve_or_a_notebook_posing_as_an_error_stops_no_one_elses_pull(small_course):
    # zoe's notebook carries Moodle's error keys at its top (the student writes the file); chris1's file is
    # listed but gone when it is fetched (pluginfile.php: 404 with filenotfound)
    posing = json.dumps({"error": "Invalid token", "errorcode": "invalidtoken", "cells": [],
                         "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    site = site_for(b'{"cells": ["fine"]}')
    site.submissions[101] = Submission({f"{A}.ipynb": posing}, HANDED_IN)
    site.submissions[102].gone = True
    server, url = serve(site)
    try:
        synced = sync_moodle(small_course, A, MoodleService(url, TOKEN), push=False)
    finally:
        server.shutdown()
    assert sorted(synced.pulled.placed) == ["chris2", "dan", "zoe"]
    assert (small_course / "submitted" / "zoe" / A / f"{A}.ipynb").read_bytes() == posing
    [(who, why)] = synced.pulled.left_out
    assert who == "participant 12 (chris1)"
    assert why.startswith("its notebook could not be downloaded: Moodle file download failed (filenotfound")
    assert not (small_course / "submitted" / "chris1").exists()


def test_while_the_service_runs_nothing_replaces_the_hand_ins_it_grades(small_course, tmp_path, capsys):
    site = site_for(b'{"cells": []}')
    server, url = serve(site)
    (tmp_path / "token").write_text(TOKEN)
    configure(small_course, url, tmp_path / "token")
    (tmp_path / "any.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    (tmp_path / "sheet.csv").write_text("Identifier,Full name\n")
    lock = ServiceLock(Course.open(small_course))
    lock.acquire()   # `nnlab serve` for this course, as far as every command can tell
    try:
        pull_only = sync(small_course, capsys, "--pull-only")
        both = sync(small_course, capsys)
        imported = nnlab_main(["import-lms", A, str(tmp_path / "any.zip"), "--course", str(small_course)])
        imported_err = capsys.readouterr().err
        revealed = nnlab_main(["reveal-lms", A, "--worksheet", str(tmp_path / "sheet.csv"), "--course",
                               str(small_course)])
        revealed_err = capsys.readouterr().err
        during = (small_course / "submitted").exists()
        lock.release()
        after = sync(small_course, capsys, "--pull-only")
    finally:
        lock.release()
        server.shutdown()
    for status, err in (pull_only[::2], (imported, imported_err), (revealed, revealed_err)):
        assert status == 1 and "`nnlab serve` is running for this course (pid" in err, err
        assert "a folder replaced or moved under it would be graded as another hand-in" in err
        assert "Stop it first" in err and "Traceback" not in err
    assert both[0] == 0, both[2]
    assert "not pulled: `nnlab serve` is running for this course" in both[1]
    assert "it pulls and grades the hand-ins itself" in both[1] and "pushed: 0 grade(s)" in both[1]
    assert "due date:" in both[1]   # the deadlines are still Moodle's
    assert not during
    assert after[0] == 0 and "pulled: 4 new" in after[1]
    assert sorted(p.name for p in (small_course / "submitted").iterdir()) == ["chris1", "chris2", "dan", "zoe"]
