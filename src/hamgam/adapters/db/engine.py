"""The async SQLAlchemy engine over asyncpg, built from a plain ``postgresql://`` URL."""

from __future__ import annotations

from sqlalchemy.engine import make_url
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
    """One engine per process; pre-ping so a restarted server is noticed before a query fails."""
    return create_async_engine(
        async_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": dict(SERVER_SETTINGS)},
    )
