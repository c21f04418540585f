"""The students' own code: the code cells of their notebooks, without the cells the template already has.

Submissions are hostile input: a notebook that cannot be read (not JSON, not a notebook, a link, too
big) is recorded with the reason and left out; it never stops the run."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024   # notebooks with figures are large; more than this is not coursework
MAX_CODE_CHARS = 400_000                # a submission's code beyond this is not compared (cost is linear in it)
_UNPRINTABLE = re.compile(r"[^\x20-\x7e\u00a0-\uffff]")


@dataclass
class Submission:
    """One submission's code, as one Python text: its code cells one after the other, each under a
    comment line naming the notebook and the cell (the tokenizer drops comments, so the markers
    never match). `skipped` lists (notebook, reason) of what could not be read."""
    name: str                      # the student id, or the label of a reference submission
    code: str = ""
    notebooks: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    reference: bool = False


def printable(text: str) -> str:
    """A name as one safe line of a comment (a newline in a file name must not end the comment)."""
    return _UNPRINTABLE.sub("?", text)


def _code_cells(path: Path) -> list[str]:
    """The sources of a notebook's code cells; raises ValueError with the reason it cannot be read."""
    if path.is_symlink():
        raise ValueError("a link, not a notebook file (links are not followed)")
    if not path.is_file():
        raise ValueError("not a regular file")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{size} bytes, over the {MAX_NOTEBOOK_BYTES} bytes read")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # a hostile or broken file can fail in any way nbformat parses it
        raise ValueError(f"not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})") from None
    sources = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(s for s in source if isinstance(s, str))
            if isinstance(source, str):
                sources.append(source)
    return sources


def _normal(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def template_code(release_folder: Path) -> tuple[str, set[str]]:
    """The released template's code (its code cells, all notebooks) and the set of its cells' sources
    (normalised), which a submission's identical cells are dropped by."""
    cells: list[str] = []
    for path in sorted(Path(release_folder).glob("*.ipynb")):
        try:
            cells.extend(_code_cells(path))
        except (OSError, ValueError):
            continue
    return "\n\n".join(cells), {_normal(c) for c in cells if c.strip()}


def read_submission(name: str, folder: Path, template_cells: set[str] = frozenset(),
                    reference: bool = False) -> Submission:
    """The code of the notebooks directly in `folder` (sorted by name), less the cells identical to
    a template cell and empty cells."""
    sub = Submission(name=name, reference=reference)
    parts = []
    if Path(folder).is_symlink():
        sub.skipped.append(("(folder)", "the submission folder is a link (links are not followed)"))
        return sub
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            cells = _code_cells(path)
        except (OSError, ValueError) as exc:
            sub.skipped.append((path.name, str(exc)))
            continue
        sub.notebooks.append(path.name)
        for number, source in enumerate(cells, start=1):
            if not source.strip() or _normal(source) in template_cells:
                continue
            parts.append(f"# -- {printable(path.name)}, code cell {number}\n{source.rstrip()}\n")
    if not sub.notebooks and not sub.skipped:
        sub.skipped.append(("(folder)", "no notebook in the submission"))
    code = "\n".join(parts)
    if len(code) > MAX_CODE_CHARS:
        sub.skipped.append(("(all)", f"{len(code)} characters of code: only the first {MAX_CODE_CHARS} compared"))
        code = code[:MAX_CODE_CHARS]
    sub.code = code
    return sub


def reference_submissions(folder: Path, assignment: str, template_cells: set[str] = frozenset()) -> list[Submission]:
    """Previous years' submissions under `folder`: every folder that holds notebooks is one submission,
    named by the reference folder's name and its path inside it. When some of those folders have the
    assignment's name in their path (e.g. last year's submitted/<student>/<assignment>/), only those count."""
    folder = Path(folder)
    holders = sorted({p.parent for p in folder.rglob("*.ipynb")
                      if ".ipynb_checkpoints" not in p.parts and not p.parent.is_symlink()})
    relative = {h: h.relative_to(folder) for h in holders}
    of_assignment = [h for h in holders if assignment in relative[h].parts]
    chosen = of_assignment or holders
    refs = []
    for holder in chosen:
        label = "/".join((folder.name,) + relative[holder].parts)
        refs.append(read_submission(f"{label} (reference)", holder, template_cells, reference=True))
    return refs
