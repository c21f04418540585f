"""A progress line on stderr for a whole grading run: a live tqdm bar in a terminal, a line every 10%
in a log.

A run has two sides, and the line counts both: the workers *grade* each notebook (sandbox and hidden
graders), and nbgrader's autograde, the one gradebook writer, *records* it (its files in autograded/,
its scores in the gradebook). The writer is the slower side at the end of a run, so the bar, the rate
and the time left are those of the whole run: graded + recorded out of twice the notebooks.
"""
from __future__ import annotations

import shutil
import sys
import threading
import time

from tqdm import tqdm


class Progress:
    def __init__(self, total: int, stream=None, width: int = 24, clock=time.monotonic):
        self.total = total
        self.graded = 0       # notebooks the workers are done with (a failed one included)
        self.recorded = 0     # notebooks nbgrader's autograde is done with (in the gradebook, or failed)
        self.lost = 0         # notebooks the grading cluster never graded (it went away): counted done, not graded
        self.stream = stream or sys.stderr
        self.width = width
        self.clock = clock
        self.began = clock()
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._last_tenth = -1
        self._lock = threading.Lock()   # workers' results arrive on the pool's thread
        # in a terminal, tqdm redraws the bar in place (its own rate limit keeps redraws cheap); the
        # counts, the writer's rate and the time left are ours, the run having two sides
        self._bar = None
        if self.tty and total:
            self._bar = tqdm(total=2 * total, file=self.stream, bar_format="[{bar:%d}] {desc}" % width, ascii=" #",
                             mininterval=0.2, leave=True, ncols=shutil.get_terminal_size((120, 24)).columns)

    @property
    def fraction(self) -> float:
        """How much of the run is done: each notebook is half done once graded, done once recorded."""
        if not self.total:
            return 1.0
        return min(1.0, (min(self.graded, self.total) + min(self.recorded, self.total)) / (2 * self.total))

    def counts(self, what: str = "") -> str:
        """The line after its bar: graded, lost, recorded, the writer's rate, the time left."""
        elapsed = max(self.clock() - self.began, 1e-9)
        done = self.fraction
        rate = self.recorded / elapsed
        eta = f"{elapsed * (1 - done) / done:.0f} s" if done > 0 else "?"
        return (f"graded {self.graded - self.lost}/{self.total}  "
                + (f"lost {self.lost}  " if self.lost else "")
                + f"recorded {self.recorded}/{self.total} notebooks  {rate:.2f}/s  ETA {eta}"
                + (f"  {what}" if what else ""))

    def line(self, what: str = "") -> str:
        """The whole line as a log shows it."""
        filled = int(self.width * self.fraction)
        return f"[{'#' * filled}{'.' * (self.width - filled)}] " + self.counts(what)

    def grade(self, what: str = "", lost: bool = False) -> None:
        """A worker finished a notebook; `lost`: it came back ungraded because the grading cluster went away."""
        with self._lock:
            self.graded += 1
            self.lost += lost
            self._show(what)

    def record(self, what: str = "") -> None:
        """nbgrader's autograde finished a notebook (recorded in the gradebook, or failed)."""
        with self._lock:
            self.recorded += 1
            self._show(what)

    def _show(self, what: str) -> None:
        if self._bar is not None:
            self._bar.n = min(self.graded, self.total) + min(self.recorded, self.total)
            self._bar.set_description_str(self.counts(what)[:100], refresh=False)
            self._bar.update(0)   # redraws when tqdm's interval has passed
            return
        if self.tty:
            return
        tenth = int(10 * self.fraction)
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            print(self.line(), file=self.stream, flush=True)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.set_description_str(self.counts()[:100], refresh=False)
            self._bar.close()   # the last state drawn, then a newline
