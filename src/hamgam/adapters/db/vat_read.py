"""The tax and charge percents checkout puts on each line: the synced products' own and Mahak's Settings
14000/14001/14008, decided by ``domain.invoice.line_rates``."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain.invoice import SETTING_CHARGE, SETTING_TAX, SETTING_TAX_ON, Rates, line_rates, tax_switch


async def product_rates(conn: AsyncConnection, product_ids: list[int], *, charge_vat: bool) -> dict[int, Rates]:
    """``product id -> Rates`` for ``product_ids`` (a product not synced gets none)."""
    settings: dict[int, str | None] = dict(
        (
            await conn.execute(
                text("""SELECT DISTINCT ON (code) code, value FROM setting
                        WHERE code = ANY(:codes) AND deleted_at IS NULL ORDER BY code, mahak_id DESC"""),
                {"codes": [SETTING_TAX, SETTING_CHARGE, SETTING_TAX_ON]},
            )
        ).all()
    )
    products = {
        r[0]: (r[1], r[2])
        for r in await conn.execute(
            text("SELECT mahak_id, tax_percent, charge_percent FROM product WHERE mahak_id = ANY(:ids)"),
            {"ids": product_ids},
        )
    }
    tax_on = tax_switch(settings.get(SETTING_TAX_ON))
    return {
        product_id: line_rates(
            *products.get(product_id, (None, None)),
            tax_default=settings.get(SETTING_TAX),
            charge_default=settings.get(SETTING_CHARGE),
            tax_on=tax_on,
            charge_vat=charge_vat,
        )
        for product_id in product_ids
    }
