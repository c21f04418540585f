"""Grading a whole class at once: `nnlab grade` (see run.py)."""
