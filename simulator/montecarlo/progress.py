"""Progress of a long run on a terminal: runs done, runs per second, time left.

On a terminal the bar redraws in place a few times a second; anywhere else
(a log file, a CI job) it writes a plain line every few seconds at most.
Pass an instance as ``simulate(..., progress=bar)``.
"""
from __future__ import annotations

import sys
import time


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressBar:
    """Called as ``bar(runs_done, runs_planned)``; ``close()`` ends the line."""

    def __init__(self, stream=None, tty: bool | None = None, every_seconds: float | None = None,
                 width: int = 30):
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)()) if tty is None else tty
        self.every = (0.1 if self.tty else 5.0) if every_seconds is None else every_seconds
        self.width = width
        self.started = time.monotonic()
        self.last_shown = -float("inf")
        self.shown_any = False
        self.last_text = ""

    def text(self, done: int, planned: int) -> str:
        """The progress line for ``done`` of ``planned`` runs."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = done / elapsed
        left = (planned - done) / rate if rate > 0 else float("inf")
        eta = _clock(left) if left != float("inf") else "?"
        share = done / planned if planned else 1.0
        if self.tty:
            filled = int(self.width * share)
            bar = "#" * filled + "-" * (self.width - filled)
            return f"[{bar}] {done:,}/{planned:,} runs  {rate:,.0f} runs/s  {eta} left"
        return f"{done:,}/{planned:,} runs ({share:.0%}), {rate:,.0f} runs/s, {eta} left"

    def __call__(self, done: int, planned: int) -> None:
        now = time.monotonic()
        if now - self.last_shown < self.every and done < planned:
            return
        self.last_shown = now
        self.last_text = self.text(done, planned)
        if self.tty:
            self.stream.write("\r" + self.last_text + " " * 4)
        else:
            self.stream.write(self.last_text + "\n")
        self.stream.flush()
        self.shown_any = True

    def close(self) -> None:
        """End the bar's line (on a terminal), so what follows starts on a fresh one."""
        if self.tty and self.shown_any:
            self.stream.write("\n")
            self.stream.flush()
        self.shown_any = False
