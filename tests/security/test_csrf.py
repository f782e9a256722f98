"""Every state-changing page route (read from the route table) refuses a request without the session's CSRF
token, with another session's token (as a form field or an htmx header) and from another origin, and accepts
the session's own token. The caller is an admin, so a refusal can only come from the CSRF check."""

from __future__ import annotations

import pytest

from tests.security.authz import COLLECTED_APP, ENDPOINTS, api_routes
from tests.security.conftest import PageClient, Person, World, issue_tokens

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
PAGE_FORMS = [e for e in ENDPOINTS if not e.is_api and e.method in STATE_CHANGING]


def test_the_page_forms_are_found() -> None:
    assert len(PAGE_FORMS) >= 25
    assert {"/login/otp", "/logout", "/cart/add", "/checkout", "/admin/customers/{customer_id}/role"} <= {
        e.path for e in PAGE_FORMS
    }


async def fresh_admin_client(world: World) -> PageClient:
    """A page client with a session of its own (a fresh login of the admin)."""
    admin = world.admin
    tokens = await issue_tokens(world.container, admin.customer_id)  # type: ignore[arg-type]
    return world.page_client(Person("admin", admin.role, admin.customer_id, tokens))


def is_csrf_refusal(world: World, response) -> bool:
    title = world.app.state.web.locale.gettext("Form expired")
    return response.status_code == 403 and title in response.text


@pytest.mark.parametrize("endpoint", PAGE_FORMS, ids=lambda e: e.id)
async def test_a_state_changing_page_needs_the_sessions_own_token(shared_world: World, endpoint) -> None:
    world = shared_world
    url = endpoint.url(api_routes(COLLECTED_APP)[(endpoint.method, endpoint.path)])
    mine, other = await fresh_admin_client(world), await fresh_admin_client(world)
    assert mine.csrf_token != other.csrf_token
    refused = {
        "no token": await mine.http.request(endpoint.method, url, data={"field": "x"}),
        "empty token": await mine.http.request(endpoint.method, url, data={"csrf_token": ""}),
        "another session's token": await mine.http.request(endpoint.method, url, data={"csrf_token": other.csrf_token}),
        "another session's token as header": await mine.http.request(
            endpoint.method, url, headers={"X-CSRF-Token": other.csrf_token, "HX-Request": "true"}
        ),
        "own token from another origin": await mine.http.request(
            endpoint.method, url, data={"csrf_token": mine.csrf_token}, headers={"Origin": "https://evil.example"}
        ),
    }
    wrong = {name: (r.status_code, r.text[:120]) for name, r in refused.items() if not is_csrf_refusal(world, r)}
    assert not wrong, wrong
    accepted = await mine.http.request(endpoint.method, url, data={"csrf_token": mine.csrf_token})
    assert not is_csrf_refusal(world, accepted) and accepted.status_code < 500, accepted.text[:300]
    by_header = await mine.http.request(endpoint.method, url, headers={"X-CSRF-Token": mine.csrf_token})
    assert not is_csrf_refusal(world, by_header) and by_header.status_code < 500, by_header.text[:300]
