"""The exporter of the course's feedback pages (`c.GenerateFeedback.exporter_class`): nbconvert's
HTMLExporter without its second pass over the finished page.

That pass parses the whole page again with BeautifulSoup's pure-Python parser and writes it out again,
to give images without alternative text one and to make JupyterLab's cell wrappers focusable; it is
two thirds of the cost of a feedback page, paid for every hand-in `nnlab serve` grades. The feedback
template is classic, without those wrappers, so here the alternative text is added to the page's image
tags as the page is written, with nbconvert's own words, and nothing else is parsed again. Everything
else (the template, filters, preprocessors and their configuration under HTMLExporter) is nbconvert's.

A service makes a page a hand-in, each with a new exporter, and most of a page is the same for every
student (the instructor's text and code): the templates are compiled once a process (Jinja's bytecode
cache, which compiles a template again when its file changes), and the highlighting of a code cell and
the rendering of a markdown cell without attachments, and nbconvert's cleaning of the markup (bleach's
pure-Python parser) are kept by their text and the settings that change them (the last CACHED of each),
and the notebook is validated once, after nbconvert's preprocessors, not after each of them.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Callable

from jinja2 import BytecodeCache, pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets import default

NO_ALT = "No description has been provided for this image"   # nbconvert's words
# an image tag without an alt attribute; the page holds no '>' inside a tag's values: student content is
# escaped or sanitized before it reaches the template, and images are data URIs (base64)
IMAGE_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)([^>]*?)(\s*/?)>", re.IGNORECASE)


def with_alt_text(page: str) -> tuple[str, int]:
    """`page` with every image tag given the alternative text nbconvert gives it, and how many were."""
    return IMAGE_WITHOUT_ALT.subn(lambda m: f'<img{m.group(1)} alt="{NO_ALT}"{m.group(2)}>', page)


CACHED = 1024   # a few MB at most; the instructor's cells, met on every page, stay


class CompiledTemplates(BytecodeCache):
    """Jinja's bytecode cache in this process: a template is compiled once, not for every exporter."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])   # dropped by Jinja when the source changed

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


class Kept:
    """The last CACHED results of a function of a key alone (its text and settings), the newest kept."""

    def __init__(self):
        self.results: OrderedDict[tuple, str] = OrderedDict()

    def get(self, key: tuple, make: Callable[[], str]) -> str:
        if key in self.results:
            self.results.move_to_end(key)
            return self.results[key]
        made = self.results[key] = make()
        if len(self.results) > CACHED:
            self.results.popitem(last=False)
        return made


HIGHLIGHTED, RENDERED, CLEANED = Kept(), Kept(), Kept()


class KeptHighlight:
    """nbconvert's `highlight_code` filter, its result kept by the cell's text and what else changes it."""

    def __init__(self, highlight: Highlight2HTML):
        self.highlight = highlight
        self.options = (highlight.pygments_lexer, repr(sorted(highlight.extra_formatter_options.items())))

    def __call__(self, source, language=None, metadata=None):
        magics = (metadata or {}).get("magics_language")
        return HIGHLIGHTED.get((source, language, magics, self.options),
                               lambda: self.highlight(source, language, metadata))


class FeedbackExporter(HTMLExporter):
    """HTMLExporter whose page is not parsed and written again after the template wrote it."""

    @default("optimistic_validation")
    def _validate_once(self):
        # the notebook is validated after the preprocessors, not after each of them (eight times a page)
        return True

    def default_filters(self):
        for name, made in super().default_filters():
            if name == "clean_html":   # bleach's pure-Python parser over each cell's highlighted code
                yield name, lambda markup, clean=made: CLEANED.get((markup,), lambda: clean(markup))
            else:
                yield name, made

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED
        return environment

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        if cell.get("attachments"):
            return super().markdown2html(context, source)
        # the notebook's folder (each student's own) matters only where local images are embedded
        path = context.get("resources", {}).get("metadata", {}).get("path", "") if self.embed_images else ""
        key = (source, path, self.embed_images, self.anchor_link_text, self.exclude_anchor_links,
               repr(sorted(self.lexer_options.items())))
        return RENDERED.get(key, lambda: super(FeedbackExporter, self).markdown2html(context, source))

    def from_notebook_node(self, nb, resources=None, **kw):
        # as HTMLExporter.from_notebook_node, up to its BeautifulSoup pass
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code",
                                          KeptHighlight(Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        page, missing = with_alt_text(page)
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", missing)
        return page, resources

