"""Hamgam scaled out on one machine, as the cluster runs it, with a supervisor that restarts what ``kill -9`` takes.

Every role is its real command in its own process (``hamgam api|scheduler|worker|exporter``), on one PostgreSQL
database and one RabbitMQ prefix of its own, against the three simulators (``hamgam-sim mahak|zarinpal|sms``).
The gateways sit behind one port: a small TCP round-robin balancer in its own process, standing in for the
Kubernetes Service (a connect refused moves on to the next backend, as a Service drops a dead pod's endpoint).
The supervisor restarts a killed process after ``restart_delay_s`` with a fresh one, as Kubernetes would.

Used by ``tests/deploy/test_scaled_out.py`` (bounded, CI) and ``bench/bench_scaled_out.py`` (full); the load is in
``scaled_out_load.py``, the checks in ``scaled_out_checks.py``, the balancer in ``scaled_out_balancer.py`` and
the simulators in ``scaled_out_sims.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from tests.deploy import containers
from tests.deploy.scaled_out_balancer import start_balancer
from tests.deploy.scaled_out_sims import Simulators, free_port
from tests.services import LOCAL_POSTGRES_URL, LOCAL_RABBITMQ_URL

BIN = Path(sys.executable).parent
SERVER_URL = LOCAL_POSTGRES_URL
RABBITMQ_URL = LOCAL_RABBITMQ_URL
#: The site user's visitor in the Mahak simulator: invoices and the visitor-scoped lists belong to it.
ROLES = ("api", "scheduler", "worker", "exporter")


@dataclass(frozen=True)
class Shape:
    """How many processes of each role, and how the run is paced."""

    products: int
    orders: int
    gateways: int = 2
    schedulers: int = 2
    workers: int = 3
    exporters: int = 2
    #: Seconds between kills (each gap drawn from 0.7–1.3 times this).
    kill_every_s: float = 4.0
    #: Kills at least this many times, and keeps killing while the load runs.
    min_kills: int = 8
    #: Seconds from a process's death to its replacement's start (Kubernetes' restart, much shortened).
    restart_delay_s: float = 1.0
    #: Seconds between sync cycles of the leading scheduler.
    sync_interval_s: float = 5.0
    #: Seconds after which the killer stops even if the load is still running (a bound, never reached normally).
    kill_phase_max_s: float = 900.0
    buyer_concurrency: int = 8
    #: Seconds between buyers' arrivals (0: as fast as ``buyer_concurrency`` allows).
    buyer_arrival_s: float = 0.0
    seed: int = 1

    def replicas(self, role: str) -> int:
        return {"api": self.gateways, "scheduler": self.schedulers, "worker": self.workers, "exporter": self.exporters}[
            role
        ]


# -- the database and the broker --------------------------------------------------------------------------


async def delete_queues(prefix: str) -> int:
    """Delete every RabbitMQ queue named ``<prefix>.…``, off the event loop."""
    return await asyncio.to_thread(containers.delete_queues, prefix)


# -- processes ----------------------------------------------------------------------------------------------


@dataclass
class Incarnation:
    """One OS process of one replica; a restart is a new incarnation with a new pid."""

    role: str
    slot: int
    popen: subprocess.Popen
    started_at: float
    killed_at: float | None = None
    exited_at: float | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class Kill:
    at: float
    role: str
    slot: int
    pid: int


@dataclass
class Supervisor:
    """Starts every replica, restarts any that exits (unless stopping), and records every incarnation."""

    env_of: Callable[[str, int], dict[str, str]]
    logs: Path
    restart_delay_s: float
    current: dict[tuple[str, int], Incarnation] = field(default_factory=dict)
    history: list[Incarnation] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    unexpected_exits: list[tuple[str, int, int]] = field(default_factory=list)
    stopping: bool = False

    def start(self, role: str, slot: int) -> Incarnation:
        log = open(self.logs / f"{role}-{slot}.log", "ab")
        popen = subprocess.Popen(
            [str(BIN / "hamgam"), role],
            env=self.env_of(role, slot),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.logs,
        )
        log.close()
        incarnation = Incarnation(role, slot, popen, time.monotonic())
        self.current[(role, slot)] = incarnation
        self.history.append(incarnation)
        return incarnation

    def by_pid(self) -> dict[int, Incarnation]:
        return {i.pid: i for i in self.history}

    def alive(self, role: str) -> list[Incarnation]:
        return [i for (r, _), i in self.current.items() if r == role and i.alive]

    def kill(self, incarnation: Incarnation) -> Kill:
        kill = Kill(time.monotonic(), incarnation.role, incarnation.slot, incarnation.pid)
        incarnation.killed_at = kill.at
        os.kill(incarnation.pid, signal.SIGKILL)
        self.kills.append(kill)
        return kill

    async def watch(self) -> None:
        """Restart exited replicas until ``stopping``; an exit nobody asked for is recorded."""
        restarting: set[tuple[str, int]] = set()

        async def restart(key: tuple[str, int]) -> None:
            await asyncio.sleep(self.restart_delay_s)
            if not self.stopping:
                self.start(*key)
            restarting.discard(key)

        tasks = []
        while not self.stopping:
            for key, incarnation in list(self.current.items()):
                if incarnation.alive or key in restarting:
                    continue
                if incarnation.exited_at is None:
                    incarnation.exited_at = time.monotonic()
                    if incarnation.killed_at is None:
                        self.unexpected_exits.append((*key, incarnation.popen.returncode))
                restarting.add(key)
                tasks.append(asyncio.create_task(restart(key)))
            await asyncio.sleep(0.1)
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop_all(self, timeout_s: float = 30.0) -> dict[str, int | None]:
        """SIGTERM every live process, then SIGKILL what is still there after ``timeout_s``."""
        self.stopping = True
        live = [i for i in self.current.values() if i.alive]
        for incarnation in live:
            incarnation.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        codes: dict[str, int | None] = {}
        for incarnation in live:
            try:
                codes[f"{incarnation.role}-{incarnation.slot}"] = incarnation.popen.wait(
                    max(0.1, deadline - time.monotonic())
                )
            except subprocess.TimeoutExpired:
                incarnation.popen.kill()
                incarnation.popen.wait(10)
                codes[f"{incarnation.role}-{incarnation.slot}"] = None
        return codes


async def kill_at_random(
    supervisor: Supervisor,
    shape: Shape,
    done: Callable[[], bool],
    ready: Callable[[Incarnation], Awaitable[bool]],
    note: Callable[[str], None],
) -> None:
    """SIGKILL a random live process of a random role every ``kill_every_s`` (jittered) until ``done()`` and at
    least ``min_kills`` kills, or ``kill_phase_max_s``; every role is hit first, in random order. A replica is
    killed only while every replica of its role is up and another is ready, as a PodDisruptionBudget of one
    would allow."""
    rnd = random.Random(shape.seed)
    first_round = rnd.sample(ROLES, len(ROLES))
    deadline = time.monotonic() + shape.kill_phase_max_s
    while not (done() and len(supervisor.kills) >= shape.min_kills) and time.monotonic() < deadline:
        await asyncio.sleep(shape.kill_every_s * rnd.uniform(0.7, 1.3))
        role = first_round[0] if first_round else rnd.choice(ROLES)
        alive = supervisor.alive(role)
        ready_ones = [i for i in alive if await ready(i)]
        if len(alive) < shape.replicas(role) or len(ready_ones) < 2:
            note(f"not killing {role}: {len(alive)} up, {len(ready_ones)} ready")
            continue
        kill = supervisor.kill(rnd.choice(ready_ones))
        note(f"killed {kill.role}-{kill.slot} (pid {kill.pid})")
        if first_round:
            first_round.pop(0)


# -- the cluster --------------------------------------------------------------------------------------------


@dataclass
class Cluster:
    """Everything of one run: where it listens, its processes, and the environment every role gets."""

    shape: Shape
    database_url: str
    queue_prefix: str
    sims: Simulators
    work_dir: Path
    balancer_port: int
    gateway_ports: list[int]
    person_group_id: int
    supervisor: Supervisor = field(init=False)
    balancer: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(self.env_of, self.work_dir, self.shape.restart_delay_s)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.balancer_port}/api/v1"

    def env_of(self, role: str, slot: int) -> dict[str, str]:
        env = {
            **os.environ,
            "HAMGAM_DATABASE_URL": self.database_url,
            "HAMGAM_RABBITMQ_URL": RABBITMQ_URL,
            "HAMGAM_QUEUE_PREFIX": self.queue_prefix,
            "HAMGAM_DATA_DIR": str(self.work_dir / "data"),
            "HAMGAM_STORAGE__BACKEND": "local",
            "HAMGAM_STORAGE__LOCAL_DIR": str(self.work_dir / "objects"),
            "HAMGAM_MAHAK__BASE_URL": self.sims.mahak_url,
            # The simulator is local: the shared token bucket would only pace the benchmark, not protect Mahak.
            "HAMGAM_MAHAK__RATE_PER_S": "500",
            "HAMGAM_MAHAK__RATE_BURST": "500",
            "HAMGAM_PAYMENTS__BASE_URL": f"http://127.0.0.1:{self.sims.zarinpal_port}",
            "HAMGAM_PAYMENTS__CALLBACK_URL": f"{self.api_url}/payments/callback",
            "HAMGAM_SHOP__PUBLIC_BASE_URL": f"http://127.0.0.1:{self.balancer_port}",
            "HAMGAM_SMS__BASE_URL": f"http://127.0.0.1:{self.sims.sms_port}",
            "HAMGAM_AUTH__JWT_SECRET": "scaled-out-test-secret-0123456789abcdef",
            # Every buyer reaches the gateways from 127.0.0.1 through the balancer, as behind a Service without
            # X-Forwarded-For: the per-address login, code and cart limits would count all of them as one client.
            "HAMGAM_AUTH__LOGIN_ATTEMPTS": "10000",
            "HAMGAM_AUTH__OTP_SENDS": "10000",
            "HAMGAM_SHOP__CART_CREATES": "10000",
            "HAMGAM_SYNC__INTERVAL_S": str(self.shape.sync_interval_s),
            "HAMGAM_SYNC__WORKERS": "2",
            "HAMGAM_EXPORT__PERSON_GROUP_ID": str(self.person_group_id),
            # Health/metrics listeners: off (port 0), so replicas on one machine do not collide.
            "HAMGAM_HEALTH_PORT": "0",
            "HAMGAM_LOG_LEVEL": "WARNING",
            "HAMGAM_LOG_JSON": "true",
        }
        if role == "api":
            env |= {"HAMGAM_API_HOST": "127.0.0.1", "HAMGAM_API_PORT": str(self.gateway_ports[slot])}
        return env

    def start_roles(self) -> None:
        for role in ROLES:
            for slot in range(self.shape.replicas(role)):
                self.supervisor.start(role, slot)
        self.balancer = start_balancer(self.balancer_port, self.gateway_ports, self.work_dir)

    async def gateway_ready(self, incarnation: Incarnation) -> bool:
        """A gateway is ready when its own port answers ``/healthz``; other roles when their process lives."""
        if not incarnation.alive:
            return False
        if incarnation.role != "api":
            return True
        try:
            async with httpx2.AsyncClient(timeout=2) as http:
                answer = await http.get(f"http://127.0.0.1:{self.gateway_ports[incarnation.slot]}/healthz")
            return answer.status_code == 200
        except httpx2.HTTPError:
            return False

    async def wait_gateways(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            states = [await self.gateway_ready(i) for i in self.supervisor.alive("api")]
            if len(states) == self.shape.gateways and all(states):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError(f"gateways not ready within {timeout_s} s; logs in {self.work_dir}")

    def stop(self) -> dict[str, int | None]:
        codes = self.supervisor.stop_all()
        if self.balancer is not None:
            self.balancer.terminate()
            self.balancer.wait(10)
        return codes


def lowest_person_group(mahak_url: str) -> int:
    """What the exporter would default to once PersonGroup is synced; set explicitly so orders paid while the
    first sync is still on the products are exported rather than refused."""
    from hamgam_sim.mahak.control import ControlClient

    with ControlClient(mahak_url) as control:
        return min(r["PersonGroupId"] for r in control.rows("PersonGroup", live=True))


@contextlib.asynccontextmanager
async def running_cluster(shape: Shape, *, db_prefix: str, queue_prefix: str, keep_logs: bool = False):
    """A database (migrated), a queue prefix and the simulators, ready for ``Cluster.start_roles``; everything,
    the processes included, is torn down afterwards."""
    work_dir = Path(tempfile.mkdtemp(prefix="hamgam-scaled-"))
    sims = Simulators.start(shape.products, work_dir)
    cluster = None
    try:
        with containers.empty_database(db_prefix) as database_url:
            await asyncio.to_thread(
                subprocess.run,
                [str(BIN / "hamgam"), "migrate"],
                check=True,
                capture_output=True,
                timeout=300,
                env={**os.environ, "HAMGAM_DATABASE_URL": database_url, "HAMGAM_LOG_LEVEL": "WARNING"},
            )
            cluster = Cluster(
                shape,
                database_url,
                queue_prefix,
                sims,
                work_dir,
                free_port(),
                [free_port() for _ in range(shape.gateways)],
                lowest_person_group(sims.mahak_url),
            )
            try:
                yield cluster
            finally:
                cluster.stop()
    finally:
        sims.stop()
        with contextlib.suppress(Exception):
            await delete_queues(queue_prefix)
        if not keep_logs:
            import shutil

            shutil.rmtree(work_dir, ignore_errors=True)
