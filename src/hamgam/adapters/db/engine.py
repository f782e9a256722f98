"""The async SQLAlchemy engine over asyncpg, built from a plain ``postgresql://`` URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def async_url(database_url: str) -> str:
    """Turn any PostgreSQL URL into the asyncpg flavour SQLAlchemy wants."""
    return make_url(database_url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def sync_url(database_url: str) -> str:
    """The psycopg flavour, for Alembic and command-line tools."""
    return make_url(database_url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def masked_url(url: str) -> str:
    """``url`` with its password hidden, for showing on a console (any scheme SQLAlchemy can parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


#: Settings of every application connection. JIT off: PostgreSQL JIT-compiles any plan estimated above
#: ``jit_above_cost``, which the catalogue's broad searches cross, and the compilation costs more than these
#: short queries ever win back (figures in BENCHMARKS.md, "Store API").
SERVER_SETTINGS = {"jit": "off"}


def create_engine(database_url: str, pool_size: int = 10) -> AsyncEngine:
    """One engine per process for transactions; pre-ping so a restarted server is noticed before a query fails."""
    return create_async_engine(
        async_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": dict(SERVER_SETTINGS)},
    )


def create_read_engine(
    database_url: str, session_settings: Mapping[str, str] | None = None, pool_size: int = 10
) -> AsyncEngine:
    """The engine of reads outside a transaction (``hamgam.adapters.db.read_only``): autocommit, so a read is its
    statements and nothing else, no ``BEGIN``/``COMMIT`` and no rollback when the connection goes back to the
    pool; no pre-ping (SQLAlchemy's ping over asyncpg is a ``BEGIN``, a query and a ``ROLLBACK``: three round
    trips before every read). A connection the server closed is caught instead by ``read_only``: refused at
    checkout when the driver already saw it close, and a read that meets a dropped connection is run again,
    once, on a fresh one. ``session_settings`` hold for the connection's whole life (a ``SET LOCAL`` needs a
    transaction)."""
    engine = create_async_engine(
        async_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
        connect_args={"server_settings": {**SERVER_SETTINGS, **(session_settings or {})}},
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection its driver knows to be closed (the server ended it while it sat in the pool) is
    replaced at checkout: SQLAlchemy discards a connection whose checkout raises ``DisconnectionError`` and
    checks out another. Local state only, no round trip."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")
