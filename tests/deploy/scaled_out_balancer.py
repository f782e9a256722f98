"""A round-robin TCP balancer standing in for the Kubernetes Service in front of the gateways, in its own process:
``python -m tests.deploy.scaled_out_balancer LISTEN_PORT BACKEND_PORT...``.

A connect refused (a dead or restarting gateway) moves on to the next backend, as a Service drops a dead pod's
endpoint; a connection whose backend dies is closed, and the client's retry gets a live one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def balance(listen_port: int, backends: list[int]) -> None:
    """Round-robin TCP proxy from ``listen_port`` to ``backends`` on 127.0.0.1; a refused connect tries the
    next backend, and a client is closed only when none accepts."""
    turn = itertools.count()

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        first = next(turn)
        for i in range(len(backends)):
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", backends[(first + i) % len(backends)])
                break
            except OSError:
                continue
        else:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, up_writer), _pipe(up_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, backlog=1024)
    async with server:
        await server.serve_forever()


def start_balancer(listen_port: int, backends: list[int], logs: Path) -> subprocess.Popen:
    log = open(logs / "balancer.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.deploy.scaled_out_balancer", str(listen_port), *map(str, backends)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


if __name__ == "__main__":
    asyncio.run(balance(int(sys.argv[1]), [int(p) for p in sys.argv[2:]]))
