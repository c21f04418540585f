"""A Moodle web-service stand-in the sync tests start on a local port.

It follows Moodle's published definitions, not a guess: the REST entry point
`webservice/rest/server.php` (wstoken, wsfunction, moodlewsrestformat=json, form-encoded parameters in
PHP's array notation), the error answer of `webservice/lib.php` / `lib/externallib.php` (HTTP 200 with
{"exception", "errorcode", "message"}: `invalidtoken` for an unknown token, `nopermissions` from a
`required_capability_exception` naming the capability), the functions of `mod/assign/db/services.php`
with the parameters and answers of `mod/assign/externallib.php` (`mod_assign_get_assignments`,
`mod_assign_get_submissions`, `mod_assign_get_user_flags`, `mod_assign_get_user_mappings` (the
participant numbers), `mod_assign_list_participants`,
`mod_assign_save_grades` with `plugindata` for `assignfeedbackcomments_editor` and
`files_filemanager`), `gradereport_user_get_grade_items` (`grade/report/user/classes/external/user.php`)
for the gradebook's locks, the draft-file upload of `webservice/upload.php`, and the files behind
`webservice/pluginfile.php?token=`. A grade that is locked or overridden in Moodle's gradebook is not
changed by `mod_assign_save_grades`, which still answers null (assign::grading_disabled in
`mod/assign/locallib.php`): the stand-in does the same, so only a client that checks first notices.
The functions that read several assignments (get_submissions, get_user_flags, get_user_mappings) answer
a missing capability with a warning (warningcode 1) and no entry for the assignment, as Moodle's do.
"""
from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

GRADE = "mod/assign:grade"
VIEW = "mod/assign:view"
VIEW_GRADES = "moodle/grade:viewall"
CAPABILITY_NAMES = {GRADE: "Grade assignment", VIEW: "View assignment", VIEW_GRADES: "View grades of other users"}
ALL = {GRADE, VIEW, VIEW_GRADES, "mod/assign:revealidentities"}
# the capabilities each function checks (db/services.php 'capabilities', the function's require_capability)
REVEAL = "mod/assign:revealidentities"
NEEDS = {"mod_assign_get_assignments": [VIEW], "mod_assign_list_participants": [VIEW, GRADE],
         "mod_assign_save_grades": [GRADE], "gradereport_user_get_grade_items": [VIEW_GRADES]}
# checked per assignment: a warning instead of an exception
PER_ASSIGNMENT = {"mod_assign_get_submissions": GRADE, "mod_assign_get_user_flags": GRADE,
                  "mod_assign_get_user_mappings": REVEAL}


@dataclass
class Submission:
    files: dict[str, bytes]           # file name -> bytes
    timemodified: int
    status: str = "submitted"
    gone: bool = False                # listed, but its files are no longer there when fetched


@dataclass
class Site:
    """What the stand-in's Moodle holds; tests change it between syncs."""
    token: str
    course_id: int
    assignment: dict                                          # the mod_assign_get_assignments record
    users: dict[int, dict]                                    # userid -> {"fullname", "email", "participant"}
    submissions: dict[int, Submission] = field(default_factory=dict)
    extensions: dict[int, int] = field(default_factory=dict)  # userid -> extensionduedate
    locked: set[int] = field(default_factory=set)             # grades locked in Moodle's gradebook
    capabilities: set[str] = field(default_factory=lambda: set(ALL))
    grades: dict[int, dict] = field(default_factory=dict)     # userid -> what save_grades stored
    drafts: dict[int, dict[str, bytes]] = field(default_factory=dict)
    max_bytes: int = 0                                        # the site's upload limit (0: none)
    calls: list[tuple[str, dict]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))


