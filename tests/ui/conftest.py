"""Browser tests: the gateway with its pages served by uvicorn (``hamgam api``, a subprocess) on a free loopback
port, the Mahak, Zarinpal and SMS simulators on threads, a fresh database with a small catalogue, and Debian's
Chromium driven by Playwright (never ``playwright install``: ``executable_path=/usr/bin/chromium``).

The catalogue is written straight into the database; the Mahak simulator starts with no products (so no sync can
touch the seeded ones), and a test that needs the sync adds its rows there and calls ``LiveShop.sync``.

Every test fails on a server error (HTTP 5xx), a console error or an uncaught page error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2
import pytest

from tests.conftest import fresh_database
from tests.services import missing

if TYPE_CHECKING:
    from hamgam.settings import Settings
    from hamgam_sim.mahak.control import ControlClient

CHROMIUM = os.environ.get("HAMGAM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STAFF_MOBILE = "09120000001"
STAFF_PASSWORD = "staff-password-1"
JWT_SECRET = "ui-test-secret-" + "y" * 40
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        missing(f"Chromium at {CHROMIUM} (scripts/test.sh installs Debian's package)")


@dataclass
class LiveShop:
    base_url: str
    database_url: str
    sms: object
    zarinpal: object
    #: The Mahak simulator's control API: its rows change as the desktop app would change them.
    mahak: ControlClient
    #: The gateway's environment, for a sync run against the same database and simulator.
    env: dict[str, str]

    def sync(self, *entities: str) -> list[dict[str, object]]:
        """Sync ``entities`` from the Mahak simulator now, as ``hamgam sync run --entity`` does (the fetcher and a
        worker pool, in a thread of this process); returns each run's status and counts."""
        with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps a loop running in this thread
            return pool.submit(asyncio.run, _sync(self.env, entities)).result()

    def otp(self, mobile: str, *, within: float = 60) -> str:
        deadline = time.monotonic() + within
        while not (code := self.sms.last_otp(mobile)):  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, f"no one-time code sent to {mobile}"
            time.sleep(0.1)
        return code

    def texted(self, mobile: str, containing: str, *, within: float = 60) -> str:
        """The text message to ``mobile`` that holds ``containing`` (its digits read as Latin ones), waited for."""
        from hamgam.domain.persian import to_latin_digits

        deadline = time.monotonic() + within
        while True:
            texts = [m["text"] for m in self.sms.outbox(mobile)]  # type: ignore[attr-defined]
            for text in texts:
                if containing in to_latin_digits(text):
                    return text
            assert time.monotonic() < deadline, f"no text to {mobile} with {containing!r}: {texts}"
            time.sleep(0.5)


def _settings(env: dict[str, str]) -> Settings:
    """Settings for a container of the test process on the gateway's database and simulators (the links in
    texts point at the gateway)."""
    from hamgam.settings import Settings

    return Settings(
        database_url=env["HAMGAM_DATABASE_URL"],
        api_host=env["HAMGAM_API_HOST"],
        api_port=int(env["HAMGAM_API_PORT"]),
        auth={"jwt_secret": JWT_SECRET},
        mahak={"base_url": env["HAMGAM_MAHAK__BASE_URL"]},
        payments={"provider": "memory"},
        sms={"provider": "memory"},
        storage={"backend": "memory"},
        data_dir=env["HAMGAM_DATA_DIR"],
    )


async def _prepare(env: dict[str, str], *, seed: bool = True) -> None:
    """The staff member who signs in, and (with ``seed``) the small catalogue, sync history and a dead letter."""
    from hamgam.bootstrap import build
    from tests.web.seed import seed_catalogue, seed_dead_letter, seed_sync_runs

    container = await build(_settings(env))
    try:
        if seed:
            await seed_catalogue(container.engine)
        await container.store.accounts.ensure_staff(STAFF_MOBILE, STAFF_PASSWORD)
        if seed:
            await seed_sync_runs(container.engine)
            await seed_dead_letter(container.engine)
    finally:
        await container.aclose()


def prepare(env: dict[str, str], *, seed: bool = True) -> None:
    """``_prepare`` for the shop whose server environment is ``env`` (``shop_env``)."""
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps a loop running in this thread
        pool.submit(asyncio.run, _prepare(env, seed=seed)).result()


async def _sync(env: dict[str, str], entities: tuple[str, ...]) -> list[dict[str, object]]:
    from hamgam.bootstrap import build

    container = await build(_settings(env))
    worker = container.worker()
    worker_task = asyncio.create_task(worker.run())
    try:
        results = [await container.fetcher.run(entity, "incremental") for entity in entities]
    finally:
        worker.stop()
        await asyncio.wait_for(worker_task, 60)
        await container.aclose()
    return [{"entity": r.entity, "status": r.status, **r.stats} for r in results]


