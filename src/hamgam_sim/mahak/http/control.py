"""The control API under ``/_control``: reset, snapshot/restore, switches, faults, rows, stats. No Mahak auth."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from hamgam_sim.mahak.desktop import RowNotFound
from hamgam_sim.mahak.faults import FaultRule
from hamgam_sim.mahak.http.api import json_response
from hamgam_sim.mahak.simulator import MahakSimulator

_RESET_KEYS = {"products", "seed", "switches", "batch_rows", "user_name", "password"}


def _error(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise HTTPException(400, f"the request body is not valid JSON: {exc}") from None


def _name(body: Any) -> Any:
    if not isinstance(body, dict):
        raise ValueError('the body is {"name": "..."}')
    return body.get("name")


def control_router(sim: MahakSimulator) -> APIRouter:
    router = APIRouter(prefix="/_control")

    @router.post("/reset")
    async def reset(request: Request) -> Response:
        body = await _body(request)
        unknown = set(body) - _RESET_KEYS
        if unknown:
            return _error(400, f"unknown reset key(s) {sorted(unknown)}; known: {sorted(_RESET_KEYS)}")
        try:
            return json_response(sim.reset(**body))
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))

    @router.post("/snapshot")
    async def snapshot(request: Request) -> Response:
        """Keep the database as it is now under ``{"name": ...}`` (a backup)."""
        try:
            return json_response(sim.snapshot(_name(await _body(request))))
        except ValueError as exc:
            return _error(400, str(exc))

    @router.post("/restore")
    async def restore(request: Request) -> Response:
        """Bring back the snapshot ``{"name": ...}``: the RowVersion counter goes back with it."""
        try:
            return json_response(sim.restore(_name(await _body(request))))
        except ValueError as exc:
            return _error(400, str(exc))
        except KeyError as exc:
            return _error(404, str(exc.args[0]))

    @router.get("/snapshots")
    async def snapshots() -> Response:
        return json_response({"names": sim.snapshots.names()})

    @router.get("/switches")
    async def get_switches() -> Response:
        return json_response(sim.switches.as_dict())

    @router.post("/switches")
    async def set_switches(request: Request) -> Response:
        try:
            with sim.lock:
                sim.switches.update(await _body(request))
        except ValueError as exc:
            return _error(400, str(exc))
        return json_response(sim.switches.as_dict())

    @router.get("/faults")
    async def list_faults() -> Response:
        return json_response({"rules": [rule.as_dict() for rule in sim.faults.rules]})

    @router.post("/faults")
    async def add_faults(request: Request) -> Response:
        body = await _body(request)
        specs = body.get("rules", [body]) if isinstance(body, dict) else body
        try:
            rules = [FaultRule.from_json(spec) for spec in specs]
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))
        with sim.lock:
            for rule in rules:
                sim.faults.add(rule)
        return json_response({"rules": [rule.as_dict() for rule in sim.faults.rules]})

    @router.delete("/faults")
    async def clear_faults() -> Response:
        with sim.lock:
            sim.faults.clear()
        return json_response({"rules": []})

    @router.get("/rows/{entity}")
    async def read_rows(entity: str, request: Request) -> Response:
        query = request.query_params
        live = query.get("live", "0").lower() in ("1", "true", "yes")
        ids = [int(i) for i in query["ids"].split(",") if i] if query.get("ids") else None
        try:
            return json_response({"rows": sim.rows(entity, live_only=live, ids=ids)})
        except KeyError as exc:
            return _error(404, str(exc.args[0]))

    @router.get("/invoice-total/{order_id}")
    async def invoice_total(order_id: int) -> Response:
        total = sim.invoice_total(order_id)
        if total is None:
            return _error(404, f"no order {order_id}")
        return json_response({"order_id": order_id, "total": str(total)})

    @router.post("/rows/{entity}")
    async def write_rows(entity: str, request: Request) -> Response:
        body = await _body(request)
        items, silent = (body, None) if isinstance(body, list) else (body.get("rows", []), body.get("silent"))
        try:
            rows = sim.upsert_rows(entity, items, silent=silent)
        except KeyError as exc:
            return _error(404, str(exc.args[0]))
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))
        return json_response({"rows": rows, "max_row_version": sim.max_row_version()["max_row_version"]})

    @router.delete("/rows/{entity}")
    async def delete_rows(entity: str, request: Request) -> Response:
        body = await _body(request)
        try:
            rows = sim.delete_rows(entity, [int(i) for i in body.get("ids", [])])
        except (RowNotFound, KeyError) as exc:
            return _error(404, str(exc.args[0]))
        return json_response({"rows": rows, "max_row_version": sim.max_row_version()["max_row_version"]})

    @router.post("/send-receive")
    async def send_receive(request: Request) -> Response:
        body = await _body(request)
        try:
            rows = sim.send_receive(
                take_off=[int(i) for i in body.get("take_off", [])],
                put_back=[int(i) for i in body.get("put_back", [])],
                visitor_id=body.get("visitor_id"),
            )
        except KeyError as exc:
            return _error(404, str(exc.args[0]))
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))
        return json_response({"rows": rows, "max_row_version": sim.max_row_version()["max_row_version"]})

    @router.get("/site-offer")
    async def get_site_offer(request: Request) -> Response:
        visitor = request.query_params.get("visitor_id")
        offer = sim.site_offer(int(visitor) if visitor else None)
        return json_response({"details": {str(k): v for k, v in offer.items()}})

    @router.post("/expire-tokens")
    async def expire_tokens() -> Response:
        return json_response({"expired": sim.expire_tokens()})

    @router.get("/stats")
    async def stats() -> Response:
        return json_response(sim.stats_snapshot())

    @router.get("/max-row-version")
    async def max_row_version() -> Response:
        return json_response(sim.max_row_version())

    return router
