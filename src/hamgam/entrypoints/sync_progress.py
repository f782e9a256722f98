"""The progress of ``hamgam sync run``: a live bar on a terminal, one plain line per entity into a pipe.

The fetcher reports the rows of each page it publishes (``Fetcher.run(progress=...)``); Mahak announces no
total, so a bar has one only when the caller knows roughly how many rows a pass reads.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text


class EntityProgress(Protocol):
    def advance(self, rows: int) -> None: ...

    def finish(self, status: str) -> None: ...


class SyncProgress(Protocol):
    def start(self, entity: str, total: int | None) -> EntityProgress: ...


class RowsColumn(ProgressColumn):
    """``1,200 / 5,000 rows``, or ``1,200 rows`` while the total is unknown."""

    def render(self, task: Task) -> Text:
        done = f"{int(task.completed):,}"
        text = f"{done} / {int(task.total):,} rows" if task.total is not None else f"{done} rows"
        return Text(text, style="progress.download")


class RateColumn(ProgressColumn):
    """Rows per second: over the last pages while they come in, over the whole entity once it is done (and while
    too few pages came in to tell)."""

    def render(self, task: Task) -> Text:
        speed = task.speed if task.started and task.stop_time is None else None
        if not speed and task.completed and task.elapsed:
            speed = task.completed / task.elapsed
        return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s", style="progress.data.speed")


class _BarEntity:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def advance(self, rows: int) -> None:
        self._progress.advance(self._task, rows)

    def finish(self, status: str) -> None:
        task = self._progress.tasks[self._task]
        # a finished bar is full: the rows read are the total, whatever was expected
        self._progress.update(self._task, total=task.completed, description=f"{task.description} ({status})")
        self._progress.stop_task(self._task)


class _Bars:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def start(self, entity: str, total: int | None) -> EntityProgress:
        return _BarEntity(self._progress, self._progress.add_task(entity, total=total or None))


class _PlainEntity:
    def __init__(self, console: Console, entity: str) -> None:
        self._console = console
        self._entity = entity
        self._rows = 0
        self._started = time.monotonic()

    def advance(self, rows: int) -> None:
        self._rows += rows

    def finish(self, status: str) -> None:
        seconds = max(time.monotonic() - self._started, 1e-3)
        self._console.print(
            f"{self._entity}: {status}, {self._rows:,} rows in {seconds:.1f} s ({self._rows / seconds:,.0f} rows/s)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


class _Lines:
    def __init__(self, console: Console) -> None:
        self._console = console

    def start(self, entity: str, total: int | None) -> EntityProgress:
        return _PlainEntity(self._console, entity)


@contextlib.contextmanager
def sync_progress(console: Console) -> Iterator[SyncProgress]:
    """Bars with rows, rate and (when known) total on a terminal; a line per finished entity otherwise."""
    if not console.is_terminal:
        yield _Lines(console)
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        RowsColumn(),
        RateColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        yield _Bars(progress)
