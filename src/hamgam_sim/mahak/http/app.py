"""ASGI app factory for the Mahak simulator."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from hamgam_sim.mahak.http.api import api_router
from hamgam_sim.mahak.http.control import control_router
from hamgam_sim.mahak.http.middleware import SimulatorMiddleware
from hamgam_sim.mahak.simulator import MahakSimulator


def create_app(sim: MahakSimulator) -> Any:
    """The Mahak API (``/API/v3``, any casing) and the control API (``/_control``) over ``sim``."""
    app = FastAPI(
        title="Mahak simulator",
        docs_url="/_control/docs",
        openapi_url="/_control/openapi.json",
        redoc_url=None,
    )
    app.include_router(api_router(sim))
    app.include_router(control_router(sim))
    app.state.sim = sim
    return SimulatorMiddleware(app, sim)
