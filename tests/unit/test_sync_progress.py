"""``hamgam sync run``'s progress: rows, rate and total on a terminal; plain unwrapped lines into a pipe."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress

from hamgam.entrypoints.sync_progress import RateColumn, RowsColumn, sync_progress


def test_the_bar_shows_rows_against_the_total_when_one_is_known() -> None:
    progress = Progress(console=Console(file=io.StringIO()))
    known = progress.add_task("Product", total=3000)
    unknown = progress.add_task("Order", total=None)
    progress.advance(known, 1500)
    progress.advance(unknown, 1200)
    assert RowsColumn().render(progress.tasks[known]).plain == "1,500 / 3,000 rows"
    assert RowsColumn().render(progress.tasks[unknown]).plain == "1,200 rows"


def test_the_bar_shows_a_rate_once_rows_came_in_even_from_a_single_page() -> None:
    progress = Progress(console=Console(file=io.StringIO()))
    task = progress.add_task("Product", total=None)
    assert RateColumn().render(progress.tasks[task]).plain == "- rows/s"
    progress.advance(task, 500)  # one page: too few samples for a recent rate, so the average is shown
    progress.stop_task(task)
    rate = RateColumn().render(progress.tasks[task]).plain
    assert rate.endswith(" rows/s") and rate != "- rows/s" and float(rate.split()[0].replace(",", "")) > 0


def test_a_terminal_gets_live_bars_with_rows_and_rate() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with sync_progress(console) as progress:
        entity = progress.start("Product", 2000)
        entity.advance(1000)
        entity.advance(1000)
        entity.finish("succeeded")
    text = out.getvalue()
    assert "Product (succeeded)" in text and "2,000 / 2,000 rows" in text and "rows/s" in text


def test_a_pipe_gets_one_plain_unwrapped_line_per_entity() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=40, no_color=True)
    name = "ProductDetailStoreAsset" * 3  # longer than the console is wide
    with sync_progress(console) as progress:
        first = progress.start(name, None)
        first.advance(700)
        first.advance(534)
        first.finish("succeeded")
        progress.start("Bank", 10).finish("failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{name}: succeeded, 1,234 rows in ") and lines[0].endswith(" rows/s)")
    assert lines[1].startswith("Bank: failed, 0 rows in ")
    assert "\x1b[" not in out.getvalue()
