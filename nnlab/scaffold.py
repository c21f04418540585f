"""A new assignment in one step (`nnlab new-assignment NAME`).

Scaffolds, from the templates in `nnlab/scaffold_templates/`, everything an assignment needs,
with one small example exercise that already grades end to end:

  source/NAME/NAME.ipynb                  the instructor's notebook: a solution cell, a graded test
                                          cell with visible checks, a manually graded written answer
  <graders_dir>/NAME/test_NAME.py         its hidden graders (the course's `c.Grading.graders_dir`,
                                          else <package>/graders)
  <package>/reference/NAME.py             its reference solution
  <package>/demo/mistakes/NAME.py         its typical mistakes

and registers NAME in the one list of the course's assignments, `c.Course.assignments = [...]`
in the course folder's course_config.py. Nothing is written unless all of it can be: a bad name,
a name already taken (by any of these files or the list) or a wrong course folder is refused with
a `ScaffoldError` of one line.
"""
from __future__ import annotations

import ast
import keyword
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nnlab.files import write_atomic

PACKAGE_ROOT = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_ROOT / "scaffold_templates"
COURSE_CONFIG = "course_config.py"
NBGRADER_CONFIG = "nbgrader_config.py"
REGISTRY = "c.Course.assignments"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# what each file of `Scaffold.files` is, in their order
ROLES = ["the notebook", "its hidden graders", "its reference solution", "its typical mistakes"]


class ScaffoldError(Exception):
    """The assignment cannot be scaffolded; the message says why in one line."""


@dataclass
class Scaffold:
    """What scaffolding an assignment writes: new files, and the course configuration's new text."""
    name: str
    course_root: Path
    files: dict[Path, str] = field(default_factory=dict)   # path -> text, in the order they are written
    config_text: str = ""

    @property
    def config_path(self) -> Path:
        return self.course_root / COURSE_CONFIG

    def write(self) -> list[Path]:
        """Write every file (folders as needed), then the registration; on a failure undo what was made."""
        made: list[Path] = []
        try:
            for path, text in self.files.items():
                made += reversed([folder for folder in path.parents if not folder.exists()])
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "x") as out:  # never replaces a file that appeared meanwhile
                    made.append(path)
                    out.write(text)
            write_atomic(self.config_path, self.config_text)
        except BaseException:
            for path in reversed(made):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink(missing_ok=True)
            raise
        return [path for path in made if path.is_file()]


def scaffold(course_root: Path, name: str, package_root: Path = PACKAGE_ROOT, write: bool = True) -> Scaffold:
    """Scaffold the assignment `name` in the course at `course_root`.

    `package_root` is the folder of an importable package (its folder name is the package's name)
    that receives the reference module and the mistake sets; the hidden graders go to the course's
    graders_dir setting, or to `package_root/graders` where the course sets none. With
    `write=False` nothing is written: the returned `Scaffold` says what would be.
    """
    check_name(name)
    course_root = Path(course_root).expanduser().resolve()
    config_path = _course_config(course_root)
    package_root = Path(package_root).expanduser().resolve()
    package = package_root.name
    if not package.isidentifier():
        raise ScaffoldError(f"{package_root} cannot hold the reference module: {package!r} is no package name")
    graders_dir = configured_graders_dir(course_root) or package_root / "graders"
    values = {"name": name, "title": name.replace("_", " ").capitalize(), "package": package}
    notebook = course_root / "source" / name / f"{name}.ipynb"
    graders = graders_dir / name / f"test_{name}.py"
    reference = package_root / "reference" / f"{name}.py"
    mistakes = package_root / "demo" / "mistakes" / f"{name}.py"
    config_text = config_path.read_text()
    taken = [path for path in (notebook.parent, course_root / "release" / name, graders.parent, reference, mistakes)
             if path.exists()]
    if name in registered(config_text, config_path):
        taken.append(Path(f"{REGISTRY} in {COURSE_CONFIG}"))
    if taken:
        raise ScaffoldError(f"assignment '{name}' already exists: " + ", ".join(_shown(p, course_root) for p in taken))
    plan = Scaffold(name, course_root, {
        notebook: _notebook(values),
        graders: _filled("grader.py.tmpl", values),
        reference: _filled("reference.py.tmpl", values),
        mistakes: _filled("mistakes.py.tmpl", values),
    })
    plan.config_text = register(config_text, name, config_path)
    if write:
        plan.write()
    return plan


def check_name(name: str) -> None:
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name):
        raise ScaffoldError(f"'{name}' is not a valid assignment name: it must be a Python identifier "
                            "(ASCII letters, digits and _, not starting with a digit, not a keyword)")


def _course_config(course_root: Path) -> Path:
    if not course_root.is_dir():
        raise ScaffoldError(f"no course folder at {course_root}")
    config = course_root / COURSE_CONFIG
    if not config.is_file():
        raise ScaffoldError(f"{course_root} is not a course folder: it has no {COURSE_CONFIG}")
    return config


