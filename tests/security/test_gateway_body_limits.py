"""One request must not stall the gateway: bodies are capped per route while they stream in, before anything
parses them, and a body of many bad keys gets a short answer. Driven over a real socket (uvicorn), since an
in-process transport would hand the app the whole body at once."""

from __future__ import annotations

import json

import httpx2
import pytest

from tests.api.conftest import Api
from tests.security.gateway_helpers import echo_core, exchange, page_csrf, served_gateway

KIB = 1024
#: The reported attack: 9.5 MB of JSON with 800,000 unknown keys.
FLOOD_BYTES = 9_500_000


def unknown_keys(count: int) -> bytes:
    return json.dumps({f"k{i}": 1 for i in range(count)}).encode()


async def test_gateway_refuses_a_declared_oversized_json_body_without_reading_it(database_url: str) -> None:
    async with served_gateway(database_url) as gateway:
        # when a client declares a 9.5 MB JSON body and sends none of it
        answer = await exchange(
            gateway.port,
            "POST",
            "/api/v1/auth/register",
            {"Content-Type": "application/json", "Content-Length": str(FLOOD_BYTES)},
        )
    # then the gateway answers at once with the API's error shape, and will not take the rest in
    assert answer.status == 413, answer.text
    error = json.loads(answer.body)["error"]
    assert error["code"] == "payload_too_large" and "65536" in error["message"] and error["request_id"]
    assert answer.headers["connection"] == "close"


async def test_gateway_drops_a_rest_no_larger_than_the_cap_and_keeps_the_connection(database_url: str) -> None:
    async with served_gateway(database_url) as gateway:
        # when a client sends a JSON body a little over the cap (100 KiB of a 64 KiB cap), all of it
        body = unknown_keys(20_000)[: 100 * KIB]
        answer = await exchange(
            gateway.port,
            "POST",
            "/api/v1/auth/register",
            {"Content-Type": "application/json", "Content-Length": str(len(body))},
            [body],
        )
    # then it gets the 413 on a connection that stays usable
    assert answer.status == 413
    assert answer.headers.get("connection") != "close"


async def test_gateway_stops_a_streamed_json_body_once_it_passes_the_cap(database_url: str) -> None:
    async with served_gateway(database_url) as gateway:
        # when a client streams JSON without a length (chunked), 80 KiB so far, and goes on waiting to send more
        body = unknown_keys(20_000)[: 80 * KIB]
        chunks = [body[i : i + 16 * KIB] for i in range(0, len(body), 16 * KIB)]
        answer = await exchange(
            gateway.port,
            "POST",
            "/api/v1/auth/register",
            {"Content-Type": "application/json"},
            chunks,
            chunked=True,
            end_body=False,
        )
    # then the gateway stops it with 413 without waiting for the end, and closes the connection
    assert answer.status == 413, answer.text[:300]
    assert answer.headers["connection"] == "close"


async def test_gateway_answers_an_oversized_page_form_with_a_persian_page(database_url: str) -> None:
    async with served_gateway(database_url) as gateway:
        cookie, token = await page_csrf(gateway.port)
        # when a form post declares more than the page form cap (256 KiB)
        answer = await exchange(
            gateway.port,
            "POST",
            "/cart/add",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": str(300 * KIB),
                "Cookie": cookie,
                "X-CSRF-Token": token,
            },
        )
    # then the answer is the site's error page, in Persian
    assert answer.status == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "حجم ارسال‌شده بیش از حد است" in answer.text


async def test_gateway_gives_the_image_upload_route_the_upload_limit(database_url: str) -> None:
    async with served_gateway(database_url, web={"max_upload_bytes": 1024 * KIB}) as gateway:
        cookie, token = await page_csrf(gateway.port)
        headers = {"Content-Type": "multipart/form-data; boundary=x", "Cookie": cookie, "X-CSRF-Token": token}
        # when an upload declares more than the upload limit (plus room for the multipart envelope)
        too_big = await exchange(
            gateway.port, "POST", "/admin/products/1/images", headers | {"Content-Length": str(1200 * KIB)}
        )
        # and another sends 600 KiB: above the page form cap, within the upload limit
        part = b'--x\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n'
        body = part + b"\0" * (600 * KIB) + b"\r\n--x--\r\n"
        within = await exchange(
            gateway.port,
            "POST",
            "/admin/products/1/images",
            headers | {"Content-Length": str(len(body))},
            [body[i : i + 64 * KIB] for i in range(0, len(body), 64 * KIB)],
        )
    # then the first is refused unread, the second is read whole (and sent to the login page: nobody logged in)
    assert too_big.status == 413
    assert within.status == 303 and within.headers["location"].startswith("/login")
    assert within.body_bytes_sent == len(body)


