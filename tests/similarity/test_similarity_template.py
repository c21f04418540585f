"""The similarity page comes from a Jinja2 template with autoescape on: names and code from the
submissions are text on the page, the matched stretches are marked exactly, and the template is found
from any working directory."""
from __future__ import annotations

import subprocess
import sys

import numpy as np

from nnlab.similarity.code import Submission
from nnlab.similarity.compare import Pair
from nnlab.similarity.page import highlighted, write_page

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_names_and_code_with_markup_are_escaped_and_the_matches_marked(tmp_path):
    a = Submission(f"a{SCRIPT}", f"x = '{SCRIPT}'\n", ["nb.ipynb"], [(f"{SCRIPT}.ipynb", f"why {SCRIPT}")])
    b = Submission("b", f"y = '{SCRIPT}'\n", ["nb.ipynb"])
    # both codes match from the quote on: 4 .. 31
    pair = Pair(a, b, 0.9, 0.9, 12, np.array([[4], [31]]), np.array([[4], [31]]))
    page = write_page(tmp_path / "similarity.html", f"hw{SCRIPT}", [pair], [a, b], 0.5,
                      settings=f"settings {SCRIPT}").read_text()
    assert "<script" not in page
    # assignment (title and heading), settings, name in the table, left out (name, notebook, reason),
    # pair heading and sentence, a's heading, both codes
    assert page.count(ESCAPED) == 12
    assert f"<pre>x = <mark>&#x27;{ESCAPED}&#x27;</mark>\n</pre>" in page
    assert f"<pre>y = <mark>&#x27;{ESCAPED}&#x27;</mark>\n</pre>" in page


def test_overlapping_and_out_of_range_matches_are_marked_once():
    code = "<a> & <b>"
    # spans 0-3, 4-6 and 5-9 (cut to the code's end): the overlap 5-6 stays in the first mark
    marked = highlighted(code, np.array([[5, -2, 4], [99, 3, 6]]))
    assert marked == "<mark>&lt;a&gt;</mark> <mark>&amp; </mark><mark>&lt;b&gt;</mark>"
    assert highlighted(code, np.empty((2, 0))) == "&lt;a&gt; &amp; &lt;b&gt;"


WRITE = """
import sys
from pathlib import Path
from nnlab.similarity.code import Submission
from nnlab.similarity.page import write_page
page = write_page(Path("similarity.html"), "hw", [], [Submission("<script>alert(1)</script>")], 0.5)
sys.stdout.write(page.read_text())
"""


def test_the_template_is_found_from_another_working_directory(tmp_path):
    done = subprocess.run([sys.executable, "-c", WRITE], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "<h1>Code similarity: hw</h1>" in done.stdout and "No pairs" in done.stdout
    assert (tmp_path / "similarity.html").is_file()
