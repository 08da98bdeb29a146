"""A progress bar for long builds: counts, rate and time left, on the terminal only.

Uses ``rich`` when standard error is a terminal; otherwise (a pipe, a log
file, CI, the tests) it is silent and costs nothing.  The library never
decides on its own: the CLI passes ``enabled=True`` for an interactive build
and the build passes the bar down to its stages.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

# Builds shorter than this many items show no bar: it would only flicker.
MIN_ITEMS = 20


class Progress:
    """One bar per task; a no-op unless enabled and attached to a terminal."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._rich: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def start(self, description: str, total: int) -> None:
        """Begin a task of ``total`` items (ends the previous one)."""
        self.stop()
        if not self.enabled or total < MIN_ITEMS:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._rich = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                  console=Console(stderr=True), transient=True)
        self._rich.start()
        self._task = self._rich.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        if self._rich is not None:
            self._rich.advance(self._task, n)

    def stop(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = self._task = None

    close = stop
