"""MahakSimulator: the state of one simulated Mahak service and every operation on it.

The HTTP layer (``hamgam_sim.mahak.http``) only parses requests and calls these methods; tests may
also call them directly. Every public method takes the simulator's lock, so the uvicorn thread and a
test thread can share one instance safely.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from hamgam_sim.mahak import desktop, generator, invoice
from hamgam_sim.mahak.auth import Account, TokenBook
from hamgam_sim.mahak.binding import lower_keys
from hamgam_sim.mahak.catalogue import PICTURE_ENTITY_PRODUCT
from hamgam_sim.mahak.clock import tehran_now
from hamgam_sim.mahak.entities import ENTITIES, entity_named
from hamgam_sim.mahak.faults import FaultPlan, FaultRule
from hamgam_sim.mahak.invalid_rows import inject_invalid_rows
from hamgam_sim.mahak.persistence import STATE_FILE, AutoSaver, Snapshots, capture, rebuild, write_atomically
from hamgam_sim.mahak.pictures import product_picture
from hamgam_sim.mahak.reading import pull_objects, serve_row
from hamgam_sim.mahak.saving import SaveRequest
from hamgam_sim.mahak.sent_products import Round, send_receive, site_offer
from hamgam_sim.mahak.stock import StockLedger, apply_moves
from hamgam_sim.mahak.store import ChangeBatch, Database, iter_rows
from hamgam_sim.mahak.switches import Switches

LOGIN_FAILED_MESSAGE = "نام کاربری یا رمز عبور اشتباه است"
PACKAGE_NO = "1001"


def envelope(data: Any, *, result: bool = True, code: int = 0, message: str | None = None) -> dict[str, Any]:
    """The wrapper of every business answer (always HTTP 200)."""
    return {"Result": result, "Code": code, "Message": message, "Data": data}


@dataclass
class Stats:
    """Counters the control API reports, reset with the simulator."""

    requests: Counter = field(default_factory=Counter)  #: lower-case path -> count (faulted ones too)
    statuses: Counter = field(default_factory=Counter)  #: HTTP status -> count
    faults_fired: Counter = field(default_factory=Counter)  #: fault kind -> count
    logins_ok: int = 0
    logins_failed: int = 0
    unauthorized: int = 0
    pulls: int = 0
    saves: int = 0
    last_page_sizes: dict[str, int] = field(default_factory=dict)  #: list key -> rows in the last pull

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "faults_fired": dict(self.faults_fired),
            "logins_ok": self.logins_ok,
            "logins_failed": self.logins_failed,
            "unauthorized": self.unauthorized,
            "pulls": self.pulls,
            "saves": self.saves,
            "last_page_sizes": dict(self.last_page_sizes),
        }


class MahakSimulator:
    """One simulated Mahak database with its switches, faults, tokens and statistics."""

    def __init__(
        self,
        *,
        products: int = generator.DEMO_PRODUCTS,
        seed: int = 1,
        switches: Switches | dict | None = None,
        account: Account | None = None,
        batch_rows: int = 50,
        state_dir: Path | None = None,
    ) -> None:
        """With ``state_dir`` the database is loaded from there when it was saved before (else generated), and
        kept there while it changes (``close`` saves the last changes)."""
        self.lock = threading.RLock()
        #: API requests being handled now, held ones too (not reset with the rest: a request may outlive a reset).
        self._in_flight = 0
        self._initial_account = account or Account()
        self.account = self._initial_account
        self.faults = FaultPlan()
        self.tokens = TokenBook()
        self.state_dir = state_dir
        self.snapshots = Snapshots(state_dir)
        #: Edits that move no RowVersion (silent ones) still need saving: counted here.
        self._edits = 0
        self.reset(products=products, seed=seed, switches=switches, batch_rows=batch_rows)
        self._autosaver: AutoSaver | None = None
        if state_dir is not None:
            saved = state_dir / STATE_FILE
            if saved.exists():
                with self.lock:
                    self.db, self.stock = rebuild(saved.read_bytes())
            else:
                self.save()
            self._autosaver = AutoSaver(self.save, self._fingerprint)

    def save(self) -> None:
        """Write the database to ``state_dir`` (nothing without one)."""
        if self.state_dir is None:
            return
        with self.lock:
            blob = capture(self.db, self.stock)
        write_atomically(self.state_dir / STATE_FILE, blob)

    def close(self) -> None:
        """Stop saving in the background, after saving what changed."""
        if self._autosaver is not None:
            self._autosaver.stop()
            self._autosaver = None

    def _fingerprint(self) -> tuple[int, int, int, int]:
        with self.lock:
            return (id(self.db), self.db.next_row_version, self.stock.pending, self._edits)

    def snapshot(self, name: str) -> dict[str, Any]:
        """Keep the database as it is now under ``name`` (a backup, to ``restore`` later)."""
        with self.lock:
            blob = capture(self.db, self.stock)
            max_rv = self.db.max_row_version()
        self.snapshots.put(name, blob)
        return {"name": name, "max_row_version": max_rv}

    def restore(self, name: str) -> dict[str, Any]:
        """Bring back the database saved as ``name``, RowVersion counter included, as restoring a backup of a
        Mahak database does: every change made since is gone and RowVersions go below what clients saw."""
        blob = self.snapshots.get(name)
        with self.lock:
            self.db, self.stock = rebuild(blob)
            self._edits += 1
            return {"name": name, "max_row_version": self.db.max_row_version()}

    # -- lifecycle -----------------------------------------------------------------------------------
    def reset(
        self,
        *,
        products: int = generator.DEMO_PRODUCTS,
        seed: int = 1,
        switches: Switches | dict | None = None,
        batch_rows: int = 50,
        user_name: str | None = None,
        password: str | None = None,
    ) -> dict[str, Any]:
        """Regenerate the database; clears faults, pending stock moves and statistics.

        Issued tokens stay valid (a test's logged-in client keeps working; ``expire_tokens`` kills them).
        Switches go back to their defaults (then ``switches`` applies), credentials to the constructor's
        (then ``user_name``/``password`` apply).
        """
        with self.lock:
            self.switches = switches if isinstance(switches, Switches) else Switches()
            if isinstance(switches, dict):
                self.switches.update(switches)
            base = self._initial_account
            self.account = replace(
                base,
                user_name=user_name or base.user_name,
                password=password if password is not None else base.password,
            )
            self.db = Database()
            counts = generator.populate(
                self.db,
                products=products,
                seed=seed,
                batch_rows=batch_rows,
                per_row=self.switches.row_version_mode == "row",
            )
            self.stock = StockLedger()
            self.stats = Stats()
            self.faults.clear()
            self._rnd = random.Random(seed)
            self._edits += 1
            return {"counts": counts, "max_row_version": self.db.max_row_version()}

    def new_batch(self) -> ChangeBatch:
        return self.db.batch(per_row=self.switches.row_version_mode == "row")

    # -- Mahak API -----------------------------------------------------------------------------------
    def login(self, body: dict[str, Any]) -> dict[str, Any]:
        """``Sync/Login``: a token for the configured site credentials, or a Persian refusal."""
        body = lower_keys(body)
        with self.lock:
            user, password = body.get("username"), body.get("password")
            if not isinstance(user, str) or not isinstance(password, str) or not self.account.accepts(user, password):
                self.stats.logins_failed += 1
                return envelope(
                    {"UserToken": None, "ErrorCode": 1001, "ErrorMessage": LOGIN_FAILED_MESSAGE},
                    result=False,
                    code=1001,
                    message=LOGIN_FAILED_MESSAGE,
                )
            self.stats.logins_ok += 1
            a = self.account
            return envelope(
                {
                    "UserToken": self.tokens.issue(self.switches.token_lifetime_s),
                    "SyncId": a.sync_id,
                    "VisitorId": a.visitor_id,
                    "DatabaseId": a.database_id,
                    "UserTitle": a.user_title,
                    "ServerTime": tehran_now(),
                    "PackageNo": PACKAGE_NO,
                    "ErrorCode": 0,
                    "ErrorMessage": None,
                    "HasEnterpriseLicense": False,
                    "Language": body.get("language") or "fa",
                }
            )

    def authorized(self, token: str | None) -> bool:
        with self.lock:
            ok = self.tokens.is_valid(token)
            if not ok:
                self.stats.unauthorized += 1
            return ok

    def get_all_data(self, body: dict[str, Any], faults: list[FaultRule] = ()) -> dict[str, Any]:
        """``Sync/GetAllData``: one page per requested entity (see ``reading.pull_objects``)."""
        body = lower_keys(body)
        with self.lock:
            self.stats.pulls += 1
            self.stock.apply_due(self.db, self.new_batch, pulls_so_far=self.stats.pulls)
            objects = pull_objects(self.db, self.switches, body, visitor_id=self.account.visitor_id, rnd=self._rnd)
            for rule in faults:
                if rule.kind == "invalid_rows":
                    inject_invalid_rows(objects, rule.param)
            self.stats.last_page_sizes = {key: len(rows) for key, rows in objects.items() if rows is not None}
            return envelope({"Objects": objects})

    def save_all_data(self, body: dict[str, Any]) -> dict[str, Any]:
        """``Sync/SaveAllData``: per-item results; stock moves at once (in the save's batch or the next one, by the
        ``stock_move_batch`` switch) or after N pulls."""
        body = lower_keys(body)
        with self.lock:
            self.stats.saves += 1
            save_batch = self.new_batch()
            request = SaveRequest(
                self.db,
                save_batch,
                self.account,
                reject_duplicates=self.switches.duplicate_client_id == "reject",
            )
            outcome = request.run(body)
            if outcome.stock_moves:
                delay = self.switches.stock_move_after_pulls
                if delay == 0:
                    same = self.switches.stock_move_batch == "same"
                    apply_moves(self.db, save_batch if same else self.new_batch(), outcome.stock_moves)
                else:
                    self.stock.schedule(outcome.stock_moves, due_at_pull=self.stats.pulls + delay)
            message = None if outcome.ok else "برخی از موارد ذخیره نشدند"
            return envelope(
                {"Objects": outcome.objects}, result=outcome.ok, code=0 if outcome.ok else 1, message=message
            )

    def solve_dispute(self, body: dict[str, Any]) -> dict[str, Any]:
        """``Sync/SolveDispute``: the current rows (deleted ones too) for the disputed ids."""
        body = lower_keys(body)
        with self.lock:
            try:
                entity = entity_named(str(body.get("entityname", "")))
            except KeyError:
                return envelope(None, result=False, code=404, message="موجودیت نامعتبر است")
            table = self.db[entity.name]
            ids = [lower_keys(item).get("id") for item in body.get("disputeitems") or []]
            rows = [serve_row(table, row) for row in (table.get(i) for i in ids if isinstance(i, int)) if row]
            return envelope({"EntityName": entity.name, "Objects": {entity.list_key: rows}})

    def product_info(self, product_id: int) -> dict[str, Any]:
        """``Lookup/GetProductInfo``: a product with its details, stock rows and visitor links."""
        with self.lock:
            product = self.db["Product"].get(product_id)
            if product is None:
                return envelope(None, result=False, code=404, message="کالا یافت نشد")
            product_pos = self.db["ProductDetail"].entity.index["ProductId"]
            details = [r for r in self.db["ProductDetail"].rows.values() if r[product_pos] == product_id]
            pairs = [(d[0], store) for d in details for store in self.db["Store"].rows]
            assets = self.db["ProductDetailStoreAsset"]
            links = self.db["VisitorProduct"]
            found_assets = [assets.lookup("detail_store", pair) for pair in pairs]
            found_links = [links.lookup("detail_visitor", (d[0], v)) for d in details for v in self.db["Visitor"].rows]
            linked = {
                "ProductDetailStoreAssets": [serve_row(assets, r) for r in found_assets if r is not None],
                "VisitorProducts": [serve_row(links, r) for r in found_links if r is not None],
            }
            return envelope(
                {
                    "Product": serve_row(self.db["Product"], product),
                    "ProductDetails": [serve_row(self.db["ProductDetail"], r) for r in details],
                    **linked,
                }
            )

    def picture_file(self, file_name: str) -> bytes | None:
        with self.lock:
            pictures = self.db["Picture"]
            row = pictures.lookup("file_name", file_name.lower())
            if row is None:
                return None
            name = str(pictures.value(row, "FileName"))
            link = self.db["PhotoGallery"].lookup("picture", (row[0],))
            product = None
            if link is not None and self.db["PhotoGallery"].value(link, "EntityType") == PICTURE_ENTITY_PRODUCT:
                product = self.db["Product"].get(int(self.db["PhotoGallery"].value(link, "ItemCode")))
            if product is None:
                return product_picture(row[0], 0, "", name)
            products = self.db["Product"]
            label = " ".join(str(products.value(product, "Name")).split()[:2])
            category = int(products.value(product, "ProductCategoryId") or 0)
            return product_picture(product[0], category, label, name)

    # -- control -------------------------------------------------------------------------------------
    def upsert_rows(self, entity_name: str, items: list[dict[str, Any]], *, silent: bool | None = None) -> list[dict]:
        """Create/update rows as the desktop app would, in one change batch (see ``desktop.upsert_rows``)."""
        with self.lock:
            quiet = self.switches.silent_edits if silent is None else silent
            self._edits += 1
            return desktop.upsert_rows(self.db, self.new_batch(), entity_name, items, silent=quiet)

    def delete_rows(self, entity_name: str, ids: list[int]) -> list[dict[str, Any]]:
        with self.lock:
            return desktop.delete_rows(self.db, self.new_batch(), entity_name, ids)

    def send_receive(
        self, *, take_off: list[int] = (), put_back: list[int] = (), visitor_id: int | None = None
    ) -> list[dict[str, Any]]:
        """One send/receive round of the desktop app, as one change batch: details taken off the visitor's
        (default: the site's) "sent products" list and details put back on it (see ``sent_products``)."""
        with self.lock:
            visitor = self.account.visitor_id if visitor_id is None else visitor_id
            changes = Round(take_off=list(take_off), put_back=list(put_back))
            return send_receive(self.db, self.new_batch(), visitor, changes)

    def site_offer(self, visitor_id: int | None = None) -> dict[int, float]:
        """``detail id -> Count1`` of what the visitor (default: the site) may sell, by Mahak's rule."""
        with self.lock:
            return site_offer(self.db, self.account.visitor_id if visitor_id is None else visitor_id)

    def rows(self, entity_name: str, *, live_only: bool = False, ids: list[int] | None = None) -> list[dict]:
        with self.lock:
            table = self.db[entity_named(entity_name).name]
            if ids is not None:
                return [serve_row(table, row) for row in (table.get(i) for i in ids) if row is not None]
            return [serve_row(table, row) for row in iter_rows(table, live_only=live_only)]

    def invoice_total(self, order_id: int) -> Decimal | None:
        """The order's invoice total by Mahak's rule (``invoice.invoice_total``); None for no such order."""
        with self.lock:
            return invoice.invoice_total(self.db, order_id)

    def apply_mutation(self, param: dict[str, Any]) -> None:
        """The ``mutate`` fault: ``{"entity", "rows", "delete_ids"}`` applied as desktop changes."""
        param = param or {}
        entity = param.get("entity", "Product")
        if param.get("rows"):
            self.upsert_rows(entity, param["rows"], silent=param.get("silent"))
        if param.get("delete_ids"):
            self.delete_rows(entity, param["delete_ids"])

    def record_request(self, path: str) -> None:
        """Count one HTTP request by its lower-case path (faulted ones too)."""
        with self.lock:
            self.stats.requests[path] += 1

    def request_started(self) -> None:
        with self.lock:
            self._in_flight += 1

    def request_finished(self) -> None:
        with self.lock:
            self._in_flight -= 1

    def record_status(self, status: int) -> None:
        with self.lock:
            self.stats.statuses[status] += 1

    def fire_faults(self, api_path: str) -> list[FaultRule]:
        """The fault rules firing for one API request; each firing is counted by kind."""
        with self.lock:
            fired = self.faults.fire(api_path)
            for rule in fired:
                self.stats.faults_fired[rule.kind] += 1
            return fired

    def expire_tokens(self) -> int:
        with self.lock:
            return self.tokens.expire_all()

    def max_row_version(self) -> dict[str, Any]:
        with self.lock:
            per_entity = {e.name: self.db[e.name].max_row_version() for e in ENTITIES}
            return {
                "max_row_version": max(per_entity.values()),
                "per_entity": per_entity,
                "next_row_version": self.db.next_row_version,
            }

    def stats_snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                **self.stats.as_dict(),
                "in_flight": self._in_flight,
                "pending_stock_moves": self.stock.pending,
                "counts": {name: len(table) for name, table in self.db.tables.items()},
            }
