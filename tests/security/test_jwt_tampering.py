"""Access tokens that are forged, altered, expired, of the wrong kind or of a session that ended are refused
with 401, on customer and admin routes alike; a role written into a token changes nothing (the role is read
from the database on every request)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable

import jwt
import orjson
import pytest
from sqlalchemy import text

from hamgam.entrypoints.web.session import COOKIE
from tests.security.conftest import World, issue_tokens
from tests.store.conftest import JWT_SECRET

PROBES = ("/api/v1/me", "/api/v1/admin/customers")


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def sign(claims: dict, *, key: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def alg_none(token: str) -> str:
    header = b64(orjson.dumps({"alg": "none", "typ": "JWT"}))
    return f"{header}.{b64(orjson.dumps(claims_of(token)))}."


def payload_swapped(token: str, **changes: object) -> str:
    """The payload altered and re-encoded, the original signature kept."""
    header, _, signature = token.split(".")
    return f"{header}.{b64(orjson.dumps(claims_of(token) | changes))}.{signature}"


def shifted(token: str, **changes: object) -> str:
    """Signed with the real secret (what only a leaked key would allow) but with claims that must not pass."""
    claims = claims_of(token) | changes
    return sign({k: v for k, v in claims.items() if v is not None})


def past(seconds: int) -> int:
    return int((dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)).timestamp())


FORGERIES: dict[str, Callable[[str, int], str]] = {
    "alg none": lambda t, admin: alg_none(t),
    "alg none claiming the admin": lambda t, admin: alg_none(payload_swapped(t, sub=str(admin))),
    "HS256 with a wrong key": lambda t, admin: sign(claims_of(t), key="not-the-secret-" + "y" * 40),
    "HS384 with the right key": lambda t, admin: sign(claims_of(t), algorithm="HS384"),
    "sub changed to the admin": lambda t, admin: payload_swapped(t, sub=str(admin)),
    "role claim added, signature kept": lambda t, admin: payload_swapped(t, role="admin"),
    "expired": lambda t, admin: shifted(t, iat=past(7200), exp=past(3600)),
    "wrong issuer": lambda t, admin: shifted(t, iss="someone-else"),
    "no issuer": lambda t, admin: shifted(t, iss=None),
    "refresh typ used as access": lambda t, admin: shifted(t, typ="refresh"),
    "no typ": lambda t, admin: shifted(t, typ=None),
    "unknown customer": lambda t, admin: shifted(t, sub="987654321"),
    "session id not a uuid": lambda t, admin: shifted(t, sid="not-a-uuid"),
    "session id of no session": lambda t, admin: shifted(t, sid=str(uuid.uuid4())),
    "the admin with this session's id": lambda t, admin: shifted(t, sub=str(admin)),
    "no session id": lambda t, admin: shifted(t, sid=None),
    "garbage": lambda t, admin: "garbage",
    "three empty parts": lambda t, admin: "..",
    "truncated": lambda t, admin: t[: len(t) // 2],
    "non-ascii": lambda t, admin: "توکن.جعلی.است",
    "very long": lambda t, admin: "a" * 4000 + "." + "b" * 4000 + ".c",
}


async def assert_refused(world: World, token: str, what: str) -> None:
    for path in PROBES:
        response = await world.api.get(path, headers={"Authorization": f"Bearer {token}".encode()})
        assert response.status_code == 401, (what, path, response.status_code, response.text[:200])
        assert response.headers.get("www-authenticate", "").lower().startswith("bearer") or "—" in response.text


@pytest.mark.parametrize("forgery", FORGERIES, ids=str)
async def test_a_forged_or_altered_token_is_refused(shared_world: World, forgery: str) -> None:
    world = shared_world
    genuine = world.customer.tokens.access_token  # type: ignore[union-attr]
    assert (await world.api.get("/api/v1/me", headers=world.customer.headers)).status_code == 200
    await assert_refused(world, FORGERIES[forgery](genuine, world.admin.customer_id or 0), forgery)


async def test_a_role_claim_signed_with_the_real_key_changes_nothing(shared_world: World) -> None:
    """Even a validly signed token claiming the admin role acts with the role the database holds."""
    world = shared_world
    claimed = shifted(world.customer.tokens.access_token, role="admin")  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {claimed}"}
    assert (await world.api.get("/api/v1/me", headers=headers)).status_code == 200
    admin_only = await world.api.get("/api/v1/admin/customers", headers=headers)
    assert admin_only.status_code == 403, admin_only.text


async def test_the_refresh_token_is_not_an_access_token(shared_world: World) -> None:
    world = shared_world
    await assert_refused(world, world.customer.tokens.refresh_token, "refresh token as bearer")  # type: ignore[union-attr]


async def test_a_token_of_a_logged_out_session_is_refused(world: World) -> None:
    pair = await issue_tokens(world.container, world.customer.customer_id)  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {pair.access_token}"}
    assert (await world.api.get("/api/v1/me", headers=headers)).status_code == 200
    logout = await world.api.post("/api/v1/auth/logout", json={"refresh_token": pair.refresh_token})
    assert logout.status_code == 204
    await assert_refused(world, pair.access_token, "logged-out session")
    # the customer's other session lives on
    assert (await world.api.get("/api/v1/me", headers=world.customer.headers)).status_code == 200


async def test_a_token_of_a_family_revoked_for_refresh_reuse_is_refused(world: World) -> None:
    pair = await issue_tokens(world.container, world.customer.customer_id)  # type: ignore[arg-type]
    rotated = await world.api.post("/api/v1/auth/refresh", json={"refresh_token": pair.refresh_token})
    assert rotated.status_code == 200
    reused = await world.api.post("/api/v1/auth/refresh", json={"refresh_token": pair.refresh_token})
    assert reused.status_code == 401
    await assert_refused(world, rotated.json()["access_token"], "revoked family (new token)")
    await assert_refused(world, pair.access_token, "revoked family (old token)")


async def test_a_token_of_a_disabled_customer_is_refused(world: World) -> None:
    async with world.container.engine.begin() as conn:
        await conn.execute(
            text("UPDATE customer SET disabled_at = now() WHERE id = :c"), {"c": world.staff.customer_id}
        )
    await assert_refused(world, world.staff.tokens.access_token, "disabled customer")  # type: ignore[union-attr]


async def test_pages_treat_a_session_with_a_forged_token_as_logged_out(world: World) -> None:
    """The signed cookie cannot be altered; a session holding a forged access token (and no usable refresh
    token) is logged out and sent to the login page."""
    forged = payload_swapped(world.customer.tokens.access_token, sub=str(world.admin.customer_id))  # type: ignore[union-attr]
    codec = world.app.state.web.codec
    browser = world.client(cookies={COOKIE: codec.dumps({"sid": "s" * 24, "at": forged, "rt": "spent"})})
    for path in ("/admin", "/account"):
        response = await browser.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
    altered_cookie = codec.dumps({"sid": "s" * 24, "at": world.admin.tokens.access_token})[:-4] + "AAAA"  # type: ignore[union-attr]
    tampered = world.client(cookies={COOKIE: altered_cookie})
    response = await tampered.get("/admin")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
