"""nnlab.formgrader_csp's policy, page by page, without a browser: which inline scripts it lets run.
(test_injection.py shows the policy in Chromium against the whole corpus.)"""
from __future__ import annotations

import pytest

from nnlab.formgrader_csp import (
    FILE_POLICY,
    SUBMISSION_FILE,
    frame_ancestors,
    nbgrader_templates,
    page_policy,
    sha256_source,
    template_constants,
    transform_for,
)

STATIC = "http://127.0.0.1:8888/formgrader/static/"
REPORT = "/api/security/csp-report"
HEAD = '<html><head><script type="text/javascript">\nvar submission_id = "0a1b";\nvar base_url = "";\n</script></head>'


@pytest.fixture(scope="module")
def constants():
    return template_constants(nbgrader_templates())


def script_src(policy: str) -> list[str]:
    return next(d for d in policy.split("; ") if d.startswith("script-src")).split()[1:]


def test_nbgrader_s_own_fixed_scripts_and_handlers_are_found(constants):
    scripts, handlers = constants
    assert any("function toggle_name(on)" in s for s in scripts)
    assert {"toggle_name(true);", "toggle_name(false);", "toggleAllNames()"} <= handlers


def test_the_page_s_declarations_in_its_head_run(constants):
    policy = page_policy(HEAD + "<body></body></html>", STATIC, constants, REPORT)
    assert sha256_source('\nvar submission_id = "0a1b";\nvar base_url = "";\n') in script_src(policy)
    assert "'unsafe-inline'" not in script_src(policy) and "'unsafe-eval'" not in script_src(policy)
    assert script_src(policy)[0] == STATIC  # not 'self': /files/ serves what students hand in


@pytest.mark.parametrize("script", [
    'var submission_id = "x";alert(1);"";',  # a value that ends its string (a reflected address)
    'var student_id = "x\\";alert(1);//";',
    'var a = "</script><script>alert(1)";',
    "alert(1)",
])
def test_anything_but_plain_string_declarations_gets_no_hash(constants, script):
    policy = page_policy(f"<html><head><script>{script}</script></head><body></body></html>", STATIC, constants, REPORT)
    assert sha256_source(script) not in script_src(policy)


def test_declarations_in_the_body_get_no_hash(constants):
    """The student's notebook is in the body: a second `var submission_id` there would send the
    instructor's grades to another submission."""
    planted = '\nvar submission_id = "ffff";\n'
    policy = page_policy(HEAD + f"<body><script>{planted}</script></body></html>", STATIC, constants, REPORT)
    assert sha256_source(planted) not in script_src(policy)


def test_only_nbgrader_s_handlers_run(constants):
    html = (HEAD + '<body><span onclick="toggle_name(true);"></span><img src=x onerror="fetch(\'/api\')">'
            "</body></html>")
    sources = script_src(page_policy(html, STATIC, constants, REPORT))
    assert "'unsafe-hashes'" in sources and sha256_source("toggle_name(true);") in sources
    assert sha256_source("fetch('/api')") not in sources


def test_a_page_shuts_out_the_other_ways_in(constants):
    policy = page_policy(HEAD + "<body></body></html>", STATIC, constants, REPORT)
    for directive in ("default-src 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'none'",
                      "frame-src 'none'", "connect-src 'self'", "img-src 'self' data:", "frame-ancestors 'self'"):
        assert directive in policy.split("; ")


@pytest.mark.parametrize("path, is_file", [
    ("formgrader/submissions/0a1b/derivation.html", True),
    ("formgrader/submissions/0a1b/sub/plot.svg", True),
    ("formgrader/submissions/0a1b/", False),
    ("formgrader/submissions/0a1b/next", False),
    ("formgrader/submissions/0a1b/prev_incorrect", False),
])
def test_files_handed_in_are_served_sandboxed_without_scripts(path, is_file):
    assert bool(SUBMISSION_FILE.match(path)) is is_file
    assert "sandbox" in FILE_POLICY.split("; ") and "script-src" not in FILE_POLICY


def served_policy(path: str, settings: dict, content_type: str = "text/html") -> str:
    """The policy the transform gives a response of `path` on a server with these tornado settings."""
    from tornado.httputil import HTTPHeaders, HTTPServerRequest

    request = HTTPServerRequest(method="GET", uri=path, headers=HTTPHeaders({"Host": "hub.example"}))
    transform = transform_for("/user/instructor/", (set(), set()), settings)(request)
    headers = HTTPHeaders({"Content-Type": content_type})
    transform.transform_first_chunk(200, headers, b"<html><head></head><body></body></html>", True)
    return headers["Content-Security-Policy"]


@pytest.mark.parametrize("path, content_type", [
    ("/user/instructor/formgrader/manage_assignments", "text/html"),
    ("/user/instructor/formgrader/api/assignments", "application/json"),
    ("/user/instructor/formgrader/submissions/0a1b/derivation.html", "text/html"),
])
def test_who_may_frame_the_formgrader_is_the_server_s_own_word(path, content_type):
    # a JupyterHub user's server forbids every frame (JupyterHub 4.1): a page of another user's server on the
    # hub's address must not frame the instructor's grading pages
    hub = {"headers": {"Content-Security-Policy": "frame-ancestors 'none'; report-uri /hub/security/csp-report"}}
    assert "frame-ancestors 'none'" in served_policy(path, hub, content_type).split("; ")
    assert "frame-ancestors 'self'" not in served_policy(path, hub, content_type)
    # a plain Jupyter server: JupyterLab's own frame may show it, as jupyter_server's default policy allows
    assert "frame-ancestors 'self'" in served_policy(path, {}, content_type).split("; ")


def test_a_configured_policy_without_frame_ancestors_keeps_the_default():
    assert frame_ancestors("default-src 'self'") == "frame-ancestors 'self'"
    assert frame_ancestors(None) == "frame-ancestors 'self'"
    assert frame_ancestors("frame-ancestors https://lms.example 'self'") == "frame-ancestors https://lms.example 'self'"
