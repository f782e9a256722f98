"""The one place where the command line turns a user's mistake into one line on stderr and exit status 2.

A user error is something the person at the terminal can fix: a mistyped option or entity, an invalid mobile,
a missing or invalid setting, a database or Mahak that cannot be reached. Anything else is a bug in Hamgam and
keeps its traceback.

Library and adapter exception types are looked up in ``sys.modules`` rather than imported: a command that
never loaded the database adapter, pydantic or the Mahak client cannot have raised their errors, and
``hamgam --help`` stays free of them.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from hamgam.domain.errors import StoreError
from hamgam.domain.sync.entities import UnknownEntity
from hamgam.entrypoints.roles import MahakNotConfigured

#: The exit status of a user error (as for Click's usage errors).
USER_ERROR_EXIT = 2
#: What to check when a connection is refused.
CONNECTION_HINT = "is the server running, and are HAMGAM_DATABASE_URL and HAMGAM_MAHAK__BASE_URL right?"


def one_line(text: str) -> str:
    return " ".join(text.split())


def user_error_message(error: BaseException) -> str | None:
    """The line to show for a user error, or None when ``error`` is a bug (and keeps its traceback)."""
    if isinstance(error, UnknownEntity | MahakNotConfigured):
        return str(error)
    if isinstance(error, StoreError):
        return error.message
    if _is_instance(error, "hamgam.adapters.mahak.errors", "MahakError"):
        return f"Mahak: {error}"
    if _is_instance(error, "pydantic_core", "ValidationError"):
        return _settings_problem(error)
    if _is_instance(error, "hamgam.adapters.db.migrate", "DatabaseUnavailable"):
        return f"cannot connect to the database: {error} ({CONNECTION_HINT})"
    unreachable = _database_unreachable(error)
    if unreachable is not None:
        return f"cannot connect to the database: {unreachable} ({CONNECTION_HINT})"
    if isinstance(error, ConnectionError | TimeoutError) or _is_instance(error, "socket", "gaierror"):
        return f"cannot connect: {error} ({CONNECTION_HINT})"
    return None


def _is_instance(error: BaseException, module: str, name: str) -> bool:
    loaded = sys.modules.get(module)
    kind = getattr(loaded, name, None) if loaded is not None else None
    return isinstance(kind, type) and isinstance(error, kind)


def _database_unreachable(error: BaseException) -> str | None:
    """What the driver said when no database connection could be made (None: another error). Only a command
    that loaded the database adapter can have raised one."""
    if "sqlalchemy.exc" not in sys.modules:
        return None
    from hamgam.adapters.db.errors import unreachable_reason

    return unreachable_reason(error)


def _settings_problem(error: Any) -> str:
    """A settings tree that does not validate: name each variable as the operator sets it."""
    problems = []
    for item in error.errors():
        name = "HAMGAM_" + "__".join(str(part) for part in item["loc"]).upper()
        problems.append(f"{name}: {item['msg']}")
    return "invalid setting " + "; ".join(problems)


def fail(message: str) -> typer.Exit:
    """Print ``message`` as the one line of a user error; raise what this returns."""
    typer.echo(f"hamgam: error: {one_line(message)}", err=True)
    return typer.Exit(USER_ERROR_EXIT)


def _is_usage_error(error: BaseException) -> bool:
    """Typer's usage errors (unknown option or command, missing or invalid value) exit with status 2; a group
    called without a subcommand shows its help instead, which is no error to rewrite."""
    return (
        isinstance(error, typer.TyperException)
        and error.exit_code == USER_ERROR_EXIT
        and type(error).__name__ != "NoArgsIsHelpError"
    )


def _usage_line(error: Any) -> str:
    ctx = getattr(error, "ctx", None)
    command = ctx.command_path if ctx is not None else "hamgam"
    return f"{error.format_message()} (see `{command} --help`)"


class UserErrorsGroup(TyperGroup):
    """The root command group: user errors from any command below it end in one line and exit status 2."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except typer.TyperException as error:
            if not _is_usage_error(error):
                raise
            raise fail(_usage_line(error)) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as error:
            if not _is_usage_error(error):
                raise
            raise fail(_usage_line(error)) from None
        except Exception as error:
            message = user_error_message(error)
            if message is None:
                raise
            raise fail(message) from None
