"""Hostile submissions opened by the instructor in the formgrader.

Students hand in notebooks (and files beside them, and names in the class list) that carry
script: markdown answers, outputs of every MIME type, attachments, cell metadata (`vectors.py`).
The term is graded by real nbgrader with the course's pipeline, then JupyterLab serves it and
headless Chromium opens the class pages and every submission page as the instructor does,
clicking the links and buttons the students planted. Each payload, if it runs in the server's
origin, writes pwned-<vector>.txt through the contents API and sets every grade it reaches
through the formgrader's API.

Four servings of the same graded term:
- the autograded notebooks, no Content-Security-Policy: the notebook sanitizer's wall alone;
- the autograded notebooks under nnlab.formgrader_csp: what the instructor runs;
- the notebooks exactly as handed in (the pipeline bypassed), under the CSP: the CSP's wall alone;
- the notebooks as handed in, no CSP: the live control. The vectors must run there (those the
  browser or nbconvert neutralizes by themselves are named), so a "blocked" elsewhere is not a
  payload that was broken by construction.
"""
from __future__ import annotations

import pytest
from injection_pages import grades, open_everything, report, served_copy, set_csp
from injection_term import (
    ALL_VECTORS,
    BEYOND_THE_NOTEBOOK,
    BYSTANDER,
    ESCAPED_BY_NBCONVERT,
    GROUPS,
)
from vectors import ASSIGNMENT


@pytest.fixture(scope="module")
def term(hostile_term):
    return hostile_term


def serve_and_open(browser, start_jupyter_lab, term, tmp_path_factory, *, raw: bool, csp: bool):
    where = tmp_path_factory.mktemp(f"served-{'raw' if raw else 'autograded'}-{'csp' if csp else 'plain'}")
    course = served_copy(term.course, where, raw)
    set_csp(where / "jupyter", csp)
    before = grades(course)
    students = [BYSTANDER.id, *GROUPS]
    # navigation vectors leave their page early; their students' figures are not waited for
    legit = {sid for sid, vectors in GROUPS.items() if not any(v.navigates or v.fails_autograde for v in vectors)}
    with start_jupyter_lab(course, term.env(), where / "jupyter") as server:
        visit = open_everything(browser, server, course, students, before, legit)
    return visit


def assert_inert(visit, label: str) -> None:
    problems = report(visit, ALL_VECTORS)
    assert not (visit.ran or visit.grades_changed or visit.leaked or visit.missing_legit), \
        f"{label}: hostile submissions got through:\n{problems}"


def test_autograded_submissions_without_csp(browser, start_jupyter_lab, term, tmp_path_factory):
    """The notebook sanitizer alone: nothing the students planted runs, their figure and table show."""
    visit = serve_and_open(browser, start_jupyter_lab, term, tmp_path_factory, raw=False, csp=False)
    print("\nran past the sanitizer alone:\n" + report(visit, ALL_VECTORS))
    assert visit.ran - BEYOND_THE_NOTEBOOK == set(), \
        f"vectors in the notebook that ran past the sanitizer: {sorted(visit.ran - BEYOND_THE_NOTEBOOK)}"
    assert not (visit.leaked or visit.missing_legit), report(visit, ALL_VECTORS)


def test_autograded_submissions_under_csp(browser, start_jupyter_lab, term, tmp_path_factory):
    visit = serve_and_open(browser, start_jupyter_lab, term, tmp_path_factory, raw=False, csp=True)
    assert_inert(visit, "autograded notebooks, formgrader CSP")
    assert "script-src" in visit.csp_headers.get(f"/formgrader/manage_submissions/{ASSIGNMENT}", "")


def test_csp_alone_stops_submissions_as_handed_in(browser, start_jupyter_lab, term, tmp_path_factory):
    visit = serve_and_open(browser, start_jupyter_lab, term, tmp_path_factory, raw=True, csp=True)
    assert_inert(visit, "notebooks as handed in, formgrader CSP")


def test_the_corpus_is_live_without_any_wall(browser, start_jupyter_lab, term, tmp_path_factory):
    """Served as handed in, with no CSP, every vector runs but those the browser or nbconvert
    neutralize by themselves, and the payloads reach the gradebook."""
    visit = serve_and_open(browser, start_jupyter_lab, term, tmp_path_factory, raw=True, csp=False)
    inert = {v.name for v in ALL_VECTORS if v.inert_in_browser or v.leaks_only} | ESCAPED_BY_NBCONVERT
    should_run = {v.name for v in ALL_VECTORS} - inert
    print("\nran with no wall:\n" + report(visit, ALL_VECTORS))
    assert should_run - visit.ran == set(), f"vectors that do not run even unguarded: {sorted(should_run - visit.ran)}"
    assert visit.ran & inert == set(), f"vectors thought inert that ran: {sorted(visit.ran & inert)}"
    assert visit.grades_changed, "the payloads did not reach the formgrader's grade API"
    assert visit.leaked, "the <base> did not send the formgrader's requests to the attacker"
    assert len(ALL_VECTORS) >= 25
