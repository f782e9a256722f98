"""Raw ASGI middleware: case-insensitive paths, request statistics and fault injection.

It wraps the whole app so it can do what a route cannot: answer before routing (429, 5xx), hold a
request (latency, timeout), cut a body short (malformed JSON), drop the TCP connection, and apply a
desktop change after a response has gone out (rows changing between pages).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from hamgam_sim.mahak.faults import FaultRule
from hamgam_sim.mahak.simulator import MahakSimulator

API_PREFIX = "/api/v3/"
FAULT_HEADER = b"x-sim-fault"  #: per-request fault: a JSON rule (or bare kind) that fires on this request
STATE_KEY = "sim_faults"  #: scope["state"] key holding the rules routes must apply (invalid_rows)
log = logging.getLogger(__name__)


class SimulatorMiddleware:
    def __init__(self, app: Any, sim: MahakSimulator) -> None:
        self.app, self.sim = app, sim

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"].lower().rstrip("/") or "/"
        scope = {**scope, "path": path, "raw_path": path.encode()}
        self.sim.record_request(path)
        uvicorn_cycle = getattr(send, "__self__", None)  # dropping a connection needs its transport
        send = self._status_recorder(send)
        if not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        self.sim.request_started()
        try:
            await self._api(path, scope, receive, send, uvicorn_cycle)
        finally:
            self.sim.request_finished()

    async def _api(self, path: str, scope: dict, receive: Any, send: Any, uvicorn_cycle: Any) -> None:
        rules = self._fired(path[len(API_PREFIX) :], scope)
        kinds = {rule.kind: rule for rule in rules}
        for kind in ("latency", "timeout"):
            if kind in kinds:
                await asyncio.sleep(float(kinds[kind].param or (1 if kind == "latency" else 30)))
        if "drop" in kinds:
            await _drop_connection(uvicorn_cycle)
            return
        if "rate_limit" in kinds:
            retry_after = str(kinds["rate_limit"].param or 1)
            await _respond(send, 429, {"message": "Too Many Requests"}, [(b"retry-after", retry_after.encode())])
            return
        if "server_error" in kinds:
            status = int(kinds["server_error"].param or 503)
            await _respond(send, status, {"message": "Service Unavailable" if status == 503 else "Server Error"})
            return
        if "token_expiry" in kinds:
            self.sim.expire_tokens()
        scope.setdefault("state", {})[STATE_KEY] = rules
        await self.app(scope, receive, _truncating(send) if "malformed_json" in kinds else send)
        if "mutate" in kinds:
            self.sim.apply_mutation(kinds["mutate"].param)

    def _fired(self, api_path: str, scope: dict) -> list[FaultRule]:
        rules = self.sim.fire_faults(api_path)
        header = dict(scope.get("headers") or []).get(FAULT_HEADER)
        if header:
            text = header.decode()
            spec = json.loads(text) if text.lstrip().startswith("{") else {"kind": text.strip()}
            rules.append(FaultRule.from_json(spec))
        return rules

    def _status_recorder(self, send: Any) -> Any:
        async def recording_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                self.sim.record_status(message["status"])
            await send(message)

        return recording_send


async def _respond(send: Any, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _truncating(send: Any) -> Any:
    """A ``send`` that buffers the body and sends only its first half, under a matching length."""
    start: dict = {}
    chunks: list[bytes] = []

    async def truncating_send(message: dict) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        body = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return truncating_send


async def _drop_connection(cycle: Any) -> None:
    """Close the socket without a response, so the client sees a connection error, not a status.

    ASGI has no "abort" message, so this reaches uvicorn's transport through the request cycle
    its ``send`` is bound to. Marking the cycle disconnected stops uvicorn writing its own 500 after.
    """
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("simulated dropped connection (server has no reachable transport)")
    transport.abort()
    cycle.disconnected = True
    await asyncio.sleep(0)
