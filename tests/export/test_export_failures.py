"""Refusals: a bad line leaves nothing half-applied in the store and tells staff why (on the export job, in the
admin API, in the dead-letter queue); a staff replay (audited) completes the same invoice, never a second one."""

from __future__ import annotations

import httpx2
from sqlalchemy import text

from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.entrypoints.api.app import create_app
from tests.api.conftest import Api
from tests.export.conftest import WAIT_S, ExportWorld, running
from tests.queue_helpers import eventually


async def _ledger(world: ExportWorld, order_id: int) -> set[str]:
    async with world.engine.connect() as conn:
        return set(
            (await conn.scalars(text("SELECT state FROM stock_reservation WHERE order_id = :o"), {"o": order_id})).all()
        )


async def test_export_line_unknown_locally_is_refused_before_sending(fresh_mahak, make_world) -> None:
    # given a paid order one of whose products the synced catalogue now lists as deleted
    async with make_world(fresh_mahak) as world:
        await world.sync()
        (d1, _), (d2, _) = await world.sellable(2)
        order_id = await world.paid_order(await world.customer("09120000002"), [(d1, 1), (d2, 1)])
        async with world.engine.begin() as conn:
            await conn.execute(text("UPDATE product_detail SET deleted_at = now() WHERE mahak_id = :d"), {"d": d2})
        # when the exporter runs
        async with running(world):
            [job] = await world.wait_jobs({"rejected"})
        # then nothing reached Mahak, the order is still paid with its stock held, and staff see why
        assert world.sim.control.stats()["requests"].get("/api/v3/sync/savealldata", 0) == 0
        assert world.mahak_orders() == []
        assert await world.order_status(order_id) == "paid" and await _ledger(world, order_id) == {"committed"}
        assert str(d2) in job["error"] and job["errors"][0]["property"] == "ProductDetailId"
        assert await world.container.dead_letters.count("export.orders") == 1


async def test_export_line_refused_by_mahak_is_shown_to_staff_and_replay_completes_once(
    fresh_mahak, make_world
) -> None:
    # given a paid order whose second product Mahak deleted after the last sync
    async with make_world(fresh_mahak) as world:
        await world.sync()
        (d1, _), (d2, _) = await world.sellable(2)
        order_id = await world.paid_order(await world.customer("09120000003"), [(d1, 1), (d2, 2)])
        fresh_mahak.control.delete_rows("ProductDetail", [d2])
        # when the exporter runs
        async with running(world):
            [job] = await world.wait_jobs({"rejected"})
        # then the order stays paid with its units held, and the job carries Mahak's own message
        assert await world.order_status(order_id) == "paid" and await _ledger(world, order_id) == {"committed"}
        assert "کالا یافت نشد" in job["error"]
        assert [(e["list"], e["property"]) for e in job["errors"]] == [("order_details", "ProductDetailId")]
        app = create_app(world.container)
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://test") as http:
            staff = await Api(http, world.container).login("09129999999", role="staff")
            listed = (await http.get("/api/v1/admin/export/jobs?errors_only=true", headers=staff)).json()
            assert [(j["id"], j["status"]) for j in listed["items"]] == [(job["id"], "rejected")]
            assert "کالا یافت نشد" in listed["items"][0]["error"]
            # when staff restore the product in Mahak and replay the job
            fresh_mahak.control.upsert_rows("ProductDetail", [{"ProductDetailId": d2, "Deleted": False}])
            replayed = await http.post(f"/api/v1/admin/export/jobs/{job['id']}/replay", headers=staff)
            assert replayed.status_code == 202, replayed.text
            again = await http.post(f"/api/v1/admin/export/jobs/{job['id']}/replay", headers=staff)
            assert again.status_code == 409  # only a refused or failed job can be replayed
        async with running(world):
            [job] = await world.wait_jobs({"sent"})
        # then the same invoice is completed: one order in Mahak with both lines, and the replay is audited
        [invoice] = world.mahak_orders()
        lines = [d for d in world.mahak_rows("OrderDetail") if d["OrderId"] == invoice["OrderId"]]
        assert sorted((d["ProductDetailId"], d["Count1"]) for d in lines) == sorted([(d1, 1), (d2, 2)])
        assert len([r for r in world.mahak_rows("Receipt") if r["OrderId"] == invoice["OrderId"]]) == 1
        assert await world.order_status(order_id) == "sent_to_accounting"
        async with world.engine.connect() as conn:
            audit = (await conn.execute(text("SELECT actor, action, target FROM audit_log"))).all()
        assert [(a.action, a.target) for a in audit] == [("export_job.replay", f"export_job:{job['id']}")]


async def test_first_order_paid_before_person_groups_sync_waits_for_them(fresh_mahak, make_world) -> None:
    # given a shop whose first sync has not brought PersonGroup yet (and no export.person_group_id set)
    # retries for several minutes: the sync of PersonGroup below may take long on a loaded machine
    async with make_world(fresh_mahak, retry_delays_s=[0.5] * 600) as world:
        await world.sync(tuple(e.name for e in SYNC_ORDER if e.name != "PersonGroup"))
        ((d1, _),) = await world.sellable(1)
        order_id = await world.paid_order(await world.customer("09120000009"), [(d1, 1)])
        async with running(world):
            # when the exporter meets the new customer, it retries instead of refusing the order for good
            await eventually(lambda: _job_error_mentions(world, order_id, "person group"), timeout_s=WAIT_S)
            assert (await world.job(order_id))["status"] == "pending"
            assert await world.container.dead_letters.count("export.orders") == 0
            # and once PersonGroup syncs, the same job sends the invoice
            await world.sync(("PersonGroup",))
            [job] = await world.wait_jobs({"sent"})
        assert job["order_id"] == order_id and len(world.mahak_orders()) == 1
        assert await world.container.dead_letters.count("export.orders") == 0


async def _job_error_mentions(world: ExportWorld, order_id: int, text_: str) -> bool:
    return text_ in ((await world.job(order_id))["error"] or "")
