"""RepairCellMetadata: the sanitizing step that keeps one tampered notebook from stopping a class.

nbgrader stops autograding the whole assignment, for every student after this one, when a
cell's nbgrader metadata has another schema version than its own (`SchemaTooOldError`,
`SchemaTooNewError`). Its own DeduplicateIds leads there too: it empties the metadata of a
repeated grade_id (a copied test cell, a split solution cell) to `{}`, which has no version.
Here, before CheckCellMetadata: emptied metadata is removed (the copy becomes an ordinary cell)
and a changed schema version is set back; the cell is then checked as usual, and a cell that
still does not pass fails this student's notebook only.
"""
from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.nbgraderformat import SCHEMA_VERSION
from nbgrader.preprocessors import NbGraderPreprocessor


class RepairCellMetadata(NbGraderPreprocessor):
    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        meta = cell.get("metadata", {})
        if "nbgrader" not in meta:
            return cell, resources
        if not meta["nbgrader"]:
            del meta["nbgrader"]
            self.log.warning("Cell %d repeated another cell's grade_id: graded as an ordinary cell", index)
        elif isinstance(meta["nbgrader"], dict) and meta["nbgrader"].get("schema_version") != SCHEMA_VERSION:
            self.log.warning("Cell %d had nbgrader schema version %r: set back to %d", index,
                             meta["nbgrader"].get("schema_version"), SCHEMA_VERSION)
            meta["nbgrader"]["schema_version"] = SCHEMA_VERSION
        return cell, resources
