"""The Mahak API routes under ``/api/v3`` (the middleware has already lower-cased the path)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from hamgam_sim.mahak.auth import bearer_token
from hamgam_sim.mahak.http.middleware import STATE_KEY
from hamgam_sim.mahak.simulator import MahakSimulator

UNAUTHORIZED = orjson.dumps({"message": "Unauthorized"})


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    return orjson.loads(raw) if raw.strip() else {}


def api_router(sim: MahakSimulator) -> APIRouter:
    router = APIRouter(prefix="/api/v3")

    def authorized(request: Request) -> bool:
        return sim.authorized(bearer_token(request.headers.get("authorization")))

    def unauthorized() -> Response:
        return Response(UNAUTHORIZED, status_code=401, media_type="application/json")

    async def body_or_400(request: Request) -> Any:
        try:
            return await _json_body(request)
        except orjson.JSONDecodeError:
            return None

    @router.post("/sync/login")
    async def login(request: Request) -> Response:
        body = await body_or_400(request)
        if body is None:
            return json_response({"message": "The request body is not valid JSON."}, 400)
        return json_response(sim.login(body))

    @router.post("/sync/getalldata")
    @router.post("/sync/getalldatav2")
    async def get_all_data(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        body = await body_or_400(request)
        if body is None:
            return json_response({"message": "The request body is not valid JSON."}, 400)
        return json_response(sim.get_all_data(body, getattr(request.state, STATE_KEY, [])))

    @router.post("/sync/savealldata")
    @router.post("/sync/savealldatav2")
    async def save_all_data(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        body = await body_or_400(request)
        if body is None:
            return json_response({"message": "The request body is not valid JSON."}, 400)
        return json_response(sim.save_all_data(body))

    @router.post("/sync/solvedispute")
    async def solve_dispute(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        body = await body_or_400(request)
        if body is None:
            return json_response({"message": "The request body is not valid JSON."}, 400)
        return json_response(sim.solve_dispute(body))

    @router.get("/lookup/getproductinfo")
    async def product_info(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        query = {k.lower(): v for k, v in request.query_params.items()}
        try:
            product_id = int(query.get("productid", ""))
        except ValueError:
            return json_response({"message": "productId must be an integer"}, 400)
        return json_response(sim.product_info(product_id))

    @router.get("/content/images/all/{file_name}")
    async def picture(file_name: str, request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        data = sim.picture_file(file_name)
        if data is None:
            return json_response({"message": "Not Found"}, 404)
        return Response(data, media_type="image/png")

    return router
