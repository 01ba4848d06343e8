"""The progress bar that ``fit`` draws on stderr while it runs.

:class:`ProgressBar` is fed by ``gv.fit``'s ``callback(step, value)``. On a terminal
it redraws in place (at most every :data:`REDRAW_INTERVAL` seconds); anywhere else
(a pipe, a log file) it writes only its final line.
"""

from __future__ import annotations

import math
import sys
import time
from types import TracebackType
from typing import TextIO

REDRAW_INTERVAL = 0.1
"""Least time in seconds between two redraws on a terminal."""


class ProgressBar:
    """A tiny text progress bar, ``fit js [#########.....................] 70/200 1.2s``.

    Use it as a context manager: leaving the block normally draws the final line;
    leaving it through an exception erases the bar (the error line follows alone).
    """

    def __init__(self, total: int, label: str = "", width: int = 30,
                 stream: TextIO | None = None, interval: float | None = None) -> None:
        self.total, self.label, self.width = total, label, width
        self.stream = stream if stream is not None else sys.stderr
        self.interval = REDRAW_INTERVAL if interval is None else interval
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self.done_steps = 0
        self.last_draw = -math.inf
        self.closed = False

    def update(self, step: int, value: float | None = None) -> None:
        """Record that ``step`` steps are done; ``value`` (the divergence) is not shown.

        The signature is that of ``gv.fit``'s ``callback(step, value)``.
        """
        self.done_steps = step
        now = time.perf_counter()
        if self.live and now - self.last_draw >= self.interval:
            self.last_draw = now
            self.stream.write("\r" + self.render(now) + "\x1b[K")
            self.stream.flush()

    def render(self, now: float | None = None, finished: bool = False) -> str:
        """The bar as one line of text (all steps done when ``finished``)."""
        elapsed = (now if now is not None else time.perf_counter()) - self.start
        done = self.total if finished else min(max(self.done_steps, 0), self.total)
        filled = round(self.width * done / self.total) if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        head = f"{self.label} " if self.label else ""
        return f"{head}[{bar}] {done}/{self.total} {elapsed:.1f}s"

    def close(self, done: bool = True) -> None:
        """Finish the bar: the final line on success; on failure, erase it."""
        if self.closed:
            return
        self.closed = True
        if done:
            self.stream.write(("\r" if self.live else "") + self.render(finished=True)
                              + ("\x1b[K" if self.live else "") + "\n")
        elif self.live:
            self.stream.write("\r\x1b[K")
        self.stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(done=exc_type is None)
