"""Cursor and watermark arithmetic: where a run starts, and how far its cursor may move.

As in Singer's state handling, the cursor (the RowVersion up to which the store holds every change of an entity)
moves only past what is durably settled: a batch applied, or held in the dead-letter queue with its reason. A run
publishes its pages as batches in fetch order (``seq``); the watermark is the highest RowVersion of the prefix of
batches that are all settled, so a crash re-fetches the unsettled tail and never skips a row. The cursor never
moves backward, except when a healed rewind puts it where a restored Mahak now stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class RunKind(StrEnum):
    INCREMENTAL = "incremental"
    FULL = "full"
    RECONCILE = "reconcile"
    #: The re-fetch that heals a Mahak found behind the store (restored from a backup): Mahak's rows win.
    REWIND = "rewind"


#: Kinds that read the entity from RowVersion 0 whatever the cursor.
FROM_ZERO = frozenset({RunKind.FULL, RunKind.RECONCILE, RunKind.REWIND})
#: Kinds that compare the whole entity with the store (silent edits, rows Mahak no longer lists).
RECONCILING = frozenset({RunKind.RECONCILE, RunKind.REWIND})


class RunStart(NamedTuple):
    #: The RowVersion the run asks Mahak for changes after.
    start: int
    #: The watermark's lower bound: the cursor never moves below where it stood when the run began (a full or
    #: reconcile run starts from 0 under it); only a healed rewind puts it lower, once its run succeeded.
    floor: int


def run_start(kind: str, cursor: int) -> RunStart:
    """Where a run of ``kind`` starts with the entity's cursor at ``cursor``."""
    start = 0 if kind in FROM_ZERO else cursor
    floor = max(cursor, start) if kind == RunKind.INCREMENTAL else cursor
    return RunStart(start, floor)


@dataclass(frozen=True)
class BatchState:
    """One batch of a run, as the watermark sees it."""

    seq: int
    settled: bool
    row_version_max: int


def settled_top(batches: Iterable[BatchState]) -> int | None:
    """The highest RowVersion among the batches before the first unsettled one (in ``seq`` order); ``None`` when
    no batch precedes it. A batch settled after an unsettled one does not count: its rows may be newer than rows
    still in flight."""
    ordered = sorted(batches, key=lambda b: b.seq)
    top: int | None = None
    for batch in ordered:
        if not batch.settled:
            break
        top = batch.row_version_max if top is None else max(top, batch.row_version_max)
    return top


def watermark(floor: int, top: int | None) -> int:
    """The RowVersion the cursor may move to: the settled prefix's top, never below ``floor``."""
    return max(floor, top or 0)


def advanced(cursor: int, target: int) -> int:
    """The cursor after an advance to ``target``: forward only."""
    return max(cursor, target)


def served_top(stats_to_row_version: int | None) -> int:
    """The highest RowVersion a finished pass was served (0 when it was served nothing)."""
    return int(stats_to_row_version or 0)


def rewind_found_by_reconcile(served: int, held: int) -> bool:
    """A full pass served RowVersions only up to ``served`` while the store holds ``held``: a RowVersion only
    grows, so Mahak went back in time."""
    return held > served


def mahak_behind_cursor(cursor: int, rows_at_or_above_cursor: int) -> bool:
    """The rewind probe: with the cursor at C, Mahak must still serve some row at or above C (rows are never
    removed, and a changed row only moves up), so none means Mahak went back below the cursor."""
    return cursor > 0 and rows_at_or_above_cursor == 0
