"""SanitizeStudentContent: nothing a student wrote runs as script in a page the instructor opens.

The formgrader renders the autograded notebook with nbconvert (nbgrader's `formgrade`
template passes markdown and HTML outputs through as they are), and the feedback is made
from the same notebook. A script there runs in the Jupyter server's origin with the
instructor's session: it can write any file of the course or change a grade. So before the
autograded notebook is written, everything in it that came from the student is rebuilt from
an allow-list:

- markdown cells: rendered as the formgrader renders them, cleaned with nh3; an answer that
  held nothing active keeps its source unchanged, one that did is replaced by its cleaned
  rendering (with a note saying so);
- raw cells: cleaned as HTML;
- outputs: known output types with their own fields only; of the MIME types, plain text,
  cleaned HTML, markdown (rendered and cleaned), LaTeX as text, PNG/JPEG/GIF that really are
  base64 images, and SVG shown through an <img> (where it cannot run script); JavaScript,
  widgets, PDF and unknown types are dropped with a note; output metadata keeps numeric sizes only;
- attachments: raster images only, checked like outputs;
- metadata: cell ids, tags and nbgrader grade ids that are plain names; no other cell metadata
  than nbgrader's, tags and the editing flags; notebook metadata other than the kernel's and
  language's names is dropped (widget state, titles).

The submission itself (submitted/) is never changed: this runs on nbgrader's copy.
"""
from __future__ import annotations

import base64
import binascii
import html
import re
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import NbGraderPreprocessor

NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")   # nbformat's cell-id alphabet (and a dot for grade ids)
# classes the markdown renderer and pygments give code (short token classes such as "k", "s1");
# no longer class a student could use to dress markup as the formgrader's own buttons
CODE_CLASS = re.compile(r"^(language-[A-Za-z0-9_+\-]{1,32}|highlight|hl-[A-Za-z0-9]{1,20}|[a-z][a-z0-9]{0,2})$")
ATTACHMENT = re.compile(r"attachment:([^\s)\"'<>]+)")
# a transparent pixel stands in for an attachment the answer names but the notebook does not hold
# (nbconvert would fail the whole page on it)
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)
RASTER = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "image/gif": b"GIF8"}
KEPT_CELL_METADATA = ("nbgrader", "tags", "deletable", "editable", "collapsed", "scrolled")
KEPT_NOTEBOOK_METADATA = {"kernelspec": ("name", "display_name", "language"),
                          "language_info": ("name", "version", "file_extension", "mimetype")}
STREAMS = ("stdout", "stderr")
NOTE = "shown cleaned: nnlab removes markup that could run in the instructor's browser"

# ammonia's safe defaults, less image maps; no id or name (they let markup overwrite the page's
# script variables), no style, no event handlers (never allowed by ammonia).
TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
ATTRIBUTES = {**{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
              "code": {"class"}, "span": {"class"}, "div": {"class"}, "pre": {"class"},
              "img": {"src", "alt", "width", "height", "title"},
              "a": {"href", "hreflang", "title"}, "*": {"title", "lang"},
              # markdown tables align their columns with a style; no other style is kept
              "td": {*nh3.ALLOWED_ATTRIBUTES["td"], "style"}, "th": {*nh3.ALLOWED_ATTRIBUTES["th"], "style"}}
ALIGN = re.compile(r"^text-align:\s*(left|right|center);?$")
URL_SCHEMES = {"http", "https", "mailto", "attachment", "data"}


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name == "style":
        return value if ALIGN.match(value.strip()) else None
    if name == "class":
        kept = [c for c in value.split() if CODE_CLASS.match(c)]
        return " ".join(kept) or None
    if name in ("href", "src") and value.strip().lower().startswith("data:"):
        # an image from data is inert; a page or a script from data is not
        return value if tag == "img" and name == "src" and DATA_IMAGE.match(value.strip()) else None
    return value


def clean_html(markup: str) -> str:
    """`markup` with only allow-listed tags, attributes and URLs (nh3: the Rust ammonia sanitizer)."""
    return nh3.clean(markup, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_attribute,
                     url_schemes=URL_SCHEMES, link_rel=None, strip_comments=True)


def _made_by_renderer(tag: str, name: str, value: str | None) -> bool:
    """What nbconvert's markdown renderer adds itself: heading anchors (a heading's text picks its
    id in any markdown, so a student's raw heading id is no more than they could write anyway)."""
    return (tag in ("h1", "h2", "h3", "h4", "h5", "h6") and name == "id") or (
        tag == "a" and name == "class" and value == "anchor-link")


class _Tokens(HTMLParser):
    """Markup as comparable tokens: tags with sorted decoded attributes, and text with its spaces folded."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":      # the sanitizer's parser adds it to every table, as browsers do
            return
        kept = tuple(sorted((k, v or "") for k, v in attrs if not _made_by_renderer(tag, k, v)))
        self.tokens.append(("<", tag, kept))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag != "tbody":
            self.tokens.append(("/", tag))

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text:
            return
        if self.tokens and self.tokens[-1][0] == "t":
            text = self.tokens.pop()[1] + " " + text
        self.tokens.append(("t", text))

    def handle_comment(self, data):
        self.tokens.append(("!", data))


def same_markup(a: str, b: str) -> bool:
    return _Tokens(a).tokens == _Tokens(b).tokens


def _verbatim_block(markup: str) -> str:
    """HTML that markdown passes through unchanged: one <div> block with no blank line in it."""
    lines = [line for line in markup.splitlines() if line.strip()]
    return "<div>\n" + "\n".join(lines) + "\n</div>"


def render_markdown(source: str, attachments: dict | None = None) -> str:
    """HTML of a markdown cell as nbconvert's exporters render it (math kept for MathJax)."""
    return MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments=attachments or {})).render(source)


