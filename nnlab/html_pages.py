"""The Jinja2 environment of the pages nnlab writes (the class report, the similarity page): their
templates in nnlab/html_templates/nnlab/, autoescape on, a missing value an error."""
from __future__ import annotations

import html

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


def escaped(value: object) -> Markup:
    """A value for a page: Markup as it is, anything else escaped as text."""
    # html.escape rather than markupsafe's escape: the same characters escaped, but with the entities
    # the pages have always had (&#x27; &quot;, not &#39; &#34;), so no page changes
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


def pages(**filters) -> Environment:
    """A new environment of the templates, found inside the package wherever the command runs, with a
    page's own `filters` (each page keeps its environment: filters of one name differ between pages)."""
    environment = Environment(loader=PackageLoader("nnlab", "html_templates/nnlab"), autoescape=True,
                              undefined=StrictUndefined, finalize=escaped, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)
    environment.filters.update(filters)
    return environment
