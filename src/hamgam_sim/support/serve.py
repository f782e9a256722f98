"""Run an ASGI app with uvicorn on a background thread, for tests and embedded dev mode."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn


@contextlib.contextmanager
def serve_app(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, on_stop: Callable[[], None] | None = None
) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL (``http://host:port``, port chosen when 0).

    ``on_stop`` runs before shutdown, to wake requests a fault keeps hanging so shutdown stays quick.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="sim-server")
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("simulator server did not start")
            time.sleep(0.01)
        yield f"http://{host}:{bound_port}"
    finally:
        if on_stop is not None:
            on_stop()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
