"""Typical wrong answers, per assignment: {solution cell grade_id: what the student wrote}.

Used by the demo's student who makes mistakes and by the end-to-end tests, which check that
each costs exactly the points of the questions it touches (EXPECTED_LOSS).
"""

MISTAKES: dict[str, dict[str, str]] = {}

# The test cells (grade_ids) each assignment's mistakes should cost, in full.
EXPECTED_LOSS: dict[str, list[str]] = {}
