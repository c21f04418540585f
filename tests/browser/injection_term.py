"""The hostile class of the browser tests: students who each hand in some of the vectors of
`vectors.py`, graded once for the session by real nbgrader with the course's pipeline."""
from __future__ import annotations

import os

import pytest
from vectors import ASSIGNMENT, corpus, hand_in, navigation_vectors

from nnlab.demo.term import CLASS, Student, Term

# NNLAB_INJECTION_WITHOUT_SANITIZER=1: the pipeline as it was before the notebook sanitizer, to
# see the attacks work on it (the autograded-notebook tests then fail, naming each vector)
WITHOUT_SANITIZER = """
_unsanitized = lambda steps: [s for s in steps if getattr(s, "__name__", s) != "SanitizeStudentContent"]
c.Autograde.autograde_preprocessors = _unsanitized(c.Autograde.autograde_preprocessors)
c.GenerateFeedback.preprocessors = _unsanitized(c.GenerateFeedback.preprocessors)
"""


def _groups() -> dict[str, list]:
    """A few students, several vectors each: by where the vector lives."""
    vectors = corpus()
    # alone: a notebook nbgrader refuses (the rest would go ungraded), a page-wide <base>, a page
    # that takes the instructor elsewhere
    alone = [v for v in vectors if v.fails_autograde or v.alone or v.navigates] + navigation_vectors()
    shared = [v for v in vectors if v not in alone]
    def by_prefix(*prefixes):
        return [v for v in shared if v.name.startswith(prefixes)]

    groups = {"mallory": by_prefix("md-"), "oscar": by_prefix("file-"), "trudy": by_prefix("out-"),
              "walter": by_prefix("att-", "meta-", "name-")}
    assert sum(map(len, groups.values())) == len(shared), "a vector in no student's notebook"
    for number, vector in enumerate(alone, 1):
        groups[f"solo{number}"] = [vector]
    return groups


GROUPS = _groups()
ALL_VECTORS = [v for group in GROUPS.values() for v in group]
BYSTANDER = next(s for s in CLASS if s.id == "ada")  # right answers, grades that must not move
# nbconvert's own templates escape these, whatever reaches them (the live control shows which):
# SVG outputs become <img src="data:...">, the PNG/JPEG data and an error's text go through
# escape_html, LaTeX through |e, it renders neither widgets' views as script nor MIME types it
# does not know, and the formgrade template's markdown escapes markup inside attributes.
ESCAPED_BY_NBCONVERT = {"out-svg-script", "out-svg-onload", "out-png-breakout", "out-jpeg-breakout", "out-error-evalue",
                        "out-unknown-mime",
                        "out-latex", "out-widget-view", "md-markdown-image-breakout", "att-name-breakout",
                        "meta-tags", "att-svg", "att-html", "md-mxss-noscript",
                        "out-mxss-noscript"}


# What the notebook sanitizer cannot reach, left to the CSP: the name in the class list, a
# file handed in beside the notebook that a plain (kept) link leads to, and a plain same-site
# link to a formgrader page that reflects its address into a script.
BEYOND_THE_NOTEBOOK = {"name-first", "file-link", "link-reflected-student-id"}


def _student(sid: str, vectors) -> Student:
    first = next((v.first_name for v in vectors if v.first_name), sid.capitalize())
    return Student(sid, first, "Hostile", ", ".join(v.name for v in vectors),
                   lambda a, release, source, vectors=vectors: hand_in(release, source, vectors))


_built: list[Term] = []  # the term, once per process: each test module that imports the fixture has its own copy of it


@pytest.fixture(scope="session")
def hostile_term(tmp_path_factory, fast_config) -> Term:
    """Handed in through the exchange, collected, autograded and given feedback, as
    tests/browser/test_formgrader.py's term (built once: test_open_in_lab.py opens it too)."""
    if _built:
        return _built[0]
    students = [BYSTANDER] + [_student(sid, vectors) for sid, vectors in GROUPS.items()]
    config = fast_config + (WITHOUT_SANITIZER if os.environ.get("NNLAB_INJECTION_WITHOUT_SANITIZER") else "")
    term = Term(tmp_path_factory.mktemp("injection-term"), [ASSIGNMENT], students, extra_config=config)
    for step in (term.set_up, term.release, term.hand_in, term.collect, term.autograde, term.feedback):
        term.step(step.__name__, step)
    print("term built in", ", ".join(f"{name} {seconds:.0f} s" for name, seconds in term.timings.items()))
    refused = sorted(sid for sid, vectors in GROUPS.items() if any(v.fails_autograde for v in vectors))
    assert term.problems == [f"nbgrader could not autograde {ASSIGNMENT} for {', '.join(refused)}; every other "
                             "submission was graded"], term.problems
    _built.append(term)
    return term
