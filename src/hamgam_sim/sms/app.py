"""FastAPI app of the SMS simulator: Kavenegar and SMS.ir paths side by side, plus ``/_control`` for tests.

Provider paths (one base URL serves both):
    GET|POST /v1/{api_key}/sms/send.json, /v1/{api_key}/verify/lookup.json        Kavenegar (form or query)
    POST /v1/send/verify, POST /v1/send/bulk, GET /v1/credit  (``x-api-key``)     SMS.ir (JSON)
Control API (JSON):
    POST /_control/reset                       forget messages, faults, credit/template/key changes
    GET  /_control/outbox?mobile=&provider=    recorded messages, oldest first
    GET  /_control/otp?mobile=                 {"code": ...} of the last OTP sent to that mobile (404: none)
    GET|POST|DELETE /_control/faults           list / add (``Fault`` fields) / clear
    POST /_control/credit                      {"provider", "amount"}
    POST /_control/templates                   {"provider": "kavenegar", "name", "text"}
                                               or {"provider": "smsir", "id", "text"}
    POST /_control/keys                        {"api_key"}: accept another key
    POST /_control/blacklist                   {"mobile"}
Fault endpoint keys: ``kavenegar.send``, ``kavenegar.lookup``, ``smsir.verify``, ``smsir.bulk``,
``smsir.credit``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from hamgam.domain.persian import InvalidIdentifier, normalize_mobile
from hamgam_sim.sms.state import Reply, SmsSim, kavenegar_error, smsir_error
from hamgam_sim.support.faults import Fault
from hamgam_sim.support.http_faults import transport_fault


def create_app(sim: SmsSim | None = None) -> FastAPI:
    """A fresh app over ``sim`` (a new ``SmsSim`` when None), reachable as ``app.state.sim``."""
    sim = sim or SmsSim()
    app = FastAPI(title="SMS simulator", docs_url="/_control/docs", openapi_url="/_control/openapi.json")
    app.state.sim = sim

    async def faulted(endpoint: str, provider_error: Any) -> Response | None:
        outcome = await transport_fault(sim.faults, endpoint)
        if isinstance(outcome, Fault) and outcome.kind == "error_code":
            status, body = provider_error(outcome.code)
            return JSONResponse(body, status_code=outcome.status or status)
        return outcome if isinstance(outcome, Response) else None

    # --- Kavenegar ---

    @app.api_route("/v1/{api_key}/{scope}/{method}.json", methods=["GET", "POST"])
    async def kavenegar(api_key: str, scope: str, method: str, request: Request) -> Response:
        response = await faulted(f"kavenegar.{method}", lambda c: kavenegar_error(409 if c is None else c))
        if response is not None:
            return response
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        return _json(sim.kavenegar(api_key, scope, method, params))

    # --- SMS.ir ---

    async def smsir(request: Request, endpoint: str, operation: Any) -> Response:
        response = await faulted(f"smsir.{endpoint}", lambda c: smsir_error(0 if c is None else c))
        if response is not None:
            return response
        if (failure := sim.smsir_auth(request.headers.get("x-api-key"))) is not None:
            return _json(failure)
        if operation is None:
            return _json(sim.smsir_credit())
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            return _json(smsir_error(16))
        return _json(operation(body))

    @app.post("/v1/send/verify")
    async def smsir_verify(request: Request) -> Response:
        return await smsir(request, "verify", sim.smsir_verify)

    @app.post("/v1/send/bulk")
    async def smsir_bulk(request: Request) -> Response:
        return await smsir(request, "bulk", sim.smsir_bulk)

    @app.get("/v1/credit")
    async def smsir_credit(request: Request) -> Response:
        return await smsir(request, "credit", None)

    # --- control ---

    @app.post("/_control/reset")
    async def control_reset() -> dict[str, bool]:
        sim.reset()
        return {"ok": True}

    @app.get("/_control/outbox")
    async def control_outbox(mobile: str | None = None, provider: str | None = None) -> list[dict[str, Any]]:
        return [m.to_dict() for m in sim.messages(_valid(mobile) if mobile else None, provider)]

    @app.get("/_control/otp")
    async def control_otp(mobile: str) -> dict[str, str]:
        code = sim.last_otp(_valid(mobile))
        if code is None:
            raise HTTPException(404, "no OTP sent to this mobile")
        return {"code": code}

    @app.get("/_control/faults")
    async def control_faults() -> list[dict[str, object]]:
        return [fault.to_dict() for fault in sim.faults.list()]

    @app.post("/_control/faults")
    async def control_add_fault(request: Request) -> dict[str, bool]:
        try:
            sim.faults.add(Fault(**orjson.loads(await request.body())))
        except (orjson.JSONDecodeError, TypeError) as exc:
            raise HTTPException(422, f"not a fault: {exc}") from exc
        return {"ok": True}

    @app.delete("/_control/faults")
    async def control_clear_faults() -> dict[str, bool]:
        sim.faults.release()
        return {"ok": True}

    @app.post("/_control/credit")
    async def control_credit(request: Request) -> dict[str, float]:
        body = orjson.loads(await request.body())
        with sim.lock:
            sim.credit[body["provider"]] = float(body["amount"])
            return dict(sim.credit)

    @app.post("/_control/templates")
    async def control_template(request: Request) -> dict[str, bool]:
        body = orjson.loads(await request.body())
        with sim.lock:
            if body["provider"] == "kavenegar":
                sim.kavenegar_templates[str(body["name"])] = str(body["text"])
            else:
                sim.smsir_templates[int(body["id"])] = str(body["text"])
        return {"ok": True}

    @app.post("/_control/keys")
    async def control_keys(request: Request) -> dict[str, bool]:
        body = orjson.loads(await request.body())
        with sim.lock:
            sim.api_keys.add(str(body["api_key"]))
        return {"ok": True}

    @app.post("/_control/blacklist")
    async def control_blacklist(request: Request) -> dict[str, bool]:
        body = orjson.loads(await request.body())
        with sim.lock:
            sim.blacklist.add(_valid(str(body["mobile"])))
        return {"ok": True}

    return app


def _valid(mobile: str) -> str:
    try:
        return normalize_mobile(mobile)
    except InvalidIdentifier as exc:
        raise HTTPException(422, str(exc)) from exc


def _json(reply: Reply) -> Response:
    status, body = reply
    return JSONResponse(body, status_code=status)
