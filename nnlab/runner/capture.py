"""Run notebook cells the way a Jupyter kernel does, and keep their outputs as nbformat outputs.

Loaded by `child.py` (never as part of the `nnlab` package). An IPython shell runs each cell:
magics, the value of the last expression, rich display, inline matplotlib figures and
IPython's tracebacks, as in the kernel nbgrader would start. What a cell prints is kept up to a
limit; the rest is dropped with a note, so a flood of output cannot fill the grader's memory.

Figures are most of what the course's notebooks cost to run, so the grader draws each one once,
at a modest resolution (`figure_png`): a kernel's matplotlib lays every figure out in a first pass
for a tight bounding box (or for the placeholder layout engine `plt.tight_layout()` leaves
behind), and draws a figure left open at the end of a cell once before drawing it to show it.
Every figure still comes out where a kernel shows it, as a PNG `display_data` of the cell that
made it.
"""
import io
import sys

from IPython.core.display_trap import DisplayTrap
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

MAX_STREAM_CHARS = 200_000
MAX_RICH_BYTES = 4 * 2**20
TRUNCATED = "\n... (output truncated by the grader)\n"
# how a figure is printed (`print_figure` keywords): the whole figure, at 72 dpi whatever its own
# dpi (`fig.dpi`, its size and its text/plain stay the student's)
FIGURES = {"bbox_inches": None, "dpi": 72}


class CellOutputs:
    """The outputs of one cell, in nbformat v4 form (plain dicts)."""

    def __init__(self):
        self.items = []
        self.stream_chars = 0
        self.rich_bytes = 0
        self.truncated = False

    def stream(self, name: str, text: str) -> None:
        room = MAX_STREAM_CHARS - self.stream_chars
        if room <= 0:
            if not self.truncated:
                self.truncated = True
                self._append_stream(name, TRUNCATED)
            return
        text = text[:room]
        self.stream_chars += len(text)
        self._append_stream(name, text)

    def _append_stream(self, name: str, text: str) -> None:
        last = self.items[-1] if self.items else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def rich(self, output_type: str, data: dict, metadata: dict | None, execution_count=None) -> None:
        size = sum(len(str(v)) for v in data.values())
        if self.rich_bytes + size > MAX_RICH_BYTES:
            data = {"text/plain": "(a display too large to keep was dropped by the grader)"}
            size = 0
        self.rich_bytes += size
        item = {"output_type": output_type, "data": _jsonable(data), "metadata": _jsonable(metadata or {})}
        if output_type == "execute_result":
            item["execution_count"] = execution_count
        self.items.append(item)

    def error(self, ename: str, evalue: str, traceback: list) -> None:
        self.items.append({"output_type": "error", "ename": ename, "evalue": evalue,
                           "traceback": [str(line)[:MAX_STREAM_CHARS // 10] for line in traceback[:200]]})

    def clear(self) -> None:
        self.items = []


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return str(value)


class Stream(io.TextIOBase):
    """sys.stdout / sys.stderr of the cell: text goes into the cell's outputs."""

    def __init__(self, name: str, current):
        self.name_ = name
        self.current = current

    @property
    def encoding(self):
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.current().stream(self.name_, text)
        return len(text)

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        pass


class CellPublisher(DisplayPublisher):
    """`display()` and inline figures: into the outputs of the cell that runs (`shell.outputs`)."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        self.shell.outputs.rich("display_data", data, metadata)

    def clear_output(self, wait=False):
        self.shell.outputs.clear()


class CellResultHook(DisplayHook):
    """The value of a cell's last expression: its `execute_result`, without a prompt."""

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self.shell.outputs.rich("execute_result", format_dict, md_dict, self.prompt_count)

    def finish_displayhook(self):
        pass


class CellShell(InteractiveShell):
    """IPython's shell with a kernel's display machinery; everything a cell shows goes into
    `outputs`, the outputs of the cell that runs."""

    def __init__(self, **kwargs):
        self.outputs = CellOutputs()  # before the shell is made: making it may already display
        super().__init__(**kwargs)

    def _showtraceback(self, etype, evalue, stb):
        self.outputs.error(getattr(etype, "__name__", str(etype)), _text(evalue), list(stb))

    def init_display_pub(self):
        self.display_pub = CellPublisher(shell=self, parent=self)
        self.configurables.append(self.display_pub)

    def init_displayhook(self):
        self.displayhook = CellResultHook(shell=self, cache_size=0, parent=self)
        self.configurables.append(self.displayhook)
        self.display_trap = DisplayTrap(hook=self.displayhook)

    def enable_gui(self, gui=None):
        """No event loop to start: figures are shown inline, as in a kernel. (IPython's base shell
        raises here, and `%matplotlib inline` in a student's cell would stop the cell.)"""


class KernelLikeShell:
    """One IPython shell for the student's notebook; `run(source)` gives the cell's outputs."""

    def __init__(self):
        # the singleton, as in a kernel: `display()` and inline figures find it. No history database.
        self.shell = CellShell.instance(config=Config({"HistoryManager": {"enabled": False}}), colors="nocolor")
        try:
            self.shell.enable_matplotlib("inline")
            from matplotlib import pyplot
            from matplotlib.figure import Figure
        except Exception:  # no matplotlib: figures are not shown, the cells still run
            pass
        else:
            # the figures a cell leaves open are shown (drawn) after it by the inline backend;
            # pyplot's own end-of-cell hook, which would draw them once before, goes
            pyplot.uninstall_repl_displayhook()
            # replaces the inline backend's own PNG printer (made just now)
            self.shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)
        self.stdout = Stream("stdout", lambda: self.shell.outputs)
        self.stderr = Stream("stderr", lambda: self.shell.outputs)

    @property
    def namespace(self) -> dict:
        return self.shell.user_ns

    def run(self, source: str, execution_count: int) -> tuple[list, bool]:
        """Run one cell as the kernel's `execution_count`-th: (its outputs, whether it raised)."""
        self.shell.outputs = CellOutputs()
        self.shell.execution_count = execution_count
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.stdout, self.stderr
        try:
            result = self.shell.run_cell(source, store_history=False, silent=False)
        finally:
            sys.stdout, sys.stderr = saved
        self.last_error = result.error_in_exec or result.error_before_exec
        return self.shell.outputs.items, self.last_error is not None


def figure_png(figure):
    """The inline backend's PNG of `figure` (base64), drawn in one pass (`FIGURES`); None for an
    empty figure, as IPython's printer gives."""
    from IPython.core.pylabtools import print_figure
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = figure.get_layout_engine()
    if not isinstance(engine, PlaceHolderLayoutEngine):  # None, or an engine that lays out at each draw
        return print_figure(figure, "png", base64=True, **FIGURES)
    # `tight_layout()` laid the figure out already and left this engine, which does nothing when
    # run, but makes matplotlib lay the figure out once more before drawing it
    figure._layout_engine = None
    try:
        return print_figure(figure, "png", base64=True, **FIGURES)
    finally:
        figure._layout_engine = engine


def _text(value) -> str:
    try:
        return str(value)
    except Exception:
        return type(value).__name__
