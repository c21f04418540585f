"""`nnlab similarity A`: which students' own code in an assignment is alike, as leads for a person to
judge. The code cells of each submission (the released template's code taken out) are compared with
copydetect (winnowing over tokens, as MOSS does, offline and with a stable hash); the page and the CSV
go to reports/A/. This package asks nnlab.course for paths and nothing else of nnlab.

Its names are imported on first use (PEP 562), so importing the package (the command line does,
for the defaults) does not import copydetect."""
from __future__ import annotations

import importlib

_HOMES = {
    "Submission": "code", "read_submission": "code", "reference_submissions": "code", "template_code": "code",
    "Pair": "compare", "similar_pairs": "compare", "stable_kgram_hashes": "compare",
    "write_csv": "page", "write_page": "page",
    "Result": "report", "similarity_report": "report",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
