"""Run ``hamgam <role>`` as a subprocess, as Kubernetes runs it, and wait for its HTTP answers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

HAMGAM = str(Path(sys.executable).with_name("hamgam"))
#: Bound on how long a role may take to start (migrations check, container, first bind); not a speed claim: a
#: loaded CI machine (load average 7 to 20 on 2 cores) takes a minute and more where a quiet one takes seconds.
START_TIMEOUT_S = 240.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    return free_port()


def role_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    from tests.store.conftest import JWT_SECRET

    return {
        **os.environ,
        "HAMGAM_DATABASE_URL": database_url,
        "HAMGAM_DATA_DIR": str(tmp_path),
        "HAMGAM_LOG_LEVEL": "WARNING",
        "HAMGAM_LOG_JSON": "true",
        "HAMGAM_PAYMENTS__PROVIDER": "memory",
        "HAMGAM_SMS__PROVIDER": "memory",
        "HAMGAM_AUTH__JWT_SECRET": JWT_SECRET,
        "HAMGAM_AUTH__RATE_LIMIT_BACKEND": "memory",
        "HAMGAM_STORAGE__BACKEND": "memory",
        # a role refuses to start without a Mahak; nothing listens here, for roles that never call it
        "HAMGAM_MAHAK__BASE_URL": "http://127.0.0.1:9/API/v3",
        **extra,
    }


@contextlib.contextmanager
def running_role(role: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """``hamgam <role>``; stopped with SIGTERM (then SIGKILL) on the way out, whatever the test did. Its log
    goes to a file (``process.log_path``), so a chatty role never blocks on a full pipe."""
    with running_hamgam([role], env) as process:
        yield process


@contextlib.contextmanager
def running_hamgam(args: list[str], env: dict[str, str], *, log_stdout: bool = False) -> Iterator[subprocess.Popen]:
    """``hamgam <args>``, stopped as ``running_role`` stops a role; its stderr (and stdout with ``log_stdout``)
    goes to ``process.log_path``."""
    with tempfile.NamedTemporaryFile(prefix=f"hamgam-{args[0]}-", suffix=".log", delete=False) as log:
        stdout = log if log_stdout else subprocess.DEVNULL
        process = subprocess.Popen([HAMGAM, *args], env=env, stdout=stdout, stderr=log)
    process.log_path = Path(log.name)  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.log_path.unlink(missing_ok=True)  # type: ignore[attr-defined]


def role_log(process: subprocess.Popen) -> str:
    return process.log_path.read_text(errors="replace")[-3000:]  # type: ignore[attr-defined]


async def wait_for_http(url: str, process: subprocess.Popen | None = None) -> httpx2.Response:
    """GET ``url`` until it answers (any status); fail early when the process died."""
    deadline = time.monotonic() + START_TIMEOUT_S
    async with httpx2.AsyncClient(timeout=5) as http:
        while True:
            if process is not None and process.poll() is not None:
                pytest.fail(f"the role exited with {process.returncode} before answering: {role_log(process)}")
            try:
                return await http.get(url)
            except httpx2.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{url} did not answer within {START_TIMEOUT_S} s")
                await asyncio.sleep(0.1)
