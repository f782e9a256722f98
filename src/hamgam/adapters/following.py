"""An adapter that follows the settings: rebuilt when the settings it was built from change (the shop's payment
merchant id, SMS provider, key, line and templates are edited in the admin panel and written into the process's
settings tree), so a change takes effect at the next call without a restart."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Following(Generic[T]):
    """Delegates every call to ``build()``'s adapter, built again when ``fingerprint()`` changes. Adapters it
    replaced are closed with it (``aclose``), so a call in flight on one is not cut off."""

    def __init__(self, build: Callable[[], T], fingerprint: Callable[[], Hashable]) -> None:
        self._build = build
        self._fingerprint = fingerprint
        self._key = fingerprint()
        self._inner = build()
        self._retired: list[T] = []

    @property
    def current(self) -> T:
        key = self._fingerprint()
        if key != self._key:
            self._retired.append(self._inner)
            self._inner, self._key = self._build(), key
        return self._inner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.current, name)

    async def aclose(self) -> None:
        for adapter in [*self._retired, self._inner]:
            close = getattr(adapter, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
        self._retired.clear()
