"""``hamgam up``: every role of Hamgam in one process tree, on the embedded defaults where nothing is configured.

With no database URL it starts the embedded PostgreSQL; with no Mahak URL it starts the Mahak simulator with
demo data (kept in ``data_dir`` across restarts) and points every role at it; with no RabbitMQ URL the
PostgreSQL-backed queue carries the batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from rich.console import Console

from hamgam.bootstrap import mahak_base_url
from hamgam.entrypoints.database import database
from hamgam.entrypoints.roles import ROLES
from hamgam.entrypoints.runtime import run_roles
from hamgam.settings import Settings

#: The simulated Mahak's database, under ``data_dir``.
SIMULATOR_DIR = "mahak-simulator"


def up(settings: Settings, roles: tuple[str, ...] = ROLES) -> None:
    console = Console(stderr=True)
    embedded_database = not settings.database_url
    # a SIGTERM before the roles take it over (``run_roles``) still unwinds what was started: the embedded
    # PostgreSQL stops cleanly and the simulator saves its database
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with contextlib.ExitStack() as stack:
        settings = stack.enter_context(database(settings))
        simulated_mahak = not settings.mahak.base_url
        if simulated_mahak:
            from hamgam_sim.mahak.server import serve_in_thread
            from hamgam_sim.mahak.simulator import MahakSimulator

            # its database lives next to the store's, so a restart finds both where they were
            simulator = MahakSimulator(
                products=settings.mahak.simulator_products, state_dir=settings.data_dir / SIMULATOR_DIR
            )
            stack.callback(simulator.close)
            running = stack.enter_context(serve_in_thread(simulator, port=settings.mahak.simulator_port))
            settings = settings.model_copy(
                update={"mahak": settings.mahak.model_copy(update={"base_url": running.base_url})}
            )
        if not settings.payments.base_url and settings.payments.provider == "zarinpal":
            from hamgam_sim.zarinpal.server import serve_in_thread as serve_zarinpal

            stack.enter_context(serve_zarinpal(settings.payments.simulator_port))
        if not settings.sms.base_url and settings.sms.provider != "memory":
            from hamgam_sim.sms.server import serve_in_thread as serve_sms

            stack.enter_context(serve_sms(settings.sms.simulator_port))
        _print_plan(console, settings, roles, embedded_database, simulated_mahak=simulated_mahak)
        asyncio.run(run_roles(settings, roles))


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _print_plan(
    console: Console,
    settings: Settings,
    roles: tuple[str, ...],
    embedded_database: bool,
    *,
    simulated_mahak: bool = False,
) -> None:
    queue = f"RabbitMQ {_safe(settings.rabbitmq_url)}" if settings.rabbitmq_url else "PostgreSQL-backed queue"
    simulator = (
        f" (simulator with demo data kept in {settings.data_dir / SIMULATOR_DIR}; control API at /_control)"
        if simulated_mahak
        else ""
    )
    console.print("[bold]Hamgam is up[/bold]")
    console.print(f"  PostgreSQL : {_safe(settings.database_url)}{' (embedded)' if embedded_database else ''}")
    console.print(f"  queue      : {queue}")
    console.print(f"  Mahak      : {mahak_base_url(settings)}{simulator}")
    console.print(f"  roles      : {', '.join(roles)}")
    if "api" in roles or "core" in roles:
        base = f"http://{settings.api_host}:{settings.api_port}"
        console.print(f"  store API  : {base}/api/v1  (OpenAPI: {base}/api/docs)")
        if "api" in roles and settings.web.enabled:
            console.print(f"  storefront : {base}/")
            console.print(
                f"  admin      : {base}/admin  (first admin: hamgam admin create --mobile 09... --password ...)"
            )
    if not settings.payments.base_url:
        console.print(f"  payments   : Zarinpal simulator at http://127.0.0.1:{settings.payments.simulator_port}")
    if not settings.sms.base_url:
        console.print(
            f"  SMS        : SMS simulator at http://127.0.0.1:{settings.sms.simulator_port} "
            "(one-time codes: /_control/otp?mobile=09...)"
        )
    if settings.health_port:
        health = f"http://{settings.health_host}:{settings.health_port}"
        console.print(f"  health     : {health}/healthz, {health}/readyz, {health}/metrics")
    console.print("  stop with Ctrl-C")


def _safe(url: str | None) -> str:
    if not url:
        return "-"
    from hamgam.adapters.db.engine import masked_url

    return masked_url(url)