def configured_graders_dir(course_root: Path) -> Path | None:
    """The course's `c.Grading.graders_dir` (relative to the course folder, where nbgrader runs), if set."""
    from traitlets.config.loader import PyFileConfigLoader  # here: `nnlab --help` stays fast

    config_file = NBGRADER_CONFIG if (course_root / NBGRADER_CONFIG).is_file() else COURSE_CONFIG
    try:
        config = PyFileConfigLoader(config_file, path=str(course_root)).load_config()
    except Exception as exc:  # a broken configuration file can raise anything while it runs
        raise ScaffoldError(f"cannot read the course configuration {course_root / config_file}: "
                            f"{type(exc).__name__}: {exc}") from None
    value = config.Grading.get("graders_dir") if "graders_dir" in config.Grading else None
    return course_root / value if isinstance(value, str) and value else None


# -- the one list of the course's assignments -----------------------------------------------
def _registry(text: str, config_path: Path) -> ast.List:
    """The list of the one `c.Course.assignments = [...]` statement of the configuration."""
    try:
        tree = ast.parse(text, filename=str(config_path))
    except SyntaxError as exc:
        raise ScaffoldError(f"cannot read {config_path}: line {exc.lineno}: {exc.msg}") from None
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Assign)
             and any(ast.unparse(target) == REGISTRY for target in node.targets)]
    if not found:
        raise ScaffoldError(f"{config_path} has no `{REGISTRY} = [...]` line, the list of the course's "
                            "assignments: add it, then scaffold again")
    if len(found) > 1:
        lines = ", ".join(str(node.lineno) for node in found)
        raise ScaffoldError(f"{config_path} sets {REGISTRY} more than once (lines {lines}): keep one list")
    value = found[0].value
    if not (isinstance(value, ast.List) and all(isinstance(item, ast.Constant) and isinstance(item.value, str)
                                                for item in value.elts)):
        raise ScaffoldError(f"{REGISTRY} in {config_path} (line {value.lineno}) is not a plain list of names "
                            f"like [\"perceptron\", \"activations\"]: cannot add to it")
    return value


def registered(text: str, config_path: Path) -> list[str]:
    """The assignments the configuration lists."""
    return [item.value for item in _registry(text, config_path).elts]


def register(text: str, name: str, config_path: Path) -> str:
    """The configuration's text with `name` added at the end of its list of assignments; the rest of
    the file (comments, layout, quotes) is left as it was."""
    value = _registry(text, config_path)
    segments = [ast.get_source_segment(text, item) for item in value.elts]
    quote = "'" if segments and segments[-1].startswith("'") else '"'
    result = _appended(text, value, f"{quote}{name}{quote}")
    try:
        added = registered(result, config_path)[-1:] == [name]
    except ScaffoldError:
        added = False
    if not added:
        raise ScaffoldError(f"cannot add {name!r} to {REGISTRY} in {config_path}: add it by hand")
    return result


def _appended(text: str, value: ast.List, item: str) -> str:
    """`text` with `item` after the last element of the list `value`, in the list's own layout."""
    lines = text.splitlines(keepends=True)

    def at(lineno: int, col: int) -> int:  # ast's (line, UTF-8 byte column) -> an index into text
        return sum(map(len, lines[:lineno - 1])) + len(lines[lineno - 1].encode()[:col].decode())

    start, end = at(value.lineno, value.col_offset), at(value.end_lineno, value.end_col_offset)
    if value.lineno == value.end_lineno or not value.elts:  # one line: rewritten as one line
        segments = [ast.get_source_segment(text, element) for element in value.elts]
        return text[:start] + "[" + ", ".join([*segments, item]) + "]" + text[end:]
    last = value.elts[-1]
    after = at(last.end_lineno, last.end_col_offset)
    line_end = text.find("\n", after) + 1 or len(text)
    indent = " " * last.col_offset
    own_line = end > line_end and not lines[last.lineno - 1][:last.col_offset].strip()  # one name a line
    if text[after:end].lstrip().startswith(","):
        if own_line:
            return text[:line_end] + f"{indent}{item},\n" + text[line_end:]
        comma = text.index(",", after) + 1
        return text[:comma] + f" {item}," + text[comma:]
    if own_line and not text[after:line_end].strip():
        return text[:after] + f",\n{indent}{item}" + text[after:]
    return text[:after] + f", {item}" + text[after:]


# -- the templates ----------------------------------------------------------------------------
def _filled(template: str, values: dict[str, str]) -> str:
    text = (TEMPLATES / template).read_text()
    unknown = set(PLACEHOLDER.findall(text)) - set(values)
    if unknown:
        raise ScaffoldError(f"the template {TEMPLATES / template} has unknown placeholders: {sorted(unknown)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _notebook(values: dict[str, str]) -> str:
    nb = nbformat.reads(_filled("notebook.ipynb.tmpl", values), as_version=4)
    for cell in nb.cells:
        cell.id = uuid.uuid4().hex[:8]
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def _shown(path: Path, course_root: Path) -> str:
    try:
        return str(path.relative_to(course_root))
    except ValueError:
        return str(path)
