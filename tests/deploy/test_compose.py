"""The compose stack, end to end: `podman-compose -f compose.yaml -f compose.host.yaml` runs every role and the
simulators from the image, on the host's PostgreSQL and RabbitMQ and an S3 server from PyPI (moto); a buyer then
goes through the store API of the running containers, from the synced catalogue to the invoice in Mahak.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx2
import pytest
import yaml

from hamgam_sim.mahak.control import ControlClient
from tests.deploy.containers import (
    BUILD_LOG,
    PODMAN_COMPOSE,
    REPO,
    build_image,
    delete_queues,
    empty_database,
    free_port,
    require_host_servers,
    run,
    wait_until,
)
from tests.services import missing

ARTIFACTS = REPO / "tests" / "artifacts"
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
ROLES = ("api", "scheduler", "worker", "exporter")
SIMULATORS = ("mahak-sim", "zarinpal-sim", "sms-sim")
#: Products in the Mahak simulator: a real catalogue, small enough for a quick first sync.
PRODUCTS = 60
#: The S3 bucket compose.yaml names by default.
BUCKET = "hamgam"
MOBILE = "09121234567"
ADDRESS = {
    "recipient_name": "سارا محمدی",
    "mobile": "۰۹۱۲۱۲۳۴۵۶۷",
    "province": "تهران",
    "city": "تهران",
    "line": "خیابان ولیعصر، پلاک ۱۲",
    "postal_code": "۱۴۳۴۸۶۳۱۱۱",
}
#: Mahak's order type of a sales invoice (the exporter's default).
SALES_INVOICE = 201
#: Ports the override takes from the environment, one per listening process on the host network.
PORT_VARIABLES = (
    "HOST_API_PORT",
    "HOST_API_HEALTH_PORT",
    "HOST_SCHEDULER_HEALTH_PORT",
    "HOST_WORKER_HEALTH_PORT",
    "HOST_EXPORTER_HEALTH_PORT",
    "HOST_MAHAK_PORT",
    "HOST_ZARINPAL_PORT",
    "HOST_SMS_PORT",
)


@dataclass
class Stack:
    project: str
    ports: dict[str, int]

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.ports['HOST_API_PORT']}"

    @property
    def mahak(self) -> str:
        return f"http://127.0.0.1:{self.ports['HOST_MAHAK_PORT']}"

    @property
    def sms(self) -> str:
        return f"http://127.0.0.1:{self.ports['HOST_SMS_PORT']}"

    def health(self, role: str) -> str:
        return f"http://127.0.0.1:{self.ports[f'HOST_{role.upper()}_HEALTH_PORT']}"

    def container(self, service: str) -> str:
        return f"{self.project}_{service}_1"


@contextlib.contextmanager
def moto_s3(port: int, log: IO[str]) -> Iterator[str]:
    """An S3 server from PyPI (moto, in the dev tools) with the bucket the stack stores images in."""
    process = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx2.put(f"{endpoint}/{BUCKET}", timeout=2).status_code == 200, 30, "moto_server")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def compose_env(ports: dict[str, int], database_url: str, queue_prefix: str, s3_endpoint: str) -> dict[str, str]:
    """podman-compose's environment: the test's ports and names, and none of the caller's HAMGAM_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAMGAM_", "HOST_", "COMPOSE_"))}
    env.update({name: str(port) for name, port in ports.items()})
    env.update(
        # The bundled servers' passwords: compose.yaml requires them; the host's servers do not use them.
        POSTGRES_PASSWORD="unused",
        RABBITMQ_PASSWORD="unused",
        MINIO_ROOT_PASSWORD="unused",
        HAMGAM_AUTH__JWT_SECRET=secrets.token_urlsafe(48),
        HAMGAM_QUEUE_PREFIX=queue_prefix,
        HAMGAM_SIM_PRODUCTS=str(PRODUCTS),
        HOST_DATABASE_URL=database_url,
        HOST_S3_ENDPOINT=s3_endpoint,
    )
    return env


