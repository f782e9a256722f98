"""The part every simulator's control client shares: the HTTP session, reset, and fault rules."""

from __future__ import annotations

from typing import Any

import httpx2

from hamgam_sim.support.faults import FaultKind


class ControlClient:
    """A synchronous client of a simulator's ``/_control`` API (usable from sync or async tests)."""

    def __init__(self, base_url: str) -> None:
        self._client = httpx2.Client(base_url=f"{base_url}/_control", timeout=10)

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, json: Any = None, params: Any = None) -> Any:
        response = self._client.request(method, path, json=json, params=params)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._call("POST", "/reset")

    def add_fault(
        self,
        kind: FaultKind,
        endpoint: str = "*",
        *,
        delay_s: float = 30.0,
        status: int | None = None,
        code: int | None = None,
        count: int | None = None,
    ) -> None:
        fault = {"kind": kind, "endpoint": endpoint, "delay_s": delay_s, "status": status, "code": code}
        self._call("POST", "/faults", {**fault, "count": count})

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")
