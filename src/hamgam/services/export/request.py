"""Building one export's SaveAllData: only the records Mahak does not hold yet, children naming parents by
Mahak id when confirmed and by client id when they travel in the same request (contract §5).

Everything that can be checked locally is checked before anything is sent, so a bad line (a product or a
warehouse Mahak no longer has) refuses the whole export and nothing is half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hamgam.domain.export import (
    SALES_INVOICE,
    SALES_RETURN,
    ClientKind,
    ExportNotReady,
    ExportRejected,
    ItemError,
    JobKind,
    detail_key,
    mahak_amount,
    order_key,
    person_key,
    shipping_address,
    split_name,
)
from hamgam.domain.invoice import ExportLine, Rates, export_line
from hamgam.ports.export import (
    ClientRecord,
    ExportBundle,
    OrderDetailSave,
    OrderSave,
    PersonSave,
    ReceiptSave,
    Row,
    SaveAllData,
    SaveItem,
    SyncedMahakData,
    VisitorPersonSave,
)
from hamgam.settings import ExportSettings, StockSource, SyncSettings


@dataclass(frozen=True)
class PersonRef:
    """How a record names the order's person: by Mahak id when known, else by the client id it travels under."""

    person_id: int | None
    person_client_id: int | None


@dataclass
class Plan:
    """The request, and for each of its items which client record it carries."""

    request: SaveAllData
    #: ``(save list, index) -> (kind, client id)``
    items: dict[tuple[str, int], tuple[ClientKind, int]] = field(default_factory=dict)
    #: The Mahak person of the order when already known (matched, or confirmed earlier).
    person_id: int | None = None

    @property
    def empty(self) -> bool:
        return not self.items

    def add(self, kind: ClientKind, client_id: int, item: SaveItem) -> None:
        target = getattr(self.request, kind.save_list)
        self.items[(kind.save_list, len(target))] = (kind, client_id)
        target.append(item)