async def test_gateway_refuses_many_unknown_keys_with_one_short_error(database_url: str) -> None:
    async with served_gateway(database_url) as gateway:
        # when a JSON body under the cap carries thousands of unknown keys
        body = unknown_keys(5_000)
        assert len(body) < 64 * KIB
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            response = await http.post(
                "/api/v1/auth/register", content=body, headers={"Content-Type": "application/json"}
            )
    # then one error names the first few and counts the rest
    assert response.status_code == 422
    error = response.json()["error"]
    assert len(error["details"]) == 1
    assert "unknown fields: k0, k1, k2, k3, k4 (+4995 more)" in error["message"]
    assert len(response.content) < 2 * KIB


async def test_gateway_lists_at_most_20_validation_problems(database_url: str) -> None:
    async with served_gateway(database_url) as gateway, httpx2.AsyncClient(base_url=gateway.url) as http:
        headers = await Api(http, gateway.container).login("09120000077", role="staff")
        # when a body has 50 bad values
        response = await http.patch(
            "/api/v1/admin/products/1/listing", json={"images": list(range(50))}, headers=headers
        )
    # then the answer lists the first 20 and counts the rest
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert len(error["details"]) == 20
    assert error["message"].endswith("(+30 more)")


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=x", "application/x-www-form-urlencoded"])
async def test_gateway_refuses_page_forms_with_too_many_fields(database_url: str, content_type: str) -> None:
    async with served_gateway(database_url) as gateway:
        cookie, token = await page_csrf(gateway.port)
        # when a valid one-time-code form (well under the size cap) also carries 500 more fields
        if content_type.startswith("multipart"):
            fields = b"".join(b'--x\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i for i in range(500))
            for name, value in (("mobile", "09121234567"), ("csrf_token", token)):
                fields += b'--x\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (
                    name.encode(),
                    value.encode(),
                )
            body = fields + b"--x--\r\n"
        else:
            body = b"&".join(b"f%d=v" % i for i in range(500)) + b"&mobile=09121234567&csrf_token=" + token.encode()
        answer = await exchange(
            gateway.port,
            "POST",
            "/login/otp",
            {"Content-Type": content_type, "Content-Length": str(len(body)), "Cookie": cookie},
            [body],
        )
    # then the form is refused as a bad request instead of being parsed whole
    assert answer.status == 400, answer.text[:300]


@pytest.mark.parametrize("chunked", [False, True])
async def test_gateway_caps_bodies_before_forwarding_them_to_a_remote_core(database_url: str, chunked: bool) -> None:
    async with echo_core() as core, served_gateway(database_url, core_url=core.url) as gateway:
        # when a client sends a JSON body over the cap to an API route the gateway forwards to its core: streamed
        # (80 KiB so far, more to come) or declared (1 MB, not sent yet)
        body = unknown_keys(20_000)[: 80 * KIB]
        if chunked:
            headers, chunks = {}, [body[i : i + 16 * KIB] for i in range(0, len(body), 16 * KIB)]
        else:
            headers, chunks = {"Content-Length": str(1024 * KIB)}, []
        answer = await exchange(
            gateway.port,
            "POST",
            "/api/v1/auth/register",
            {"Content-Type": "application/json"} | headers,
            chunks,
            chunked=chunked,
            end_body=False,
        )
        # then the gateway answers 413 itself and the core never gets a whole oversized body
        assert answer.status == 413, answer.text[:300]
        assert json.loads(answer.body)["error"]["code"] == "payload_too_large"
        assert all(seen["body_bytes"] <= 64 * KIB for seen in core.seen)
