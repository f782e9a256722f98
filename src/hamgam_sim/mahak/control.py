"""ControlClient: a synchronous Python client for the simulator's ``/_control`` API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx2


class ControlClient:
    """Drive a running simulator from tests: reset it, flip switches, schedule faults, edit rows.

    ``base_url`` may be the server root (``http://127.0.0.1:5080``) or the Mahak base URL ending in
    ``/API/v3``. Every call raises ``httpx2.HTTPStatusError`` on a non-2xx answer.
    """

    def __init__(self, base_url: str, *, timeout_s: float = 120.0) -> None:
        root = base_url.rstrip("/")
        if root.lower().endswith("/api/v3"):
            root = root[: -len("/api/v3")]
        self._http = httpx2.Client(base_url=f"{root}/_control", timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(
        self, products: int = 2_000, seed: int = 1, switches: dict[str, Any] | None = None, **options: Any
    ) -> dict[str, Any]:
        """Regenerate the database; ``options``: ``batch_rows``, ``user_name``, ``password``."""
        body = {"products": products, "seed": seed, "switches": switches or {}, **options}
        return self._call("POST", "/reset", json=body)

    def snapshot(self, name: str) -> dict[str, Any]:
        """Keep the database as it is now under ``name`` (a backup to restore later)."""
        return self._call("POST", "/snapshot", json={"name": name})

    def restore(self, name: str) -> dict[str, Any]:
        """Bring back the snapshot ``name``, RowVersion counter included (a Mahak restored from a backup)."""
        return self._call("POST", "/restore", json={"name": name})

    def switches(self) -> dict[str, Any]:
        return self._call("GET", "/switches")

    def set_switches(self, **switches: Any) -> dict[str, Any]:
        return self._call("POST", "/switches", json=switches)

    def add_fault(
        self,
        kind: str,
        path: str | None = None,
        *,
        times: int | None = 1,
        after: int = 0,
        every: int | None = None,
        param: Any = None,
    ) -> dict[str, Any]:
        """Schedule one fault rule (see ``hamgam_sim.mahak.faults``); returns all active rules."""
        rule = {"kind": kind, "path": path, "times": times, "after": after, "every": every, "param": param}
        return self._call("POST", "/faults", json={"rules": [rule]})

    def add_faults(self, rules: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "/faults", json={"rules": rules})

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["rules"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def upsert_rows(self, entity: str, rows: list[dict[str, Any]], *, silent: bool | None = None) -> list[dict]:
        """Create or update rows as the desktop app would (one change batch); returns them as stored."""
        return self._call("POST", f"/rows/{entity}", json={"rows": rows, "silent": silent})["rows"]

    def delete_rows(self, entity: str, ids: list[int]) -> list[dict[str, Any]]:
        """Logically delete rows (one change batch); returns them with ``Deleted=true``."""
        return self._call("DELETE", f"/rows/{entity}", json={"ids": ids})["rows"]

    def rows(self, entity: str, *, live: bool = False, ids: list[int] | None = None) -> list[dict[str, Any]]:
        params: dict[str, str] = {"live": "1" if live else "0"}
        if ids is not None:
            params["ids"] = ",".join(map(str, ids))
        return self._call("GET", f"/rows/{entity}", params=params)["rows"]

    def send_receive(
        self, *, take_off: list[int] = (), put_back: list[int] = (), visitor_id: int | None = None
    ) -> list[dict[str, Any]]:
        """One send/receive round: details taken off the site's "sent products" list and put back on it."""
        body = {"take_off": list(take_off), "put_back": list(put_back), "visitor_id": visitor_id}
        return self._call("POST", "/send-receive", json=body)["rows"]

    def site_offer(self, visitor_id: int | None = None) -> dict[int, float]:
        """``detail id -> Count1`` the visitor (default: the site) may sell, by Mahak's rule (contract §3)."""
        params = {} if visitor_id is None else {"visitor_id": str(visitor_id)}
        details = self._call("GET", "/site-offer", params=params)["details"]
        return {int(k): v for k, v in details.items()}

    def invoice_total(self, order_id: int) -> Decimal:
        """The order's invoice total as the simulated Mahak computes it (docs/invoice-totals.md)."""
        return Decimal(self._call("GET", f"/invoice-total/{order_id}")["total"])

    def expire_tokens(self) -> int:
        return self._call("POST", "/expire-tokens")["expired"]

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def max_row_version(self) -> int:
        return self._call("GET", "/max-row-version")["max_row_version"]
