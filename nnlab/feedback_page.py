"""The exporter of the course's feedback pages (`c.GenerateFeedback.exporter_class`): nbconvert's
HTMLExporter without its second pass over the finished page.

That pass parses the whole page again with BeautifulSoup's pure-Python parser and writes it out again,
to give images without alternative text one and to make JupyterLab's cell wrappers focusable; it is
two thirds of the cost of a feedback page, paid for every hand-in `nnlab serve` grades. The feedback
template is classic, without those wrappers, so here the alternative text is added to the page's image
tags as the page is written, with nbconvert's own words, and nothing else is parsed again. Everything
else (the template, filters, preprocessors and their configuration under HTMLExporter) is nbconvert's.
"""
from __future__ import annotations

import re

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

NO_ALT = "No description has been provided for this image"   # nbconvert's words
# an image tag without an alt attribute; the page holds no '>' inside a tag's values: student content is
# escaped or sanitized before it reaches the template, and images are data URIs (base64)
IMAGE_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)([^>]*?)(\s*/?)>", re.IGNORECASE)


def with_alt_text(page: str) -> tuple[str, int]:
    """`page` with every image tag given the alternative text nbconvert gives it, and how many were."""
    return IMAGE_WITHOUT_ALT.subn(lambda m: f'<img{m.group(1)} alt="{NO_ALT}"{m.group(2)}>', page)


class FeedbackExporter(HTMLExporter):
    """HTMLExporter whose page is not parsed and written again after the template wrote it."""

    def from_notebook_node(self, nb, resources=None, **kw):
        # as HTMLExporter.from_notebook_node, up to its BeautifulSoup pass
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        page, missing = with_alt_text(page)
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", missing)
        return page, resources
