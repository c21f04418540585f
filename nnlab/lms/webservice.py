"""The course's Moodle through its REST web service: one request primitive (`call`), every function a
method on it.

Moodle answers every call with HTTP 200; a failure is the JSON {"exception", "errorcode", "message"}
(`webservice/lib.php`), turned here into one line naming the function and what the instructor can do.
Parameters go form-encoded in PHP's array notation (`grades[0][userid]=7`). The token is sent to the
configured site only: a file address from Moodle that points elsewhere is refused, never fetched.
"""
from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

from nnlab.lms.roster import LmsImportError

TIMEOUT = 60
# what the instructor can do about Moodle's error codes
ADVICE = {
    "invalidtoken": "the token is wrong or was deleted: create one (Site administration > Server > Web services > "
                    "Manage tokens) and write it to the file c.Moodle.token_path names",
    "nopermissions": "the token's user lacks a capability (Moodle's message names it): give that user a role "
                     "with it in the course, e.g. Teacher",
    "accessexception": "the token's service does not offer this function: add it to the service "
                       "(Site administration > Server > Web services > External services > Functions)",
    "servicerequireslogin": "the token's user cannot log in (suspended, or the site is in maintenance)",
    "invalidrecord": "no such assignment or course in Moodle: check c.Moodle.course_id and c.Moodle.assignments",
    "requireloginerror": "the token's user is not enrolled in the course: enrol them as a teacher",
}


class MoodleError(LmsImportError):
    """A Moodle web-service call failed; the message is one line for the instructor."""


class MoodleUnreachable(MoodleError):
    """No answer from the Moodle site at all (the network, the address, a time-out)."""


class FileRefused(MoodleError):
    """webservice/upload.php took the request but refused a file: over the site's upload limit
    (errortype fileoversized), or its name already in the draft area (filenameexist)."""


def form_fields(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """`params` in PHP's array notation: {"a": [{"b": 1}]} -> [("a[0][b]", "1")]."""
    fields = []
    items = params.items() if isinstance(params, dict) else enumerate(params)
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, (dict, list, tuple)):
            fields += form_fields(value if not isinstance(value, tuple) else list(value), name)
        elif isinstance(value, bool):
            fields.append((name, "1" if value else "0"))
        else:
            fields.append((name, "" if value is None else str(value)))
    return fields


def _is_error(body: bytes) -> bool:
    """Whether a file download's answer is Moodle's error JSON (AJAX_SCRIPT: {"error", "errorcode", ...}), not
    the file; a notebook (which the student writes, top-level keys included) never is."""
    if body[:1] != b"{" or b'"errorcode"' not in body[:2000]:
        return False
    try:
        found = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(found, dict) and "errorcode" in found and "cells" not in found and "nbformat" not in found


def _quoted(name: str) -> str:
    """A file name as a form field's header can carry it: no quote or line end to break out with."""
    return "".join("_" if ch in '"\\\r\n' else ch for ch in name)


