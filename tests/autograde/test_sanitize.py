"""SanitizeStudentContent: each hostile piece of a notebook is inert once rendered the way the
formgrader renders it (nbgrader's `formgrade` template through nbconvert), and honest content
(answers with math and tables, figures, HTML tables, the course's own notebooks) is unchanged.

The browser corpus (tests/browser/test_injection.py) proves the same in Chromium; these tests
show, without a browser, that every vector reaches the page before the sanitizer and none after.
"""
from __future__ import annotations

import base64
import copy
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from traitlets.config import Config

from nnlab.autograde.sanitize import NOTE, sanitize_markdown, sanitize_notebook

PROJECT = Path(__file__).resolve().parents[2]
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PNG64 = base64.b64encode(PNG).decode()
EVIL_SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="PAYLOAD()"><script>PAYLOAD()</script></svg>'

# Every string below, if it reached the page as markup, would run PAYLOAD() in the instructor's origin.
MARKDOWN_VECTORS = {
    "img-onerror": '<img src="x" onerror="PAYLOAD()">',
    "script": "<script>PAYLOAD()</script>",
    "svg-onload": "<svg onload=PAYLOAD()></svg>",
    "iframe-srcdoc": '<iframe srcdoc="<script>PAYLOAD()</script>"></iframe>',
    "javascript-link": "[click](javascript:PAYLOAD())",
    "raw-javascript-link": '<a href="javascript:PAYLOAD()">click</a>',
    "data-html-link": '<a href="data:text/html;base64,PHNjcmlwdD5QQVlMT0FEKCk8L3NjcmlwdD4=">x</a>',
    "object-data": '<object data="javascript:PAYLOAD()"></object>',
    "embed": '<embed src="javascript:PAYLOAD()">',
    "form-action": '<form action="javascript:PAYLOAD()"><button>go</button></form>',
    "base-href": '<base href="javascript:PAYLOAD()//">',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:PAYLOAD()">',
    "details-ontoggle": "<details open ontoggle=PAYLOAD()><summary>x</summary></details>",
    "math-mxss": '<math><mtext><table><mglyph><style><img src=x onerror=PAYLOAD()></style></mglyph></table></mtext></math>',
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=PAYLOAD()>"></noscript>',
    "style-tag": "<style>@import 'javascript:PAYLOAD()';</style>",
    "input-autofocus": "<input autofocus onfocus=PAYLOAD()>",
    "body-onload": "<body onload=PAYLOAD()>",
    "video-source-onerror": "<video><source onerror=PAYLOAD()></video>",
    "entity-obfuscated-link": '<a href="&#106;avascript:PAYLOAD()">x</a>',
}
OUTPUT_VECTORS = {
    "text/html": "<div><script>PAYLOAD()</script><img src=x onerror=PAYLOAD()></div>",
    "image/svg+xml": EVIL_SVG,
    "text/markdown": "<img src=x onerror=PAYLOAD()>",
    "application/javascript": "PAYLOAD()",
    "application/vnd.jupyter.widget-view+json": {"model_id": "</script><script>PAYLOAD()</script>",
                                                 "version_major": 2, "version_minor": 0},
    "application/x-evil": "<script>PAYLOAD()</script>",
    "image/png": '"><script>PAYLOAD()</script>',
    "text/latex": "</div><script>PAYLOAD()</script>",
}


class Page(HTMLParser):
    """What a rendered page holds that can run script: script elements, handlers, script URLs."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "content", "xlink:href"}

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []
        self._in_script = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
            if name in self.URL_ATTRIBUTES and value and re.match(r"\s*(javascript|vbscript|data:text)", value, re.I):
                self.urls.append(f"{tag} {name}={value}")

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False

    def active(self) -> list[str]:
        """Everything in the page that mentions the payload and could run."""
        found = [s for s in self.scripts if "PAYLOAD" in s] + self.handlers + self.urls
        found += [t for t in self.tags if t in ("iframe", "object", "embed", "base", "meta", "form", "svg")]
        return [item for item in found if item not in BASELINE]  # the template's own handlers and tags


def formgrade_page(nb) -> str:
    """The submission page as nbgrader's formgrader renders an autograded notebook."""
    import nbgrader.server_extensions.formgrader.handlers as handlers

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": "a", "notebook_id": "a", "submission_id": "s", "index": 0, "total": 1,
                 "base_url": "", "student": "s", "last_name": "L", "first_name": "F", "notebook_path": "a.ipynb"}
    body, _ = HTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    return body


BASELINE: set[str] = set()
BASELINE.update(Page(formgrade_page(new_notebook(cells=[new_markdown_cell("plain")]))).active())


def hostile_notebook() -> nbformat.NotebookNode:
    cells = [new_markdown_cell(text) for text in MARKDOWN_VECTORS.values()]
    code = new_code_cell("show()", execution_count=1)
    for mime, value in OUTPUT_VECTORS.items():
        code.outputs.append(new_output("display_data", data={mime: value}))
    code.outputs.append(new_output("display_data", data={"image/png": PNG64},
                                   metadata={"image/png": {"width": "1 onerror=PAYLOAD()"}}))
    code.outputs.append(nbformat.from_dict({"output_type": "stream", "name": "x onmouseover=PAYLOAD()",
                                            "text": "hello"}))
    attached = new_markdown_cell("![fig](attachment:evil.svg)")
    attached.attachments = {"evil.svg": {"image/svg+xml": EVIL_SVG}, "ok.png": {"image/png": PNG64}}
    tagged = new_code_cell("1", execution_count=2)
    tagged.metadata = {"tags": ['x" onmouseover="PAYLOAD()'],
                       "nbgrader": {"grade_id": '"><img src=x onerror=PAYLOAD()>', "grade": True, "points": 1,
                                    "solution": False, "locked": False, "schema_version": 3}}
    raw = new_raw_cell("<script>PAYLOAD()</script><b>raw</b>")
    nb = new_notebook(cells=[*cells, code, attached, tagged, raw])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"x": "</script><script>PAYLOAD()"}}},
                   "title": "</title><script>PAYLOAD()</script>"}
    return nb


