"""Reference solutions, one module per assignment (instructor-only)."""
