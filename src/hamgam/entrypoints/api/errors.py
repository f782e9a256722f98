"""Errors become one JSON shape, ``{"error": {code, message, field?, request_id}}``, with a 4xx status.

Store errors map by type; validation errors name each bad field; database data errors (a value PostgreSQL
refuses, such as a NUL character) are the client's fault (400). Anything else is a 500 with the request id,
logged with its stack trace.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from hamgam.adapters.db.errors import DatabaseError, is_data_error
from hamgam.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PaymentUnavailable,
    RateLimited,
    StoreError,
    Unauthorized,
)
from hamgam.entrypoints.api.schemas import ErrorResponse

log = structlog.get_logger(__name__)

STATUS: list[tuple[type[StoreError], int]] = [
    (InvalidInput, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
    (PaymentUnavailable, 503),
]


def error_body(request: Request, code: str, message: str, **extra: Any) -> dict[str, Any]:
    body = {"code": code, "message": message, "request_id": getattr(request.state, "request_id", None)}
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


async def store_error(request: Request, exc: StoreError) -> JSONResponse:
    status = next((s for t, s in STATUS if isinstance(exc, t)), 400)
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    field = exc.details.get("field") if isinstance(exc.details.get("field"), str) else None
    details = {k: v for k, v in exc.details.items() if k != "field" and v is not None} or None
    return JSONResponse(
        error_body(request, exc.code, exc.message, field=field, details=details),
        status_code=status,
        headers=headers,
    )


#: Validation problems listed in one answer; the rest are only counted in the message, so a body of many bad
#: or unknown keys cannot make a huge answer.
MAX_VALIDATION_PROBLEMS = 20


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    problems = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body",)),
            "message": e.get("msg", ""),
        }
        for e in itertools.islice(errors, MAX_VALIDATION_PROBLEMS)
    ]
    first = problems[0] if problems else {"field": None, "message": "invalid request"}
    message = f"ورودی نامعتبر — invalid input: {first['field']}: {first['message']}"
    if len(errors) > len(problems):
        message += f" (+{len(errors) - len(problems)} more)"
    return JSONResponse(
        error_body(request, "invalid_input", message, field=first["field"] or None, details=problems),
        status_code=422,
    )


def http_error_headers(request: Request, exc: StarletteHTTPException) -> dict[str, str] | None:
    """The headers of an HTTP error's answer. A 405 names every method some route serves at the path (RFC 9110
    §15.5.6); Starlette names only those of the first route that matched the path."""
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        path = request.scope["path"]
        methods = {m for pattern, served in _route_methods(request.app) if pattern.match(path) for m in served}
        if methods:
            headers["Allow"] = ", ".join(sorted(methods))
    return headers or None


def _route_methods(app: FastAPI) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """Each route's path pattern and methods, read from the route table once per app."""
    table: list[tuple[re.Pattern[str], frozenset[str]]] | None = getattr(app.state, "route_methods", None)
    if table is None:
        table = [
            (compile_path(route.path)[0], frozenset(route.methods))
            for route in iter_route_contexts(app.routes)
            if route.path and route.methods
        ]
        app.state.route_methods = table
    return table


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {
        404: "not_found",
        405: "method_not_allowed",
        401: "unauthorized",
        403: "forbidden",
        413: "payload_too_large",
    }.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(request, code, str(exc.detail)),
        status_code=exc.status_code,
        headers=http_error_headers(request, exc),
    )


async def database_error(request: Request, exc: DatabaseError) -> JSONResponse:
    if is_data_error(exc):
        return JSONResponse(
            error_body(request, "invalid_input", "مقدار نامعتبر — a value in the request is not acceptable"),
            status_code=400,
        )
    return await unexpected_error(request, exc)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("api.unexpected_error", error=str(exc))
    return JSONResponse(
        error_body(request, "internal_error", "خطای داخلی؛ شناسه درخواست را به پشتیبانی بدهید — internal error"),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    # Starlette types a handler as taking any Exception; each takes the type it is registered for.
    app.add_exception_handler(StoreError, store_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DatabaseError, database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected_error)


#: Documented on every route so clients (and schemathesis) know the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in [
        (400, "Invalid input"),
        (401, "Missing, invalid or expired token"),
        (403, "Role not allowed"),
        (404, "Not found"),
        (409, "Conflict with the current state"),
        (413, "Request body larger than the route accepts"),
        (422, "Validation error"),
        (429, "Rate limited"),
    ]
}
