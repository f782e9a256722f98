"""Run the Zarinpal simulator on a thread (tests, embedded dev mode) and drive it through ``/_control``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2

from hamgam_sim.support.faults import FaultKind
from hamgam_sim.support.serve import serve_app
from hamgam_sim.zarinpal.app import create_app
from hamgam_sim.zarinpal.state import DEMO_MERCHANT_ID, ZarinpalSim


class ZarinpalControl:
    """A synchronous client of the simulator's control API (usable from sync or async tests)."""

    def __init__(self, base_url: str) -> None:
        self._client = httpx2.Client(base_url=f"{base_url}/_control", timeout=10)

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        response = self._client.request(method, path, json=json)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._call("POST", "/reset")

    def payments(self) -> list[dict[str, Any]]:
        return self._call("GET", "/payments")

    def payment(self, authority: str) -> dict[str, Any]:
        return self._call("GET", f"/payments/{authority}")

    def pay(self, authority: str) -> str:
        """The buyer pays but never returns to the shop; returns the callback URL they would have hit."""
        return self._call("POST", f"/payments/{authority}/pay")["callback_url"]

    def cancel(self, authority: str) -> str:
        return self._call("POST", f"/payments/{authority}/cancel")["callback_url"]

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

    def set_merchant(
        self, merchant_id: str, *, active: bool = True, callback_hosts: list[str] | None = None
    ) -> None:
        self._call(
            "POST",
            "/merchants",
            {"merchant_id": merchant_id, "active": active, "callback_hosts": callback_hosts},
        )

    def configure(
        self, *, sandbox: bool | None = None, reverse_window_s: float | None = None
    ) -> dict[str, Any]:
        body = {
            k: v
            for k, v in {"sandbox": sandbox, "reverse_window_s": reverse_window_s}.items()
            if v is not None
        }
        return self._call("POST", "/config", body)


@dataclass
class RunningZarinpal:
    base_url: str
    control: ZarinpalControl
    sim: ZarinpalSim
    merchant_id: str = DEMO_MERCHANT_ID


@contextlib.contextmanager
def serve_in_thread(
    port: int = 0, *, host: str = "127.0.0.1", sim: ZarinpalSim | None = None
) -> Iterator[RunningZarinpal]:
    """Serve a simulator until the block ends. ``.base_url`` is the gateway's base URL (for both the API and
    StartPay), ``.control`` the control client, ``.sim`` the state itself."""
    sim = sim or ZarinpalSim()
    with serve_app(create_app(sim), host=host, port=port, on_stop=sim.faults.release) as base_url:
        control = ZarinpalControl(base_url)
        try:
            yield RunningZarinpal(base_url, control, sim)
        finally:
            control.close()
