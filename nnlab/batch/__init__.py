"""Grading many notebooks at once: the long-lived `Grader` (grader.py) that `nnlab grade` runs, the run's
record (run.py), its workers and cluster; nbgrader internals in nbgrader_adapter.py."""
