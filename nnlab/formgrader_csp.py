"""A Content-Security-Policy on nbgrader's formgrader: the second wall behind the notebook
sanitizer (nnlab/autograde/sanitize.py).

The formgrader renders a student's autograded notebook into a page of the Jupyter server's
origin, where a script would act with the instructor's session (the contents API, the grades).
Its own pages run inline scripts, so a policy without 'unsafe-inline' has to name them. nbgrader
gives them no nonce, and the submission page declares the submission's ids in one of them, so no
fixed list of hashes fits: each HTML response is read as it leaves the server and the policy
lists the hashes of exactly these inline scripts and event handlers:

- the script and handler texts of nbgrader's own templates that hold no template expression
  (`toggle_name(...)`, the tooltips, ...): the same text anywhere runs the same harmless code;
- in the page's <head> only (the student's notebook is in its body), scripts that only declare
  string variables (`var submission_id = "...";`) whose values cannot end their string.

Anything else inline (a student's <script>, onerror=, javascript: URLs) gets no hash and does
not run; scripts load only from /formgrader/static/ (not 'self': the server also serves files
the students handed in, under /files/ and the formgrader's own /formgrader/submissions/<id>/).
Those handed-in files, when the formgrader serves them, get `sandbox` with no scripts at all, so
a link to a student's page.html opens it in an opaque origin.

Who may frame these pages is the server's own word: the `frame-ancestors` of the policy it is
configured with (`headers` in its tornado settings; a JupyterHub user's server says 'none', so a page
of another user's server on the same address cannot frame the instructor's grading pages), else
'self', jupyter_server's default (JupyterLab shows the formgrader in a frame of its own).

Enable with `jupyter server extension enable nnlab.formgrader_csp`, or in a Jupyter server config:
`c.ServerApp.jpserver_extensions = {"nnlab.formgrader_csp": True}`.
"""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from tornado.web import OutputTransform

