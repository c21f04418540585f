"""Marking written answers: one question across the class at a time, under pseudonyms, with a
rubric whose items re-score every answer that has them, and a moderated second marking.

- `questions`: the written questions of an assignment, their prompt, model answer and seed rubric
  (the source notebook's "1 point: ..." lines);
- `pseudonyms`: "Script 17", stable per assignment, and the recorded switch that reveals names;
- `store`: the one writer of marks: nbgrader's gradebook (manual score and comment of the cell),
  with the rubric items, flags and second marks beside it (`.nnlab/marking/<assignment>.json`),
  under a lock, and never over a mark someone else saved meanwhile;
- `sample`: the moderation sample and the agreement report;
- `extension`: the Jupyter server extension serving the marking page beside the formgrader
  (`/nnlab/marking`), with a Content-Security-Policy under which only its own script file runs.

Enable with `jupyter server extension enable nnlab.marking` (`make` does it in `.venv`).
"""
from __future__ import annotations


def _jupyter_server_extension_points():
    return [{"module": "nnlab.marking"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from nnlab.marking.extension import load

    load(serverapp)


load_jupyter_server_extension = _load_jupyter_server_extension  # the older name jupyter_server still calls
