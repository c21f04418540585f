"""The marking page in Chromium: a question marked across a class by keyboard only, its marks in the
gradebook and in the feedback; a rubric item's points changed and every total following; two
markers at once; a moderation sample, blind second marks and the agreement figures; pseudonyms
until names are revealed. Each test has a course and a server of its own (the tests can run on
any worker, in any order)."""
from __future__ import annotations

import json
import re
import shutil
import time

import pytest
from browser_helpers import idle, marking_page, marking_server
from marking_course import (
    ANSWERS,
    ASSIGNMENT,
    QUESTION,
    class_answers,
    make_course,
    store_course,
    students,
    write_answers,
)
from playwright.sync_api import expect

from nnlab.course import run_nbgrader
from nnlab.marking.questions import written_questions
from nnlab.marking.store import MarkingStore

CLASS = 20
# which rubric items each kind of answer of marking_course.ANSWERS earns (items 1-3 are the source
# notebook's rubric: the boundary is a line, XOR is not separable, the consequence for training)
ITEMS = {ANSWERS[0]: "1", ANSWERS[1]: "2", ANSWERS[2]: "3", ANSWERS[3]: ""}


def question(course):
    return next(q for q in written_questions(course / "source" / ASSIGNMENT, ASSIGNMENT) if q.grade_id == QUESTION)


def marks(course) -> dict[str, dict]:
    return MarkingStore(store_course(course), ASSIGNMENT).gradebook_marks(question(course))


def keys_for(text: str) -> list[str]:
    kind = next(k for k in ITEMS if text.startswith(k))
    return [*ITEMS[kind]] + (["0"] if not ITEMS[kind] else []) + ["Enter"]


def shown_text(page) -> str:
    return page.locator("#answer").inner_text()


def mark_class_by_keyboard(page, answers: dict[str, str]) -> list[str]:
    """Mark every answer with the keys its content calls for; the keys pressed."""
    by_text = {text: student for student, text in answers.items()}
    pressed = []
    for _ in answers:
        text = shown_text(page).strip()
        student = by_text[text]
        for key in keys_for(answers[student]):
            page.keyboard.press(key)
            pressed.append(key)
            idle(page)
    return pressed


def mark_by_store(course, answers: dict[str, str]) -> None:
    """The class marked as the keyboard test marks it, without a browser (for tests of what follows)."""
    store = MarkingStore(store_course(course), ASSIGNMENT)
    q = question(course)
    now = store.gradebook_marks(q)
    for student, text in answers.items():
        items = [f"i{key}" for key in ITEMS[next(k for k in ITEMS if text.startswith(k))]]
        store.mark(q, student, items, 0, "", "Marker A", {"version": 0, "gradebook": now[student]})


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One course and one server for the module's tests on this worker (a server takes 10-20 s to start)."""
    where = tmp_path_factory.mktemp("marking-page")
    course = make_course(tmp_path_factory.getbasetemp().parent, where / "course", class_answers(CLASS))
    with marking_server(course, where / "jupyter") as running:
        yield course, running


@pytest.fixture
def course(shared):
    """The course as the term left it: no mark, no rubric change, no sample, names hidden."""
    course, _ = shared
    store = MarkingStore(store_course(course), ASSIGNMENT)
    store.path.unlink(missing_ok=True)
    with store.course.gradebook() as gb:
        for student in store.students():
            gb.find_grade(QUESTION, ASSIGNMENT, ASSIGNMENT, student).manual_score = None
            gb.find_grade(QUESTION, ASSIGNMENT, ASSIGNMENT, student).needs_manual_grade = True
            gb.find_comment(QUESTION, ASSIGNMENT, ASSIGNMENT, student).manual_comment = None
        gb.db.commit()
    shutil.rmtree(course / "feedback", ignore_errors=True)
    write_answers(course, class_answers(CLASS))   # the injection test hands in other answers
    return course


@pytest.fixture
def server(shared, course):
    return shared[1]


