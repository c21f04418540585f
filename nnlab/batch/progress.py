"""A progress line on stderr: done/total, rate and time left (redrawn in a terminal, every 10% in a log)."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, stream=None, width: int = 24):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.width = width
        self.began = time.monotonic()
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._last_tenth = -1

    def line(self, what: str = "") -> str:
        elapsed = max(time.monotonic() - self.began, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else float("nan")
        filled = int(self.width * self.done / self.total) if self.total else self.width
        eta = f"{left:.0f} s" if left == left else "?"
        return (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} notebooks  "
                f"{rate:.2f}/s  ETA {eta}" + (f"  {what}" if what else ""))

    def advance(self, what: str = "") -> None:
        self.done += 1
        if self.tty:
            self.stream.write("\r" + self.line(what)[:120].ljust(120))
            self.stream.flush()
            return
        tenth = int(10 * self.done / self.total) if self.total else 10
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            print(self.line(), file=self.stream, flush=True)

    def finish(self) -> None:
        if self.tty and self.total:
            self.stream.write("\n")
            self.stream.flush()
