"""The authorization matrix, generated from the app's route table: which role each route requires (read from
its dependency tree, never from a list), which routes must require one (by where they live), and a request
that probes a route as a given person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from hamgam.domain.accounts import Role, has_role
from hamgam.entrypoints.api.app import create_app
from hamgam.entrypoints.api.deps import require
from hamgam.entrypoints.web.deps import require_role
from tests.api.conftest import api_settings

#: The code of the role checks every ``require(Role.X)`` / ``require_role(Role.X)`` closure shares.
ROLE_CHECKS = {require(Role.CUSTOMER).__code__, require_role(Role.CUSTOMER).__code__}
RANK = {Role.CUSTOMER: 1, Role.STAFF: 2, Role.ADMIN: 3}

#: Where staff work: every route here needs the staff role at least.
STAFF_AREAS = ("/api/v1/admin", "/admin")
#: A customer's own things: every route here needs a login.
CUSTOMER_AREAS = ("/api/v1/me", "/api/v1/orders", "/api/v1/checkout", "/account", "/checkout")
#: Changing who may do what, and reading or setting up the configuration, is for admins alone.
ADMIN_ONLY = re.compile(r"/customers/\{[^}/]+\}/(role|disabled)$|/settings(/|$)|/admin/setup(/|$)")

#: Routes open to everyone, each deliberately (a new route must either check a role or be added here).
PUBLIC = frozenset({
    ("GET", "/healthz"), ("GET", "/readyz"),
    ("GET", "/api/v1/products"), ("GET", "/api/v1/products/{product_id}"), ("GET", "/api/v1/categories"),
    ("GET", "/api/v1/shipping-methods"),
    ("POST", "/api/v1/cart"), ("GET", "/api/v1/cart"),
    ("PUT", "/api/v1/cart/lines/{product_detail_id}"), ("DELETE", "/api/v1/cart/lines/{product_detail_id}"),
    ("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/login/verify"),
    ("POST", "/api/v1/auth/otp/request"),
    ("POST", "/api/v1/auth/otp/verify"), ("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/logout"),
    # the gateway sends the buyer back here; the payment is verified server to server
    ("GET", "/api/v1/payments/callback"), ("GET", "/checkout/return"),
    ("GET", "/media/{key:path}"),
    ("GET", "/"), ("GET", "/search"), ("GET", "/search/suggest"), ("GET", "/category/{code}"),
    ("GET", "/product/{product_id}"),
    # «notify me»: a visitor is sent to log in first; the request itself is kept for the logged-in buyer only
    ("POST", "/product/{product_id}/notify"),
    ("GET", "/cart"), ("POST", "/cart/add"), ("POST", "/cart/update"), ("POST", "/cart/remove"),
    # Iran's public list of cities for the address forms (the province's cities swapped in by htmx)
    ("GET", "/places/cities"),
    ("GET", "/login"), ("POST", "/login/otp"), ("POST", "/login/otp/verify"), ("POST", "/login/password"),
    ("POST", "/login/password/verify"),
    ("POST", "/logout"),
    # what search engines and price-comparison sites read: the listed catalogue and the footer pages
    ("GET", "/page/{slug}"), ("GET", "/robots.txt"), ("GET", "/sitemap.xml"), ("GET", "/sitemaps/pages.xml"),
    ("GET", "/sitemaps/products-{start}.xml"), ("POST", "/api/torob/v3/products"),
})  # fmt: skip
#: Routes that are not application endpoints (the API's own documentation, static files).
INFRASTRUCTURE = frozenset({"/api/openapi.json", "/api/docs", "/api/docs/assets", "/docs/oauth2-redirect", "/static"})

#: A made-up id: valid-looking, belonging to nobody.
MADE_UP_ID = "987654321"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    required: Role | None

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, route: RouteContext) -> str:
        """The path with its parameters filled with valid-looking values."""
        url = self.path
        for param in route.dependant.path_params:
            value = MADE_UP_ID if param.field_info.annotation is int else "name"
            url = re.sub(r"\{" + re.escape(param.alias) + r"(:[^}]*)?\}", value, url)
        assert "{" not in url, url
        return url


def dependency_calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from dependency_calls(sub)


def closure_variables(call: Any) -> dict[str, Any]:
    return dict(zip(call.__code__.co_freevars, (c.cell_contents for c in call.__closure__), strict=True))


def required_role(route: RouteContext) -> Role | None:
    """The highest role any role check in the route's dependency tree asks for (None: no check at all)."""
    roles = [
        closure_variables(call)["role"]
        for call in dependency_calls(route.dependant)
        if getattr(call, "__code__", None) in ROLE_CHECKS
    ]
    assert all(isinstance(r, Role) for r in roles), roles
    return max(roles, key=RANK.__getitem__) if roles else None


def in_area(path: str, areas: tuple[str, ...]) -> bool:
    return any(path == area or path.startswith(area + "/") for area in areas)


def minimum_role(path: str) -> Role | None:
    """What a route's place demands, whatever its code says."""
    if ADMIN_ONLY.search(path) and in_area(path, STAFF_AREAS):
        return Role.ADMIN
    if in_area(path, STAFF_AREAS):
        return Role.STAFF
    if in_area(path, CUSTOMER_AREAS) and ("GET", path) not in PUBLIC:
        return Role.CUSTOMER
    return None


def api_routes(app: FastAPI) -> dict[tuple[str, str], RouteContext]:
    """Every endpoint by method and full path (routers included with their prefixes and dependencies)."""
    return {
        (method, route.path): route
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        for method in sorted(route.methods - {"HEAD"})
    }


def other_routes(app: FastAPI) -> list[str]:
    """Paths of what is mounted besides endpoints (documentation, static files)."""
    return [
        route.path or "" for route in iter_route_contexts(app.routes) if not isinstance(route.original_route, APIRoute)
    ]


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every endpoint of the app with the role it requires, public ones included."""
    return [Endpoint(method, path, required_role(route)) for (method, path), route in api_routes(app).items()]


def allowed(person_role: Role | None, required: Role) -> bool:
    return person_role is not None and has_role(person_role, required)


def login_redirect(path: str) -> str:
    return "/login?next=" + quote(path, safe="")


#: The app as configured for the tests, built at collection time (no database needed) for its route table.
COLLECTED_APP = create_app(settings=api_settings("postgresql://collect-only", storage={"backend": "memory"}))
ENDPOINTS = endpoints(COLLECTED_APP)
