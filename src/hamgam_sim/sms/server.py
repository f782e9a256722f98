"""Run the SMS simulator on a thread (tests, embedded dev mode) and drive it through ``/_control``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hamgam_sim.sms.app import create_app
from hamgam_sim.sms.state import DEMO_API_KEY, SmsSim
from hamgam_sim.support.control import ControlClient
from hamgam_sim.support.serve import serve_app


class SmsControl(ControlClient):
    """A synchronous client of the simulator's control API (usable from sync or async tests)."""

    def outbox(self, mobile: str | None = None, provider: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"mobile": mobile, "provider": provider}.items() if v}
        return self._call("GET", "/outbox", params=params)

    def last_otp(self, mobile: str) -> str | None:
        response = self._client.get("/otp", params={"mobile": mobile})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()["code"]

    def set_credit(self, provider: str, amount: float) -> None:
        self._call("POST", "/credit", {"provider": provider, "amount": amount})

    def add_kavenegar_template(self, name: str, text: str) -> None:
        self._call("POST", "/templates", {"provider": "kavenegar", "name": name, "text": text})

    def add_smsir_template(self, template_id: int, text: str) -> None:
        self._call("POST", "/templates", {"provider": "smsir", "id": template_id, "text": text})

    def add_api_key(self, api_key: str) -> None:
        self._call("POST", "/keys", {"api_key": api_key})

    def blacklist(self, mobile: str) -> None:
        self._call("POST", "/blacklist", {"mobile": mobile})


@dataclass
class RunningSms:
    base_url: str
    control: SmsControl
    sim: SmsSim
    api_key: str = DEMO_API_KEY


@contextlib.contextmanager
def serve_in_thread(port: int = 0, *, host: str = "127.0.0.1", sim: SmsSim | None = None) -> Iterator[RunningSms]:
    """Serve a simulator until the block ends.

    ``.base_url`` is the base for both the Kavenegar and the SMS.ir adapters, ``.control`` the control
    client, ``.sim`` the state itself (``.sim.outbox``, ``.sim.last_otp``)."""
    sim = sim or SmsSim()
    with serve_app(create_app(sim), host=host, port=port, on_stop=sim.faults.release) as base_url:
        control = SmsControl(base_url)
        try:
            yield RunningSms(base_url, control, sim)
        finally:
            control.close()
