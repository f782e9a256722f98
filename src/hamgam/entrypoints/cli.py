"""The ``hamgam`` command line. Each command is thin: it resolves the database and calls one service.

The module imports only Typer at the top, so ``hamgam --help`` answers at once; each command imports what it
needs when it runs (BENCHMARKS.md "Command line"). User errors end in one line and exit status 2
(``user_errors``).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from hamgam.entrypoints.roles import ALL_ROLES, ROLES
from hamgam.entrypoints.user_errors import UserErrorsGroup, fail

if TYPE_CHECKING:
    from rich.console import Console

    from hamgam.bootstrap import Container
    from hamgam.services.sync.failures import EntityProblem
    from hamgam.services.sync.stock_check import StockReport
    from hamgam.settings import Settings

app = typer.Typer(help="Hamgam: an online store in step with Mahak.", no_args_is_help=True, cls=UserErrorsGroup)
mahak_app = typer.Typer(help="Talk to Mahak through the adapter.", no_args_is_help=True)
sync_app = typer.Typer(help="The Mahak sync.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead letters: list, inspect, replay, purge.", no_args_is_help=True)
admin_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(mahak_app, name="mahak")
app.add_typer(sync_app, name="sync")
app.add_typer(dlq_app, name="dlq")
app.add_typer(admin_app, name="admin")

T = TypeVar("T")
#: Columns of the plain output into a pipe or a file: wide enough that no line is wrapped.
UNWRAPPED_WIDTH = 10_000


def _console() -> Console:
    """Rich output on a terminal; into a pipe, plain lines with no colour and no wrapping."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console()
    return Console(width=UNWRAPPED_WIDTH, soft_wrap=True, no_color=True, highlight=False, emoji=False)


def _settings(*, logging: bool = True) -> Settings:
    """The settings, and the logging they ask for (``logging=False``: the caller configures it later)."""
    from hamgam.settings import load_settings

    settings = load_settings()
    if logging:
        _configure_logging(settings)
    return settings


def _configure_logging(settings: Settings) -> None:
    from hamgam.logs import configure_logging

    configure_logging(settings.log_level, settings.log_json)


