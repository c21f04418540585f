"""The marking page as a Jupyter server extension, beside nbgrader's formgrader: it serves the same
course (the formgrader's course directory, else the server's root folder) wherever the formgrader is
served, JupyterHub included.

- `/nnlab/marking`: the assignments and their written questions, with the progress of each;
- `/nnlab/marking/<assignment>/<notebook>/<grade_id>`: one question across the class, answer by answer
  (`?mode=second`: the moderation sample, blind to the first marks);
- `/nnlab/marking/api/...`: JSON for the page's script (`static/marking.js`), the only script that runs.

Every answer is shown as the course's sanitizer renders it (nnlab/autograde/sanitize.py: markdown
rendered as nbconvert does, then cleaned by nh3), and every page carries a Content-Security-Policy
with no inline script at all: scripts load from this extension's static folder only.
"""
from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from nnlab.autograde.sanitize import clean_html, render_markdown
from nnlab.formgrader_csp import frame_ancestors
from nnlab.marking import pseudonyms
from nnlab.marking.questions import Question, answer_of, written_questions
from nnlab.marking.store import Conflict, Course, MarkingError, MarkingStore

HERE = Path(__file__).parent
# an assignment, notebook, question or item name in a URL: never "." or "..", which would name a folder above
NAME = r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]*"
TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                        trim_blocks=True, lstrip_blocks=True)


def shown_markdown(source: str, attachments: dict | None = None) -> str:
    """HTML of markdown someone wrote, as the course's sanitizer renders and cleans it."""
    return clean_html(render_markdown(source, attachments or {}))


class MarkingMixin:
    """What the marking handlers share: the course, the policy, the marker's name."""

    @property
    def content_security_policy(self) -> str:
        static = url_path_join(self.base_url, "nnlab/marking/static/")
        origin = f"{self.request.protocol}://{self.request.host}"
        ancestors = frame_ancestors(self.settings.get("headers", {}).get("Content-Security-Policy"))
        return "; ".join([
            "default-src 'none'",
            f"script-src {origin}{static}",
            f"style-src {origin}{static}",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-src 'none'", "object-src 'none'", "worker-src 'none'",
            "base-uri 'none'", "form-action 'none'",
            ancestors,
            "report-uri " + url_path_join(self.base_url, "api/security/csp-report"),
        ])

    def course(self) -> Course:
        formgrader = self.settings.get("nbgrader_formgrader")
        if formgrader is not None:
            coursedir = formgrader.coursedir
            return Course(Path(coursedir.root), coursedir.db_url, coursedir.course_id)
        from nnlab.course import Course as CourseFolder

        folder = CourseFolder.open(Path(self.settings.get("server_root_dir", ".")))
        return Course(folder.folder, folder.db_url, folder.course_id)

    def coursedir(self):
        formgrader = self.settings.get("nbgrader_formgrader")
        if formgrader is not None:
            return formgrader.coursedir
        from nnlab.course import Course as CourseFolder

        return CourseFolder.open(Path(self.settings.get("server_root_dir", ".")))

    def questions(self, assignment: str) -> list[Question]:
        coursedir = self.coursedir()
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        return written_questions(source, assignment)

    def question(self, assignment: str, notebook: str, grade_id: str) -> Question:
        for question in self.questions(assignment):
            if question.notebook == notebook and question.grade_id == grade_id:
                return question
        raise web.HTTPError(404, "no such written question")

    def marker(self) -> str:
        user = self.current_user
        name = getattr(user, "name", None) or getattr(user, "username", None) or "instructor"
        asked = self.request.headers.get("X-Nnlab-Marker", "").strip()[:40]
        return asked if asked and all(c.isalnum() or c in " -_.'" for c in asked) else str(name)


class IndexHandler(MarkingMixin, JupyterHandler):
    @web.authenticated
    def get(self) -> None:
        course = self.course()
        rows = []
        with course.gradebook() as gb:
            assignments = [a.name for a in gb.assignments]
        for assignment in assignments:
            store = MarkingStore(course, assignment)
            for question in self.questions(assignment):
                try:
                    marks = store.gradebook_marks(question)
                except Exception:  # a question the gradebook does not know (source changed since release)
                    continue
                rows.append({"question": question, "marked": sum(m["score"] is not None for m in marks.values()),
                             "total": len(marks),
                             "url": url_path_join(self.base_url, "nnlab/marking", assignment, question.notebook,
                                                  question.grade_id)})
        self.finish(TEMPLATES.get_template("index.html.j2").render(
            rows=rows, static=url_path_join(self.base_url, "nnlab/marking/static/")))


