"""A browser that gives up a request while its body is read (htmx replacing a superseded request, a closed tab)
is not a server error: the page answers 499 and nothing is raised to the server."""

from __future__ import annotations

from typing import Any

from hamgam.entrypoints.api.app import create_app
from tests.web.conftest import Web


async def test_a_request_abandoned_while_read_is_answered_499_without_an_error(web: Web) -> None:
    token = await web.csrf("/")
    cookie = "; ".join(f"{name}={value}" for name, value in web.http.cookies.items())
    app = create_app(web.container)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}  # the browser is gone before the form arrives

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("shop.test", 80),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
        "path": "/cart/update",
        "raw_path": b"/cart/update",
        "query_string": b"",
        "headers": [
            (b"host", b"shop.test"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"40"),
            (b"cookie", cookie.encode()),
            (b"x-csrf-token", token.encode()),
            (b"hx-request", b"true"),
        ],
    }
    await app(scope, receive, send)  # raises nothing
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 499
