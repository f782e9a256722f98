"""The three simulators of one scaled-out run, each its real command (``hamgam-sim mahak|zarinpal|sms``) in its
own process on a free port; they are never killed."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_and_wait(argv: list[str], probe: str, logs: Path, name: str, timeout_s: float = 300) -> subprocess.Popen:
    log = open(logs / f"{name}.log", "ab")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {logs / name}.log")
        with contextlib.suppress(httpx2.HTTPError):
            if httpx2.get(probe, timeout=2).status_code < 500:
                return process
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{name} did not start within {timeout_s} s")


@dataclass
class Simulators:
    mahak_port: int
    zarinpal_port: int
    sms_port: int
    processes: list[subprocess.Popen]

    @property
    def mahak_url(self) -> str:
        return f"http://127.0.0.1:{self.mahak_port}/API/v3"

    @classmethod
    def start(cls, products: int, logs: Path) -> Simulators:
        mahak, zarinpal, sms = free_port(), free_port(), free_port()
        sim = str(BIN / "hamgam-sim")
        processes = [
            _start_and_wait(
                [sim, "mahak", "--port", str(mahak), "--products", str(products)],
                f"http://127.0.0.1:{mahak}/_control/stats",
                logs,
                "sim-mahak",
            ),
            _start_and_wait(
                [sim, "zarinpal", "serve", "--port", str(zarinpal)],
                f"http://127.0.0.1:{zarinpal}/_control/payments",
                logs,
                "sim-zarinpal",
            ),
            _start_and_wait(
                [sim, "sms", "serve", "--port", str(sms)],
                f"http://127.0.0.1:{sms}/_control/otp?mobile=09120000000",
                logs,
                "sim-sms",
            ),
        ]
        return cls(mahak, zarinpal, sms, processes)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