def save_logs(project: str, log: IO[str]) -> None:
    names = run(
        "podman",
        "ps",
        "-a",
        "--filter",
        f"label=io.podman.compose.project={project}",
        "--format",
        "{{.Names}}",
        check=False,
    ).stdout.split()
    for name in names:
        done = run("podman", "logs", "--tail", "200", name, check=False)
        log.write(f"\n===== {name} =====\n{done.stdout}{done.stderr}")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """The stack up (image built or taken from podman's cache), then down with its volumes, database and queues."""
    require_host_servers()
    if shutil.which("rabbitmqctl") is None:
        missing("rabbitmqctl (the test deletes its queues with it)")
    if not MOTO_SERVER.exists():
        missing("moto_server (./scripts/setup.sh installs the dev tools)")
    build_image(BUILD_LOG)
    project = f"hamgamt{uuid.uuid4().hex[:8]}"
    queue_prefix = f"t{uuid.uuid4().hex[:10]}"
    ports = {name: free_port() for name in PORT_VARIABLES}
    compose = [
        PODMAN_COMPOSE,
        "--env-file",
        "/dev/null",
        "-f",
        "compose.yaml",
        "-f",
        "compose.host.yaml",
        "-p",
        project,
        "--profile",
        "demo",
    ]
    with (
        (ARTIFACTS / f"compose-{project}.log").open("w") as log,
        empty_database("hamgam_compose") as database_url,
        moto_s3(free_port(), log) as s3_endpoint,
    ):
        env = compose_env(ports, database_url, queue_prefix, s3_endpoint)
        try:
            log.flush()
            up = subprocess.run(
                [*compose, "up", "-d"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=300,
                check=False,
            )
            assert up.returncode == 0, f"podman-compose up exited {up.returncode}; see {log.name}"
            yield Stack(project, ports)
        finally:
            save_logs(project, log)
            log.flush()
            subprocess.run(
                [*compose, "down", "-t", "5", "-v"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=180,
                check=False,
            )
            log.write(f"\ndeleted {delete_queues(queue_prefix)} RabbitMQ queues named {queue_prefix}.*\n")


def compose_services(name: str) -> dict[str, dict[str, Any]]:
    """The services of a compose file as written (YAML anchors merged; its `!reset` and `!override` tags read as
    (tag name, value) pairs)."""

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> tuple[str, Any]:
        if isinstance(node, yaml.SequenceNode):
            return tag, loader.construct_sequence(node, deep=True)
        if isinstance(node, yaml.MappingNode):
            return tag, loader.construct_mapping(node, deep=True)
        return tag, loader.construct_scalar(node)

    Loader.add_multi_constructor("!", tagged)
    return yaml.load((REPO / name).read_text(), Loader=Loader)["services"]


def test_compose_runs_every_role_read_only_after_the_migration() -> None:
    # when compose.yaml is read
    services = compose_services("compose.yaml")
    # then each role runs its command from the one image, read-only, with /tmp and /data writable, its secret
    # from the environment and its health probe on the health port, once the migration has completed
    for role in ROLES:
        service = services[role]
        assert service["command"] == [role]
        assert service["read_only"] is True and "/tmp" in service["tmpfs"] and "hamgam-data:/data" in service["volumes"]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "HAMGAM_HEALTH_PORT" in " ".join(service["healthcheck"]["test"])
        assert service["environment"]["HAMGAM_AUTH__JWT_SECRET"].startswith("${HAMGAM_AUTH__JWT_SECRET:?")
    assert services["migrate"]["command"] == ["migrate"] and services["migrate"]["restart"] == "no"
    # and the servers are the official images, each with a health check the roles wait for
    for server, image in (("postgres", "postgres:15"), ("rabbitmq", "rabbitmq:3"), ("minio", "quay.io/minio/minio:")):
        assert services[server]["image"].startswith(image) and services[server]["healthcheck"]["test"]
    # and the simulators are the demo profile only
    assert all(services[sim]["profiles"] == ["demo"] for sim in SIMULATORS)


def test_host_override_drops_the_bundled_servers_and_uses_the_host_network() -> None:
    # when compose.host.yaml is read
    services = compose_services("compose.host.yaml")
    # then the bundled servers sit in a profile never started, and everything else runs on the host network
    for server in ("postgres", "rabbitmq", "minio", "minio-init"):
        assert services[server] == {"profiles": ["bundled-servers"]}
    for name in (*ROLES, "migrate", *SIMULATORS):
        assert services[name]["network_mode"] == "host"
        assert services[name]["image"] == "${HAMGAM_IMAGE:-localhost/hamgam:ci}"
    assert services["api"]["ports"] == ("reset", [])
    # and the roles wait only for the migration, as the host's servers are no services here
    assert all(services[role]["depends_on"] == ("override", ["migrate"]) for role in ROLES)
    # and each long-running role has a health port of its own
    health_ports = [services[role]["environment"]["HAMGAM_HEALTH_PORT"] for role in ROLES]
    assert len(set(health_ports)) == len(ROLES)


def ready(url: str) -> bool:
    return httpx2.get(f"{url}/readyz", timeout=5).status_code == 200


def test_every_role_and_simulator_is_ready(stack: Stack) -> None:
    # when the stack is up
    for role in ROLES:
        wait_until(lambda role=role: ready(stack.health(role)), 120, f"{role} /readyz on its health port")
    # then the gateway answers on its API port too, and the compose health checks pass in every container
    assert ready(stack.api)
    for service in (*ROLES, *SIMULATORS):
        checked = run("podman", "healthcheck", "run", stack.container(service), check=False)
        assert checked.returncode == 0, f"{service}: {checked.stdout}{checked.stderr}"
    # and the migration ran once and exited 0
    migrate = run("podman", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", stack.container("migrate"))
    assert migrate.stdout.split() == ["exited", "0"]


def test_buyer_journey_ends_as_an_invoice_in_mahak(stack: Stack) -> None:
    wait_until(lambda: ready(stack.api), 120, "the gateway's /readyz")
    mahak = ControlClient(stack.mahak)
    api = httpx2.Client(base_url=f"{stack.api}/api/v1", timeout=30)
    with mahak, api:
        # given the Mahak catalogue synced into the store (by the scheduler's first cycle, or else by this
        # `hamgam sync run` inside the worker's container: both are incremental from the same cursors)
        run("podman", "exec", stack.container("worker"), "hamgam", "sync", "run", timeout_s=150)
        products = api.get("/products", params={"in_stock": "true", "per_page": 100}).json()
        mahak_products = {row["ProductId"] for row in mahak.rows("Product", live=True)}
        assert products["total"] > 0
        assert {item["product_id"] for item in products["items"]} <= mahak_products
        product = products["items"][0]["product_id"]
        detail = api.get(f"/products/{product}").json()["details"][0]["detail_id"]

        # when a buyer logs in with a one-time code the SMS simulator received
        assert api.post("/auth/otp/request", json={"mobile": MOBILE}).status_code == 202
        code = httpx2.get(f"{stack.sms}/_control/otp", params={"mobile": MOBILE}, timeout=10).json()["code"]
        tokens = api.post("/auth/otp/verify", json={"mobile": MOBILE, "code": code}).json()
        api.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        # and orders two of the product, checks out and pays on the Zarinpal simulator's StartPay page
        cart = api.put(f"/cart/lines/{detail}", json={"quantity": 2})
        assert cart.status_code == 200, cart.text
        order = api.post("/checkout", json={"shipping_method": "post", "address": ADDRESS})
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
        orders_before = {row["OrderId"] for row in mahak.rows("Order", live=True)}
        redirect = api.post(f"/orders/{order_id}/pay").json()["redirect_url"]
        outcome = httpx2.post(f"{redirect}/pay", follow_redirects=True, timeout=30)

        # then the store verified the payment and the order is paid
        assert outcome.status_code == 200, outcome.text
        assert outcome.json()["payment_status"] == "paid"
        assert outcome.json()["order_status"] == "paid"
        # and the exporter container sends it to Mahak as one sales invoice with the buyer's line
        invoices = wait_until(lambda: new_invoices(mahak, orders_before), 120, "the invoice in the Mahak simulator")
        assert len(invoices) == 1, invoices
        [invoice] = invoices
        lines = [row for row in mahak.rows("OrderDetail", live=True) if row["OrderId"] == invoice["OrderId"]]
        assert [(line["ProductDetailId"], line["Count1"]) for line in lines] == [(detail, 2)]
        status = wait_until(
            lambda: order_status(api, order_id, {"sent_to_accounting", "invoiced"}),
            60,
            "the order's status after the export",
        )
        assert status in {"sent_to_accounting", "invoiced"}


def new_invoices(mahak: ControlClient, before: set[int]) -> list[dict[str, Any]]:
    return [
        row
        for row in mahak.rows("Order", live=True)
        if row["OrderId"] not in before and row["OrderType"] == SALES_INVOICE
    ]


def order_status(api: httpx2.Client, order_id: int, wanted: set[str]) -> str | None:
    status = api.get(f"/orders/{order_id}").json()["status"]
    return status if status in wanted else None
