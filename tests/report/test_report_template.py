"""The class report's page comes from a Jinja2 template with autoescape on: what the class and the
graders wrote is text on the page, nnlab's own markup stays markup, and the template is found from
any working directory."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nnlab.report.classdata import ClassResults, HiddenTest, Question, StudentResult
from nnlab.report.page import render
from nnlab.report.stats import QuestionStats

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def hostile_class() -> ClassResults:
    """A class whose every name, hint and note carries markup."""
    question = Question(f"q{SCRIPT}", f"nb{SCRIPT}", 1.0, f"q{SCRIPT}")
    waiting = StudentResult(f"w{SCRIPT}", {question.key: None}, 0.0, awaiting_manual=1)
    hint = HiddenTest(f"t{SCRIPT}", question.key, 1.0, f"hint {SCRIPT}", failed=1, graded=1)
    return ClassResults(Path(f"/courses/{SCRIPT}"), f"hw{SCRIPT}", 1.0, [question], [waiting], 3,
                        [f"n{SCRIPT}"], [f"g{SCRIPT}"], [hint], [f"note {SCRIPT}"])


def test_markup_from_the_class_is_escaped_and_the_pages_own_markup_is_not():
    data = hostile_class()
    stats = [QuestionStats(data.questions[0].grade_id, data.questions[0].notebook, 1.0, 0, None, None, None,
                           f"why {SCRIPT}")]
    page = render(data, stats, None, None, data.hidden_tests, {})
    assert "<script" not in page
    # assignment (title and heading), course, not submitted, not graded, waiting, question, reading,
    # hidden test, its question, its hint, note
    assert page.count(ESCAPED) == 12
    assert f"<td>hint {ESCAPED}</td>" in page
    # the discrimination method and the dash of a missing number are HTML on purpose
    assert "<b>item-rest correlation</b>" in page and "0.2&ndash;0.3 fair" in page
    assert "<td class='num'>&ndash;</td>" in page


RENDER = """
from pathlib import Path
from nnlab.report.classdata import ClassResults
from nnlab.report.page import render
print(render(ClassResults(Path("c"), "hw", 1.0, [], [], 1, ["<script>alert(1)</script>"], []), [], None, None, [], {}))
"""


def test_the_template_is_found_from_another_working_directory(tmp_path):
    done = subprocess.run([sys.executable, "-c", RENDER], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "<h1>hw: class report</h1>" in done.stdout and f"Submitted nothing: 1 ({ESCAPED})" in done.stdout
