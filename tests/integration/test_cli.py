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
    store = next(e for e in json.loads(status.output) if e["entity"] == "Store")
    assert store["cursor"] == max(r["RowVersion"] for r in fresh_mahak.control.rows("Store"))
    assert store["last_run"]["status"] == "succeeded"
    assert store["last_run"]["rows_inserted"] == len(fresh_mahak.control.rows("Store"))


def test_dlq_commands_on_an_unknown_letter_fail_clearly(database_url: str, fresh_mahak) -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["dlq", "list"], env=env(database_url, fresh_mahak))
    replay = runner.invoke(app, ["dlq", "replay", "424242"], env=env(database_url, fresh_mahak))
    assert listing.exit_code == 0 and "dead letters" in listing.output
    assert replay.exit_code != 0 and "424242" in replay.output


def test_admin_create_makes_a_staff_account_that_can_log_in(database_url: str, fresh_mahak) -> None:
    result = CliRunner().invoke(
        app, ["admin", "create", "--mobile", "۰۹۳۵۰۰۰۰۰۰۰", "--password", "change-this-passphrase"],
        env=env(database_url, fresh_mahak),
    )
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "09350000000" in result.output
