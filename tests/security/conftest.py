"""Shared fixtures of the security suite: the gateway app (API and pages) on a fresh database, one person of each
role with their tokens, and page clients holding a logged-in web session and its CSRF token.

Tokens are minted by the app's own ``TokenService`` in ONE helper (``issue_tokens``), so a change to how
sessions are started (for example a second factor recorded with staff sessions) is adapted in one place.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx2
import pytest
from fastapi import FastAPI

from hamgam.bootstrap import Container, build
from hamgam.domain.accounts import Factor, Role
from hamgam.entrypoints.api.app import create_app
from hamgam.entrypoints.web.session import COOKIE, WebSession
from hamgam.services.auth.tokens import TokenPair
from tests.api.conftest import api_settings
from tests.conftest import fresh_database
from tests.store.conftest import add_customer
from tests.web.seed import seed_catalogue

BASE_URL = "http://shop.test"
#: A port nothing listens on: Mahak calls from admin actions fail at once instead of waiting on a simulator.
CLOSED_MAHAK = {"base_url": "http://127.0.0.1:9", "read_attempts": 1, "connect_timeout_s": 1.0, "timeout_s": 2.0}
#: A product detail of the seeded catalogue that is on sale with stock.
ON_SALE_DETAIL = 1011


async def issue_tokens(container: Container, customer_id: int) -> TokenPair:
    """The one place tests start a session for someone (through the app's token service): a session proved
    by password and one-time code, as staff and admin sessions must be."""
    return await container.store.tokens.issue(customer_id, factors=(Factor.PASSWORD, Factor.OTP))


@dataclass
class Person:
    """Someone calling the store: anonymous (``customer_id`` None) or a customer of some role with a session."""

    name: str
    role: Role | None = None
    customer_id: int | None = None
    tokens: TokenPair | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.access_token}"} if self.tokens else {}


@dataclass
class PageClient:
    """A browser-like client of the pages: its own cookie jar holding a web session, and that session's
    CSRF token."""

    http: httpx2.AsyncClient
    csrf_token: str

    async def post(self, path: str, data: dict[str, str] | None = None, **kwargs) -> httpx2.Response:
        """A form post carrying the session's CSRF token."""
        return await self.http.post(path, data={**(data or {}), "csrf_token": self.csrf_token}, **kwargs)


@dataclass
class World:
    container: Container
    app: FastAPI
    #: Cookie-less client of the JSON API.
    api: httpx2.AsyncClient
    anonymous: Person
    customer: Person
    other_customer: Person
    staff: Person
    admin: Person
    _clients: list[httpx2.AsyncClient] = field(default_factory=list)

    @property
    def people(self) -> list[Person]:
        return [self.anonymous, self.customer, self.staff, self.admin]

    def client(self, **kwargs) -> httpx2.AsyncClient:
        http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=self.app), base_url=BASE_URL, **kwargs)
        self._clients.append(http)
        return http

    async def add_person(self, name: str, mobile: str, role: Role) -> Person:
        customer_id = await add_customer(self.container.engine, mobile, role.value)
        return Person(name, role, customer_id, await issue_tokens(self.container, customer_id))

    def page_client(self, person: Person) -> PageClient:
        """A page client whose web session holds ``person``'s tokens (none for the anonymous), as the login
        pages leave it, signed by the app's own session codec."""
        data = {"sid": secrets.token_urlsafe(18)}
        if person.tokens is not None:
            data |= {"at": person.tokens.access_token, "rt": person.tokens.refresh_token}
        codec = self.app.state.web.codec
        http = self.client(cookies={COOKIE: codec.dumps(data)})
        return PageClient(http, codec.csrf_token(WebSession(data)))


@contextlib.asynccontextmanager
async def open_world(database_url: str) -> AsyncIterator[World]:
    settings = api_settings(database_url, storage={"backend": "memory"}, mahak=CLOSED_MAHAK)
    container = await build(settings)
    await seed_catalogue(container.engine)
    app = create_app(container)
    world = World(
        container,
        app,
        api=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL),
        anonymous=Person("anonymous"),
        customer=Person("placeholder"),
        other_customer=Person("placeholder"),
        staff=Person("placeholder"),
        admin=Person("placeholder"),
    )
    world.customer = await world.add_person("customer", "09121110001", Role.CUSTOMER)
    world.other_customer = await world.add_person("other customer", "09121110002", Role.CUSTOMER)
    world.staff = await world.add_person("staff", "09121110003", Role.STAFF)
    world.admin = await world.add_person("admin", "09121110004", Role.ADMIN)
    try:
        yield world
    finally:
        for http in (world.api, *world._clients):
            await http.aclose()
        await container.aclose()


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """A fresh store for one test."""
    async with open_world(database_url) as opened:
        yield opened


@pytest.fixture(scope="module")
def module_database_url(postgres_server_url: str, migrated_template: str) -> Iterator[str]:
    with fresh_database(postgres_server_url, migrated_template) as url:
        yield url


@pytest.fixture(scope="module")
async def shared_world(module_database_url: str) -> AsyncIterator[World]:
    """One store shared by a module's tests that only probe it (the authorization matrix)."""
    async with open_world(module_database_url) as opened:
        yield opened