async def build_plan(
    mahak_data: SyncedMahakData,
    bundle: ExportBundle,
    *,
    visitor_id: int,
    export: ExportSettings,
    sync: SyncSettings,
) -> Plan:
    """The request that completes ``bundle`` in Mahak (empty when Mahak holds everything).

    Raises ``ExportRejected`` before anything is sent when a line or the configuration cannot be exported.
    """
    job, order, customer = bundle.job, bundle.order, bundle.customer
    kind = JobKind(job["kind"])
    unit = str(sync.money_unit)
    plan = Plan(SaveAllData())
    customer_key = person_key(customer["id"])
    person = bundle.record(ClientKind.PERSON, customer_key)
    link = bundle.record(ClientKind.VISITOR_PERSON, customer_key)
    order_rec = _required(bundle, ClientKind.ORDER, order_key(job["id"]))

    problems = _check_lines(bundle)
    stores = await _line_stores(mahak_data, bundle, export, sync, visitor_id, problems)
    if problems:
        raise ExportRejected("; ".join(p.error for p in problems), problems)

    person_id = (person.mahak_id if person else None) or customer["mahak_person_id"]
    if person_id is None and export.match_person_by:
        person_id = await mahak_data.live_person(customer, [str(m) for m in export.match_person_by])
    plan.person_id = person_id
    if person_id is None:
        if kind is JobKind.RETURN or person is None:
            raise ExportRejected("the customer is not a Mahak person yet; export the sale first")
        group = export.person_group_id or await mahak_data.default_person_group()
        if group is None:
            # a shop's first orders can be paid before the first sync brings PersonGroup
            raise ExportNotReady("no Mahak person group yet: set export.person_group_id or let PersonGroup sync")
        plan.add(ClientKind.PERSON, person.client_id, _person(customer, order["address"], person.client_id, group))
    # Without a Mahak person, the person travels in this request (``person`` is set: checked above).
    person_client_id = None if person_id else (person.client_id if person else None)
    if kind is JobKind.SALE and link is not None and not link.confirmed:
        linked = person_id is not None and await mahak_data.visitor_link_exists(visitor_id, person_id)
        if not linked:
            plan.add(
                ClientKind.VISITOR_PERSON,
                link.client_id,
                VisitorPersonSave(
                    visitor_person_client_id=link.client_id,
                    visitor_id=visitor_id,
                    person_id=person_id,
                    person_client_id=person_client_id,
                ),
            )
    person_ref = PersonRef(person_id or None, person_client_id)

    mahak_lines = invoice_lines(bundle)
    if not order_rec.confirmed:
        other_cost = sum(line.remainder for line in mahak_lines)
        plan.add(
            ClientKind.ORDER,
            order_rec.client_id,
            _order(bundle, order_rec.client_id, visitor_id, person_ref, export, unit, other_cost),
        )
    order_ref = {"order_id": order_rec.mahak_id} if order_rec.confirmed else {"order_client_id": order_rec.client_id}
    for row_id, (line, mahak_line) in enumerate(zip(bundle.lines, mahak_lines, strict=True), start=1):
        rec = _required(bundle, ClientKind.ORDER_DETAIL, detail_key(job["id"], line["product_detail_id"]))
        if rec.confirmed:
            continue
        sent = mahak_line.line
        plan.add(
            ClientKind.ORDER_DETAIL,
            rec.client_id,
            OrderDetailSave(
                order_detail_client_id=rec.client_id,
                **order_ref,
                item_type=1,
                product_detail_id=line["product_detail_id"],
                store_id=stores[line["product_detail_id"]],
                price=mahak_amount(sent.price, unit),
                count1=Decimal(sent.count),
                discount=mahak_amount(sent.discount, unit),
                tax_percent=sent.tax_percent,
                charge_percent=sent.charge_percent,
                row_id=row_id,
                # the variant the buyer chose, on Mahak's invoice line too (the detail id already names it)
                description=line.get("variant") or None,
            ),
        )
    receipt = bundle.record(ClientKind.RECEIPT, order_key(job["id"]))
    if kind is JobKind.SALE and export.send_receipt and receipt and not receipt.confirmed and bundle.payment:
        cash_code = export.cash_code or _int((await mahak_data.visitor_defaults(visitor_id)).get("cash_code"))
        pay = bundle.payment
        plan.add(
            ClientKind.RECEIPT,
            receipt.client_id,
            ReceiptSave(
                receipt_client_id=receipt.client_id,
                visitor_id=visitor_id,
                person_id=person_ref.person_id,
                person_client_id=person_ref.person_client_id,
                **order_ref,
                cash_amount=mahak_amount(pay["amount_rial"], unit),
                cash_code=cash_code,
                date=pay["verified_at"],
                tracking_code=str(pay["ref_id"]) if pay["ref_id"] is not None else None,
                description=f"پرداخت آنلاین سفارش {order['id']} — online payment",
            ),
        )
    return plan


def invoice_lines(bundle: ExportBundle) -> list[ExportLine]:
    """Each order line as Mahak gets it, with the percents decided at checkout: the paid amount of every line
    is its Mahak amount plus its remainder (the order's ``OtherCost``), so Mahak's invoice total is the
    receipt (``domain/invoice.py``)."""
    include_vat = bool(bundle.order["prices_include_vat"])
    return [
        export_line(
            line["unit_price_rial"],
            line["quantity"],
            Rates(Decimal(line["tax_percent"]), Decimal(line["charge_percent"])),
            prices_include_vat=include_vat,
        )
        for line in bundle.lines
    ]


def _required(bundle: ExportBundle, kind: ClientKind, key: str) -> ClientRecord:
    record = bundle.record(kind, key)
    if record is None:
        raise RuntimeError(f"no client id allocated for {kind} {key}")  # allocate_client_ids runs first
    return record


