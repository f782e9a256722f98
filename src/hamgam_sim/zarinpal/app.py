"""FastAPI app of the Zarinpal simulator: the REST v4 paths, StartPay pages, and ``/_control`` for tests.

Control API (JSON):
    POST   /_control/reset                          forget payments, faults, merchant changes
    GET    /_control/payments                       every payment (state, amount, ref_id, ...)
    GET    /_control/payments/{authority}           one payment (404 when unknown)
    POST   /_control/payments/{authority}/pay       the buyer pays but is never redirected back
    POST   /_control/payments/{authority}/cancel    the buyer cancels
    GET|POST|DELETE /_control/faults                list / add (``Fault`` fields) / clear faults
    POST   /_control/merchants                      {merchant_id, active, callback_hosts}
    POST   /_control/config                         {sandbox?, reverse_window_s?}
Fault endpoint keys: ``request``, ``verify``, ``unVerified``, ``inquiry``, ``reverse``, ``startpay``.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from hamgam_sim.support.faults import Fault
from hamgam_sim.support.http_faults import transport_fault
from hamgam_sim.zarinpal import pages
from hamgam_sim.zarinpal.state import Reply, ZarinpalSim, error

API = "/pg/v4/payment"


def create_app(sim: ZarinpalSim | None = None) -> FastAPI:
    """A fresh app over ``sim`` (a new ``ZarinpalSim`` when None), reachable as ``app.state.sim``."""
    sim = sim or ZarinpalSim()
    app = FastAPI(title="Zarinpal simulator", docs_url="/_control/docs", openapi_url="/_control/openapi.json")
    app.state.sim = sim

    async def faulted(endpoint: str) -> Response | str | None:
        """Apply latency; return a response when a fault decides it, ``"drop_callback"`` for that fault."""
        outcome = await transport_fault(sim.faults, endpoint)
        if not isinstance(outcome, Fault):
            return outcome
        if outcome.kind == "error_code":
            return _json(error(outcome.code if outcome.code is not None else -52, status=outcome.status))
        return outcome.kind

    async def api_call(request: Request, endpoint: str, operation: Any) -> Response:
        outcome = await faulted(endpoint)
        if isinstance(outcome, Response):
            return outcome
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            return _json(error(-9, [{"body": "The request body must be a JSON object."}]))
        return _json(operation(body))

    @app.post(f"{API}/request.json")
    async def request_payment(request: Request) -> Response:
        return await api_call(request, "request", sim.request)

    @app.post(f"{API}/verify.json")
    async def verify(request: Request) -> Response:
        return await api_call(request, "verify", sim.verify)

    @app.post(f"{API}/unVerified.json")
    async def unverified(request: Request) -> Response:
        return await api_call(request, "unVerified", sim.unverified)

    @app.post(f"{API}/inquiry.json")
    async def inquiry(request: Request) -> Response:
        return await api_call(request, "inquiry", sim.inquiry)

    @app.post(f"{API}/reverse.json")
    async def reverse(request: Request) -> Response:
        return await api_call(request, "reverse", sim.reverse)

    @app.get("/pg/StartPay/{authority}")
    async def start_pay(authority: str, request: Request) -> Response:
        # ``?sim=ok|nok`` skips the page: a scripted buyer for tests without a browser.
        choice = request.query_params.get("sim")
        if choice in ("ok", "nok"):
            return await finish(authority, paid=choice == "ok")
        payment = sim.payment(authority)
        if payment is None:
            return HTMLResponse(pages.unknown_authority_page(authority), 404)
        return HTMLResponse(pages.start_pay_page(payment))

    @app.post("/pg/StartPay/{authority}/pay")
    async def start_pay_pay(authority: str) -> Response:
        return await finish(authority, paid=True)

    @app.post("/pg/StartPay/{authority}/cancel")
    async def start_pay_cancel(authority: str) -> Response:
        return await finish(authority, paid=False)

    async def finish(authority: str, *, paid: bool) -> Response:
        outcome = await faulted("startpay")
        if isinstance(outcome, Response):
            return outcome
        target = sim.complete(authority, paid=paid)
        if target is None:
            return HTMLResponse(pages.unknown_authority_page(authority), 404)
        if outcome == "drop_callback":
            payment = sim.payment(authority)
            assert payment is not None
            return HTMLResponse(pages.no_return_page(payment))
        # 303 turns the POST into a GET on the shop's callback, as a bank page's redirect does.
        return RedirectResponse(target, status_code=303)

    # --- control ---

    @app.post("/_control/reset")
    async def control_reset() -> dict[str, bool]:
        sim.reset()
        return {"ok": True}

    @app.get("/_control/payments")
    async def control_payments() -> list[dict[str, Any]]:
        return sim.snapshot()

    @app.get("/_control/payments/{authority}")
    async def control_payment(authority: str) -> dict[str, Any]:
        payment = sim.payment(authority)
        if payment is None:
            raise HTTPException(404, "unknown authority")
        return payment.to_dict()

    @app.post("/_control/payments/{authority}/{choice}")
    async def control_complete(authority: str, choice: str) -> dict[str, Any]:
        if choice not in ("pay", "cancel"):
            raise HTTPException(404, "choose pay or cancel")
        target = sim.complete(authority, paid=choice == "pay")
        if target is None:
            raise HTTPException(404, "unknown authority")
        return {"callback_url": target}

    @app.get("/_control/faults")
    async def control_faults() -> list[dict[str, object]]:
        return [fault.to_dict() for fault in sim.faults.list()]

    @app.post("/_control/faults")
    async def control_add_fault(request: Request) -> dict[str, bool]:
        sim.faults.add(_fault(await request.body()))
        return {"ok": True}

    @app.delete("/_control/faults")
    async def control_clear_faults() -> dict[str, bool]:
        sim.faults.release()
        return {"ok": True}

    @app.post("/_control/merchants")
    async def control_merchant(request: Request) -> dict[str, bool]:
        body = orjson.loads(await request.body())
        sim.set_merchant(
            body["merchant_id"], active=body.get("active", True), callback_hosts=body.get("callback_hosts")
        )
        return {"ok": True}

    @app.post("/_control/config")
    async def control_config(request: Request) -> dict[str, Any]:
        body = orjson.loads(await request.body())
        with sim.lock:
            if "sandbox" in body:
                sim.sandbox = bool(body["sandbox"])
            if "reverse_window_s" in body:
                sim.reverse_window_s = float(body["reverse_window_s"])
            return {"sandbox": sim.sandbox, "reverse_window_s": sim.reverse_window_s}

    @app.get("/_control/health")
    async def control_health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app


def _json(reply: Reply) -> Response:
    status, body = reply
    return JSONResponse(body, status_code=status)


def _fault(raw: bytes) -> Fault:
    try:
        return Fault(**orjson.loads(raw))
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise HTTPException(422, f"not a fault: {exc}") from exc
