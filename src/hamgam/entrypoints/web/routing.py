"""The route class of the pages: store errors and bad input become HTML pages (or form messages), never the
JSON API's error bodies; a page that needs a login sends the browser to the login page."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from hamgam.adapters.db.errors import DatabaseError, is_data_error
from hamgam.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    StoreError,
    Unauthorized,
)
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.security import CsrfFailed, check_csrf

log = structlog.get_logger("hamgam.web")


class LoginRequired(Exception):
    """The page needs a logged-in user (or staff); the browser is sent to the login page."""


class PageForbidden(Exception):
    """Logged in, but the role does not allow this page."""


STATUS: list[tuple[type[Exception], int]] = [
    (NotFound, 404),
    (RateLimited, 429),
    (Unauthorized, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 400),
]


def error_page(request: Request, status: int, title: str, message: str | None = None) -> HTMLResponse:
    web = request.app.state.web
    html = web.templates.render(
        "error.html", web.base_context(request) | {"status": status, "title": title, "message": message}
    )
    return HTMLResponse(html, status_code=status)


def status_of(exc: StoreError) -> int:
    """The HTTP status of a store error on a page (as the JSON API answers it)."""
    return next((s for t, s in STATUS if isinstance(exc, t)), 400)


def with_retry_after(response: HTMLResponse, exc: StoreError) -> HTMLResponse:
    """A rate-limited answer says when to come back (``Retry-After``, in seconds)."""
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


class WebRoute(APIRoute):
    """Checks CSRF before the route reads its body, and turns page errors into pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                await check_csrf(request)  # before FastAPI parses the body for the route
                return await handler(request)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            except PageForbidden:
                return error_page(request, 403, N_("Access denied"), N_("Your account cannot open this page."))
            except CsrfFailed as exc:
                log.warning("web.csrf_failed", path=request.url.path, reason=str(exc))
                return error_page(
                    request,
                    403,
                    N_("Form expired"),
                    N_("The form was out of date. Go back, reload the page and try again."),
                )
            except RequestValidationError:
                return error_page(request, 400, N_("Invalid request"), N_("Some of the values sent are not valid."))
            except DatabaseError as exc:  # the app's handler for these is the JSON API's
                if is_data_error(exc):
                    return error_page(request, 400, N_("Invalid request"), N_("Some of the values sent are not valid."))
                log.exception("web.database_error", path=request.url.path, error=repr(exc)[:300])
                return error_page(
                    request,
                    500,
                    N_("Something went wrong"),
                    N_("The error was recorded. Please try again in a moment."),
                )
            except StoreError as exc:
                status = status_of(exc)
                return with_retry_after(
                    error_page(
                        request,
                        status,
                        N_("Not found") if status == 404 else N_("Request failed"),
                        request.app.state.web.locale.error_text(exc),
                    ),
                    exc,
                )

        return page_handler
