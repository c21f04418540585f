"""nbgrader configuration of the course.

`nbgrader_config.py` loads this file, so plain `nbgrader ...` commands run from the
project root use it. Paths are relative to the project root unless absolute.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads the config)

ASSIGNMENTS = ["perceptron", "activations", "hinge_loss", "backprop", "pytorch"]

# --- course and layout -------------------------------------------------------
c.CourseDirectory.course_id = "nnlab"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

# --- local exchange: one machine, many students -----------------------------
c.Exchange.root = os.environ.get("NNLAB_EXCHANGE", os.path.join(HERE, ".exchange"))
c.Exchange.path_includes_course = True
c.Exchange.assignment_dir = os.environ.get("NNLAB_STUDENT_DIR", ".")

# --- execution ---------------------------------------------------------------
c.ResilientExecute.timeout = 60               # seconds per cell in the nbgrader kernel
c.ResilientExecute.interrupt_on_timeout = True
c.ResilientExecute.kernel_name = "python3"
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# --- hidden graders (nnlab.graders) ------------------------------------------
# The course secret keys the per-student random test inputs. It lives outside the
# repository and outside release/; it is generated on first use.
c.HiddenGraders.secret_path = os.environ.get(
    "NNLAB_SECRET", os.path.join(os.path.expanduser("~"), ".nnlab", "nnlab-course-secret")
)
c.HiddenGraders.call_timeout = 30.0        # seconds for one call into the student's code
c.HiddenGraders.cell_timeout = 30.0        # seconds for one notebook cell in the grader's child
c.HiddenGraders.notebook_timeout = 180.0   # seconds to run the student's notebook in the grader's child
# The student's process: no network, no view of the project, the course, the secret or the
# instructor's home (bubblewrap), at most 3 GiB of address space and 64 processes.
c.HiddenGraders.sandbox = True
c.HiddenGraders.memory_mb = 3072

# The autograde pipeline: nbgrader's own, with two changes: a kernel that dies costs one
# cell (ResilientExecute), and the hidden graders score every test cell after the kernel
# has run (their report replaces the cell's output).
from nbgrader.preprocessors import (  # noqa: E402
    IgnorePattern, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nnlab.autograde.execute import ResilientExecute  # noqa: E402
from nnlab.autograde.hidden_graders import HiddenGraders  # noqa: E402

c.Autograde.autograde_preprocessors = [
    ResilientExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    HiddenGraders,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback: the in-notebook hidden tests hold expected values, so they are cleared from the
# feedback a student reads; the hidden graders' report in each test cell's output stays.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [ClearHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