def sanitize_markdown(source: str, attachments: dict | None = None) -> tuple[str, bool]:
    """(markdown that renders to nothing active, whether anything had to change).

    Rendered as nbconvert renders it for the formgrader; when cleaning that rendering removes
    nothing, the student's source stays as written."""
    return _sanitized(source, attachments) if attachments else _sanitized_text(source)


@lru_cache(maxsize=1024)
def _sanitized_text(source: str) -> tuple[str, bool]:
    """`sanitize_markdown` of a cell without attachments, kept by its text: most markdown cells of a class
    are the instructor's, the same in every notebook graded and every feedback page made."""
    return _sanitized(source, None)


def _sanitized(source: str, attachments: dict | None) -> tuple[str, bool]:
    rendered = render_markdown(source, attachments)
    cleaned = clean_html(rendered)
    if same_markup(rendered, cleaned):
        return source, False
    replacement = _verbatim_block(f"<p><em>[{NOTE}]</em></p>\n{cleaned}")
    again = render_markdown(replacement, attachments)
    if not same_markup(again, clean_html(again)):   # never trust the second rendering blindly
        replacement = f"<pre>\n[{NOTE}]\n{html.escape(source)}\n</pre>"
    return replacement, True


def _image(mime: str, data) -> str | None:
    """Base64 of a real image of type `mime`, or None."""
    if not isinstance(data, str):
        return None
    compact = "".join(data.split())
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return compact if raw.startswith(RASTER[mime]) else None


