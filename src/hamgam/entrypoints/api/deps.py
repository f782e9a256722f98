"""Dependencies as ``Annotated`` aliases: the container, the core, the caller and their role."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hamgam.bootstrap import Container
from hamgam.domain.accounts import Role, has_role
from hamgam.domain.errors import Forbidden, Unauthorized
from hamgam.services.auth.tokens import Principal
from hamgam.services.store.core import StoreCore

#: Largest id PostgreSQL's bigint holds; bigger path ids are refused as input errors.
MAX_ID = 2**63 - 1

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/*")


# ``async`` though they wait on nothing: FastAPI runs a plain ``def`` dependency in a worker thread, a
# thread handoff on every request that needs the core.
async def get_container(request: Request) -> Container:
    return request.app.state.container


async def get_core(request: Request) -> StoreCore:
    return request.app.state.container.store


async def get_principal_optional(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal | None:
    if credentials is None:
        return None
    principal = await request.app.state.container.store.tokens.authenticate(credentials.credentials)
    request.state.principal = principal
    return principal


async def get_principal(principal: Annotated[Principal | None, Depends(get_principal_optional)]) -> Principal:
    if principal is None:
        raise Unauthorized("ابتدا وارد شوید — authentication required")
    return principal


def require(role: Role):
    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not has_role(principal.role, role):
            raise Forbidden(f"دسترسی ندارید — the {role} role is required")
        return principal

    return check


def client_key(request: Request) -> str:
    """The caller's address, the key of per-address rate limits: the socket peer, or the address the trusted
    proxies reported (``client_address.TrustedProxyMiddleware``, ``settings.trusted_proxy_hops``)."""
    return request.client.host if request.client else "unknown"


ContainerDep = Annotated[Container, Depends(get_container)]
Core = Annotated[StoreCore, Depends(get_core)]
MaybeUser = Annotated[Principal | None, Depends(get_principal_optional)]
Customer = Annotated[Principal, Depends(require(Role.CUSTOMER))]
Staff = Annotated[Principal, Depends(require(Role.STAFF))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
ClientKey = Annotated[str, Depends(client_key)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
CartToken = Annotated[uuid.UUID | None, Header(alias="X-Cart-Token", description="A guest cart's token")]