class QuestionPageHandler(MarkingMixin, JupyterHandler):
    @web.authenticated
    def get(self, assignment: str, notebook: str, grade_id: str) -> None:
        question = self.question(assignment, notebook, grade_id)
        mode = "second" if self.get_argument("mode", "first") == "second" else "first"
        self.finish(TEMPLATES.get_template("question.html.j2").render(
            question=question, mode=mode, xsrf=self.xsrf_token.decode(),
            api=url_path_join(self.base_url, "nnlab/marking/api", assignment, notebook, grade_id),
            reveal_api=url_path_join(self.base_url, "nnlab/marking/api", assignment, "reveal"),
            page=url_path_join(self.base_url, "nnlab/marking", assignment, notebook, grade_id),
            home=url_path_join(self.base_url, "nnlab/marking"),
            static=url_path_join(self.base_url, "nnlab/marking/static/")))


class QuestionApiBase(MarkingMixin, APIHandler):
    def prepare(self):
        result = super().prepare()
        self.set_header("Cache-Control", "no-store")
        return result

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "not JSON") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, "not a JSON object")
        return data

    def store_for(self, assignment: str) -> MarkingStore:
        return MarkingStore(self.course(), assignment)

    def student(self, store: MarkingStore, data: dict) -> str:
        try:
            return store.student_of(int(data.get("script")))
        except (TypeError, ValueError):
            raise web.HTTPError(400, "no script number") from None

    def reply(self, action) -> None:
        try:
            result = action()
        except Conflict as conflict:
            self.set_status(409)
            self.finish(json.dumps({"conflict": str(conflict), "current": conflict.current}))
            return
        except MarkingError as error:
            self.set_status(400)
            self.finish(json.dumps({"message": str(error)}))
            return
        self.finish(json.dumps(result))


class StateHandler(QuestionApiBase):
    @web.authenticated
    def get(self, assignment: str, notebook: str, grade_id: str) -> None:
        question = self.question(assignment, notebook, grade_id)
        second = self.get_argument("mode", "first") == "second"
        self.reply(lambda: state(self, question, second))


def state(handler: QuestionApiBase, question: Question, second: bool) -> dict:
    """The question, its rubric and every answer, as the page shows them (names only when revealed;
    in second marking, neither the first marks nor the gradebook's)."""
    store = handler.store_for(question.assignment)
    numbers = store.pseudonyms()
    revealed = store.revealed()
    names = store.names() if revealed else {}
    data = store.read()
    qstate = MarkingStore.question_state(data, question)
    gradebook = {} if second else store.gradebook_marks(question)
    coursedir = handler.coursedir()
    students = sorted(numbers, key=numbers.get)
    if second:
        students = [s for s in students if s in qstate["second"]["sample"]]
    answers = []
    for student in students:
        notebook = Path(coursedir.format_path(coursedir.autograded_directory, student, question.assignment)) / (
            question.notebook + ".ipynb")
        found = answer_of(notebook, question.grade_id)
        answer = {"script": numbers[student], "label": pseudonyms.label(numbers[student]),
                  "html": shown_markdown(*found) if found else "",
                  "missing": found is None, "flagged": student in qstate["flags"]}
        if revealed:
            answer["name"] = f"{names.get(student, student)} ({student})"
        if second:
            mark = qstate["second"]["marks"].get(student)
            answer.update(mark=mark, version=mark["version"] if mark else 0)
        else:
            mark = qstate["marks"].get(student)
            answer.update(mark=mark, version=mark["version"] if mark else 0, gradebook=gradebook.get(student),
                          second_taken=student in qstate["second"]["taken"])
        answers.append(answer)
    rubric = [{"id": i, **{k: qstate["items"][i][k] for k in ("key", "points", "comment")}} for i in qstate["order"]]
    marked = sum(1 for a in answers if a["mark"] or (not second and (a.get("gradebook") or {}).get("score") is not None))
    result = {"question": {"assignment": question.assignment, "notebook": question.notebook, "grade_id": question.grade_id,
                           "points": question.points, "prompt_html": shown_markdown(question.prompt),
                           "model_html": shown_markdown(question.model_answer)},
              "mode": "second" if second else "first", "revealed": revealed, "rubric": rubric, "answers": answers,
              "progress": {"marked": marked, "total": len(answers)}, "marker": handler.marker()}
    if not second:
        drawn = qstate["second"]["drawn"]
        result["sample"] = {"drawn": drawn, "scripts": sorted(numbers[s] for s in qstate["second"]["sample"]),
                            "second_marked": len(qstate["second"]["marks"])}
    return result


