"""Apply the Alembic migrations. Safe to run twice and from several processes at once (advisory lock).

Every command and role calls ``upgrade_to_head`` first, and the schema is almost always at head already; that
check reads the scripts' revision ids itself, so Alembic (and its templates) is imported only when there is
something to apply. A command asks ``schema_at_head`` over asyncpg alone, and this module imports SQLAlchemy only
in the functions that use it: a command's first connection does not wait for SQLAlchemy to load.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
#: Advisory lock key that serialises migrations between replicas starting together.
MIGRATION_LOCK_KEY = 0x48414D47


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    from hamgam.adapters.db.engine import sync_url

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates "%": a socket path in the URL (host=%2Ftmp...) must be escaped.
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    """Bring the schema to the newest revision; a no-op when it already is."""
    from sqlalchemy import create_engine, pool, text

    from hamgam.adapters.db.engine import sync_url

    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            if applied_revisions(connection) == script_heads():
                return
            from alembic import command

            config = alembic_config(database_url)
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                connection.commit()
    finally:
        engine.dispose()


def applied_revisions(connection: Any) -> frozenset[str]:
    """The revisions the database is at (none before the first migration)."""
    from sqlalchemy import text

    if connection.scalar(text("SELECT to_regclass('alembic_version')")) is None:
        connection.commit()
        return frozenset()
    revisions = frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    connection.commit()
    return revisions


def script_heads(directory: Path = VERSIONS_DIR) -> frozenset[str] | None:
    """The head revisions of the migration scripts, read from their ``revision`` and ``down_revision``
    assignments; None when a script does not state them as plain literals (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(directory.glob("*.py")):
        stated = _stated_revisions(path)
        if stated is None:
            return None
        revision, down = stated
        revisions.add(revision)
        parents.update(down)
    return frozenset(revisions - parents) if revisions else None


def _stated_revisions(path: Path) -> tuple[str, tuple[str, ...]] | None:
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = (
            node.targets[0]
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            else getattr(node, "target", None)
        )
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"} and value is not None:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str) or "down_revision" not in values:
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    return None


class DatabaseUnavailable(Exception):
    """The first connection to the configured database failed: refused, unknown host, no such database, wrong
    password. The message is the server's or the network's reason, in one line."""


async def schema_at_head(database_url: str) -> bool:
    """Whether the schema is already at the newest revision, asked over asyncpg itself (the driver the
    application uses, without SQLAlchemy), so that a command on a schema at head loads neither psycopg nor Alembic
    and reaches its first connection at once. False when the scripts do not state their revisions plainly (then
    ``upgrade_to_head`` lets Alembic decide). Raises ``DatabaseUnavailable`` when the database cannot be reached."""
    import asyncpg

    heads = script_heads()
    if heads is None:
        return False
    try:
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DatabaseUnavailable(" ".join(str(exc).split()) or type(exc).__name__) from exc
    try:
        if await connection.fetchval("SELECT to_regclass('alembic_version')") is None:
            return False
        rows = await connection.fetch("SELECT version_num FROM alembic_version")
        return frozenset(row[0] for row in rows) == heads
    finally:
        await connection.close()


def asyncpg_dsn(database_url: str) -> str:
    """A PostgreSQL URL of any SQLAlchemy flavour (``postgresql+psycopg://``, ``postgresql+asyncpg://``) as the
    plain ``postgresql://`` DSN asyncpg reads; the rest of the URL (credentials, host, socket query) is kept."""
    scheme, separator, rest = database_url.partition("://")
    if separator and scheme.split("+", 1)[0] in {"postgresql", "postgres"}:
        return "postgresql://" + rest
    return database_url
