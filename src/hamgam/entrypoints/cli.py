"""The ``hamgam`` command line. Each command is thin: it resolves the database and calls one service."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hamgam.bootstrap import Container, build
from hamgam.domain.sync.entities import SYNC_ORDER, entity_named
from hamgam.entrypoints.runtime import ALL_ROLES, ROLES, check_roles, database, require_mahak, run_roles
from hamgam.logs import configure_logging
from hamgam.services.sync.failures import EntityProblem, problem_from_error, problem_from_status
from hamgam.services.sync.status import sync_status
from hamgam.services.sync.stock_check import StockReport, stock_report
from hamgam.settings import Settings, load_settings

app = typer.Typer(help="Hamgam: an online store in step with Mahak.", no_args_is_help=True)
mahak_app = typer.Typer(help="Talk to Mahak through the adapter.", no_args_is_help=True)
sync_app = typer.Typer(help="The Mahak sync.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead letters: list, inspect, replay, purge.", no_args_is_help=True)
admin_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(mahak_app, name="mahak")
app.add_typer(sync_app, name="sync")
app.add_typer(dlq_app, name="dlq")
app.add_typer(admin_app, name="admin")

console = Console()
T = TypeVar("T")


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    return settings


def _with_container(action: Callable[[Container], Awaitable[T]]) -> T:
    """Run ``action`` with a container on the resolved database, closing everything afterwards."""
    with database(_settings()) as settings:

        async def main() -> T:
            container = await build(settings)
            try:
                return await action(container)
            finally:
                await container.aclose()

        return asyncio.run(main())


def _run_role(role: str) -> None:
    """One role in this process, refusing to start without a configured Mahak."""
    settings = _settings()
    try:
        require_mahak(settings)
    except ValueError as exc:
        console.print(f"[red]hamgam {role}: {exc}[/red]")
        raise typer.Exit(2) from None
    with database(settings) as settings:
        asyncio.run(run_roles(settings, (role,)))


@app.command()
def up(
    roles: Annotated[
        str, typer.Option(help=f"Comma-separated roles to run, of: {', '.join(ALL_ROLES)}")
    ] = ",".join(ROLES),
) -> None:
    """Run Hamgam: embedded PostgreSQL and the Mahak simulator unless configured otherwise."""
    from hamgam.entrypoints.up import up as run_up

    chosen = tuple(r.strip() for r in roles.split(",") if r.strip())
    try:
        check_roles(chosen)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--roles") from None
    run_up(_settings(), chosen)


@app.command()
def migrate() -> None:
    """Apply the database migrations (safe to run twice)."""
    with database(_settings()):
        console.print("schema is up to date")


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
        return await container.mahak.login(), await stock_report(container.engine, container.settings.sync)

    try:
        session, stock = _with_container(action)
    except Exception as exc:  # any failure is the answer to "does the connection work?"
        console.print(f"[red]Mahak connection failed: {exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Connected to Mahak (visitor {session.visitor_id}).")
    console.print(stock.describe())
    for warning in stock.warnings:
        console.print(f"[yellow]warning: {warning}[/yellow]")


@mahak_app.command("fetch")
def mahak_fetch(
    entity: Annotated[str, typer.Argument(help="Entity, e.g. products, product-details, people")],
    limit: Annotated[int, typer.Option(help="Rows to print")] = 5,
    from_version: Annotated[int, typer.Option("--from", help="RowVersion cursor")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines")] = False,
) -> None:
    """Print rows of one entity straight from Mahak (no database writes)."""
    name = entity_named(entity).name

    async def action(container: Container) -> list[Any]:
        rows: list[Any] = []
        async for page in container.mahak.iter_changes(container.fetcher.entity_key(name), from_version, max(limit, 1)):
            rows.extend(page.rows)
            if len(rows) >= limit:
                break
        return rows[:limit]

    rows = _with_container(action)
    if not rows:
        console.print(f"Mahak returned no {name} rows. If this is a real Mahak: add products to the Bazara "
                      "'sent products' list in the desktop app and run send/receive first.")
        return
    if as_json:
        for row in rows:
            console.print_json(row.model_dump_json(by_alias=True))
        return
    fields = list(type(rows[0]).model_fields)[:8]
    table = Table(title=f"{name} ({len(rows)} rows)")
    for field in fields:
        table.add_column(field)
    for row in rows:
        table.add_row(*(str(getattr(row, f)) for f in fields))
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
    kind = "reconcile" if reconcile else "full" if full else "incremental"
    entities = [entity_named(entity)] if entity else list(SYNC_ORDER)
    problems: list[EntityProblem] = []

    async def action(container: Container) -> list[Any]:
        worker = container.worker()
        worker_task = asyncio.create_task(worker.run())
        results = []
        try:
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} rows"),
                          TimeElapsedColumn(), console=console) as progress:
                for item in entities:
                    task = progress.add_task(item.name, total=None)
                    try:
                        result = await container.fetcher.run(
                            item.name, kind, progress=lambda n, t=task: progress.advance(t, n)
                        )
                    except Exception as exc:  # the run is recorded as failed; the next entity goes on
                        problems.append(problem_from_error(item.name, exc))
                        continue
                    results.append(result)
                    if (problem := problem_from_status(item.name, result.status)) is not None:
                        problems.append(problem)
        finally:
            worker.stop()
            await worker_task
        return results

    results = _with_container(action)
    table = Table(title=f"sync run ({kind})")
    for column in ("entity", "status", "fetched", "inserted", "updated", "stale", "deleted", "rejected", "dead", "cursor"):
        table.add_column(column)
    for r in results:
        s = r.stats
        table.add_row(r.entity, r.status, *(str(s.get(k, "")) for k in (
            "rows_fetched", "rows_inserted", "rows_updated", "rows_stale", "rows_deleted", "rows_rejected",
            "dead_lettered")), str(r.cursor))
    console.print(table)
    if problems:
        console.print(f"{len(problems)} of {len(entities)} entities did not sync:", style="bold red", soft_wrap=True)
        for problem in problems:
            console.print(f"- {problem.line()}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1)


@sync_app.command("status")
def sync_status_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each entity's cursor, lag, last run and last verification (reconciliation, with the drift it fixed), Mahak
    rewinds, and the stock source in use (with a warning when it gives every product 0)."""

    async def action(container: Container) -> tuple[list[dict[str, Any]], StockReport]:
        return await sync_status(container.engine), await stock_report(container.engine, container.settings.sync)

    rows, stock = _with_container(action)
    if as_json:
        console.print_json(json.dumps({"entities": rows, "stock": asdict(stock)}, default=str))
        return
    table = Table(title="sync status")
    for column in ("entity", "cursor", "lag", "last run", "status", "fetched", "applied", "rejected", "dead",
                   "verified", "drift"):
        table.add_column(column)
    for row in rows:
        run = row["last_run"] or {}
        verified = row["verified"] or {}
        lag = f"{row['lag_s']:.0f}s" if row["lag_s"] is not None else "never synced"
        table.add_row(
            row["entity"], str(row["cursor"]), lag, str(run.get("started_at", "-"))[:19], run.get("status", "-"),
            str(run.get("rows_fetched", "-")),
            str((run.get("rows_inserted") or 0) + (run.get("rows_updated") or 0)) if run else "-",
            str(run.get("rows_rejected", "-")), str(run.get("dead_lettered", "-")),
            str(verified.get("finished_at", "never"))[:19], str(verified.get("drift", "-")),
        )
    console.print(table)
    for row in rows:
        if row["rewind"]:
            found = str(row["rewind"]["detected_at"])[:19]
            console.print(f"[red]Mahak went back in time for {row['entity']} (found {found}: "
                          f"{row['rewind']['evidence']}); the next run re-fetches it.[/red]")
    console.print(stock.describe())
    for warning in stock.warnings:
        console.print(f"[yellow]warning: {warning}[/yellow]")


