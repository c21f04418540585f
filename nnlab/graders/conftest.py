# The grading plugin: options (--submission, --student, ...), fixtures and the score report.
from nnlab.graders.plugin import *  # noqa: F401,F403
