"""Run the Zarinpal simulator on a thread (tests, embedded dev mode) and drive it through ``/_control``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hamgam_sim.support.control import ControlClient
from hamgam_sim.support.serve import serve_app
from hamgam_sim.zarinpal.app import create_app
from hamgam_sim.zarinpal.state import DEMO_MERCHANT_ID, ZarinpalSim


class ZarinpalControl(ControlClient):
    """A synchronous client of the simulator's control API (usable from sync or async tests)."""

    def payments(self) -> list[dict[str, Any]]:
        return self._call("GET", "/payments")

    def payment(self, authority: str) -> dict[str, Any]:
        return self._call("GET", f"/payments/{authority}")

    def pay(self, authority: str) -> str:
        """The buyer pays but never returns to the shop; returns the callback URL they would have hit."""
        return self._call("POST", f"/payments/{authority}/pay")["callback_url"]

    def cancel(self, authority: str) -> str:
        return self._call("POST", f"/payments/{authority}/cancel")["callback_url"]

    def set_merchant(self, merchant_id: str, *, active: bool = True, callback_hosts: list[str] | None = None) -> None:
        self._call(
            "POST",
            "/merchants",
            {"merchant_id": merchant_id, "active": active, "callback_hosts": callback_hosts},
        )

    def configure(self, *, sandbox: bool | None = None, reverse_window_s: float | None = None) -> dict[str, Any]:
        body = {k: v for k, v in {"sandbox": sandbox, "reverse_window_s": reverse_window_s}.items() if v is not None}
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
