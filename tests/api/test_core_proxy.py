"""Gateway remote mode: a gateway with ``core_url`` forwards ``/api/v1`` to a real ``hamgam core`` process.

The core runs as a subprocess on its own database; the gateway app (built on the same database, as its pages
need it) is driven in-process. An echo server stands in for the core where the test needs to see exactly what
the gateway sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hamgam.bootstrap import build
from hamgam.entrypoints.api.app import create_app
from hamgam.entrypoints.sockets import listen_tcp
from tests.api.conftest import api_settings
from tests.conftest import fresh_database
from tests.integration.role_process import free_port, role_env, running_role, wait_for_http
from tests.store.conftest import JWT_SECRET, seed_product

# -- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def core_database(postgres_server_url: str, migrated_template: str) -> Iterator[str]:
    """One database for the module's core process (each test uses its own mobiles and products)."""
    with fresh_database(postgres_server_url, migrated_template) as url:
        yield url


@pytest.fixture(scope="module")
async def core_url(core_database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """``hamgam core`` on a free port."""
    port = free_port()
    env = role_env(core_database, tmp_path_factory.mktemp("core"), HAMGAM_API_PORT=str(port), HAMGAM_HEALTH_PORT="0")
    with running_role("core", env) as process:
        url = f"http://127.0.0.1:{port}"
        assert (await wait_for_http(url + "/healthz", process)).status_code == 200
        yield url


@contextlib.asynccontextmanager
async def gateway(database_url: str, core: str, **overrides: object) -> AsyncIterator[httpx2.AsyncClient]:
    container = await build(api_settings(database_url, core_url=core, **overrides))
    app = create_app(container)
    try:
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://shop.test") as http:
            yield http
    finally:
        await app.state.core_proxy.aclose()
        await container.aclose()


@pytest.fixture
async def via_gateway(core_database: str, core_url: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with gateway(core_database, core_url) as http:
        yield http


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """An ASGI app under uvicorn in this event loop, on a free port."""
    sock = listen_tcp("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def echo(request: Request) -> JSONResponse:
    """Answers with what it received (every value of every header), and hop-by-hop headers the gateway must
    not pass on."""
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": {k: request.headers.getlist(k) for k in request.headers},
            "body": body.decode(),
        },
        status_code=207,
        headers={"keep-alive": "timeout=5", "x-core-says": "hello"},
    )


# -- through a real core -------------------------------------------------------------------------------------


async def test_catalogue_list_comes_from_the_core(via_gateway: httpx2.AsyncClient, core_database: str) -> None:
    # given a product on sale in the core's database
    engine = (await build(api_settings(core_database))).engine
    try:
        await seed_product(engine, 7001, "چای سبز", stock=3, price_rial=2_000_000)
    finally:
        await engine.dispose()
    # when the catalogue is listed through the gateway
    response = await via_gateway.get("/api/v1/products", params={"q": "چای سبز", "per_page": 5})
    # then the core's answer comes back
    assert response.status_code == 200, response.text
    assert [item["product_id"] for item in response.json()["items"]] == [7001]


async def texted_code(http: httpx2.AsyncClient, core_database: str, mobile: str) -> str:
    """Ask the core (through the gateway) to text a code, and return it: the core's SMS outbox lives in its own
    process, so the test swaps the stored hash for one of a code it knows."""
    from sqlalchemy import text

    from hamgam.adapters.db.engine import create_engine
    from hamgam.domain.accounts import hash_secret
    from hamgam.services.store.core import pepper_from

    assert (await http.post("/api/v1/auth/otp/request", json={"mobile": mobile})).status_code == 202
    code = "246810"
    engine = create_engine(core_database)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("""UPDATE otp_code SET code_hash = :h
                        WHERE id = (SELECT max(id) FROM otp_code WHERE mobile = :m)"""),
                {"h": hash_secret(f"{mobile}:{code}", pepper_from(JWT_SECRET)), "m": mobile},
            )
    finally:
        await engine.dispose()
    return code


async def test_register_login_and_me_through_the_gateway(via_gateway: httpx2.AsyncClient, core_database: str) -> None:
    # given a customer registered through the gateway
    mobile, password = "09127000001", "a-long-passphrase-1"
    code = await texted_code(via_gateway, core_database, mobile)
    registered = await via_gateway.post(
        "/api/v1/auth/register", json={"mobile": mobile, "code": code, "password": password}
    )
    assert registered.status_code == 201, registered.text
    # when they log in with the password and read their profile
    login = await via_gateway.post("/api/v1/auth/login", json={"mobile": mobile, "password": password})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    me = await via_gateway.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    # then the core knows them by the token it issued
    assert me.status_code == 200, me.text
    assert me.json()["mobile"] == mobile


