"""Fixtures of the LMS tests."""
from moodle_term import graded_moodle_term  # noqa: F401  (a fixture: the graded class, built once for the session)
