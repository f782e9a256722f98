"""Mount the pages into the gateway's FastAPI app (``install_web``, called by ``create_app``).

Pages, static files and images share the gateway process and call the store core in-process, exactly as the
JSON API does. What is added: the session cookie, security headers, gzip for pages, static files with long
cache headers, HTML error pages for page paths (the JSON API keeps its JSON errors).
"""

from __future__ import annotations

import hashlib
import inspect
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from hamgam.adapters.payments.factory import payments_base_url
from hamgam.entrypoints.api.errors import http_error_headers
from hamgam.entrypoints.web.deps import WebState
from hamgam.entrypoints.web.i18n import N_, build_locale
from hamgam.entrypoints.web.pages import (
    account,
    admin_catalog,
    admin_fulfilment,
    admin_orders,
    admin_reports,
    admin_settings,
    admin_setup,
    admin_shipping,
    admin_site,
    admin_sync,
    cart,
    checkout,
    media,
    site,
    storefront,
)
from hamgam.entrypoints.web.routing import error_page
from hamgam.entrypoints.web.security import SecurityHeadersMiddleware, content_security_policy, origin_of
from hamgam.entrypoints.web.session import SessionCodec, SessionMiddleware
from hamgam.entrypoints.web.templating import STATIC_DIR, Templates, build_environment
from hamgam.settings import PaymentProvider, Settings

log = structlog.get_logger("hamgam.web")

#: Paths the pages never own: the JSON API keeps its own error bodies there.
API_PATHS = ("/api/", "/healthz", "/readyz")


class CachedStaticFiles(StaticFiles):
    """Static files are linked with ``?v=<hash>`` (``static_url``), so browsers may keep them for a year."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


class PageGzip:
    """Gzip for pages and static files only; the JSON API answers as it always did."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=500, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith((*API_PATHS, "/media/")):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def payment_origin(settings: Settings) -> str | None:
    if settings.payments.provider is PaymentProvider.MEMORY:
        return None
    return origin_of(settings.payments.startpay_base_url or payments_base_url(settings))


def session_key(settings: Settings) -> bytes:
    from hamgam.bootstrap import jwt_secret

    return hashlib.sha256(b"hamgam-web-session:" + jwt_secret(settings).encode()).digest()


def install_web(app: FastAPI, settings: Settings) -> None:
    """Add the storefront and the admin panel to ``app`` (after the API's routes and error handlers)."""
    web_settings = settings.web
    locale = build_locale(web_settings.locale)
    state = WebState(
        templates=Templates(build_environment(locale, _image_url(settings))),
        locale=locale,
        codec=SessionCodec(session_key(settings)),
    )
    app.state.web = state
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(media.router)
    for module in (
        storefront,
        cart,
        checkout,
        account,
        site,
        admin_catalog,
        admin_fulfilment,
        admin_orders,
        admin_reports,
        admin_sync,
        admin_site,
        admin_shipping,
        admin_settings,
        admin_setup,
    ):
        app.include_router(module.router)
    app.add_middleware(SessionMiddleware, codec=state.codec, secure=web_settings.secure_cookies)
    app.add_middleware(SecurityHeadersMiddleware, csp=content_security_policy(payment_origin(settings)))
    app.add_middleware(PageGzip)
    _html_errors_for_pages(app)


def _image_url(settings: Settings):
    widths = sorted(set(settings.web.image_widths_px))

    def image_url(entry: dict | None, width: int | None = None) -> str:
        if not entry or not entry.get("key"):
            return ""
        chosen = next((w for w in widths if width is not None and w >= width), widths[-1])
        return f"/media/{entry['key']}/{chosen}.webp"

    def srcset(entry: dict | None) -> str:
        if not entry or not entry.get("key"):
            return ""
        return ", ".join(f"/media/{entry['key']}/{w}.webp {w}w" for w in widths)

    # Templates call it as `image_url.srcset(entry)`: an attribute set on the function, unknown to mypy.
    image_url.srcset = srcset  # type: ignore[attr-defined]
    return image_url


def _html_errors_for_pages(app: FastAPI) -> None:
    """Not-found and server errors on page paths render the site's error page; API paths are unchanged."""
    api_http_error = app.exception_handlers.get(StarletteHTTPException)
    api_unexpected = app.exception_handlers.get(Exception)

    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(API_PATHS) and api_http_error is not None:
            return await _answered(api_http_error(request, exc))
        if exc.status_code == 404:
            response = error_page(request, 404, N_("Page not found"))
        elif exc.status_code == 413:
            response = error_page(
                request,
                413,
                N_("Too much was sent"),
                N_("What you sent is larger than this page accepts. Send a smaller file or shorter text."),
            )
        else:
            response = error_page(request, exc.status_code, N_("Request failed"))
        response.headers.update(http_error_headers(request, exc) or {})
        return response

    async def unexpected(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(API_PATHS) and api_unexpected is not None:
            return await _answered(api_unexpected(request, exc))
        log.exception("web.unexpected_error", path=request.url.path, error=repr(exc)[:300])
        return error_page(
            request,
            500,
            N_("Something went wrong"),
            N_("The error was recorded. Please try again in a moment."),
        )

    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        # The browser gave up the request while it was being read (htmx replacing a request that a newer one
        # superseded, a closed tab): nothing failed and nobody is there to read an answer.
        log.info("web.client_disconnected", path=request.url.path)
        return Response(status_code=499)

    # Starlette types a handler as taking any Exception; these take the type they are registered for.
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(ClientDisconnect, client_gone)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected)


async def _answered(outcome: Response | Any) -> Response:
    """What an exception handler answered: Starlette lets handlers be plain or async functions."""
    response: Response = await outcome if inspect.isawaitable(outcome) else outcome
    return response
