"""The merchant's shipping page: every mistake in the form shown at once with nothing typed lost, a valid method
added (amounts typed in Toman, kept in Rial) and offered at checkout, taken off offer after a confirmation, every
change audited; staff who are not admins cannot reach it."""

from __future__ import annotations

from sqlalchemy import text

from tests.web.conftest import Web


async def test_the_admin_adds_checks_and_takes_off_a_method(web: Web) -> None:
    await web.login_staff()
    listing = await web.http.get("/admin/shipping")
    assert listing.status_code == 200 and "پست پیشتاز" in listing.text and 'href="/admin/shipping"' in listing.text
    # when: a form full of mistakes is sent
    bad = await web.post(
        "/admin/shipping/new",
        {"title": "", "kind": "delivery", "base_toman": "ده هزار", "free_over_toman": "-1", "province_8": "abc",
         "tier_over_0": "2000", "tier_extra_0": ""},
        from_page="/admin/shipping/new",
    )  # fmt: skip
    # then: every field's message at once, what was typed kept
    assert bad.status_code == 400
    for message in ("نام روش ارسال را بنویسید", "مبلغ باید عددی صحیح", "مبلغ را بنویسید"):
        assert message in bad.text, message
    assert 'value="ده هزار"' in bad.text and 'value="abc"' in bad.text
    # when: a valid method is added (Toman, Persian digits), with Tehran's own cost
    added = await web.post(
        "/admin/shipping/new",
        {"title": "تیپاکس", "kind": "delivery", "base_toman": "۹۰٬۰۰۰", "province_7": "۵۰۰۰۰", "position": "4",
         "active": "1", "tier_over_0": "3000", "tier_extra_0": "20000"},
        from_page="/admin/shipping/new",
    )  # fmt: skip
    assert added.status_code == 303
    engine = web.container.engine
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT id, base_rial, province_rial, weight_tiers FROM shipping_method WHERE title = 'تیپاکس'")
            )
        ).one()
    assert row.base_rial == 900_000 and row.province_rial == {"تهران": 500_000}
    assert row.weight_tiers == [{"over_g": 3000, "extra_rial": 200_000}]
    # then: the buyer is offered it
    titles = [m.title for m in await web.container.store.checkout.shipping_methods()]
    assert "تیپاکس" in titles
    # when: the admin edits it, then takes it off offer (the button sits behind a confirmation)
    edit = await web.http.get(f"/admin/shipping/{row.id}")
    assert edit.status_code == 200 and 'value="90000"' in edit.text
    assert "بله، غیرفعال شود" in (await web.http.get("/admin/shipping")).text
    off = await web.post(f"/admin/shipping/{row.id}/active", {"active": "0"}, from_page="/admin/shipping")
    assert off.status_code == 303
    assert "تیپاکس" not in [m.title for m in await web.container.store.checkout.shipping_methods()]
    async with engine.connect() as conn:
        actions = (
            (
                await conn.execute(
                    text("SELECT action FROM audit_log WHERE target = :t ORDER BY id"),
                    {"t": f"shipping_method:{row.id}"},
                )
            )
            .scalars()
            .all()
        )
    assert actions == ["shipping_method.add", "shipping_method.disable"]


async def test_a_customer_cannot_reach_the_shipping_page(web: Web) -> None:
    await web.login_otp("09125550009")
    response = await web.http.get("/admin/shipping")
    assert response.status_code in (303, 403)