def test_a_class_marked_by_keyboard_only_is_in_the_gradebook_and_the_feedback(browser, server, course):
    answers = class_answers(CLASS)
    with marking_page(browser, server) as page:
        expect(page.locator("#progress")).to_have_text(f"0 of {CLASS} marked")
        expect(page.locator("#rubric li")).to_have_count(3)
        began = time.monotonic()
        pressed = mark_class_by_keyboard(page, answers)
        seconds = time.monotonic() - began
        expect(page.locator("#progress")).to_have_text(f"{CLASS} of {CLASS} marked")
        print(f"\nmarked {CLASS} answers with {len(pressed)} keys ({' '.join(pressed[:8])} ...) in {seconds:.1f} s")
        assert len(pressed) == 2 * CLASS
    found = marks(course)
    for student, text in answers.items():
        earned = len(ITEMS[next(k for k in ITEMS if text.startswith(k))])
        assert found[student]["score"] == earned, (student, found[student])
    assert "decision boundary is a straight line" in found["s01"]["comment"]
    # the feedback nbgrader makes from the gradebook shows the mark and the rubric's comment
    began = time.monotonic()
    run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--student", "s01", "--force")
    print(f"feedback in {time.monotonic() - began:.1f} s")
    feedback = (course / "feedback" / "s01" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "decision boundary is a straight line" in feedback
    assert re.search(r"Score:\s*1(\.0)?\s*/\s*3", feedback) or "1.0 / 3.0" in feedback or "1 / 3" in feedback


def test_changing_a_rubric_items_points_rescores_every_answer_that_has_it(browser, server, course):
    answers = class_answers(CLASS)
    mark_by_store(course, answers)
    with marking_page(browser, server) as page:
        with_item_1 = [s for s, text in answers.items() if text.startswith(ANSWERS[0])]
        assert all(marks(course)[s]["score"] == 1 for s in with_item_1)
        item = page.locator("#rubric li").first
        item.locator("button.edit").click()
        page.locator("#rubric li .edit-points").fill("0.5")
        page.locator("#rubric li .edit-comment").fill("the boundary is a line (half-plane)")
        page.locator("#rubric li .edit-comment").press("Enter")
        expect(page.locator("#status")).to_have_text(f"Item changed: {len(with_item_1)} answers re-scored")
        found = marks(course)
        assert {found[s]["score"] for s in with_item_1} == {0.5}
        assert all(found[s]["comment"].startswith("the boundary is a line (half-plane) (+0.5)") for s in with_item_1)
        others = [s for s in answers if s not in with_item_1]
        assert {found[s]["score"] for s in others} == {0, 1}
        # the page shows the new total of an answer that has the item
        page.locator("#filter").select_option(value="item:i1")
        expect(page.locator("#script-list li")).to_have_count(len(with_item_1))
        page.locator("#script-list li").first.click()
        expect(page.locator("#score")).to_have_text("0.5")
        student = MarkingStore(store_course(course), ASSIGNMENT).student_of(
            int(page.locator("#script-label").inner_text().split()[-1]))
        # the comment bank grows as the marker writes: a new item (key i), applied to this answer at once
        page.locator("body").press("i")
        page.keyboard.type("Clear figure of the four corners")
        page.keyboard.press("Enter")
        idle(page)
        expect(page.locator("#rubric li")).to_have_count(4)
        expect(page.locator("#rubric li").last.locator("kbd")).to_have_text("4")
        expect(page.locator("#score")).to_have_text("1.5")
        # a free adjustment and a comment of the marker's own, by keyboard
        page.locator("body").press("a")
        page.keyboard.type("-0.25")
        page.keyboard.press("Enter")
        idle(page)
        page.locator("body").press("c")
        page.keyboard.type("See me about the proof.")
        page.keyboard.press("Enter")
        idle(page)
        expect(page.locator("#score")).to_have_text("1.25")
        found = marks(course)[student]
        assert found["score"] == 1.25
        assert found["comment"] == ("the boundary is a line (half-plane) (+0.5)\nClear figure of the four corners (+1)\n"
                                    "Adjustment (-0.25)\nSee me about the proof.")


def test_two_markers_at_once_never_overwrite_each_other_silently(browser, server, course):
    with marking_page(browser, server, marker="Marker A") as a, marking_page(browser, server, marker="Marker B") as b:
        expect(b.locator("#script-label")).to_have_text(a.locator("#script-label").inner_text())
        a.keyboard.press("1")
        idle(a)
        expect(a.locator("#score")).to_have_text("1")
        b.keyboard.press("2")   # B has not seen A's mark
        expect(b.locator("#conflict")).to_be_visible()
        expect(b.locator("#conflict-text")).to_contain_text("marked meanwhile by Marker A")
        expect(b.locator("#conflict-yours")).to_contain_text("items 2")
        label = a.locator("#script-label").inner_text()
        number = int(label.split()[-1])
        student = MarkingStore(store_course(course), ASSIGNMENT).student_of(number)
        assert marks(course)[student]["score"] == 1          # A's mark stands
        b.keyboard.press("o")                                  # B, told, replaces it on purpose
        expect(b.locator("#conflict")).to_be_hidden()
        expect(b.locator("#score")).to_have_text("1")
        idle(b)
        assert marks(course)[student]["comment"].startswith("a correct argument")
        # and A, who has not reloaded, is told in turn
        a.keyboard.press("3")
        expect(a.locator("#conflict-text")).to_contain_text("marked meanwhile by Marker B")
        assert marks(course)[student]["comment"].startswith("a correct argument")


def test_moderation_sample_blind_second_marks_and_agreement(browser, server, course):
    answers = class_answers(CLASS)
    mark_by_store(course, answers)
    with marking_page(browser, server) as page:
        page.fill("#sample-percent", "25")
        page.fill("#sample-minimum", "4")
        page.click("#draw-sample")
        expect(page.locator("#sample-info")).to_contain_text("Sample drawn by Marker A")
    store = MarkingStore(store_course(course), ASSIGNMENT)
    data = store.read()
    sample = MarkingStore.question_state(data, question(course))["second"]["sample"]
    assert len(sample) == 5
    first = marks(course)
    assert len({first[s]["score"] for s in sample}) >= 2          # spread over the marks given (0 and 1)
    with marking_page(browser, server, mode="second", marker="Marker B") as second:
        expect(second.locator("#progress")).to_have_text("0 of 5 marked")
        expect(second.locator("#script-list li")).to_have_count(5)
        blind = second.evaluate("url => fetch(url).then(r => r.json())", f"{server.url}/nnlab/marking/api/{ASSIGNMENT}/"
                                f"{ASSIGNMENT}/{QUESTION}?mode=second")
        assert len(blind["answers"]) == 5 and all(a["mark"] is None and "gradebook" not in a for a in blind["answers"])
        assert "sample" not in blind
        for _ in sample:
            expect(second.locator("#score")).to_have_text("-")      # blind: no first mark shown
            second.keyboard.press("1")
            second.keyboard.press("2")
            idle(second)
            second.keyboard.press("Enter")
        expect(second.locator("#progress")).to_have_text("5 of 5 marked")
    assert marks(course) == first                                     # the first marks stand
    seconds = MarkingStore.question_state(store.read(), question(course))["second"]["marks"]
    assert {s: (m["items"], m["score"], m["by"]) for s, m in seconds.items()} == {
        s: (["i1", "i2"], 2, "Marker B") for s in sample}
    report = store.agreement(question(course), 0.5)
    differences = [2 - first[s]["score"] for s in sample]
    assert report.compared == 5 and report.largest_difference == max(differences)
    assert report.mean_difference == round(sum(differences) / 5, 3)
    assert len(report.apart) == len([d for d in differences if d > 0.5])
    with marking_page(browser, server) as page:
        page.fill("#margin", "0.5")
        page.click("#show-agreement")
        expect(page.locator("[data-figure=compared]")).to_have_text("5 answers (0 not yet second-marked)")
        expect(page.locator("[data-figure=largest-difference]")).to_have_text(f"{report.largest_difference:g}")
        expect(page.locator("[data-figure=mean-absolute-difference]")).to_have_text(f"{report.mean_absolute_difference:g}")
        expect(page.locator("#apart li")).to_have_count(len(report.apart))
        expect(page.locator("#item-disagreements li")).to_have_count(len(report.items))
        # the instructor takes one second mark: it becomes the mark in the gradebook
        taken = report.apart[0]["script"]
        page.locator("#apart li", has_text=re.compile(rf"^{taken}:")).locator("button.take").click()
        expect(page.locator("#status")).to_have_text(f"Took the second mark of {taken}")
        student = store.student_of(int(taken.split()[-1]))
        assert first[student]["score"] != 2 and marks(course)[student]["score"] == 2


def test_pseudonyms_only_until_names_are_revealed(browser, server, course):
    names = [f"{first} {last}" for _, first, last in students(CLASS)]
    with marking_page(browser, server) as page:
        text = page.locator("body").inner_text()
        assert "Script " in text
        assert not any(name in text for name in names)
        assert not re.search(r"\bs\d\d\b", text)
        state = page.evaluate("url => fetch(url).then(r => r.text())", page.url.split("/nnlab/")[0] + "/nnlab/marking/api/"
                              f"{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}")
        assert not any(name in state for name in names) and '"name"' not in state
        page.check("#reveal")
        expect(page.locator("#student-name")).to_have_text(re.compile(r"^\w+ Student\d+ \(s\d\d\)$"))
        expect(page.locator("#script-list li").first).to_contain_text("Student")
    recorded = json.loads(MarkingStore(store_course(course), ASSIGNMENT).path.read_text())["reveal"]
    assert [(e["on"], e["by"]) for e in recorded] == [(True, "Marker A")]


ACTIVE_IN_ANSWER = """() => Array.from(document.querySelectorAll('#answer *')).flatMap(e => {
    const found = [];
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'BASE', 'FORM', 'STYLE'].includes(e.tagName.toUpperCase())) found.push(e.tagName);
    for (const a of e.attributes) {
        const active = a.name.toLowerCase().startsWith('on') || /^\\s*(javascript|data:text)/i.test(a.value);
        if (active) found.push(e.tagName + ' ' + a.name);
    }
    return found;
})"""


def test_hostile_answers_stay_inert(browser, server, course):
    """The browser injection corpus's markdown vectors (tests/browser/vectors.py), handed in as answers
    to the written question: each payload, if it ran, would write pwned-<vector>.txt through the
    contents API and set grades through the formgrader's API. Every answer is shown (and its planted
    links clicked); nothing runs, no grade changes, nothing leaves the machine. A payload run by the
    test itself in the same page (past the policy, as a script that got through would run) does write
    its file: the check can fail."""
    from vectors import corpus, payload_js, pwned_file

    vectors = [v for v in corpus() if v.where == "markdown cell"]
    assert {"md-script", "md-img-onerror", "md-javascript-link"} <= {v.name for v in vectors}
    hostile = {student: vectors[i].cells[0].source for i, (student, _, _) in enumerate(students(CLASS)) if i < len(vectors)}
    write_answers(course, hostile)
    before = marks(course)
    with marking_page(browser, server) as page:
        response = page.goto(page.url)
        policy = response.headers["content-security-policy"]
        script_src = next(d for d in policy.split("; ") if d.startswith("script-src")).split()[1:]
        assert script_src == [server.url + "/nnlab/marking/static/"], policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "default-src 'none'" in policy
        idle(page)
        state = page.evaluate("url => fetch(url).then(r => r.json())",
                              f"{server.url}/nnlab/marking/api/{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}")
        assert len(state["answers"]) == CLASS
        active = []
        for _ in range(len(state["answers"])):
            # what the answer became in the page: no element or attribute that can run script
            active += page.evaluate(ACTIVE_IN_ANSWER)
            for planted in page.locator("#answer a:not([href^='http']):not([href^='/']), #answer form button").all():
                planted.click(timeout=2000, no_wait_after=True)
            page.keyboard.press("n")
            idle(page)
        page.wait_for_timeout(1000)      # a payload's fetches, had one started
        assert active == []
        assert not any("NNLAB-PWNED" in line for line in page.console)
        ran = sorted(v.name for v in vectors if (course / pwned_file(v.name)).exists())
        assert ran == [], f"hostile answers ran on the marking page: {ran}"
        assert marks(course) == before
        # the control: the same payload, run in this page as a script that got through would run
        page.evaluate(payload_js("marking-control"))
        page.wait_for_function("() => true")
        for _ in range(50):
            if (course / pwned_file("marking-control")).exists():
                break
            page.wait_for_timeout(100)
        assert (course / pwned_file("marking-control")).exists()
    (course / pwned_file("marking-control")).unlink()


def test_the_page_and_its_api_need_the_instructors_session(server, course):
    """Without the server's token or cookie: no page, no answers, no marks; with the token but no XSRF
    cookie a browser would send, a cross-site form cannot post a mark either."""
    import urllib.error
    import urllib.request

    api = f"{server.url}/nnlab/marking/api/{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}"

    def status(url: str, data: bytes | None = None, headers: dict | None = None) -> int:
        request = urllib.request.Request(url, data=data, headers=headers or {})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    mark = json.dumps({"script": 1, "items": ["i1"], "base": {"version": 0}}).encode()
    assert status(api) == 403
    assert status(f"{server.url}/nnlab/marking/{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}") in (302, 403)
    assert status(api + "/mark", mark, {"Content-Type": "application/json"}) == 403
    assert status(api, headers={"Authorization": f"token {server.token}"}) == 200
    assert all(m["score"] is None for m in marks(course).values())
    # the instructor's list of written questions, with each one's progress
    request = urllib.request.Request(f"{server.url}/nnlab/marking", headers={"Authorization": f"token {server.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        listing = response.read().decode()
        assert "script-src" in response.headers["Content-Security-Policy"]
    assert f'href="/nnlab/marking/{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}"' in listing and f"0 of {CLASS} marked" in listing
