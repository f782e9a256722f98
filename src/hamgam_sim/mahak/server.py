"""Run the simulator over real HTTP: in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from hamgam_sim.mahak.control import ControlClient
from hamgam_sim.mahak.http.app import create_app
from hamgam_sim.mahak.simulator import MahakSimulator

STARTUP_TIMEOUT_S = 10.0


@dataclass
class RunningSimulator:
    """A simulator listening on loopback."""

    sim: MahakSimulator
    root_url: str  #: e.g. ``http://127.0.0.1:43121``
    control: ControlClient

    @property
    def base_url(self) -> str:
        """The Mahak API base URL, as a client would configure it."""
        return f"{self.root_url}/API/v3"


def _config(sim: MahakSimulator, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(sim),
        host=host,
        port=port,
        log_level=log_level,
        lifespan="off",
        # requests held by "timeout" faults must not keep a test's shutdown waiting
        timeout_graceful_shutdown=1,
        timeout_keep_alive=30,
    )


@contextmanager
def serve_in_thread(sim: MahakSimulator | None = None, port: int = 0) -> Iterator[RunningSimulator]:
    """Serve ``sim`` (a fresh demo one if None) on 127.0.0.1 in a daemon thread until the block ends."""
    sim = sim or MahakSimulator()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    server = uvicorn.Server(_config(sim, "127.0.0.1", sock.getsockname()[1], "warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mahak-sim", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Mahak simulator did not start")
        time.sleep(0.01)
    root_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    control = ControlClient(root_url)
    try:
        yield RunningSimulator(sim=sim, root_url=root_url, control=control)
    finally:
        control.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_forever(sim: MahakSimulator, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (the CLI)."""
    uvicorn.Server(_config(sim, host, port, "info")).run()
