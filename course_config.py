"""nbgrader configuration of the course.

`nbgrader_config.py` loads this file, so plain `nbgrader ...` commands run from the
project root use it. Paths are relative to the project root unless absolute.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads the config)

# --- course and layout -------------------------------------------------------
# The assignments, in teaching order: the one list (`nnlab new-assignment` adds to it).
c.Course.assignments = ["perceptron", "activations", "hinge_loss", "backprop", "pytorch"]
c.CourseDirectory.course_id = "nnlab"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

# --- local exchange: one machine, many students -----------------------------
c.Exchange.root = os.environ.get("NNLAB_EXCHANGE", os.path.join(HERE, ".exchange"))
c.Exchange.path_includes_course = True
c.Exchange.assignment_dir = os.environ.get("NNLAB_STUDENT_DIR", ".")
# every student can write to the inbound folder: collect copies no link left there (nbgrader's follows them)
c.ExchangeFactory.collect = "nnlab.exchange.collect.LinkSafeCollect"

# --- execution and hidden graders -------------------------------------------
# No Jupyter kernel runs as the instructor: SandboxedExecute runs each notebook in a student
# process forked from a warm zygote inside bubblewrap (no network, no view of the project, the
# course, the course secret or the instructor's home; see README "What the sandbox protects"),
# keeps the cells' outputs as a kernel would, and scores every test cell with the hidden graders.
# Every grading setting (timeouts, resource limits, sandbox, where the hidden graders and the course
# secret are), with its default and help, is a `Grading` trait (nnlab/graders/settings.py); a course
# sets here only what it changes, e.g. `c.Grading.cell_timeout = 120.0`. The course secret keys each
# student's random test inputs: by default ~/.nnlab/nnlab-course-secret (or $NNLAB_SECRET), outside
# the repository and release/, made on first use.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# The autograde pipeline: nbgrader's own, with its Execute replaced by SandboxedExecute, and
# RepairCellMetadata right after DeduplicateIds (a tampered cell must not stop the whole class).
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from nnlab.autograde.repair_metadata import RepairCellMetadata  # noqa: E402
from nnlab.autograde.sandboxed_execute import SandboxedExecute  # noqa: E402
from nnlab.autograde.sanitize import SanitizeStudentContent  # noqa: E402
from nnlab.deadlines.steps import ApplyDeadlines, DeadlineFeedback, ReassessLatePenalty  # noqa: E402

c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    RepairCellMetadata,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]
# --- due dates, extensions, the late policy (nnlab/deadlines/; `nnlab due`, `nnlab extend`) -------------
# Due dates and extensions live in the gradebook. ApplyDeadlines (above, before nbgrader's late penalty)
# moves an extension given before the student handed in onto their submission, and keeps each hand-in's
# scores for the feedback_only policy. The late policy is nbgrader's late-submission plugin, so the
# formgrader and `nbgrader export` show its penalties: 'none', 'per_day' (c.LatePolicy.per_day of a
# notebook's points a day late, at most c.LatePolicy.cap) or 'feedback_only' (the grade stays with the
# last hand-in on time). Before a student's due date their feedback shows c.Deadlines.before_due:
# 'hints' (default), 'score' or 'none'; per assignment in c.Deadlines.before_due_of.
c.AssignLatePenalties.plugin_class = "nnlab.deadlines.policy.LatePolicy"
# c.LatePolicy.policy = "per_day"; c.LatePolicy.per_day = 0.1; c.LatePolicy.cap = 0.5
# c.Deadlines.timezone = "Europe/Berlin"   # dates typed without a zone are read in it, and shown in it
# c.Deadlines.before_due_of = {"pytorch": "none"}

# A grade cell the student deleted comes back from source/ (with a note), so it is graded as
# every other student's is, instead of silently scoring 0.
c.OverwriteCells.add_missing_cells = True
# Links in a submission are never followed into autograded/ and feedback/.
c.Autograde.post_convert_hook = "nnlab.autograde.hooks.drop_linked_files"

# Everything the student wrote (markdown, outputs of any type, attachments, metadata) is made
# inert right after it ran: the formgrader and the feedback render this notebook in the
# instructor's browser (nnlab/autograde/sanitize.py).
c.Autograde.autograde_preprocessors = [
    SandboxedExecute,
    SanitizeStudentContent,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    ApplyDeadlines,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback: the in-notebook hidden tests hold expected values, so they are cleared from the
# feedback a student reads; the hidden graders' report in each test cell's output stays.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from nnlab.feedback_state import RecordFeedbackGrades  # noqa: E402

# SanitizeStudentContent again: a notebook autograded before it was in the pipeline is cleaned too.
# RecordFeedbackGrades first (before GetGrades reads the gradebook): beside each page it records the
# grades the page shows, so that a mark changed later in the formgrader is seen (nnlab/feedback_state.py).
# ReassessLatePenalty before that: the late penalty as the policy gives it now (a mark given by hand since).
# DeadlineFeedback after GetGrades: the page says when the hand-in arrived, the due date with the student's
# extension and any deduction, and before the due date shows only what c.Deadlines.before_due allows; its
# template (nnlab/html_templates/nnlab_feedback, nbgrader's feedback page extended) is for feedback only.
c.GenerateFeedback.preprocessors = [ReassessLatePenalty, RecordFeedbackGrades, SanitizeStudentContent, ClearHiddenTests,
                                    GetGrades, DeadlineFeedback, CSSHTMLHeaderPreprocessor]
c.GenerateFeedback.HTMLExporter.template_name = "nnlab_feedback"
c.GenerateFeedback.HTMLExporter.template_file = "page.html.j2"
# nbconvert's HTMLExporter, without parsing each finished page again (nnlab/feedback_page.py): a page costs
# a third of what it did, for every hand-in `nnlab serve` grades
c.GenerateFeedback.exporter_class = "nnlab.feedback_page.FeedbackExporter"

# --- formulas without the internet --------------------------------------------
# nbgrader's formgrader pages and the feedback (its formgrade and feedback templates) load MathJax from a
# CDN whatever c.HTMLExporter.mathjax_url says. nnlab's templates load none: formulas stay as the
# notebook's TeX (nnlab/html_templates/base/mathjax.html.j2). nbgrader's own template folder stays first.
import nbgrader.server_extensions.formgrader as _formgrader  # noqa: E402

import nnlab as _nnlab  # noqa: E402

c.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(_formgrader.__file__), "templates"),
    os.path.join(os.path.dirname(_nnlab.__file__), "html_templates"),
]

# --- the course's Moodle site (nnlab import-lms / export-lms; nnlab/lms/settings.py) --------------
# Its time zone: Moodle's submissions zips carry the server's wall-clock dates without a zone. Set it
# (Site administration > General > Location > Default timezone) and every import reads them in it,
# checked against a worksheet's dates when one is given; --zip-timezone overrides it for one import.
# c.Moodle.timezone = "Europe/Berlin"
