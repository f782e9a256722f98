"""The gateway's FastAPI app factory.

``create_app(container)`` serves an already built container (the caller owns its lifecycle: ``serve_api``,
tests). ``create_app(settings=...)`` builds the container on startup and closes it on shutdown (a standalone
ASGI app, e.g. for schemathesis or ``uvicorn --factory``).

Two roles share it. The gateway (``role="api"``) serves the pages and the JSON API; with ``core_url`` set it
forwards ``/api/v1/*`` to that core (``core_proxy``) and keeps the pages in-process. The core
(``role="core"``) serves the JSON API alone, without pages.

In remote mode the gateway still includes the API routes, so ``/api/docs`` and ``/api/openapi.json`` describe the
API from the gateway's own code: the gateway and the core run the same image, so that schema is the core's, and
the docs do not depend on the core being up. The proxy answers every ``/api/v1`` request before routing, so those
in-process routes never run there.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Literal

from fastapi import FastAPI

from hamgam.bootstrap import Container, build
from hamgam.entrypoints.api import errors
from hamgam.entrypoints.api.body_limit import BodyLimitMiddleware, body_limits
from hamgam.entrypoints.api.client_address import TrustedProxyMiddleware
from hamgam.entrypoints.api.core_proxy import CoreProxy, CoreProxyMiddleware
from hamgam.entrypoints.api.docs import install_docs
from hamgam.entrypoints.api.middleware import RequestIdMiddleware, SettingsRefreshMiddleware
from hamgam.entrypoints.api.routes import (
    admin_export,
    admin_store,
    admin_sync,
    auth,
    cart,
    catalog,
    health,
    me,
    orders,
)
from hamgam.entrypoints.api.security_headers import SecurityHeadersMiddleware
from hamgam.settings import Settings

API_PREFIX = "/api/v1"
Role = Literal["api", "core"]


def create_app(container: Container | None = None, *, settings: Settings | None = None, role: Role = "api") -> FastAPI:
    if (container is None) == (settings is None):
        raise ValueError("pass exactly one of container, settings")
    effective = container.settings if container is not None else settings
    assert effective is not None
    core_url = effective.core_url if role == "api" else None
    proxy = CoreProxy(core_url, timeout_s=effective.core_timeout_s) if core_url else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if container is not None:
                app.state.container = container
                yield
                return
            built = await build(effective)
            app.state.container = built
            try:
                yield
            finally:
                await built.aclose()
        finally:
            if proxy is not None:
                await proxy.aclose()

    app = FastAPI(
        title="Hamgam API",
        version="1",
        description="The online store's JSON API. Money is integer Rial (`*_rial`); shops display Toman.",
        docs_url=None,  # install_docs: the same page with its files served locally
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    if container is not None:
        app.state.container = container  # usable without running the lifespan (ASGI transports in tests)
    app.state.core_proxy = proxy
    # Added innermost first. Outside in: client address, (the pages' gzip, headers and session), security
    # headers, request id, body caps, core proxy: the caps hold before a body is parsed or forwarded.
    if proxy is not None:
        app.add_middleware(CoreProxyMiddleware, proxy=proxy, prefix=API_PREFIX)
    app.add_middleware(BodyLimitMiddleware, limits=body_limits(effective))
    app.add_middleware(SettingsRefreshMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    errors.install(app)
    install_docs(app, title=app.title)
    app.include_router(health.router)
    for module in (catalog, cart, auth, me, orders, admin_store, admin_sync, admin_export):
        app.include_router(module.router, prefix=API_PREFIX)
    if role == "api" and effective.web.enabled:
        from hamgam.entrypoints.web.app import install_web

        install_web(app, effective)  # the storefront and admin pages, served by the same process
    app.add_middleware(TrustedProxyMiddleware, hops=effective.trusted_proxy_hops)  # outermost: all see its result
    return app