class MoodleService:
    """A Moodle site's web service as one token's user sees it."""

    def __init__(self, url: str, token: str, timeout: float = TIMEOUT):
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:   # the token never shows, not even in a traceback's locals
        return f"MoodleService({self.url!r})"

    def _open(self, request: urllib.request.Request, what: str) -> bytes:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise MoodleError(f"Moodle {what}: HTTP {exc.code} {exc.reason} from {self.url}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MoodleUnreachable(f"Moodle {what}: cannot reach {self.url} ({reason}); check c.Moodle.url") from None

    @staticmethod
    def _decode(body: bytes, what: str):
        try:
            found = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise MoodleError(f"Moodle {what}: the answer is not JSON (is c.Moodle.url the site's address, "
                              "and web services enabled?)") from None
        if isinstance(found, dict) and ("exception" in found or ("error" in found and "errorcode" in found)):
            code = str(found.get("errorcode", ""))
            message = " ".join(str(found.get("message") or found.get("error") or "").split())
            advice = ADVICE.get(code, "see Moodle's message")
            raise MoodleError(f"Moodle {what} failed ({code}: {message}): {advice}")
        return found

    def call(self, function: str, **params):
        """Moodle's answer to `function` with `params`, or MoodleError."""
        fields = [("wstoken", self._token), ("wsfunction", function), ("moodlewsrestformat", "json"),
                  *form_fields(params)]
        request = urllib.request.Request(f"{self.url}/webservice/rest/server.php", data=urlencode(fields).encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        return self._decode(self._open(request, function), function)

    def assignments(self, course_id: int) -> list[dict]:
        answer = self.call("mod_assign_get_assignments", courseids=[course_id])
        return [a for course in answer.get("courses", []) for a in course.get("assignments", [])]

    def participants(self, assignment_id: int) -> list[dict]:
        return self.call("mod_assign_list_participants", assignid=assignment_id, groupid=0, filter="")

    def _of_assignment(self, function: str, assignment_id: int, key: str, capability: str) -> list[dict]:
        """The `key` records of one assignment from a function that reads several: Moodle answers a
        missing capability there with a warning (code 1) and no entry, not an error."""
        answer = self.call(function, assignmentids=[assignment_id])
        found = [a for a in answer.get("assignments", []) if int(a.get("assignmentid", 0)) == assignment_id]
        refused = [w for w in answer.get("warnings", []) if str(w.get("warningcode")) == "1"]
        if not found and refused:
            raise MoodleError(f"Moodle {function} failed ({refused[0].get('message', 'no access')}): the token's user "
                              f"lacks {capability} in the assignment: give that user a role with it, e.g. Teacher")
        return [record for a in found for record in a.get(key, [])]

    def submissions(self, assignment_id: int) -> list[dict]:
        return self._of_assignment("mod_assign_get_submissions", assignment_id, "submissions", "mod/assign:grade")

    def user_flags(self, assignment_id: int) -> list[dict]:
        return self._of_assignment("mod_assign_get_user_flags", assignment_id, "userflags", "mod/assign:grade")

    def participant_numbers(self, assignment_id: int) -> dict[int, str]:
        """{user id: participant number}, the numbers of the assignment's zip and worksheet."""
        mappings = self._of_assignment("mod_assign_get_user_mappings", assignment_id, "mappings",
                                       "mod/assign:revealidentities")
        return {int(m["userid"]): str(int(m["id"])) for m in mappings}

    def locked_grades(self, course_id: int, assignment_id: int) -> set[int]:
        """The users whose grade of the assignment is locked or overridden in Moodle's gradebook:
        mod_assign_save_grades leaves those unchanged without a word."""
        answer = self.call("gradereport_user_get_grade_items", courseid=course_id)
        return {int(user["userid"]) for user in answer.get("usergrades", []) for item in user.get("gradeitems", [])
                if item.get("itemmodule") == "assign" and int(item.get("iteminstance", 0)) == assignment_id
                and (item.get("gradeislocked") or item.get("gradeisoverridden"))}

    def save_grades(self, assignment_id: int, grades: list[dict]) -> None:
        self.call("mod_assign_save_grades", assignmentid=assignment_id, applytoall=False, grades=grades)

    def download(self, file_url: str) -> bytes:
        """A file by the address Moodle gave (webservice/pluginfile.php), with the token."""
        if urlsplit(file_url).netloc != urlsplit(self.url).netloc:
            raise MoodleError(f"Moodle gave a file address on another site ({urlsplit(file_url).netloc}): "
                              "not fetched, the token goes to c.Moodle.url only")
        joiner = "&" if "?" in file_url else "?"
        request = urllib.request.Request(f"{file_url}{joiner}{urlencode({'token': self._token})}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:   # pluginfile.php: a missing file is a 404 with Moodle's error JSON
            body = exc.read()
            if not _is_error(body):
                raise MoodleError(f"Moodle file download: HTTP {exc.code} {exc.reason} from {self.url}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MoodleUnreachable(f"Moodle file download: cannot reach {self.url} ({reason}); check c.Moodle.url") from None
        if _is_error(body):
            self._decode(body, "file download")
        return body

    def upload_draft(self, files: list[tuple[str, bytes]], itemid: int = 0) -> int:
        """Upload `files` into one draft file area (webservice/upload.php); its item id."""
        boundary = secrets.token_hex(16)
        parts = [(f'name="{k}"', str(v).encode()) for k, v in
                 (("token", self._token), ("filearea", "draft"), ("itemid", itemid))]
        parts += [(f'name="file_{n}"; filename="{_quoted(name)}"', data) for n, (name, data) in enumerate(files)]
        body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; {head}\r\n\r\n".encode() + data + b"\r\n"
                        for head, data in parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(f"{self.url}/webservice/upload.php", data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        answer = self._decode(self._open(request, "file upload"), "file upload (webservice/upload.php)")
        answer = answer if isinstance(answer, list) else []
        # upload.php answers each file with its stored record, or with {filename, errortype, error}
        refused = [f for f in answer if isinstance(f, dict) and f.get("error")]
        if refused:
            raise FileRefused("; ".join(f"{f.get('filename')}: {' '.join(str(f['error']).split())} "
                                        f"({f.get('errortype', 'refused')})" for f in refused))
        stored = [f for f in answer if isinstance(f, dict) and "itemid" in f]
        if len(stored) != len(files):
            raise MoodleError("Moodle file upload (webservice/upload.php): no file record in the answer")
        return int(stored[0]["itemid"])
