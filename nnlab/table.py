"""The one text-table formatter: columns padded to their widest cell, a dashed rule under the header."""
from __future__ import annotations

from typing import Sequence


def text_table(rows: Sequence[Sequence[object]]) -> str:
    """`rows[0]` is the header; every cell is shown with str(), left-aligned, two spaces apart."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    line = lambda row: "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()  # noqa: E731
    return "\n".join([line(cells[0]), line(["-" * width for width in widths]), *map(line, cells[1:])])
