"""Cursor and watermark arithmetic: the cursor moves only past what is durably settled, never backward."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hamgam.domain.sync.cursor import (
    BatchState,
    RunStart,
    advanced,
    mahak_behind_cursor,
    rewind_found_by_reconcile,
    run_start,
    settled_top,
    watermark,
)


def test_an_incremental_run_starts_at_the_cursor_and_never_falls_below_it() -> None:
    assert run_start("incremental", 40) == RunStart(start=40, floor=40)


def test_full_reconcile_and_rewind_runs_start_from_zero_under_the_cursor() -> None:
    for kind in ("full", "reconcile", "rewind"):
        start = run_start(kind, 40)
        assert (start.start, start.floor) == (0, 40)


def test_the_watermark_stops_at_the_first_batch_still_in_flight() -> None:
    batches = [BatchState(1, True, 10), BatchState(2, True, 20), BatchState(3, False, 30), BatchState(4, True, 40)]
    assert settled_top(batches) == 20
    assert watermark(0, settled_top(batches)) == 20


def test_dead_lettered_batches_count_as_settled_and_order_is_by_seq_not_by_arrival() -> None:
    batches = [BatchState(2, True, 20), BatchState(1, True, 10)]
    assert settled_top(batches) == 20


def test_nothing_settled_leaves_the_watermark_at_the_floor() -> None:
    assert settled_top([BatchState(1, False, 10)]) is None
    assert settled_top([]) is None
    assert watermark(7, None) == 7
    assert watermark(50, 20) == 50


def test_the_cursor_only_moves_forward() -> None:
    assert advanced(30, 20) == 30
    assert advanced(30, 45) == 45


def test_rewinds_are_found_when_mahak_is_behind_the_store() -> None:
    assert mahak_behind_cursor(100, 0)
    assert not mahak_behind_cursor(100, 1)
    assert not mahak_behind_cursor(0, 0)  # nothing synced yet: nothing to be behind
    assert rewind_found_by_reconcile(served=80, held=100)
    assert not rewind_found_by_reconcile(served=100, held=100)


batch_lists = st.lists(st.tuples(st.booleans(), st.integers(0, 10_000)), max_size=30).map(
    lambda items: [BatchState(seq, settled, rv) for seq, (settled, rv) in enumerate(items, start=1)]
)


@given(batch_lists, st.integers(0, 10_000))
def test_the_watermark_never_passes_a_batch_that_is_not_settled(batches: list[BatchState], floor: int) -> None:
    mark = watermark(floor, settled_top(batches))
    assert mark >= floor
    prefix = []
    for batch in batches:
        if not batch.settled:
            break
        prefix.append(batch)
    # every RowVersion up to the mark is in a settled batch of the prefix, or was already under the floor
    assert mark == max([floor, *(b.row_version_max for b in prefix)])
