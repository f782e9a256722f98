"""The gateway's FastAPI app factory.

``create_app(container)`` serves an already built container (the caller owns its lifecycle: ``serve_api``,
tests). ``create_app(settings=...)`` builds the container on startup and closes it on shutdown (a standalone
ASGI app, e.g. for schemathesis or ``uvicorn --factory``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from hamgam.bootstrap import Container, build
from hamgam.entrypoints.api import errors
from hamgam.entrypoints.api.middleware import RequestIdMiddleware
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
from hamgam.settings import Settings

API_PREFIX = "/api/v1"


def create_app(container: Container | None = None, *, settings: Settings | None = None) -> FastAPI:
    if (container is None) == (settings is None):
        raise ValueError("pass exactly one of container, settings")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container is not None:
            app.state.container = container
            yield
            return
        built = await build(settings)  # type: ignore[arg-type]
        app.state.container = built
        try:
            yield
        finally:
            await built.aclose()

    app = FastAPI(
        title="Hamgam API",
        version="1",
        description="The online store's JSON API. Money is integer Rial (`*_rial`); shops display Toman.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    if container is not None:
        app.state.container = container  # usable without running the lifespan (ASGI transports in tests)
    app.add_middleware(RequestIdMiddleware)
    errors.install(app)
    app.include_router(health.router)
    for module in (catalog, cart, auth, me, orders, admin_store, admin_sync, admin_export):
        app.include_router(module.router, prefix=API_PREFIX)
    effective = container.settings if container is not None else settings
    if effective is not None and effective.web.enabled:
        from hamgam.entrypoints.web.app import install_web

        install_web(app, effective)  # the storefront and admin pages, served by the same process
    return app
