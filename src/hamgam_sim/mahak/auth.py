"""Login tokens: issue, check, expire. Time is wall-clock seconds so tests can shorten lifetimes."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    """The Bazara "site" credentials and the identity Login hands out for them."""

    user_name: str = "demo"
    password: str = "demo"  #: plain text; the client sends its lower-case hex MD5
    visitor_id: int = 1
    database_id: int = 4321
    sync_id: int = 2  #: the site's SyncId; the desktop app's own rows carry SyncId 1
    user_title: str = "فروشگاه اینترنتی همگام"

    def accepts(self, user_name: str, password_md5: str) -> bool:
        expected = hashlib.md5(self.password.encode()).hexdigest()
        return user_name == self.user_name and secrets.compare_digest(password_md5, expected)


class TokenBook:
    """Tokens currently issued, each with its expiry time."""

    def __init__(self) -> None:
        self._expires_at: dict[str, float] = {}

    def issue(self, lifetime_s: float) -> str:
        token = secrets.token_urlsafe(32)
        self._expires_at[token] = time.time() + lifetime_s
        return token

    def is_valid(self, token: str | None) -> bool:
        if not token:
            return False
        expires_at = self._expires_at.get(token)
        return expires_at is not None and time.time() < expires_at

    def expire_all(self) -> int:
        """Kill every issued token (the "401 mid-run" fault); returns how many there were."""
        count = len(self._expires_at)
        self._expires_at.clear()
        return count


def bearer_token(authorization: str | None) -> str | None:
    """The token in an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
