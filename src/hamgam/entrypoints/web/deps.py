"""What a page handler works with: ``Page`` (the request, the core, the session, the user, rendering) as
``Annotated`` aliases, in the JSON API's style (``api/deps.py``)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

import structlog
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from hamgam.bootstrap import Container
from hamgam.domain.accounts import Role, has_role
from hamgam.domain.errors import Unauthorized
from hamgam.entrypoints.api.deps import client_key
from hamgam.entrypoints.web.i18n import N_, Locale
from hamgam.entrypoints.web.routing import LoginRequired, PageForbidden
from hamgam.entrypoints.web.session import SessionCodec, WebSession
from hamgam.entrypoints.web.templating import Templates
from hamgam.services.auth.tokens import Principal, TokenPair
from hamgam.services.store.core import StoreCore

log = structlog.get_logger("hamgam.web")

#: Seconds a refresh result is reused for the same spent refresh token: parallel requests of one browser
#: (a page and its htmx calls) then share one rotation instead of tripping the reuse detector.
REFRESH_GRACE_S = 30.0


class TokenRefresher:
    """Rotates refresh tokens for the pages, at most once per token within the grace period."""

    def __init__(self) -> None:
        self._recent: dict[str, tuple[float, TokenPair]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def refresh(self, core: StoreCore, refresh_token: str) -> TokenPair:
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            self._recent = {k: v for k, v in self._recent.items() if v[0] > now}
            if key in self._recent:
                return self._recent[key][1]
            pair = await core.tokens.refresh(refresh_token)
            self._recent[key] = (now + REFRESH_GRACE_S, pair)
        self._locks.pop(key, None)
        return pair


@dataclass
class WebState:
    """Built once by ``install_web`` and kept on ``app.state.web``."""

    templates: Templates
    locale: Locale
    codec: SessionCodec
    refresher: TokenRefresher = field(default_factory=TokenRefresher)

    def base_context(self, request: Request, user: Principal | None = None) -> dict[str, Any]:
        session: WebSession | None = getattr(request.state, "web_session", None)
        return {
            "request": request,
            "path": request.url.path,
            "user": user if user is not None else getattr(request.state, "web_user", None),
            "csrf_token": self.codec.csrf_token(session) if session else "",
            "flashes": session.take_flashes() if session else [],
            "cart_n": session.get("cart_n") if session else None,
            "is_staff": bool(user and has_role(user.role, Role.STAFF)),
            "is_admin": bool(user and has_role(user.role, Role.ADMIN)),
            "footer": getattr(request.state, "site_footer", None),
            **shop_context(request),
        }


#: The social networks' names, in the footer (message ids).
SOCIAL_NAMES = {
    "social.instagram": N_("Instagram"),
    "social.telegram": N_("Telegram"),
    "social.whatsapp": N_("WhatsApp"),
    "social.eitaa": N_("Eitaa"),
    "social.bale": N_("Bale"),
}


def shop_context(request: Request) -> dict[str, Any]:
    """The shop's identity every page shows (header and footer), from the settings as last read: the web
    requests refresh them (``SettingsRefreshMiddleware``), so a change in the admin panel shows without a
    restart."""
    container: Container | None = getattr(request.app.state, "container", None)
    if container is None or container.shop_settings is None:
        name = container.settings.shop.seller_name if container is not None else ""
        return {"shop_name": name, "shop_logo": None, "shop": None, "shop_social": []}
    config = container.shop_settings.config
    images = container.images
    logo = images.url(config.logo_key, images.widths_px[0]) if config.logo_key and images is not None else None
    social = [(SOCIAL_NAMES[key], url) for key, url in config.social]
    return {"shop_name": config.shop_name, "shop_logo": logo, "shop": config, "shop_social": social}


@dataclass
class Page:
    request: Request
    container: Container
    web: WebState
    session: WebSession
    user: Principal | None

    @property
    def core(self) -> StoreCore:
        return self.container.store

    @property
    def locale(self) -> Locale:
        return self.web.locale

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    def render(
        self, template: str, status_code: int = 200, *, block: str | None = None, **context: Any
    ) -> HTMLResponse:
        ctx = self.web.base_context(self.request, self.user) | context
        return HTMLResponse(self.web.templates.render(template, ctx, block), status_code=status_code)

    def redirect(self, url: str, *, flash: str | None = None, kind: str = "ok") -> RedirectResponse:
        if flash:
            self.flash(flash, kind)
        return RedirectResponse(url, status_code=303)

    def flash(self, message: str, kind: str = "ok") -> None:
        """Queue a message for the next page, translated now (message ids and core texts alike)."""
        self.session.flash(kind, self.locale.gettext(message))

    def error_text(self, exc: Exception) -> str:
        return self.locale.error_text(exc)

    @property
    def client(self) -> str:
        """The rate-limit key of the caller, as the JSON API's (the address after the trusted proxies)."""
        return client_key(self.request)


def safe_next(url: str | None, default: str = "/") -> str:
    """Only a local path is followed after login (no open redirect)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    parts = urlsplit(url)
    return url if not parts.scheme and not parts.netloc else default


async def current_user(request: Request, session: WebSession) -> Principal | None:
    """The logged-in user from the session's access token; an expired one is refreshed with the refresh token
    (rotated, the session updated). A revoked or unknown session is logged out."""
    core: StoreCore = request.app.state.container.store
    access = session.get("at")
    if not access:
        return None
    try:
        return await core.tokens.authenticate(access)
    except Unauthorized:
        pass
    refresh = session.get("rt")
    if refresh:
        try:
            pair = await request.app.state.web.refresher.refresh(core, refresh)
            session.set("at", pair.access_token)
            session.set("rt", pair.refresh_token)
            return await core.tokens.authenticate(pair.access_token)
        except Unauthorized:
            log.info("web.session_expired")
    cart = session.get("cart")
    session.logout()
    if cart:
        session.set("cart", cart)
    return None


async def get_page(request: Request) -> Page:
    session: WebSession = request.state.web_session
    user = await current_user(request, session)
    request.state.web_user = user
    site = request.app.state.container.site
    if site is not None:
        request.state.site_footer = await site.footer()
    return Page(request, request.app.state.container, request.app.state.web, session, user)


def require_role(role: Role):
    async def check(page: Annotated[Page, Depends(get_page)]) -> Page:
        if page.user is None:
            raise LoginRequired()
        if not has_role(page.user.role, role):
            raise PageForbidden()
        return page

    return check


AnyPage = Annotated[Page, Depends(get_page)]
CustomerPage = Annotated[Page, Depends(require_role(Role.CUSTOMER))]
StaffPage = Annotated[Page, Depends(require_role(Role.STAFF))]
AdminPage = Annotated[Page, Depends(require_role(Role.ADMIN))]