def _svg_as_image(svg) -> str | None:
    if not isinstance(svg, str):
        return None
    encoded = base64.b64encode(svg.encode("utf-8", "replace")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="figure">'


def _size(value) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 10**5 else None


def sanitize_bundle(data, metadata) -> tuple[dict, dict, list[str]]:
    """(data, metadata, dropped MIME types) of one display_data or execute_result."""
    data = data if isinstance(data, dict) else {}
    kept, dropped, html_parts = {}, [], []
    for mime, value in data.items():
        if mime == "text/plain" and isinstance(value, str):
            kept[mime] = value
        elif mime in RASTER and _image(mime, value) is not None:
            kept[mime] = _image(mime, value)
        elif mime == "text/html" and isinstance(value, str):
            html_parts.append(clean_html(value))
        elif mime == "text/markdown" and isinstance(value, str):
            html_parts.append(clean_html(render_markdown(value)))
        elif mime == "image/svg+xml" and _svg_as_image(value) is not None:
            html_parts.append(_svg_as_image(value))
        elif mime == "text/latex" and isinstance(value, str):
            kept[mime] = value          # nbconvert escapes it; MathJax reads it as text
        else:
            dropped.append(str(mime))
    if html_parts:
        kept["text/html"] = "\n".join(html_parts)
    if dropped and "text/plain" not in kept and not kept:
        kept["text/plain"] = f"[{NOTE}: {', '.join(sorted(dropped))} output]"
    sizes = {}
    if isinstance(metadata, dict):
        for mime in RASTER:
            entry = metadata.get(mime)
            if isinstance(entry, dict) and mime in kept:
                entry = {k: _size(entry.get(k)) for k in ("width", "height")}
                if any(v is not None for v in entry.values()):
                    sizes[mime] = {k: v for k, v in entry.items() if v is not None}
    return kept, sizes, dropped


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def sanitize_output(output) -> tuple[dict | None, list[str]]:
    """The output rebuilt from its own fields, or None when it is of no known type."""
    kind = output.get("output_type") if isinstance(output, dict) else None
    if kind == "stream":
        name = output.get("name") if output.get("name") in STREAMS else "stdout"
        return {"output_type": "stream", "name": name, "text": _text(output.get("text"))}, []
    if kind == "error":
        traceback = output.get("traceback")
        return {"output_type": "error", "ename": _text(output.get("ename")), "evalue": _text(output.get("evalue")),
                "traceback": [t for t in traceback if isinstance(t, str)] if isinstance(traceback, list) else []}, []
    if kind in ("display_data", "execute_result"):
        data, metadata, dropped = sanitize_bundle(output.get("data"), output.get("metadata"))
        rebuilt = {"output_type": kind, "data": data, "metadata": metadata}
        if kind == "execute_result":
            rebuilt["execution_count"] = _count(output.get("execution_count"))
        return rebuilt, dropped
    return None, [f"an output of type {str(kind)[:40]!r}"]


def sanitize_attachments(attachments) -> dict:
    kept = {}
    for name, bundle in (attachments or {}).items() if isinstance(attachments, dict) else ():
        if isinstance(name, str) and NAME.match(name) and isinstance(bundle, dict):
            images = {mime: _image(mime, value) for mime, value in bundle.items() if mime in RASTER}
            images = {mime: value for mime, value in images.items() if value is not None}
            if images:
                kept[name] = images
    return kept


def sanitize_cell_metadata(metadata) -> dict:
    metadata = metadata if isinstance(metadata, dict) else {}
    kept = {key: metadata[key] for key in KEPT_CELL_METADATA if key in metadata}
    if "tags" in kept:
        kept["tags"] = [t for t in kept["tags"] if isinstance(t, str) and NAME.match(t)] if isinstance(
            kept["tags"], list) else []
    for flag in ("deletable", "editable", "collapsed", "scrolled"):
        if flag in kept and not isinstance(kept[flag], bool):
            del kept[flag]
    return kept


def sanitize_notebook_metadata(metadata) -> dict:
    kept = {}
    for key, fields in KEPT_NOTEBOOK_METADATA.items():
        entry = metadata.get(key) if isinstance(metadata, dict) else None
        if isinstance(entry, dict):
            kept[key] = {f: entry[f] for f in fields if isinstance(entry.get(f), str) and len(entry[f]) < 80}
    return kept


def sanitize_notebook(nb: NotebookNode) -> list[str]:
    """Make `nb` inert in any page that renders it, in place; returns what was changed, for the log."""
    changes = []
    nb.metadata = from_dict(sanitize_notebook_metadata(nb.get("metadata")))
    for index, cell in enumerate(nb.cells):
        where = f"cell {index}"
        if "id" in cell and not (isinstance(cell.id, str) and NAME.match(cell.id)):
            cell.id = f"cell-{index}"
            changes.append(f"{where}: its id")
        cell.metadata = from_dict(sanitize_cell_metadata(cell.get("metadata")))
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id") if isinstance(
            cell.metadata.get("nbgrader"), dict) else None
        if grade_id is not None and not (isinstance(grade_id, str) and NAME.match(grade_id)):
            cell.metadata.nbgrader.grade_id = f"cell-{index}-renamed"
            changes.append(f"{where}: its grade id")
        source = _text(cell.get("source"))
        if cell.cell_type == "markdown":
            attachments = sanitize_attachments(cell.get("attachments"))
            for name in ATTACHMENT.findall(source):
                attachments.setdefault(name, {"image/png": PIXEL})
            if attachments or "attachments" in cell:
                cell.attachments = from_dict(attachments)
            cell.source, changed = sanitize_markdown(source, attachments)
            if changed:
                changes.append(f"{where}: active markup in the answer")
        elif cell.cell_type == "raw":
            cell.source = clean_html(source)
            cell.pop("attachments", None)
        if cell.cell_type == "code":
            outputs = []
            for output in cell.get("outputs", []):
                rebuilt, dropped = sanitize_output(output)
                if rebuilt is not None:
                    outputs.append(from_dict(rebuilt))
                changes += [f"{where}: {what} output" for what in dropped]
            cell.outputs = outputs
            cell.execution_count = _count(cell.get("execution_count"))
    return changes


class SanitizeStudentContent(NbGraderPreprocessor):
    """Autograde and feedback step: the notebook made inert for every page that renders it."""

    def preprocess(self, nb: NotebookNode, resources: dict):
        changes = sanitize_notebook(nb)
        if changes:
            info = resources.get("nbgrader", {})
            self.log.warning("%s/%s of %s: %s: %s", info.get("assignment"), info.get("notebook"),
                             info.get("student"), NOTE, "; ".join(changes[:10]))
        return nb, resources