def shop_env(
    database_url: str, data_dir: Path, port: int, *, sms_url: str, payments_url: str, mahak_url: str, **extra: str
) -> dict[str, str]:
    """The environment of a shop's server process for these tests."""
    return {
        **os.environ,
        "HAMGAM_DATABASE_URL": database_url,
        "HAMGAM_API_HOST": "127.0.0.1",
        "HAMGAM_API_PORT": str(port),
        "HAMGAM_HEALTH_PORT": "0",
        "HAMGAM_DATA_DIR": str(data_dir),
        "HAMGAM_AUTH__JWT_SECRET": JWT_SECRET,
        "HAMGAM_AUTH__RATE_LIMIT_BACKEND": "memory",
        # the staff member signs in (password and a texted code) once per admin test of the session: the limits
        # on attempts and texted codes are set above the number of admin tests
        "HAMGAM_AUTH__OTP_SENDS": "500",
        "HAMGAM_AUTH__LOGIN_ATTEMPTS": "500",
        "HAMGAM_PAYMENTS__BASE_URL": payments_url,
        "HAMGAM_SMS__BASE_URL": sms_url,
        "HAMGAM_MAHAK__BASE_URL": mahak_url,
        "HAMGAM_STORAGE__LOCAL_DIR": str(data_dir / "objects"),
        "HAMGAM_LOG_LEVEL": "WARNING",
        "HAMGAM_LOG_JSON": "true",
        **extra,
    }


@contextlib.contextmanager
def serving(args: list[str], env: dict[str, str], data_dir: Path) -> Iterator[str]:
    """``hamgam <args>`` in a subprocess until the block ends; yields its base URL once it answers ``/healthz``.
    On the way out its log must hold no error."""
    log_path = data_dir / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("hamgam")), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    base_url = f"http://127.0.0.1:{env['HAMGAM_API_PORT']}"
    try:
        deadline = time.monotonic() + 240  # a loaded machine takes a minute just to import the app
        while True:
            try:
                if httpx2.get(base_url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        errors = [
            line for line in log_path.read_text().splitlines() if '"level": "error"' in line or "Traceback" in line
        ]
        assert not errors, "server errors:\n" + "\n".join(errors[:20])


@pytest.fixture(scope="session")
def live_shop(
    postgres_server_url: str, migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveShop]:
    require_chromium()
    from hamgam_sim.mahak.server import serve_in_thread as serve_mahak
    from hamgam_sim.mahak.simulator import MahakSimulator
    from hamgam_sim.sms.server import serve_in_thread as serve_sms
    from hamgam_sim.zarinpal.server import serve_in_thread as serve_zarinpal

    data_dir = tmp_path_factory.mktemp("hamgam-ui")
    with (
        fresh_database(postgres_server_url, migrated_template) as database_url,
        serve_zarinpal() as zarinpal,
        serve_sms() as sms,
        serve_mahak(MahakSimulator(products=0)) as mahak,
    ):
        env = shop_env(
            database_url,
            data_dir,
            free_port(),
            sms_url=sms.base_url,
            payments_url=zarinpal.base_url,
            mahak_url=mahak.base_url,
        )
        prepare(env)
        with serving(["api"], env, data_dir) as base_url:
            yield LiveShop(base_url, database_url, sms.control, zarinpal.control, mahak.control, env)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def base_url(live_shop: LiveShop) -> str:
    return live_shop.base_url


@pytest.fixture(scope="package")
def browser_context_args(base_url: str) -> dict:
    return {
        "base_url": base_url,
        "locale": "fa-IR",
        "timezone_id": "Asia/Tehran",
        "viewport": {"width": 390, "height": 844},
    }


@pytest.fixture(autouse=True)
def no_errors(page) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Collect console errors, page errors and 5xx answers; the test fails if there is any."""
    problems: list[str] = []

    def console(message) -> None:  # type: ignore[no-untyped-def]
        # Chromium asks every origin for /favicon.ico; the simulated bank page has none (not our page).
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console {message.type}: {message.text} at {message.location.get('url')}")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    yield problems
    assert not problems, "\n".join(problems)


# pytest-playwright keeps its sync API (and the asyncio loop under it) alive for the whole session; async tests
# collected after this package would then find a running loop. These overrides give the browser this package's
# lifetime instead.
@pytest.fixture(scope="package")
def playwright(_pw_api_request_contexts):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="package")
def browser_type(playwright, browser_name: str):  # type: ignore[no-untyped-def]
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args: dict, browser_type):  # type: ignore[no-untyped-def]
    return lambda **kwargs: browser_type.launch(**{**browser_type_launch_args, **kwargs})


@pytest.fixture(scope="package")
def browser(launch_browser):  # type: ignore[no-untyped-def]
    browser = launch_browser()
    yield browser
    browser.close()
