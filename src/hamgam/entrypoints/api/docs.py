"""The API's documentation page, served whole from this process: Swagger UI's files (5.x, which reads
OpenAPI 3.1) come from the ``fastapi-offline`` package, so ``/api/docs`` works on a machine without internet.
FastAPI's own page loads them from a CDN, which may be unreachable from Iran or from an offline machine."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

DOCS_PATH = "/api/docs"
#: Swagger UI's JavaScript, stylesheet and icon.
ASSETS_PATH = "/api/docs/assets"
#: Where ``fastapi-offline`` keeps them (its own ``FastAPIOffline`` adds routes we declare ourselves).
ASSETS_DIR = str(files("fastapi_offline") / "static")


def install_docs(app: FastAPI, *, title: str) -> None:
    """Serve the Swagger UI page at ``DOCS_PATH`` for ``app.openapi_url``; every file it loads is local."""

    async def docs_page(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "",
            title=f"{title} — docs",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )

    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="api-docs-assets")
    app.add_route(DOCS_PATH, docs_page, include_in_schema=False)