def test_every_vector_reaches_the_page_without_the_sanitizer():
    """The corpus is real: unsanitized, the formgrader's page holds live script from the student."""
    page = Page(formgrade_page(hostile_notebook()))
    assert len(page.active()) >= 20, page.active()


def test_after_the_sanitizer_nothing_on_the_page_can_run():
    nb = hostile_notebook()
    changes = sanitize_notebook(nb)
    assert len(changes) >= len(MARKDOWN_VECTORS)
    page = Page(formgrade_page(nb))
    assert page.active() == []


@pytest.mark.parametrize("name", sorted(MARKDOWN_VECTORS))
def test_each_markdown_vector_is_inert(name):
    nb = new_notebook(cells=[new_markdown_cell(MARKDOWN_VECTORS[name])])
    before = Page(formgrade_page(nb)).active()
    sanitize_notebook(nb)
    assert Page(formgrade_page(nb)).active() == [], name
    if before:   # a changed answer says so to the instructor
        assert NOTE in nb.cells[0].source


@pytest.mark.parametrize("mime", sorted(OUTPUT_VECTORS))
def test_each_output_vector_is_inert(mime):
    code = new_code_cell("x", execution_count=1, outputs=[new_output("display_data", data={mime: OUTPUT_VECTORS[mime]})])
    nb = new_notebook(cells=[code])
    sanitize_notebook(nb)
    assert Page(formgrade_page(nb)).active() == [], mime
    assert nb.cells[0].outputs, "a removed output leaves a note, not a silent gap"


def test_an_output_of_no_known_type_is_dropped():
    nb = new_notebook(cells=[new_code_cell("x", execution_count=1)])
    nb.cells[0].outputs = [nbformat.from_dict({"output_type": "strange", "data": {"text/html": "<script>PAYLOAD()"}}),
                           new_output("stream", name="stdout", text="kept")]
    assert sanitize_notebook(nb) == ["cell 0: an output of type 'strange' output"]
    assert [o.output_type for o in nb.cells[0].outputs] == ["stream"]
    nbformat.validate(nb)


def test_honest_answers_keep_their_source():
    answers = [
        "A single perceptron draws one line: $w_0 + w_1 x_1 + w_2 x_2 = 0$, and XOR's classes need two.\n\n"
        "| x1 | x2 | XOR |\n|:--:|:--:|:--:|\n| 0 | 0 | 0 |\n| 1 | 0 | 1 |",
        "## Why\n\n* **max gate** routes, *add gate* distributes\n\n```python\nif a < b and c > d: pass\n```",
        "Inline `x<y` and $$\\frac{\\partial f}{\\partial x} < 1$$ and a [link](https://pytorch.org) <br> done",
        "<b>bold</b> and\n\n<table><tr><td>1</td></tr></table>",
    ]
    for answer in answers:
        assert sanitize_markdown(answer) == (answer, False), answer


def test_figures_tables_and_text_survive():
    html_table = "<table><thead><tr><th>epoch</th><th>loss</th></tr></thead><tr><td>1</td><td>0.5</td></tr></table>"
    code = new_code_cell("plot()", execution_count=3, outputs=[
        new_output("stream", name="stdout", text="loss 0.5\n"),
        new_output("display_data", data={"image/png": PNG64, "text/plain": "<Figure>"},
                   metadata={"image/png": {"width": 400, "height": 300}}),
        new_output("display_data", data={"text/html": html_table, "text/plain": "table"}),
        new_output("display_data", data={"image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'}),
        new_output("execute_result", data={"text/latex": "$x^2$", "text/plain": "x**2"}, execution_count=3),
        new_output("error", ename="ValueError", evalue="bad", traceback=["Traceback", "ValueError: bad"]),
    ])
    nb = new_notebook(cells=[code])
    assert sanitize_notebook(nb) == []
    outputs = nb.cells[0].outputs
    assert outputs[1].data["image/png"] == PNG64 and outputs[1].metadata["image/png"] == {"width": 400, "height": 300}
    assert "<th>loss</th>" in outputs[2].data["text/html"]
    assert outputs[3].data["text/html"].startswith('<img src="data:image/svg+xml;base64,')
    page = formgrade_page(nb)
    assert f"data:image/png;base64,{PNG64}" in page and "<th>loss</th>" in page and "data:image/svg+xml" in page
    assert "ValueError" in page and "loss 0.5" in page


@pytest.mark.parametrize("folder", ["source", "release"])
def test_the_course_notebooks_are_unchanged(folder):
    for path in sorted((PROJECT / folder).glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = copy.deepcopy(nb.cells)
        sanitize_notebook(nb)
        assert [c.source for c in nb.cells] == [c.source for c in before], path
        assert [c.get("outputs") for c in nb.cells] == [c.get("outputs") for c in before], path


def test_a_sanitized_notebook_is_still_valid_and_keeps_its_grade_cells():
    nb = hostile_notebook()
    sanitize_notebook(nb)
    nbformat.validate(nb)
    grade_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(grade_cells) == 1 and re.fullmatch(r"[\w.\-]+", grade_cells[0].metadata.nbgrader.grade_id)
    assert set(nb.metadata) == {"kernelspec"}