def unflatten(pairs: list[tuple[str, str]]) -> dict:
    """PHP's reading of `grades[0][plugindata][x]=v`: nested dicts, numbered keys made lists."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"^[^\[]+|\[([^\]]*)\]", key)
        head = key.split("[", 1)[0]
        path = [head, *parts[1:]] if parts else [key]
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    def lists(node):
        if isinstance(node, dict):
            node = {k: lists(v) for k, v in node.items()}
            if node and all(k.isdigit() for k in node):
                return [node[k] for k in sorted(node, key=int)]
        return node
    return lists(root)


class MoodleError(Exception):
    def __init__(self, exception: str, errorcode: str, message: str):
        super().__init__(message)
        self.answer = {"exception": exception, "errorcode": errorcode, "message": message}


def _require(site: Site, function: str) -> None:
    for capability in NEEDS.get(function, []):
        if capability not in site.capabilities:
            raise MoodleError("required_capability_exception", "nopermissions",
                              f"Sorry, but you do not currently have permissions to do that "
                              f"({CAPABILITY_NAMES[capability]}).")


def _file_url(site: Site, base: str, userid: int, name: str) -> str:
    return f"{base}/webservice/pluginfile.php/77/assignsubmission_file/submission_files/{userid}/{quote(name)}"


def answer(site: Site, base: str, function: str, params: dict):
    """What Moodle answers `function` with `params` (or raises MoodleError)."""
    _require(site, function)
    assignment_id = site.assignment["id"]
    if function == "mod_assign_get_assignments":
        courses = [int(c) for c in params.get("courseids", [])]
        chosen = [site.assignment] if not courses or site.course_id in courses else []
        return {"courses": [{"id": site.course_id, "fullname": "Neural networks", "assignments": chosen}],
                "warnings": []}
    if function in ("mod_assign_list_participants", "mod_assign_save_grades"):
        if int(params.get("assignid", params.get("assignmentid", 0))) != assignment_id:
            raise MoodleError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table assign.")
    if function in PER_ASSIGNMENT and PER_ASSIGNMENT[function] not in site.capabilities:
        return {"assignments": [], "warnings": [{"item": "module", "itemid": site.assignment["cmid"], "warningcode": "1",
                                                 "message": "No access rights in module context"}]}
    if function == "mod_assign_get_user_mappings":
        ids = [int(a) for a in params.get("assignmentids", [])]
        mappings = [{"id": u["participant"], "userid": uid} for uid, u in site.users.items()]
        return {"assignments": [{"assignmentid": assignment_id, "mappings": mappings}] if assignment_id in ids else [],
                "warnings": []}
    if function == "mod_assign_list_participants":
        blind = site.assignment["blindmarking"] and not site.assignment["revealidentities"]
        return [{"id": uid,
                 "fullname": f"Participant {u['participant']}" if blind else u["fullname"],
                 **({} if blind else {"email": u["email"]}),
                 "submitted": uid in site.submissions, "requiregrading": uid in site.submissions,
                 "blindmarking": bool(blind)} for uid, u in site.users.items()]
    if function == "mod_assign_get_submissions":
        ids = [int(a) for a in params.get("assignmentids", [])]
        subs = [{"id": uid + 500, "userid": uid, "attemptnumber": 0, "status": s.status,
                 "timemodified": s.timemodified, "timecreated": s.timemodified, "groupid": 0,
                 "plugins": [{"type": "file", "name": "File submissions", "fileareas": [
                     {"area": "submission_files", "files": [
                         {"filename": name, "filepath": "/", "filesize": len(data), "mimetype": "application/x-ipynb+json",
                          "timemodified": s.timemodified, "fileurl": _file_url(site, base, uid, name)}
                         for name, data in s.files.items()]}]}]}
                for uid, s in site.submissions.items()]
        return {"assignments": [{"assignmentid": assignment_id, "submissions": subs}] if assignment_id in ids else [],
                "warnings": []}
    if function == "mod_assign_get_user_flags":
        ids = [int(a) for a in params.get("assignmentids", [])]
        flags = [{"id": uid, "userid": uid, "locked": 0, "mailed": 0, "extensionduedate": due,
                  "workflowstate": "", "allocatedmarker": 0} for uid, due in site.extensions.items()]
        return {"assignments": [{"assignmentid": assignment_id, "userflags": flags}] if assignment_id in ids else [],
                "warnings": []}
    if function == "gradereport_user_get_grade_items":
        return {"usergrades": [{"courseid": site.course_id, "userid": uid, "userfullname": u["fullname"], "gradeitems": [
            {"id": 9, "itemname": site.assignment["name"], "itemtype": "mod", "itemmodule": "assign",
             "iteminstance": assignment_id, "gradeislocked": uid in site.locked, "gradeisoverridden": False}]}
            for uid, u in site.users.items()], "warnings": []}
    if function == "mod_assign_save_grades":
        for given in params.get("grades", []):
            uid = int(given["userid"])
            if uid not in site.users:
                raise MoodleError("dml_missing_record_exception", "invaliduser", "Invalid user")
            if uid in site.locked:
                continue   # assign::grading_disabled: the gradebook keeps its grade, no error
            plugin = given.get("plugindata", {})
            draft = int(plugin.get("files_filemanager", 0) or 0)
            site.grades[uid] = {"grade": float(given["grade"]),
                                "comment": plugin.get("assignfeedbackcomments_editor", {}).get("text", ""),
                                "files": dict(site.drafts.pop(draft, {}))}
        return None
    raise MoodleError("webservice_access_exception", "accessexception", "Access control exception")


def serve(site: Site) -> tuple[ThreadingHTTPServer, str]:
    """Start the stand-in on a free local port; (server, its base URL). Stop it with shutdown()."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, body: bytes, kind: str = "application/json", status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, value) -> None:
            self._send(json.dumps(value).encode())

        def do_GET(self):
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query))
            found = re.fullmatch(r"/webservice/pluginfile\.php/77/assignsubmission_file/submission_files/(\d+)/(.+)",
                                 url.path)
            if query.get("token") != site.token:
                return self._json({"error": "Invalid token - token not found", "errorcode": "invalidtoken"})
            from urllib.parse import unquote

            submission = site.submissions.get(int(found[1])) if found else None
            data = submission.files.get(unquote(found[2])) if submission and not submission.gone else None
            if data is None:   # send_file_not_found(): a 404, then print_error's exception as AJAX JSON
                return self._send(json.dumps({"error": "Sorry, the requested file could not be found",
                                              "errorcode": "filenotfound", "stacktrace": None, "debuginfo": None,
                                              "reproductionlink": None}).encode(), "application/json", 404)
            self._send(data, "application/octet-stream")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            path = urlsplit(self.path).path
            if path == "/webservice/upload.php":
                return self._upload(body)
            if path != "/webservice/rest/server.php":
                return self._send(b"not found", "text/plain", 404)
            query = parse_qsl(urlsplit(self.path).query) + parse_qsl(body.decode(), keep_blank_values=True)
            params = unflatten(query)
            function = params.pop("wsfunction", "")
            token = params.pop("wstoken", "")
            params.pop("moodlewsrestformat", None)
            site.calls.append((function, params))
            try:
                if token != site.token:
                    raise MoodleError("moodle_exception", "invalidtoken", "Invalid token - token not found")
                self._json(answer(site, f"http://{self.headers['Host']}", function, params))
            except MoodleError as error:
                self._json(error.answer)

        def _upload(self, body: bytes) -> None:
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
            fields, files = {}, []
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if part.get_filename():
                    files.append((part.get_filename(), part.get_payload(decode=True)))
                else:
                    fields[name] = part.get_payload(decode=True).decode()
            if fields.get("token") != site.token:
                return self._json({"error": "Invalid token - token not found", "errorcode": "invalidtoken"})
            itemid = int(fields.get("itemid", 0) or 0) or next(site._ids)
            area = site.drafts.setdefault(itemid, {})
            answers = []
            for name, data in files:   # upload.php: a file over the limit or already there is answered, not stored
                if site.max_bytes and len(data) > site.max_bytes:
                    answers.append({"filename": name, "errortype": "fileoversized",
                                    "error": "This file is bigger than the maximum size"})
                elif name in area:
                    answers.append({"filename": name, "errortype": "filenameexist",
                                    "error": f"File name already exists: {name}"})
                else:
                    area[name] = data
                    answers.append({"component": "user", "contextid": 5, "userid": "2", "filearea": "draft",
                                    "filename": name, "filepath": "/", "itemid": itemid, "license": "unknown",
                                    "author": "Instructor", "source": ""})
            self._json(answers)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
