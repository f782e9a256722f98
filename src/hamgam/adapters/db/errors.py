"""How the database's failures are told apart, so that the entrypoints map them to answers without importing
the database library.

``DatabaseError`` is the type every failure of a statement is raised as (SQLAlchemy's ``DBAPIError``, which
wraps the driver's exception); the functions read what PostgreSQL said.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

#: A statement or connection failed in the database or its driver.
DatabaseError = DBAPIError


def is_data_error(exc: BaseException) -> bool:
    """Whether PostgreSQL refused a value (SQLSTATE class 22, data exception: a value the column or the
    function cannot take), which is the request's fault rather than the server's."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or getattr(
        getattr(getattr(exc, "orig", None), "__cause__", None), "sqlstate", None
    )
    return bool(sqlstate) and str(sqlstate).startswith("22")


def unreachable_reason(exc: BaseException) -> str | None:
    """The driver's first line when no connection to the database could be made, else None. psycopg and
    asyncpg say so in their first words."""
    if not isinstance(exc, OperationalError):
        return None
    reason = str(getattr(exc, "orig", exc))
    if not reason.lower().startswith(
        ("connection failed", "connection to server", "could not connect", "connection refused")
    ):
        return None
    return _first_line(reason)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