def _check_lines(bundle: ExportBundle) -> list[ItemError]:
    problems = []
    for index, line in enumerate(bundle.lines):
        if not line["detail_live"]:
            problems.append(
                ItemError(
                    "order_details",
                    index,
                    None,
                    "ProductDetailId",
                    f"کالای {line['product_detail_id']} ({line['name']}) در محک نیست — "
                    "the product detail is not (or no longer) in Mahak",
                )
            )
        if line["quantity"] <= 0 or line["unit_price_rial"] < 0:
            problems.append(ItemError("order_details", index, None, "Count1", "bad quantity or price"))
    return problems


async def _line_stores(
    mahak_data: SyncedMahakData,
    bundle: ExportBundle,
    export: ExportSettings,
    sync: SyncSettings,
    visitor_id: int,
    problems: list[ItemError],
) -> dict[int, int]:
    """The warehouse of each line: the configured one, else the stock source that served the reservation."""
    live = await mahak_data.live_stores()
    live_ids = [store_id for store_id, _ in live]
    fallback: int | None = export.store_id
    if fallback is None and sync.stock_source is not StockSource.STORES:
        code = (await mahak_data.visitor_defaults(visitor_id)).get("store_code")
        fallback = next((store_id for store_id, c in live if code and c == str(code)), None)
        fallback = fallback or (live_ids[0] if live_ids else None)
    chosen: dict[int, int] = {}
    for index, line in enumerate(bundle.lines):
        detail = line["product_detail_id"]
        store = fallback
        if export.store_id is None and sync.stock_source is StockSource.STORES and sync.stock_store_ids:
            stock = await mahak_data.store_stock(detail, sync.stock_store_ids)
            store = next(
                (s for s in sync.stock_store_ids if stock.get(s, 0) >= line["quantity"]), sync.stock_store_ids[0]
            )
        if store is None or (live_ids and store not in live_ids):
            problems.append(
                ItemError(
                    "order_details",
                    index,
                    None,
                    "StoreId",
                    f"انبار {store} در محک نیست — no such Mahak store ({store})",
                )
            )
            continue
        chosen[detail] = store
    return chosen


def _person(customer: Row, address: Row, client_id: int, group: int) -> PersonSave:
    first, last = split_name(customer.get("full_name") or address.get("recipient_name"), customer["mobile"])
    return PersonSave(
        person_client_id=client_id,
        person_group_id=group,
        person_type=0,
        first_name=first,
        last_name=last,
        national_code=customer.get("national_code") or None,
        mobile=customer["mobile"],
        email=customer.get("email") or None,
        state=address.get("province"),
        city=address.get("city"),
        address=address.get("line"),
        postal_code=address.get("postal_code"),
    )


def _order(
    bundle: ExportBundle,
    client_id: int,
    visitor_id: int,
    person_ref: PersonRef,
    export: ExportSettings,
    unit: str,
    other_cost: int,
) -> OrderSave:
    order, job = bundle.order, bundle.job
    is_return = job["kind"] == JobKind.RETURN
    sale_code = job.get("sale_code")
    description = (
        f"مرجوعی فاکتور {sale_code or '?'} (سفارش آنلاین {order['id']}) — return of invoice {sale_code or '?'}"
        if is_return
        else f"سفارش آنلاین {order['id']} — Hamgam online order {order['id']}"
    )
    return OrderSave(
        order_client_id=client_id,
        visitor_id=visitor_id,
        person_id=person_ref.person_id,
        person_client_id=person_ref.person_client_id,
        order_type=SALES_RETURN if is_return else (export.order_type or SALES_INVOICE),
        order_date=order["paid_at"] or order["created_at"],
        settlement_type=export.settlement_type,
        send_cost=Decimal(0) if is_return else mahak_amount(order["shipping_rial"], unit),
        other_cost=mahak_amount(other_cost, unit),
        description=description,
        shipping_address=shipping_address(order["address"]),
    )


def _int(value: int | str | None) -> int | None:
    if value is None or value in ("", "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
