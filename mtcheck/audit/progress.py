"""The audit's progress bar on the terminal: articles done of all, throughput, elapsed time, ETA.

It writes to its own copy of the terminal's stderr, taken when it is made, so it keeps drawing
while the Ray engine sends the process's stderr to a log file. Throughput counts only the
articles checked in this run (resumed ones are already in the bar), over the last 30 seconds.
"""

from __future__ import annotations

import os
from typing import Any


class AuditProgress:
    def __init__(self, console: Any = None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.text import Text

        class Throughput(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.1f} articles/s" if speed else "- articles/s", style="progress.data.speed")

        self._stream = None
        if console is None:
            self._stream = os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace", buffering=1)
            console = Console(file=self._stream)
        self._progress = Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(), Throughput(),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False,
            speed_estimate_period=30.0,
            # Whatever else writes to sys.stdout/stderr goes where those point (a log file while Ray runs).
            redirect_stdout=False, redirect_stderr=False,
        )
        self._task: Any = None
        self._started = False

    def start(self, total: int, completed: int, description: str) -> None:
        self._task = self._progress.add_task(description, total=total, completed=completed)
        self._progress.start()
        self._started = True

    def describe(self, description: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, description=description)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def stop(self) -> None:
        if self._started:
            self._progress.stop()
            self._started = False
        if self._stream is not None:
            try:
                self._stream.close()
            except OSError:
                pass
            self._stream = None