# MathJax as nbconvert's template loads it for the submission page (it needs no eval: its
# inline configuration block is not run, so formulas use MathJax's own defaults)
MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/"
SUBMISSION_FILE = re.compile(r"formgrader/submissions/[^/]+/(?!(?:next|prev|next_incorrect|prev_incorrect)$).+")
INLINE_SCRIPT = re.compile(r"<script(?P<attrs>(?:\s[^>]*)?)>(?P<body>.*?)</script\s*>", re.S | re.I)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*"(?P<code>[^"]*)\"""", re.I)
# `var name = "value";` lines whose strings cannot end early: no quote, backslash, '<' or line end
STRING_DECLARATIONS = re.compile(r'\s*(?:var [A-Za-z_$][\w$]* = "[^"\\<\r\n\u2028\u2029]*";\s*)+')
JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
TEMPLATE_EXPRESSION = re.compile(r"\{\{|\{%")


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def template_constants(template_dir: Path) -> tuple[set[str], set[str]]:
    """The inline script and event-handler texts of nbgrader's formgrader templates that are the
    same on every page (no `{{ }}` or `{% %}` in them)."""
    scripts: set[str] = set()
    handlers: set[str] = set()
    for template in template_dir.rglob("*"):
        if template.suffix not in (".tpl", ".j2") or not template.is_file():
            continue
        text = template.read_text(errors="replace")
        scripts |= {m["body"] for m in INLINE_SCRIPT.finditer(text)
                    if "src=" not in m["attrs"] and not TEMPLATE_EXPRESSION.search(m["body"])}
        handlers |= {m["code"] for m in HANDLER.finditer(text) if not TEMPLATE_EXPRESSION.search(m["code"])}
    return scripts, handlers


def nbgrader_templates() -> Path:
    from nbgrader.server_extensions.formgrader import handlers

    return Path(handlers.template_path)


def script_type(attrs: str) -> str:
    found = re.search(r"""\btype\s*=\s*["']?([^"'\s>]*)""", attrs, re.I)
    return found.group(1).lower() if found else ""


def frame_ancestors(configured: str | None) -> str:
    """The `frame-ancestors` directive of the server's configured policy, `frame-ancestors 'self'` without one."""
    for directive in (configured or "").split(";"):
        name, _, value = directive.strip().partition(" ")
        if name.lower() == "frame-ancestors" and value.strip():
            return f"frame-ancestors {value.strip()}"
    return "frame-ancestors 'self'"


def page_policy(html: str, origin_scripts: str, constants: tuple[set[str], set[str]], report: str,
                ancestors: str = "frame-ancestors 'self'") -> str:
    """The policy of one formgrader page: its own inline scripts and handlers by hash; `ancestors`: who may
    frame it (`frame_ancestors`)."""
    fixed_scripts, fixed_handlers = constants
    head_end = html.find("<body")
    allowed = set()
    for m in INLINE_SCRIPT.finditer(html):
        if "src=" in m["attrs"].lower() or script_type(m["attrs"]) not in JS_TYPES:
            continue
        body = m["body"]
        in_head = head_end < 0 or m.start() < head_end
        if body in fixed_scripts or (in_head and STRING_DECLARATIONS.fullmatch(body)):
            allowed.add(sha256_source(body))
    handlers = {sha256_source(m["code"]) for m in HANDLER.finditer(html) if m["code"] in fixed_handlers}
    script_src = " ".join([origin_scripts, MATHJAX, *sorted(allowed)]
                          + (["'unsafe-hashes'", *sorted(handlers)] if handlers else []))
    return "; ".join([
        "default-src 'none'",
        f"script-src {script_src}",
        "style-src 'self' 'unsafe-inline'",  # nbconvert inlines its CSS; styles run no script
        "img-src 'self' data:",
        f"font-src 'self' data: {MATHJAX}",
        "connect-src 'self'",
        "frame-src 'none'", "object-src 'none'", "worker-src 'none'",
        "base-uri 'none'", "form-action 'none'",
        ancestors,
        f"report-uri {report}",  # jupyter_server logs each violation as a warning
    ])


# A file the student handed in, as the formgrader serves it: never a script context.
FILE_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def transform_for(base_url: str, constants: tuple[set[str], set[str]], settings: dict | None = None
                  ) -> type[OutputTransform]:
    """The transform setting the formgrader's policies; `settings`: the server's tornado settings, read at each
    response (a JupyterHub user's server adds its policy header after the extensions load)."""
    prefix = base_url.rstrip("/") + "/"
    settings = {} if settings is None else settings

    class FormgraderPolicy(OutputTransform):
        """Sets the policy of each formgrader response as it leaves the server (before any
        compression: it is the first of the application's transforms)."""

        def __init__(self, request) -> None:
            super().__init__(request)
            path = request.path
            self.applies = path.startswith(prefix + "formgrader")
            self.file = bool(SUBMISSION_FILE.match(path[len(prefix):]))
            host = request.host
            self.origin_scripts = f"{request.protocol}://{host}{prefix}formgrader/static/"
            self.report = f"{prefix}api/security/csp-report"

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if not self.applies:
                return status_code, headers, chunk
            ancestors = frame_ancestors(settings.get("headers", {}).get("Content-Security-Policy"))
            if self.file:
                headers["Content-Security-Policy"] = f"{FILE_POLICY}; {ancestors}"
            elif headers.get("Content-Type", "").startswith("text/html") and finishing:
                html = chunk.decode("utf-8", errors="replace")
                headers["Content-Security-Policy"] = page_policy(html, self.origin_scripts, constants, self.report,
                                                                 ancestors)
            else:  # JSON, static files, or a page sent in pieces: nothing inline may run
                headers["Content-Security-Policy"] = f"default-src 'none'; script-src {self.origin_scripts}; {ancestors}"
            return status_code, headers, chunk

    return FormgraderPolicy


def _jupyter_server_extension_points():
    return [{"module": "nnlab.formgrader_csp"}]


def _load_jupyter_server_extension(serverapp) -> None:
    constants = template_constants(nbgrader_templates())
    serverapp.web_app.transforms.insert(0, transform_for(serverapp.base_url, constants, serverapp.web_app.settings))
    serverapp.log.info("nnlab.formgrader_csp: a Content-Security-Policy on the formgrader's pages")


load_jupyter_server_extension = _load_jupyter_server_extension  # the older name jupyter_server still calls
