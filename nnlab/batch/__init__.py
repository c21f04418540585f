"""Grading a whole class at once: `nnlab grade` (see grade_class.py; nbgrader internals in nbgrader_adapter.py)."""
