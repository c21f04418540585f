"""The feedback pages' exporter (nnlab.feedback_page): the page nbconvert's HTMLExporter writes, without
parsing it again, and the alternative text nbconvert gives images still there."""
from __future__ import annotations

import base64
import copy

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbformat import ValidationError
from traitlets.config import Config

from nnlab.feedback_page import NO_ALT, FeedbackExporter, with_alt_text

PIXEL = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                       "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def notebook() -> nbformat.NotebookNode:
    """A graded notebook's kinds of content: markdown with a formula and an image with alt text, code, a
    figure output (no alt text), a traceback, text with markup characters."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# Step\nThe rule $w \\leftarrow w + \\eta (y - \\hat y) x$ "
                                      f"<img src=\"data:image/png;base64,{PIXEL}\" alt=\"one pixel\">"),
        nbformat.v4.new_code_cell("import numpy as np\nprint('<b> & \"quoted\" </b>')\nfig", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="<b> & \"quoted\" </b>\n"),
            nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"}),
            nbformat.v4.new_output("error", ename="ValueError", evalue="shapes (3,) and (2,)",
                                   traceback=["\x1b[0;31mValueError\x1b[0m: shapes (3,) and (2,)"])]),
    ]
    return nb


def pages(template: str) -> tuple[str, str]:
    config = Config({"HTMLExporter": {"template_name": template}})
    graded = notebook()
    theirs, _ = HTMLExporter(config=config).from_notebook_node(graded)
    mine, _ = FeedbackExporter(config=config).from_notebook_node(graded)
    return theirs, mine


def test_the_page_is_nbconverts_page_without_the_second_parse():
    theirs, mine = pages("classic")
    assert mine != theirs                                               # not parsed and written again ...
    assert str(BeautifulSoup(mine, features="html.parser")) == theirs   # ... but the same page
    soup = BeautifulSoup(mine, features="html.parser")
    alts = [img.get("alt") for img in soup.find_all("img")]
    assert alts == ["one pixel", NO_ALT]                                # the figure's alt added, the student's kept


def test_only_image_tags_without_alt_text_get_one():
    page, count = with_alt_text('<p>&lt;img src="x"&gt;</p><img src="a.png"><IMG SRC="b.png" ALT="b"/>'
                                '<img src="c.png" />')
    assert count == 2
    assert page == (f'<p>&lt;img src="x"&gt;</p><img src="a.png" alt="{NO_ALT}"><IMG SRC="b.png" ALT="b"/>'
                    f'<img src="c.png" alt="{NO_ALT}" />')


def test_a_page_made_again_with_what_is_kept_is_the_same_page_and_a_changed_cell_shows():
    config = Config({"HTMLExporter": {"template_name": "classic"}})
    graded = notebook()
    first, _ = FeedbackExporter(config=config).from_notebook_node(copy.deepcopy(graded))
    again, _ = FeedbackExporter(config=config).from_notebook_node(copy.deepcopy(graded))   # templates, cells kept
    assert again == first
    changed = copy.deepcopy(graded)
    changed.cells[0].source = changed.cells[0].source.replace("# Step", "# Update")
    changed.cells[1].source = changed.cells[1].source.replace("numpy", "torch")
    page, _ = FeedbackExporter(config=config).from_notebook_node(changed)
    text = BeautifulSoup(page, features="html.parser").get_text()
    assert "Update" in text and "Step" not in text
    assert "torch" in text and "numpy" not in text


def test_a_template_changed_on_disk_is_compiled_again(tmp_path):
    template = tmp_path / "mark.html.j2"
    pages = []
    for mark in ("first", "second"):
        template.write_text("{% for cell in nb.cells %}{{ cell.source | markdown2html }}{% endfor %}" + mark)
        page, _ = FeedbackExporter(template_file=str(template)).from_notebook_node(notebook())
        pages.append(page)
    assert pages[0].endswith("first") and pages[1].endswith("second")
    assert pages[0][:-len("first")] == pages[1][:-len("second")]


def test_a_markdown_cell_is_rendered_once_for_every_student_unless_their_own_images_are_embedded(tmp_path):
    from nnlab.feedback_page import RENDERED

    text = "Your figure: ![figure](figure.png) (unique-to-this-test)"
    pages = {}
    for embed in (False, True):
        for student, pixel in (("ada", PIXEL), ("ben", base64.b64encode(b"\x89PNG ben").decode())):
            folder = tmp_path / student
            folder.mkdir(exist_ok=True)
            (folder / "figure.png").write_bytes(base64.b64decode(pixel))
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text, id="figure-note")])
            exporter = FeedbackExporter(config=Config({"HTMLExporter": {"template_name": "classic",
                                                                        "embed_images": embed}}))
            pages[embed, student], _ = exporter.from_notebook_node(nb, {"metadata": {"path": str(folder)}})
    kept = [key for key in RENDERED.results if key[0] == text]
    assert len(kept) == 3   # once for both students without embedding, once for each with
    assert pages[False, "ada"] == pages[False, "ben"] and 'src="figure.png"' in pages[False, "ada"]
    assert f"data:image/png;base64,{PIXEL}" in pages[True, "ada"]
    assert base64.b64encode(b"\x89PNG ben").decode() in pages[True, "ben"] and PIXEL not in pages[True, "ben"]


def test_the_page_is_validated_once_and_an_invalid_notebook_is_still_refused():
    assert FeedbackExporter().optimistic_validation
    broken = notebook()
    broken.cells[1]["outputs"][0]["output_type"] = "not-an-output"
    with pytest.raises(ValidationError):
        FeedbackExporter(config=Config({"HTMLExporter": {"template_name": "classic"}})).from_notebook_node(broken)
