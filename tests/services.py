"""Find the servers the tests need: the machine's PostgreSQL and RabbitMQ, or the embedded PostgreSQL.

With ``HAMGAM_REQUIRE_SERVICES=1`` (CI) a missing server fails the run instead of skipping its tests.
"""

from __future__ import annotations

import os
import socket

import pytest

LOCAL_POSTGRES_URL = os.environ.get("HAMGAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOCAL_RABBITMQ_URL = os.environ.get("HAMGAM_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def services_required() -> bool:
    return os.environ.get("HAMGAM_REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def port_open(host: str, port: int, timeout_s: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def missing(what: str) -> None:
    """Skip locally, fail in CI: a missing server must never turn a red run green."""
    message = f"{what} is not reachable"
    if services_required():
        pytest.fail(f"{message} and HAMGAM_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)