class MarkHandler(QuestionApiBase):
    @web.authenticated
    def post(self, assignment: str, notebook: str, grade_id: str, which: str) -> None:
        question = self.question(assignment, notebook, grade_id)
        data = self.body()
        store = self.store_for(assignment)

        def act():
            student = self.student(store, data)
            items = data.get("items") or []
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise MarkingError("items: a list of item ids")
            base = data.get("base") if isinstance(data.get("base"), dict) else {}
            mark = store.second_mark if which == "second" else store.mark
            return mark(question, student, items, data.get("adjustment", 0) or 0, data.get("comment", ""),
                        self.marker(), base)
        self.reply(act)


class FlagHandler(QuestionApiBase):
    @web.authenticated
    def post(self, assignment: str, notebook: str, grade_id: str) -> None:
        question = self.question(assignment, notebook, grade_id)
        data, store = self.body(), self.store_for(assignment)
        self.reply(lambda: store.flag(question, self.student(store, data), bool(data.get("on")), self.marker()) or {})


class ItemHandler(QuestionApiBase):
    @web.authenticated
    def post(self, assignment: str, notebook: str, grade_id: str, item_id: str | None = None) -> None:
        question = self.question(assignment, notebook, grade_id)
        data, store = self.body(), self.store_for(assignment)
        if item_id:
            self.reply(lambda: store.change_item(question, item_id, data.get("points"), data.get("comment"), self.marker()))
        else:
            self.reply(lambda: {"id": store.add_item(question, data.get("points"), data.get("comment"), self.marker())})


class SampleHandler(QuestionApiBase):
    @web.authenticated
    def post(self, assignment: str, notebook: str, grade_id: str) -> None:
        question = self.question(assignment, notebook, grade_id)
        data, store = self.body(), self.store_for(assignment)

        def act():
            try:
                percent, minimum = float(data.get("percent", 10)), int(data.get("minimum", 5))
                chosen = store.draw_sample(question, percent, minimum, self.marker())
            except (TypeError, ValueError) as error:
                raise MarkingError(f"sample: {error}") from None
            numbers = store.pseudonyms()
            return {"scripts": sorted(numbers[s] for s in chosen)}
        self.reply(act)


class AgreementHandler(QuestionApiBase):
    @web.authenticated
    def get(self, assignment: str, notebook: str, grade_id: str) -> None:
        question = self.question(assignment, notebook, grade_id)
        store = self.store_for(assignment)
        try:
            margin = float(self.get_argument("margin", "0.5"))
        except ValueError:
            raise web.HTTPError(400, "margin: a number") from None
        self.reply(lambda: store.agreement(question, margin).as_dict())


class TakeSecondHandler(QuestionApiBase):
    @web.authenticated
    def post(self, assignment: str, notebook: str, grade_id: str) -> None:
        question = self.question(assignment, notebook, grade_id)
        data, store = self.body(), self.store_for(assignment)
        self.reply(lambda: store.take_second(question, self.student(store, data), self.marker()))


class RevealHandler(QuestionApiBase):
    @web.authenticated
    def post(self, assignment: str) -> None:
        data, store = self.body(), self.store_for(assignment)
        self.reply(lambda: store.reveal(bool(data.get("on")), self.marker()) or {"revealed": store.revealed()})


class StaticHandler(web.StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", "default-src 'none'")


def handlers(base_url: str) -> list[tuple]:
    def at(*parts: str) -> str:
        return url_path_join(base_url, "nnlab/marking", *parts)

    question = f"({NAME})/({NAME})/({NAME})"
    return [
        (at() + "/?", IndexHandler),
        (at("static", "(.*)"), StaticHandler, {"path": str(HERE / "static")}),
        (at("api", f"({NAME})", "reveal"), RevealHandler),
        (at("api", question, "(mark|second)"), MarkHandler),
        (at("api", question, "flag"), FlagHandler),
        (at("api", question, "items"), ItemHandler),
        (at("api", question, "items", f"({NAME})"), ItemHandler),
        (at("api", question, "sample"), SampleHandler),
        (at("api", question, "agreement"), AgreementHandler),
        (at("api", question, "take"), TakeSecondHandler),
        (at("api", question), StateHandler),
        (at(question), QuestionPageHandler),
    ]


FORMGRADER = "nbgrader.server_extensions.formgrader"


def serves_marking(extensions: dict) -> bool:
    """The marking page goes only where nbgrader's formgrader is enabled: never on a student's server
    (the course's student configuration switches the formgrader off, and so this page)."""
    return bool(extensions.get(FORMGRADER))


def load(serverapp) -> None:
    if not serves_marking(serverapp.jpserver_extensions):
        serverapp.log.info("nnlab.marking: not served: nbgrader's formgrader is not enabled on this server")
        return
    serverapp.web_app.add_handlers(".*$", handlers(serverapp.base_url))
    serverapp.log.info("nnlab.marking: written answers marked at %snnlab/marking", serverapp.base_url)
