"""The long-running roles a process can run, and the checks made before starting them.

Kept apart from ``runtime`` (which builds the container) so the command line can name and check the roles
without importing the engine, the broker and the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hamgam.settings import Settings

#: The roles ``hamgam up`` runs by default (the gateway serves the JSON API in-process, so no ``core``).
ROLES = ("api", "scheduler", "worker", "exporter")
#: Every long-running role; ``api`` and ``core`` both listen on ``api_port``, so one process runs one of them.
ALL_ROLES = (*ROLES, "core")
#: Roles that call Mahak, so their readiness includes a Mahak login.
MAHAK_ROLES = frozenset({"scheduler", "exporter"})

MAHAK_NOT_CONFIGURED = (
    "HAMGAM_MAHAK__BASE_URL is not set. Set it to your Mahak's API address (for the cloud service "
    "https://mahakacc.mahaksoft.com/API/v3, with HAMGAM_MAHAK__USERNAME and HAMGAM_MAHAK__PASSWORD), or run "
    "`hamgam up`, which starts the Mahak simulator and points its roles at it. A role started alone does not "
    "guess a simulator address."
)


class MahakNotConfigured(ValueError):
    """A role was started without a Mahak address: the operator must set one (or run ``hamgam up``)."""


def require_mahak(settings: Settings) -> None:
    """A role needs a Mahak it was told about: ``MahakNotConfigured`` with what to set when none is configured."""
    if not settings.mahak.base_url:
        raise MahakNotConfigured(MAHAK_NOT_CONFIGURED)


def check_roles(roles: tuple[str, ...]) -> None:
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if unknown:
        raise ValueError(f"unknown roles {unknown}; known: {', '.join(ALL_ROLES)}")
    if {"api", "core"} <= set(roles):
        raise ValueError("api and core both listen on api_port: run them in separate processes")