@dlq_app.command("list")
def dlq_list(limit: int = 50, topic: str | None = None) -> None:
    """Dead letters waiting, newest first."""
    letters = _with_container(lambda c: c.dead_letters.list(topic, limit=limit))
    table = Table(title="dead letters")
    for column in ("id", "topic", "attempts", "dead at", "error"):
        table.add_column(column)
    for letter in letters:
        table.add_row(str(letter.id), letter.topic, str(letter.attempts), str(letter.dead_at)[:19], letter.error[:80])
    console.print(table)


@dlq_app.command("show")
def dlq_show(letter_id: int) -> None:
    """One dead letter with its error, headers and body."""
    letter = _with_container(lambda c: c.dead_letters.get(letter_id))
    if letter is None:
        raise typer.BadParameter(f"no dead letter {letter_id}")
    console.print(f"[bold]#{letter.id}[/bold] {letter.topic} attempts={letter.attempts} dead_at={letter.dead_at}")
    console.print(f"error: {letter.error}")
    console.print_json(json.dumps(letter.headers, default=str))
    console.print(letter.body.decode("utf-8", errors="replace")[:4000])


@dlq_app.command("replay")
def dlq_replay(letter_id: int, actor: Annotated[str, typer.Option(help="Who replays (audit log)")] = "cli") -> None:
    """Publish a dead letter again to its topic (recorded in the audit log)."""
    from hamgam.services.sync.dead_letter_actions import replay

    ok = _with_container(lambda c: replay(c, letter_id, actor))
    if not ok:
        raise typer.BadParameter(f"no waiting dead letter {letter_id}")
    console.print(f"replayed #{letter_id}")


@dlq_app.command("purge")
def dlq_purge(letter_id: int, actor: Annotated[str, typer.Option(help="Who purges (audit log)")] = "cli") -> None:
    """Drop a dead letter for good (kept in the audit log)."""
    from hamgam.services.sync.dead_letter_actions import purge

    ok = _with_container(lambda c: purge(c, letter_id, actor))
    if not ok:
        raise typer.BadParameter(f"no waiting dead letter {letter_id}")
    console.print(f"purged #{letter_id}")


@admin_app.command("create")
def admin_create(
    mobile: Annotated[str, typer.Option(help="Mobile number of the staff member (09…)")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[str, typer.Option(help="admin or staff")] = "admin",
) -> None:
    """Create a staff account, or promote an existing customer and set its password."""
    from hamgam.domain.accounts import Role
    from hamgam.domain.errors import StoreError

    try:
        profile = _with_container(lambda c: c.store.accounts.ensure_staff(mobile, password, Role(role)))
    except StoreError as exc:  # an invalid mobile or password, or it would demote the last active admin
        raise typer.BadParameter(exc.message) from None
    console.print(f"{profile.get('role', role)} account ready for {profile.get('mobile', mobile)}")
