"""Shared fixtures: a migrated PostgreSQL database per test, RabbitMQ with a private name prefix per test."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from hamgam.adapters.db.migrate import upgrade_to_head
from tests.services import LOCAL_POSTGRES_URL, LOCAL_RABBITMQ_URL, missing, port_open, services_required

TEMPLATE_DB = f"hamgam_tpl_{uuid.uuid4().hex[:8]}"


def _admin_engine(server_url: str):
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    return create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server: the machine's at 127.0.0.1 when it answers, else the embedded one."""
    url = make_url(LOCAL_POSTGRES_URL)
    if port_open(url.host or "127.0.0.1", url.port or 5432):
        yield LOCAL_POSTGRES_URL
        return
    if services_required():
        missing("PostgreSQL at " + LOCAL_POSTGRES_URL)
    from hamgam.adapters.db.embedded import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="hamgam-pg-") as data_dir:
        with embedded_postgres(Path(data_dir)) as db_url:
            yield db_url


@pytest.fixture(scope="session")
def migrated_template(postgres_server_url: str) -> Iterator[str]:
    """A database migrated once; each test copies it (CREATE DATABASE ... TEMPLATE is fast)."""
    engine = _admin_engine(postgres_server_url)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{TEMPLATE_DB}"'))
    template_url = make_url(postgres_server_url).set(database=TEMPLATE_DB).render_as_string(hide_password=False)
    upgrade_to_head(template_url)
    yield TEMPLATE_DB
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))
    engine.dispose()


@contextlib.contextmanager
def fresh_database(server_url: str, template: str) -> Iterator[str]:
    name = f"hamgam_t_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(server_url)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def database_url(postgres_server_url: str, migrated_template: str) -> Iterator[str]:
    """A fresh, migrated, empty database of its own for one test (a plain ``postgresql://`` URL)."""
    with fresh_database(postgres_server_url, migrated_template) as url:
        yield url


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """The machine's RabbitMQ; tests isolate themselves with ``queue_prefix``."""
    url = make_url(LOCAL_RABBITMQ_URL.replace("amqp://", "postgresql://", 1))
    if not port_open(url.host or "127.0.0.1", url.port or 5672):
        missing("RabbitMQ at " + LOCAL_RABBITMQ_URL)
    return LOCAL_RABBITMQ_URL


@pytest.fixture
def queue_prefix() -> str:
    """A name prefix no other test uses, so queues and exchanges never collide."""
    return f"t{uuid.uuid4().hex[:10]}"