async def test_customer_token_is_refused_on_an_admin_route(via_gateway: httpx2.AsyncClient, core_database: str) -> None:
    code = await texted_code(via_gateway, core_database, "09127000002")
    registered = await via_gateway.post(
        "/api/v1/auth/register", json={"mobile": "09127000002", "code": code, "password": "a-long-passphrase-2"}
    )
    token = registered.json()["access_token"]
    response = await via_gateway.get("/api/v1/admin/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_an_error_passes_through_unchanged_with_the_request_id(
    via_gateway: httpx2.AsyncClient, core_url: str
) -> None:
    # given the same failing request sent to the core directly and through the gateway, with one request id
    headers = {"X-Request-ID": "trace-4242"}
    async with httpx2.AsyncClient() as direct_http:
        direct = await direct_http.get(core_url + "/api/v1/products/987654", headers=headers)
    proxied = await via_gateway.get("/api/v1/products/987654", headers=headers)
    # then status, type and body are the core's, and the core saw the request id the client sent
    assert direct.status_code == 404
    assert (proxied.status_code, proxied.headers["content-type"]) == (404, direct.headers["content-type"])
    assert proxied.content == direct.content
    assert proxied.json()["error"]["request_id"] == "trace-4242"
    assert proxied.headers["x-request-id"] == "trace-4242"


async def test_a_request_id_made_by_the_gateway_reaches_the_core(via_gateway: httpx2.AsyncClient) -> None:
    response = await via_gateway.get("/api/v1/products/987655")
    assert response.status_code == 404
    assert response.json()["error"]["request_id"] == response.headers["x-request-id"]


async def test_openapi_still_describes_the_api_in_remote_mode(via_gateway: httpx2.AsyncClient) -> None:
    schema = (await via_gateway.get("/api/openapi.json")).json()
    assert "/api/v1/products" in schema["paths"] and "/api/v1/auth/login" in schema["paths"]
    assert (await via_gateway.get("/api/docs")).status_code == 200


# -- what the gateway sends and returns ----------------------------------------------------------------------


async def test_method_query_body_and_headers_are_forwarded(database_url: str) -> None:
    async with serving(Starlette(routes=[Route("/api/v1/{rest:path}", echo, methods=["GET", "PUT"])])) as core:
        async with gateway(database_url, core) as http:
            # when a client sends a body, a query, its own forwarding and hop-by-hop headers
            response = await http.put(
                "/api/v1/cart/lines/5?x=1&y=%D8%A2",
                content=b'{"quantity": 2}',
                headers={
                    "Content-Type": "application/json",
                    "Authorization": "Bearer abc",
                    "X-Forwarded-For": "6.6.6.6",
                    "Connection": "keep-alive, X-Secret-Hop",
                    "X-Secret-Hop": "drop me",
                    "X-Request-ID": "put-1",
                },
            )
    # then the core got the same request, with the gateway's view of the client
    seen = response.json()
    assert (response.status_code, seen["method"], seen["path"]) == (207, "PUT", "/api/v1/cart/lines/5")
    assert seen["query"] == "x=1&y=%D8%A2"
    assert seen["body"] == '{"quantity": 2}'
    sent = seen["headers"]
    assert sent["authorization"] == ["Bearer abc"] and sent["content-type"] == ["application/json"]
    assert sent["host"] == ["shop.test"]
    assert (sent["x-forwarded-for"], sent["x-forwarded-proto"]) == (["127.0.0.1"], ["http"])
    assert sent["x-request-id"] == ["put-1"]
    assert "x-secret-hop" not in sent and sent.get("connection") != ["keep-alive, X-Secret-Hop"]
    # and the answer keeps the core's own headers but not its hop-by-hop ones
    assert response.headers["x-core-says"] == "hello"
    assert "keep-alive" not in response.headers
    assert response.headers["x-request-id"] == "put-1"


async def test_core_down_answers_502_in_the_api_error_shape(database_url: str) -> None:
    async with gateway(database_url, f"http://127.0.0.1:{free_port()}") as http:
        response = await http.get("/api/v1/products", headers={"X-Request-ID": "down-1"})
        page = await http.get("/healthz")
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "core_unavailable"
    assert "core service is unreachable" in error["message"]
    assert error["request_id"] == "down-1"
    assert page.status_code == 200  # the gateway itself is up


async def test_slow_core_answers_504(database_url: str) -> None:
    # given a core that accepts connections and never answers
    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await done.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        # when the gateway, allowed half a second, forwards a request to it
        async with gateway(database_url, f"http://127.0.0.1:{port}", core_timeout_s=0.5) as http:
            response = await http.get("/api/v1/products")
    finally:
        done.set()
        server.close()
        await server.wait_closed()
    # then the client gets a timeout error, not a hang
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "core_timeout"


# -- SO_REUSEPORT --------------------------------------------------------------------------------------------


def test_reuse_port_lets_two_listeners_share_the_api_port() -> None:
    first = listen_tcp("127.0.0.1", 0, reuse_port=True)
    port = first.getsockname()[1]
    try:
        second = listen_tcp("127.0.0.1", port, reuse_port=True)
        second.close()
        with pytest.raises(OSError):
            listen_tcp("127.0.0.1", port).close()
    finally:
        first.close()