def _on_database(main: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Run ``main`` on the resolved database. A configured server is reached first, over asyncpg, to check that
    its schema is at head (migrated only when it is not), before the command imports what its work needs: a
    wrong URL or a stopped server is answered without loading the container, SQLAlchemy or the logging (nothing
    logs before that check, which imports only asyncpg). Without one, the embedded PostgreSQL is started (or
    attached to) and migrated."""
    import asyncio

    settings = _settings(logging=False)
    url = settings.database_url
    if url:
        from hamgam.entrypoints.database import migrated_server

        async def checked() -> T:
            await migrated_server(url, lambda: _configure_logging(settings))
            return await main(settings)

        return asyncio.run(checked())
    _configure_logging(settings)
    from hamgam.entrypoints.database import database

    with database(settings) as embedded:
        return asyncio.run(main(embedded))


def _with_container(action: Callable[[Container], Awaitable[T]]) -> T:
    """Run ``action`` with a container on the resolved database, closing everything afterwards."""

    async def main(settings: Settings) -> T:
        from hamgam.bootstrap import build

        container = await build(settings)
        try:
            return await action(container)
        finally:
            await container.aclose()

    return _on_database(main)


def _with_engine(action: Callable[[Any, Settings], Awaitable[T]]) -> T:
    """Run ``action`` with only a database engine (no broker, Mahak client or services) and the settings."""

    async def main(settings: Settings) -> T:
        from hamgam.adapters.db.engine import create_engine

        if not settings.database_url:
            raise RuntimeError("the settings carry no database URL")
        engine = create_engine(settings.database_url, pool_size=2)
        try:
            return await action(engine, settings)
        finally:
            await engine.dispose()

    return _on_database(main)


def _run_role(role: str) -> None:
    """One role in this process, refusing to start without a configured Mahak."""
    import asyncio

    from hamgam.entrypoints.roles import require_mahak

    settings = _settings()
    require_mahak(settings)  # before the container's imports: a missing setting is answered at once
    from hamgam.entrypoints.database import database
    from hamgam.entrypoints.runtime import run_roles

    with database(settings) as settings:
        asyncio.run(run_roles(settings, (role,)))


@app.command()
def up(
    roles: Annotated[str, typer.Option(help=f"Comma-separated roles to run, of: {', '.join(ALL_ROLES)}")] = ",".join(
        ROLES
    ),
) -> None:
    """Run Hamgam: embedded PostgreSQL and the Mahak simulator unless configured otherwise."""
    from hamgam.entrypoints.roles import check_roles

    chosen = tuple(r.strip() for r in roles.split(",") if r.strip())
    try:
        check_roles(chosen)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--roles") from None
    from hamgam.entrypoints.up import up as run_up

    run_up(_settings(), chosen)


@app.command()
def migrate() -> None:
    """Apply the database migrations (safe to run twice)."""

    async def migrated(settings: Settings) -> None:
        return None

    _on_database(migrated)
    _console().print("schema is up to date")


@app.command()
def worker() -> None:
    """Run only the worker pool (Kubernetes role)."""
    _run_role("worker")


@app.command()
def exporter() -> None:
    """Run only the store-to-Mahak exporter (Kubernetes role): paid orders become Mahak invoices."""
    _run_role("exporter")


@app.command()
def api() -> None:
    """Run only the gateway: pages and the JSON API (Kubernetes role). With HAMGAM_CORE_URL set the JSON API is
    forwarded to that core; otherwise the gateway serves it in-process, with the store's jobs."""
    _run_role("api")


@app.command()
def core() -> None:
    """Run only the core service: the JSON API /api/v1 and the store's background jobs, no pages (Kubernetes
    role, behind gateways started with HAMGAM_CORE_URL)."""
    _run_role("core")


@app.command()
def scheduler() -> None:
    """Run only the scheduler (Kubernetes role; one replica leads)."""
    _run_role("scheduler")


@mahak_app.command("test")
def mahak_test() -> None:
    """Log in to Mahak and report the stock source in use, warning when it gives every product 0."""

    async def action(container: Container) -> tuple[Any, StockReport]:
        from hamgam.services.sync.stock_check import stock_report

        return await container.mahak.login(), await stock_report(container.sync_reads, container.settings.sync)

    console = _console()
    try:
        session, stock = _with_container(action)
    except Exception as exc:  # any failure is the answer to "does the connection work?"
        console.print(f"[red]Mahak connection failed: {exc}[/red]", markup=True)
        raise typer.Exit(1) from None
    console.print(f"Connected to Mahak (visitor {session.visitor_id}).")
    _print_stock(console, stock)


@mahak_app.command("fetch")
def mahak_fetch(
    entity: Annotated[str, typer.Argument(help="Entity, e.g. products, product-details, people")],
    limit: Annotated[int, typer.Option(help="Rows to print")] = 5,
    from_version: Annotated[int, typer.Option("--from", help="RowVersion cursor")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines")] = False,
) -> None:
    """Print rows of one entity straight from Mahak (no database writes)."""
    from rich.table import Table

    from hamgam.domain.sync.entities import entity_named

    name = entity_named(entity).name

    async def action(container: Container) -> list[Any]:
        rows: list[Any] = []
        async for page in container.mahak.iter_changes(container.fetcher.entity_key(name), from_version, max(limit, 1)):
            rows.extend(page.rows)
            if len(rows) >= limit:
                break
        return rows[:limit]

    rows = _with_container(action)
    console = _console()
    if not rows:
        console.print(
            f"Mahak returned no {name} rows. If this is a real Mahak: add products to the Bazara "
            "'sent products' list in the desktop app and run send/receive first."
        )
        return
    if as_json:
        for row in rows:
            console.print_json(data=row.to_wire())
        return
    fields = list(rows[0].to_wire())[:8]
    table = Table(title=f"{name} ({len(rows)} rows)")
    for field in fields:
        table.add_column(field)
    for row in rows:
        wire = row.to_wire()
        table.add_row(*(str(wire[f]) for f in fields))
    console.print(table)


@sync_app.command("run")
def sync_run(
    entity: Annotated[str | None, typer.Option(help="Only this entity (default: all, parents first)")] = None,
    full: Annotated[bool, typer.Option(help="From RowVersion 0 instead of the cursor")] = False,
    reconcile: Annotated[bool, typer.Option(help="Full pass that also fixes silent edits and vanished rows")] = False,
) -> None:
    """Sync now, in this process (with its own workers), showing progress.

    An entity that fails does not stop the others: each is reported at the end, in one line with what to do, and
    the command exits with status 1."""
    import asyncio

    from rich.table import Table

    from hamgam.domain.sync.entities import SYNC_ORDER, entity_named
    from hamgam.entrypoints.sync_progress import sync_progress

    kind = "reconcile" if reconcile else "full" if full else "incremental"
    entities = [entity_named(entity)] if entity else list(SYNC_ORDER)
    problems: list[EntityProblem] = []
    console = _console()

    async def action(container: Container) -> list[Any]:
        from hamgam.services.sync.failures import problem_from_error, problem_from_status

        worker = container.worker()
        worker_task = asyncio.create_task(worker.run())
        results = []
        try:
            with sync_progress(console) as progress:
                for item in entities:
                    # a pass from RowVersion 0 reads about what the store holds; an incremental one has no total
                    total = await container.sync_repository.rows_held(item.name) if kind != "incremental" else None
                    task = progress.start(item.name, total)
                    try:
                        result = await container.fetcher.run(item.name, kind, progress=task.advance)
                    except Exception as exc:  # the run is recorded as failed; the next entity goes on
                        task.finish("failed")
                        problems.append(problem_from_error(item.name, exc))
                        continue
                    task.finish(result.status)
                    results.append(result)
                    if (problem := problem_from_status(item.name, result.status)) is not None:
                        problems.append(problem)
        finally:
            worker.stop()
            await worker_task
        return results

    results = _with_container(action)
    table = Table(title=f"sync run ({kind})")
    columns = ("entity", "status", "fetched", "inserted", "updated", "stale", "deleted", "rejected", "dead", "cursor")
    for column in columns:
        table.add_column(column)
    for r in results:
        s = r.stats
        table.add_row(
            r.entity,
            r.status,
            *(
                str(s.get(k, ""))
                for k in (
                    "rows_fetched",
                    "rows_inserted",
                    "rows_updated",
                    "rows_stale",
                    "rows_deleted",
                    "rows_rejected",
                    "dead_lettered",
                )
            ),
            str(r.cursor),
        )
    console.print(table)
    if problems:
        console.print(f"{len(problems)} of {len(entities)} entities did not sync:", style="bold red", soft_wrap=True)
        for problem in problems:
            console.print(f"- {problem.line()}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1)


@sync_app.command("status")
def sync_status_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each entity's cursor, lag, last run and last verification (reconciliation, with the drift it fixed), Mahak
    rewinds, and the stock source in use (with a warning when it gives every product 0). Times are Tehran times
    on the Jalali calendar, as the admin shows them."""
    import json
    from dataclasses import asdict

    from rich.table import Table

    async def action(engine: Any, settings: Settings) -> tuple[list[dict[str, Any]], StockReport]:
        from hamgam.adapters.db.sync_reads import SyncReads
        from hamgam.services.sync.status import sync_status
        from hamgam.services.sync.stock_check import stock_report

        reads = SyncReads(engine)
        return await sync_status(reads), await stock_report(reads, settings.sync)

    rows, stock = _with_engine(action)
    console = _console()
    if as_json:
        console.print_json(json.dumps({"entities": rows, "stock": asdict(stock)}, default=str))
        return
    table = Table(title="sync status (Tehran time)")
    for column in (
        "entity",
        "cursor",
        "lag",
        "last run",
        "status",
        "fetched",
        "applied",
        "rejected",
        "dead",
        "verified",
        "drift",
    ):
        table.add_column(column)
    for row in rows:
        run = row["last_run"] or {}
        verified = row["verified"] or {}
        lag = f"{row['lag_s']:.0f}s" if row["lag_s"] is not None else "never synced"
        table.add_row(
            row["entity"],
            str(row["cursor"]),
            lag,
            _when(run.get("started_at"), "-"),
            run.get("status", "-"),
            str(run.get("rows_fetched", "-")),
            str((run.get("rows_inserted") or 0) + (run.get("rows_updated") or 0)) if run else "-",
            str(run.get("rows_rejected", "-")),
            str(run.get("dead_lettered", "-")),
            _when(verified.get("finished_at"), "never"),
            str(verified.get("drift", "-")),
        )
    console.print(table)
    for row in rows:
        if row["rewind"]:
            found = _when(row["rewind"]["detected_at"], "-")
            console.print(
                f"[red]Mahak went back in time for {row['entity']} (found {found}: "
                f"{row['rewind']['evidence']}); the next run re-fetches it.[/red]"
            )
    _print_stock(console, stock)


def _when(moment: Any, missing: str) -> str:
    """A time as the admin shows it: Jalali date and Tehran clock."""
    from hamgam.domain.jalali import format_jalali_datetime

    return format_jalali_datetime(moment) if moment is not None else missing


def _print_stock(console: Console, stock: StockReport) -> None:
    console.print(stock.describe())
    for warning in stock.warnings:
        console.print(f"[yellow]warning: {warning}[/yellow]")


def _dead_letters(engine: Any) -> Any:
    """The dead letters' repository on an engine alone: reading them needs no broker, Mahak client or services."""
    from hamgam.adapters.db.dead_letters import DeadLetterStore

    return DeadLetterStore(engine)


@dlq_app.command("list")
def dlq_list(limit: int = 50, topic: str | None = None) -> None:
    """Dead letters waiting, newest first."""
    from rich.table import Table

    letters = _with_engine(lambda engine, _: _dead_letters(engine).list(topic, limit=limit))
    table = Table(title="dead letters (Tehran time)")
    for column in ("id", "topic", "attempts", "dead at", "error"):
        table.add_column(column)
    for letter in letters:
        table.add_row(str(letter.id), letter.topic, str(letter.attempts), _when(letter.dead_at, "-"), letter.error[:80])
    _console().print(table)


@dlq_app.command("show")
def dlq_show(letter_id: int) -> None:
    """One dead letter with its error, headers and body."""
    import json

    letter = _with_engine(lambda engine, _: _dead_letters(engine).get(letter_id))
    if letter is None:
        raise fail(f"no dead letter {letter_id}")
    console = _console()
    console.print(
        f"[bold]#{letter.id}[/bold] {letter.topic} attempts={letter.attempts} dead_at={_when(letter.dead_at, '-')}"
    )
    console.print(f"error: {letter.error}", markup=False)
    console.print_json(json.dumps(letter.headers, default=str))
    console.print(letter.body.decode("utf-8", errors="replace")[:4000], markup=False)


@dlq_app.command("replay")
def dlq_replay(letter_id: int, actor: Annotated[str, typer.Option(help="Who replays (audit log)")] = "cli") -> None:
    """Publish a dead letter again to its topic (recorded in the audit log)."""
    from hamgam.services.dead_letters.actions import replay

    ok = _with_container(lambda c: replay(c, letter_id, actor))
    if not ok:
        raise fail(f"no waiting dead letter {letter_id}")
    _console().print(f"replayed #{letter_id}")


@dlq_app.command("purge")
def dlq_purge(letter_id: int, actor: Annotated[str, typer.Option(help="Who purges (audit log)")] = "cli") -> None:
    """Drop a dead letter for good (kept in the audit log)."""
    from hamgam.services.dead_letters.actions import purge

    ok = _with_container(lambda c: purge(c, letter_id, actor))
    if not ok:
        raise fail(f"no waiting dead letter {letter_id}")
    _console().print(f"purged #{letter_id}")


#: The roles ``admin create`` gives (``hamgam.domain.accounts.Role`` without the customer).
STAFF_ROLES = ("admin", "staff")


def _checked_mobile(value: str) -> str:
    """The mobile number is checked as the option is read: a wrong one is one line, before the password prompt
    and before the database is opened."""
    from hamgam.domain.accounts import parse_mobile
    from hamgam.domain.errors import InvalidInput

    try:
        parse_mobile(value)
    except InvalidInput as exc:
        raise typer.BadParameter(exc.message) from None
    return value


def _checked_role(value: str) -> str:
    if value not in STAFF_ROLES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(STAFF_ROLES)}")
    return value


@admin_app.command("create")
def admin_create(
    mobile: Annotated[str, typer.Option(help="Mobile number of the staff member (09…)", callback=_checked_mobile)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[str, typer.Option(help="admin or staff", callback=_checked_role)] = "admin",
) -> None:
    """Create a staff account, or promote an existing customer and set its password."""
    from hamgam.domain.accounts import Role

    profile = _with_container(lambda c: c.store.accounts.ensure_staff(mobile, password, Role(role)))
    _console().print(f"{profile.get('role', role)} account ready for {profile.get('mobile', mobile)}")
