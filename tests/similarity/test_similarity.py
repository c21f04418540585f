"""`nnlab similarity`: a copied pair is found, honest students are not flagged, the template is not
counted, the figures do not depend on PYTHONHASHSEED, hostile names and code stay text, references count."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from html.parser import HTMLParser

import copydetect.utils
import pytest
from similarity_class import ANA, ASSIGNMENT, copied_pair_class, disguised, make_course, release_nb, with_answers

from nnlab.course import PROJECT_ROOT
from nnlab.similarity import read_submission, similar_pairs, similarity_report, stable_kgram_hashes, template_code
from nnlab.similarity.defaults import THRESHOLD

HONEST_MARGIN = 0.35   # every pair of students who wrote their own stays below this (the threshold is 0.5)


def names(pair) -> set[str]:
    return {pair.a.name, pair.b.name}


def test_the_copied_pair_is_the_top_pair_and_no_honest_pair_is_flagged(copied_class):
    result = similarity_report(copied_class, ASSIGNMENT)
    top, *rest = result.pairs
    assert names(top) == {"ana", "ben"}
    assert min(top.similarity_a, top.similarity_b) >= THRESHOLD
    assert result.above == [top]
    assert all(p.similarity < HONEST_MARGIN for p in rest), [(p.a.name, p.b.name, p.similarity) for p in rest]
    # the default place, the page says what it is, the CSV has every pair
    assert result.page == copied_class / "reports" / ASSIGNMENT / "similarity.html"
    page = result.page.read_text()
    assert "leads for a person to judge, not verdicts" in page
    assert page.count("<mark>") >= 2   # the matched stretches of both, highlighted
    rows = list(csv.DictReader(result.csv.open()))
    assert len(rows) == len(result.pairs)
    assert {rows[0]["a"], rows[0]["b"]} == {"ana", "ben"} and float(rows[0]["similarity_a"]) >= THRESHOLD
    assert set(rows[0]) == {"a", "b", "similarity_a", "similarity_b", "matched_tokens", "b_is_reference"}


def test_untouched_releases_are_not_similar(copied_class, tmp_path):
    """fay and gus handed the release in: no code of their own, so in no pair."""
    result = similarity_report(copied_class, ASSIGNMENT, out=tmp_path)
    assert not [p for p in result.pairs if names(p) & {"fay", "gus"}]
    assert "No code beyond the template (in no pair): fay, gus." in result.page.read_text()
    # it is the template that makes them so: compared as plain code, they are the same
    template, cells = template_code(copied_class / "release" / ASSIGNMENT)
    fay, gus = (read_submission(s, copied_class / "submitted" / s / ASSIGNMENT) for s in ("fay", "gus"))
    assert similar_pairs([fay, gus])[0].similarity == 1.0
    assert [p.matched_tokens for p in similar_pairs([fay, gus], template=template)] in ([], [0])
    # and the template's code left in a submission counts for nothing: the copied pair's figures
    # are the same whether its identical cells are dropped or only its fingerprints
    ana, ben = (read_submission(s, copied_class / "submitted" / s / ASSIGNMENT) for s in ("ana", "ben"))
    cleo = read_submission("cleo", copied_class / "submitted" / "cleo" / ASSIGNMENT)
    kept = {frozenset(names(p)): p.similarity for p in similar_pairs([ana, ben, cleo], template=template)}
    assert kept[frozenset({"ana", "ben"})] >= THRESHOLD
    assert kept[frozenset({"ana", "cleo"})] < HONEST_MARGIN


RUN_TWICE = """
import sys
from nnlab.similarity import similarity_report
result = similarity_report(sys.argv[1], "perceptron", out=sys.argv[2])
print(hash("a k-gram of tokens"))
sys.stdout.write(result.csv.read_text())
"""


def test_the_figures_do_not_depend_on_the_hash_seed(copied_class, tmp_path):
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", RUN_TWICE, str(copied_class), str(tmp_path / seed)],
                              capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=300)
        assert done.returncode == 0, done.stderr
        builtin_hash, figures = done.stdout.split("\n", 1)
        outputs.append((builtin_hash, figures))
    (hash1, figures1), (hash2, figures2) = outputs
    assert hash1 != hash2            # the seeds did change Python's hash() ...
    assert figures1 == figures2      # ... and not one figure
    assert figures1 == similarity_report(copied_class, ASSIGNMENT, out=tmp_path / "here").csv.read_text()
    assert (tmp_path / "1" / "similarity.html").read_text() == (tmp_path / "2" / "similarity.html").read_text()
    # the reason: copydetect hashes its k-grams with our stable hash, not with hash()
    assert copydetect.utils.hashed_kgrams is stable_kgram_hashes


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


SCRIPT = "</pre><script>alert(1)</script>"
MARKUP_NAME = "<img src=x onerror=alert(1)>"


def test_hostile_code_and_names_stay_text(tmp_path):
    hostile = dict(ANA, step=ANA["step"].replace("# numbers stay numbers", f"# {SCRIPT}")
                   + f'    banner = "{SCRIPT}"\n')
    course = make_course(tmp_path / "course", {
        "eve": with_answers(hostile),
        MARKUP_NAME: with_answers(disguised(hostile)),
        "ana": with_answers(ANA),
    })
    # a notebook with markup in its name that is not a notebook: listed as left out
    (course / "submitted" / "eve" / ASSIGNMENT / "<svg onload=alert(2)>.ipynb").write_text("{not json")
    result = similarity_report(course, ASSIGNMENT)
    assert names(result.pairs[0]) in ({"eve", MARKUP_NAME}, {"eve", "ana"}, {"ana", MARKUP_NAME})
    page = result.page.read_text()
    assert SCRIPT not in page and MARKUP_NAME not in page and "<svg" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    parser = Elements()
    parser.feed(page)
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"script", "img", "svg", "iframe", "object", "embed"}
    assert not [(tag, name) for tag, attrs in parser.tags for name, _ in attrs if name.startswith("on")]
    assert "script-src" not in page and "default-src 'none'" in page   # no script may run even if one slipped in


def test_an_unreadable_notebook_is_left_out_with_the_reason(tmp_path):
    course = make_course(tmp_path / "course", {"ana": with_answers(ANA), "ben": with_answers(disguised(ANA)),
                                               "hal": b"\x00 not a notebook {"})
    # a link to another student's notebook is not followed
    (course / "submitted" / "hal" / ASSIGNMENT / "ana.ipynb").symlink_to(
        course / "submitted" / "ana" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    result = similarity_report(course, ASSIGNMENT)
    assert names(result.pairs[0]) == {"ana", "ben"} and len(result.pairs) == 1
    [link, broken] = result.skipped
    assert link[:2] == ("hal", "ana.ipynb") and "a link" in link[2]
    assert broken[:2] == ("hal", f"{ASSIGNMENT}.ipynb") and "not a readable notebook" in broken[2]
    assert "Left out" in result.page.read_text()


def test_a_reference_folder_is_found_and_references_are_not_compared_among_themselves(tmp_path):
    from nnlab.demo import submissions

    last_year = tmp_path / "2025" / "submitted"
    for student, nb in {"old1": with_answers(ANA), "old2": with_answers(ANA)}.items():
        (last_year / student / ASSIGNMENT).mkdir(parents=True)
        (last_year / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_bytes(submissions.to_bytes(nb))
    (last_year / "old1" / "hinge_loss").mkdir()          # another assignment of that year: not this one's
    (last_year / "old1" / "hinge_loss" / "hinge_loss.ipynb").write_bytes(submissions.to_bytes(with_answers(ANA)))
    class_ = {k: v for k, v in copied_pair_class().items() if k != "ana"}   # ben copied last year's answers
    course = make_course(tmp_path / "course", class_)
    result = similarity_report(course, ASSIGNMENT, references=[last_year])
    refs = [s.name for s in result.submissions if s.reference]
    assert refs == ["submitted/old1/perceptron (reference)", "submitted/old2/perceptron (reference)"]
    assert [names(p) for p in result.above] == [{"ben", refs[0]}, {"ben", refs[1]}]
    assert not [p for p in result.pairs if p.a.reference and p.b.reference]
    rows = list(csv.DictReader(result.csv.open()))
    assert rows[0]["a"] == "ben" and rows[0]["b_is_reference"] == "yes"


@pytest.mark.parametrize("students", [{}, {"fay": None}])
def test_a_class_without_pairs_still_gets_a_page(tmp_path, students):
    course = make_course(tmp_path / "course", {s: release_nb() for s in students})
    result = similarity_report(course, ASSIGNMENT)
    assert result.pairs == [] and "No pairs" in result.page.read_text()


def test_the_command(copied_class, tmp_path, capsys):
    import argparse

    from nnlab.cli import similarity
    from nnlab.cli.context import Nbgrader, UsageError
    from nnlab.course import Course

    parser = argparse.ArgumentParser()
    similarity.add_arguments(parser)
    course = Course.open(copied_class)
    args = parser.parse_args([ASSIGNMENT, "--out", str(tmp_path / "out")])
    # the course in the fixture has no source/: the assignment is known by its source notebook
    (copied_class / "source" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    (copied_class / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_bytes(
        (PROJECT_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes())
    assert similarity.run(args, course, Nbgrader(course)) == 0
    said = capsys.readouterr().out
    assert "ana / ben: 100% / 100%" in said and "not verdicts" in said
    assert "7 submission(s) (2 with no code beyond the template)" in said
    assert (tmp_path / "out" / "similarity.html").is_file() and (tmp_path / "out" / "similarity.csv").is_file()
    with pytest.raises(UsageError):
        similarity.run(parser.parse_args([ASSIGNMENT, "--reference", str(tmp_path / "nowhere")]), course, Nbgrader(course))
    with pytest.raises(UsageError):
        similarity.run(parser.parse_args(["no_such_assignment"]), course, Nbgrader(course))


def test_the_command_line_does_not_import_copydetect_until_it_compares():
    """Every `nnlab` command imports the command modules: copydetect (and matplotlib.pyplot) only when used."""
    probe = "import sys, nnlab.cli.similarity; print('copydetect' in sys.modules, 'matplotlib.pyplot' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stderr
