"""Helpers of the container tests: find or install podman, build the image once per session, and the host's
PostgreSQL database, RabbitMQ queues and free ports a compose project uses.

Without podman the container tests skip; with ``HAMGAM_REQUIRE_SERVICES=1`` ``scripts/container_image.sh``
installs it (root on Debian, as CI runs) and a failure fails the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from tests.services import LOCAL_POSTGRES_URL, LOCAL_RABBITMQ_URL, missing, port_open, services_required

REPO = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("HAMGAM_TEST_IMAGE", "localhost/hamgam:ci")
IMAGE_SCRIPT = REPO / "scripts" / "container_image.sh"
BUILD_LOG = REPO / "tests" / "artifacts" / "container-image-build.log"
#: podman-compose pinned in the lock file's deploy group (Debian's 1.0.3 cannot run the override).
PODMAN_COMPOSE = str(Path(sys.executable).with_name("podman-compose"))
#: Seconds a cold build may take (base image from Debian's packages, dependencies from PyPI).
BUILD_TIMEOUT_S = 900
T = TypeVar("T")


def podman_ready() -> bool:
    return shutil.which("podman") is not None and Path(PODMAN_COMPOSE).exists()


@functools.cache
def build_image(log_path: Path) -> str:
    """Run ``scripts/container_image.sh`` (install podman when required, base image, cached build) once per test
    session; its output goes to ``log_path``. Skips without podman unless ``HAMGAM_REQUIRE_SERVICES=1``."""
    if not podman_ready() and not services_required():
        pytest.skip(
            "podman or the pinned podman-compose is not installed (scripts/container_tools.sh installs "
            "them; HAMGAM_REQUIRE_SERVICES=1 runs it)"
        )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        done = subprocess.run(
            [str(IMAGE_SCRIPT)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "IMAGE": IMAGE},
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
    if done.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"scripts/container_image.sh failed ({done.returncode}); see {log_path}:\n{tail}")
    return IMAGE


def run(*args: str, timeout_s: float = 120, check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout_s, check=False, **kwargs)
    if check and done.returncode != 0:
        output = f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}:\n{output}")
    return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], T | None], timeout_s: float, what: str, every_s: float = 1.0) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` when it never does."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as exc:  # the service is not up yet: try again
            last_error = exc
        else:
            if result:
                return result
        time.sleep(every_s)
    pytest.fail(f"{what}: not reached in {timeout_s:.0f} s (last error: {last_error!r})")


# -- the host's PostgreSQL and RabbitMQ ---------------------------------------------------------------------


def require_host_servers() -> None:
    """The compose override points the containers at the host's servers."""
    for url, default_port in ((LOCAL_POSTGRES_URL, 5432), (LOCAL_RABBITMQ_URL, 5672)):
        parsed = make_url(url.replace("amqp://", "postgresql://", 1))
        if not port_open(parsed.host or "127.0.0.1", parsed.port or default_port):
            missing(f"{url.split('://')[0]} at {parsed.host}:{parsed.port or default_port}")


def _admin(sql: str) -> None:
    engine = create_engine(
        make_url(LOCAL_POSTGRES_URL).set(drivername="postgresql+psycopg"),
        poolclass=pool.NullPool,
        isolation_level="AUTOCOMMIT",
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


@contextlib.contextmanager
def empty_database(prefix: str) -> Iterator[str]:
    """A new database with no schema on the host's server (dropped afterwards, with its connections)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(LOCAL_POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def delete_queues(prefix: str) -> int:
    """Delete every RabbitMQ queue named ``<prefix>.…`` (quorum queues are heavy for the broker)."""
    import aio_pika

    listed = run("rabbitmqctl", "list_queues", "name", "--no-table-headers", "-q").stdout.split()
    names = [n for n in listed if n.startswith(f"{prefix}.")]

    async def delete() -> None:
        connection = await aio_pika.connect(LOCAL_RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            for name in names:
                await channel.queue_delete(name)

    asyncio.run(delete())
    return len(names)
