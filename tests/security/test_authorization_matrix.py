"""The authorization matrix: every route of the API and the pages × anonymous, customer, staff and admin.

The route table is read at collection time, so a new route is in the matrix without anyone adding it. Which
role a route needs is read from its dependency tree (the ``require``/``require_role`` checks); where it lives
says which role it must need at least, so a staff or account route without a role check fails here.
"""

from __future__ import annotations

import pytest

from hamgam.domain.accounts import Role
from tests.security.authz import (
    COLLECTED_APP,
    ENDPOINTS,
    INFRASTRUCTURE,
    PUBLIC,
    RANK,
    Endpoint,
    allowed,
    api_routes,
    login_redirect,
    minimum_role,
    other_routes,
)
from tests.security.conftest import PageClient, Person, World

GUARDED = [e for e in ENDPOINTS if e.required is not None]


def test_every_route_is_either_guarded_or_deliberately_public() -> None:
    unaccounted = [path for path in other_routes(COLLECTED_APP) if path not in INFRASTRUCTURE]
    assert not unaccounted, f"routes outside the matrix: {unaccounted}"
    open_ = {(e.method, e.path) for e in ENDPOINTS if e.required is None}
    assert open_ - PUBLIC == set(), "routes without a role check must be declared public (or get one)"
    stale = PUBLIC - open_
    assert not stale, f"declared public but guarded or gone: {sorted(stale)}"
    assert len(GUARDED) >= 50 and len(ENDPOINTS) == len(GUARDED) + len(PUBLIC)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
def test_each_route_requires_at_least_what_its_place_demands(endpoint: Endpoint) -> None:
    needed = minimum_role(endpoint.path)
    if needed is None:
        return
    assert endpoint.required is not None, f"{endpoint.id} has no role check; it needs {needed}"
    assert RANK[endpoint.required] >= RANK[needed], f"{endpoint.id} requires {endpoint.required}, needs {needed}"


def test_the_matrix_covers_each_area_and_role() -> None:
    """The rules above bite: admin-only, staff and customer routes exist among the API and the pages."""
    kinds = {(e.is_api, e.required) for e in GUARDED}
    assert {(api, role) for api in (True, False) for role in Role} <= kinds


@pytest.fixture(scope="module")
def page_clients(shared_world: World) -> dict[str, PageClient]:
    return {p.name: shared_world.page_client(p) for p in shared_world.people}


async def probe(world: World, pages: dict[str, PageClient], endpoint: Endpoint, person: Person):
    route = api_routes(world.app)[(endpoint.method, endpoint.path)]
    url = endpoint.url(route)
    if endpoint.is_api:
        body = {"json": {}} if endpoint.method in ("POST", "PUT", "PATCH") else {}
        return url, await world.api.request(endpoint.method, url, headers=person.headers, **body)
    client = pages[person.name]
    if endpoint.method == "GET":
        return url, await client.http.get(url)
    return url, await client.post(url)


@pytest.mark.parametrize("endpoint", GUARDED, ids=lambda e: e.id)
async def test_each_role_gets_the_expected_answer(
    shared_world: World, page_clients: dict[str, PageClient], endpoint: Endpoint
) -> None:
    assert endpoint.required is not None
    for person in shared_world.people:
        url, response = await probe(shared_world, page_clients, endpoint, person)
        seen = f"{person.name} → {endpoint.method} {url}: {response.status_code} {response.text[:200]}"
        assert response.status_code < 500, seen
        location = response.headers.get("location", "")
        if person.role is None:
            if endpoint.is_api:
                assert response.status_code == 401, seen
            else:
                assert response.status_code == 303 and location == login_redirect(url), seen
        elif not allowed(person.role, endpoint.required):
            assert response.status_code == 403, seen
            if not endpoint.is_api:
                assert "text/html" in response.headers["content-type"], seen
        else:
            assert response.status_code not in (401, 403), seen
            assert not location.startswith("/login"), seen
