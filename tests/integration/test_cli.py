"""The ``hamgam`` commands against a real database and the simulator."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hamgam.entrypoints.cli import app


def env(database_url: str, mahak) -> dict[str, str]:
    return {
        "HAMGAM_DATABASE_URL": database_url,
        "HAMGAM_MAHAK__BASE_URL": mahak.base_url,
        "HAMGAM_LOG_LEVEL": "WARNING",
        "HAMGAM_SYNC__WORKERS": "2",
    }


def test_mahak_fetch_prints_rows_from_mahak(database_url: str, fresh_mahak) -> None:
    result = CliRunner().invoke(
        app, ["mahak", "fetch", "products", "--limit", "3", "--json"], env=env(database_url, fresh_mahak)
    )
    assert result.exit_code == 0, result.output
    first = fresh_mahak.control.rows("Product")[0]
    assert f'"ProductId": {first["ProductId"]}' in result.output


def test_sync_run_then_status_shows_cursor_and_last_run(database_url: str, fresh_mahak) -> None:
    runner = CliRunner()
    run = runner.invoke(app, ["sync", "run", "--entity", "stores"], env=env(database_url, fresh_mahak))
    assert run.exit_code == 0, run.output
    status = runner.invoke(app, ["sync", "status", "--json"], env=env(database_url, fresh_mahak))
    assert status.exit_code == 0, status.output
    store = next(e for e in json.loads(status.output)["entities"] if e["entity"] == "Store")
    assert store["cursor"] == max(r["RowVersion"] for r in fresh_mahak.control.rows("Store"))
    assert store["last_run"]["status"] == "succeeded"
    assert store["last_run"]["rows_inserted"] == len(fresh_mahak.control.rows("Store"))


def test_dlq_commands_on_an_unknown_letter_fail_clearly(database_url: str, fresh_mahak) -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["dlq", "list"], env=env(database_url, fresh_mahak))
    replay = runner.invoke(app, ["dlq", "replay", "424242"], env=env(database_url, fresh_mahak))
    assert listing.exit_code == 0 and "dead letters" in listing.output
    assert replay.exit_code != 0 and "424242" in replay.output


def test_dlq_list_and_show_read_a_waiting_letter(database_url: str, fresh_mahak) -> None:
    import asyncio

    from hamgam.adapters.db.dead_letters import DeadLetterStore
    from hamgam.adapters.db.engine import create_engine

    async def add_letter() -> int:
        engine = create_engine(database_url, pool_size=1)
        try:
            return await DeadLetterStore(engine).add(
                topic="cli.test",
                message_id="cli-dlq-1",
                body=b'{"order": 7}',
                headers={"source": "test"},
                error="boom in the handler",
                attempts=3,
            )
        finally:
            await engine.dispose()

    # given a dead letter waiting
    letter_id = asyncio.run(add_letter())
    runner = CliRunner()
    # the list (read on the engine alone) and the letter itself show it
    listing = runner.invoke(app, ["dlq", "list", "--topic", "cli.test"], env=env(database_url, fresh_mahak))
    shown = runner.invoke(app, ["dlq", "show", str(letter_id)], env=env(database_url, fresh_mahak))
    assert listing.exit_code == 0, listing.output
    assert str(letter_id) in listing.output and "boom in the handler" in listing.output
    assert shown.exit_code == 0, shown.output
    assert "boom in the handler" in shown.output and '"order": 7' in shown.output


def test_admin_create_makes_a_staff_account_that_can_log_in(database_url: str, fresh_mahak) -> None:
    result = CliRunner().invoke(
        app,
        ["admin", "create", "--mobile", "۰۹۳۵۰۰۰۰۰۰۰", "--password", "change-this-passphrase"],
        env=env(database_url, fresh_mahak),
    )
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "09350000000" in result.output


def _sync_catalogue(runner: CliRunner, environment: dict[str, str]) -> None:
    for entity in ("stores", "products", "product-details", "product-detail-store-assets", "visitor-products"):
        result = runner.invoke(app, ["sync", "run", "--entity", entity], env=environment)
        assert result.exit_code == 0, result.output


def test_status_and_connection_test_name_the_stock_source_and_warn_when_it_gives_every_product_0(
    database_url: str, fresh_mahak
) -> None:
    # given a Mahak that keeps its stock in its stores: every VisitorProduct count is 0
    links = fresh_mahak.control.rows("VisitorProduct")
    fresh_mahak.control.upsert_rows(
        "VisitorProduct", [{"VisitorProductId": r["VisitorProductId"], "Count1": 0} for r in links]
    )
    runner = CliRunner()
    environment = env(database_url, fresh_mahak)
    _sync_catalogue(runner, environment)
    # when the status and the connection test run with the default stock source
    status = runner.invoke(app, ["sync", "status"], env=environment)
    test = runner.invoke(app, ["mahak", "test"], env=environment)
    # then both name the source and warn that every product shows 0 while the stores hold stock
    for result in (status, test):
        assert result.exit_code == 0, result.output
        text = " ".join(result.output.split())
        assert "Stock source: visitor_product" in text
        assert "Every product shows a stock of 0 with this stock source, while Mahak's stores hold stock" in text
    # when the merchant picks the stores source without store ids: that is named and warned about too
    stores = runner.invoke(
        app, ["sync", "status", "--json"], env={**environment, "HAMGAM_SYNC__STOCK_SOURCE": "stores"}
    )
    report = json.loads(stores.output)["stock"]
    assert report["source"] == "stores" and report["details_in_stock"] == 0
    assert any("no store ids are set" in w for w in report["warnings"])
    # and with the store ids set, the stock shows and no warning is left
    store_ids = sorted({r["StoreId"] for r in fresh_mahak.control.rows("ProductDetailStoreAsset") if r["Count1"] > 0})
    chosen = {
        **environment,
        "HAMGAM_SYNC__STOCK_SOURCE": "stores",
        "HAMGAM_SYNC__STOCK_STORE_IDS": json.dumps(store_ids),
    }
    fixed = json.loads(runner.invoke(app, ["sync", "status", "--json"], env=chosen).output)["stock"]
    assert fixed["details_in_stock"] > 0 and fixed["warnings"] == []


def _runs(database_url: str, entity: str) -> list[tuple[int, str, str | None]]:
    from sqlalchemy import create_engine, make_url, pool, text

    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, status, error FROM sync_run WHERE entity = :e ORDER BY id"), {"e": entity}
            )
            return [tuple(r) for r in rows]
    finally:
        engine.dispose()


def test_sync_run_goes_on_past_lists_mahak_does_not_serve(database_url: str, fresh_mahak) -> None:
    # given a Mahak that does not serve the Banks and Regions lists (null although their cursor is sent)
    fresh_mahak.control.set_switches(unserved_lists=["Bank", "Region"])
    # when the whole sync runs
    result = CliRunner().invoke(app, ["sync", "run"], env=env(database_url, fresh_mahak))
    # then it exits non-zero, reporting each missing list in one line with what to do
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    [bank] = [line for line in lines if line.startswith("- Bank:")]
    [region] = [line for line in lines if line.startswith("- Region:")]
    assert "does not serve the Banks list" in bank and "hamgam sync run --entity Bank" in bank
    assert "does not serve the Regions list" in region
    assert "2 of " in result.output and "Traceback" not in result.output
    # and every other entity synced, the ones after the missing lists included
    for entity in ("Product", "ProductDetail", "VisitorProduct", "Order", "Receipt"):
        assert [status for _, status, _ in _runs(database_url, entity)] == ["succeeded"], entity
    assert [status for _, status, _ in _runs(database_url, "Bank")] == ["failed"]


def test_a_run_killed_with_kill_9_is_not_left_running(database_url: str, fresh_mahak) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    # given a `sync run` killed with SIGKILL while it waits on a slow Mahak
    fresh_mahak.control.add_fault("latency", "getalldata", times=None, param=2.0)
    hamgam = str(Path(sys.executable).with_name("hamgam"))
    process = subprocess.Popen(
        [hamgam, "sync", "run", "--entity", "products"],
        env={**os.environ, **env(database_url, fresh_mahak)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _runs(database_url, "Product"):
            assert process.poll() is None and time.monotonic() < deadline, "the run never started"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    [(killed_id, status, _)] = _runs(database_url, "Product")
    assert status == "running"
    # when the next run of that entity starts
    fresh_mahak.control.clear_faults()
    result = CliRunner().invoke(app, ["sync", "run", "--entity", "products"], env=env(database_url, fresh_mahak))
    assert result.exit_code == 0, result.output
    # then the killed run is closed as aborted, with its reason, and the new one succeeded
    (first, second) = _runs(database_url, "Product")
    assert first[0] == killed_id and first[1] == "aborted" and "stopped before it finished" in first[2]
    assert second[1] == "succeeded"


def test_status_shows_times_as_the_admin_does_and_a_pipe_gets_unwrapped_lines(database_url: str, fresh_mahak) -> None:
    from datetime import datetime

    from hamgam.domain.jalali import format_jalali_datetime

    runner = CliRunner()
    environment = env(database_url, fresh_mahak)
    # when a sync runs into a pipe (not a terminal)
    run = runner.invoke(app, ["sync", "run", "--entity", "stores"], env=environment)
    assert run.exit_code == 0, run.output
    # then its progress is one plain line for the entity, with its rows and rate
    stores = len(fresh_mahak.control.rows("Store"))
    [progress] = [line for line in run.output.splitlines() if line.startswith("Store: ")]
    assert progress.startswith(f"Store: succeeded, {stores:,} rows in ") and progress.endswith(" rows/s)")
    # and the status names the last run's start as the admin does: Jalali date, Tehran time
    started = json.loads(runner.invoke(app, ["sync", "status", "--json"], env=environment).output)
    store = next(e for e in started["entities"] if e["entity"] == "Store")
    shown = format_jalali_datetime(datetime.fromisoformat(store["last_run"]["started_at"]))
    status = runner.invoke(app, ["sync", "status"], env=environment)
    assert status.exit_code == 0, status.output
    [row] = [line for line in status.output.splitlines() if "│ Store " in line]
    assert shown in row and "succeeded" in row
    assert "Tehran time" in status.output
    # and no line of the pipe is wrapped: the long stock line stays whole
    assert any(line.startswith("Stock source: ") and len(line) > 80 for line in status.output.splitlines())


def test_migrate_prints_no_alembic_lines(database_url: str) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    hamgam = str(Path(sys.executable).with_name("hamgam"))
    environment = {**os.environ, "HAMGAM_DATABASE_URL": database_url, "HAMGAM_LOG_LEVEL": "INFO"}
    result = subprocess.run([hamgam, "migrate"], env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "schema is up to date"
    assert "alembic" not in result.stderr and "Context impl" not in result.stderr, result.stderr


#: What a command on a schema already at head does not load: the migration tools.
MIGRATION_TOOLS = ("psycopg", "alembic")


def test_a_command_on_a_schema_at_head_loads_neither_psycopg_nor_alembic(database_url: str) -> None:
    import os
    import subprocess
    import sys

    probe = (
        "import json, sys\n"
        "from hamgam.entrypoints.cli import app\n"
        "try:\n"
        "    app(['sync', 'status', '--json'])\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        f"tools = {MIGRATION_TOOLS!r}\n"
        "print(json.dumps({'exit': code, 'loaded': sorted(m for m in sys.modules if m.split('.')[0] in tools)}))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HAMGAM_")}
    environment.update(HAMGAM_DATABASE_URL=database_url, HAMGAM_LOG_LEVEL="WARNING")
    result = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, timeout=120)
    outcome = json.loads(result.stdout.splitlines()[-1])
    # the database fixture is migrated: the status is answered, and no migration tool was needed to know it
    assert outcome["exit"] == 0, result.stderr
    assert '"entities"' in result.stdout
    assert outcome["loaded"] == []


def test_a_database_without_the_schema_is_migrated_before_the_command_runs(database_url: str) -> None:
    from sqlalchemy import create_engine, make_url, pool, text

    # given an empty database: no table, no migration applied
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"), poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    # when a command runs on it
    result = CliRunner().invoke(app, ["sync", "status", "--json"], env={"HAMGAM_DATABASE_URL": database_url})
    # then the schema was brought to head first, and the command answered
    assert result.exit_code == 0, result.output
    assert {e["entity"] for e in json.loads(result.output)["entities"]} >= {"Product", "Store"}


def test_a_database_that_does_not_exist_is_one_line(database_url: str) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    from sqlalchemy import make_url

    missing = make_url(database_url).set(database="hamgam_no_such_database").render_as_string(hide_password=False)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HAMGAM_")}
    hamgam = str(Path(sys.executable).with_name("hamgam"))
    result = subprocess.run(
        [hamgam, "sync", "status"],
        env={**environment, "HAMGAM_DATABASE_URL": missing},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("hamgam: error: cannot connect to the database: ")
    assert 'database "hamgam_no_such_database" does not exist' in line
