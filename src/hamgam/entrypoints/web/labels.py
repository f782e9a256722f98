"""What staff read for the store's internal keys: Mahak entity and field names, sync kinds and statuses, roles,
audit actions, and who moved an order and why. The labels are message ids of the i18n catalogue (English; the
Persian is in ``messages.po``); :class:`Labels` translates them for the UI's language.

A key with no label is shown as it is, isolated left to right: a new key then reads as a code, never as a
broken page, and the walk over the admin pages (tests/web/test_admin_persian.py) points at it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import Markup

from hamgam.entrypoints.web.display import ltr
from hamgam.entrypoints.web.i18n import N_, Locale

#: The Mahak entities the store follows (``hamgam.domain.sync.entities.SYNC_ORDER``).
ENTITY_LABELS: Mapping[str, str] = {
    "Setting": N_("Mahak settings"),
    "CostLevelName": N_("Price level name"),
    "Store": N_("Warehouse"),
    "Bank": N_("Bank"),
    "Region": N_("Region"),
    "Visitor": N_("Sales agent"),
    "PropertyDescription": N_("Product property"),
    "ProductCategory": N_("Product category"),
    "Product": N_("Product"),
    "ProductDetail": N_("Product variant"),
    "ProductDetailStoreAsset": N_("Warehouse stock"),
    "VisitorProduct": N_("Sales agent stock"),
    "ExtraData": N_("Extra data"),
    "Picture": N_("Picture"),
    "PhotoGallery": N_("Photo gallery"),
    "PersonGroup": N_("Person group"),
    "Person": N_("Person"),
    "PersonAddress": N_("Person address"),
    "VisitorPerson": N_("Sales agent customer"),
    "Order": N_("Mahak order"),
    "OrderDetail": N_("Mahak order line"),
    "Receipt": N_("Receipt"),
}

#: Mahak's fields as the admin shows them (a product's read-only fields, overrides, conflicts, rejected rows).
FIELD_LABELS: Mapping[str, str] = {
    "code": N_("Code"),
    "name": N_("Name"),
    "unit_name": N_("Unit"),
    "unit_name2": N_("Second unit"),
    "mahak_description": N_("Description in Mahak"),
    "tags": N_("Tags"),
    "category_id": N_("Category number"),
    "unit_ratio": N_("First units in one second unit"),
    "tax_percent": N_("Duty percent"),
    "charge_percent": N_("Tax percent"),
    "weight": N_("Weight"),
    "width": N_("Width"),
    "height": N_("Height"),
    "length": N_("Length"),
    "min_quantity": N_("Minimum order quantity"),
    "barcode": N_("Barcode"),
    "row_version": N_("Mahak row version"),
    "updated_at": N_("Last change"),
    "price": N_("Price"),
    "prices_rial": N_("Prices"),
    "count1": N_("Stock"),
    "count2": N_("Stock in the second unit"),
    "product_id": N_("Product number"),
    "product_detail_id": N_("Variant number"),
    "properties": N_("Properties"),
    "mobile": N_("Mobile"),
    "amount": N_("Amount"),
}

#: The kinds of sync run (``hamgam.domain.sync.cursor.RunKind``).
SYNC_KIND_LABELS: Mapping[str, str] = {
    "incremental": N_("Changes only"),
    "full": N_("Everything again"),
    "reconcile": N_("Reconciliation"),
    "rewind": N_("Healing after a Mahak restore"),
}

#: The states of a sync run (``sync_run.status``).
SYNC_STATUS_LABELS: Mapping[str, str] = {
    "running": N_("Running"),
    "succeeded": N_("Succeeded"),
    "failed": N_("Failed"),
    "dead_letters": N_("Done, some batches failed"),
    "incomplete": N_("Not finished in time"),
}

#: The roles of an account (``hamgam.domain.accounts.Role``).
ROLE_LABELS: Mapping[str, str] = {
    "customer": N_("Customer"),
    "staff": N_("Staff"),
    "admin": N_("Administrator"),
}

#: What the audit log records.
AUDIT_ACTION_LABELS: Mapping[str, str] = {
    "dead_letter.edit": N_("Body edited"),
    "dead_letter.replay": N_("Replayed"),
    "dead_letter.purge": N_("Purged"),
}

#: Who acted, from the actor strings the services write (``role:id``, ``exporter:job:7``, ``job:expire``…).
_ACTORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"exporter:job:(?P<id>\d+)"), N_("Sending to Mahak (job %(id)s)")),
    (re.compile(r"exporter:sync"), N_("Sync with Mahak")),
    (re.compile(r"job:expire"), N_("The store (payment time ran out)")),
    (re.compile(r"payment:.*"), N_("Payment gateway")),
    (re.compile(r"customer:(?P<id>\d+)"), N_("Customer %(id)s")),
    (re.compile(r"staff:(?P<id>\d+)"), N_("Staff member %(id)s")),
    (re.compile(r"admin:(?P<id>\d+)"), N_("Administrator %(id)s")),
    (re.compile(r"cli"), N_("Command line")),
)

#: The reasons the services give for an order's move; any other reason was typed by staff and is shown as is.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Mahak order (?P<id>\d+) \(code (?P<code>[^)]*)\)"), N_("Order %(id)s in Mahak (code %(code)s)")),
    (re.compile(r"Mahak order (?P<id>\d+)"), N_("Order %(id)s in Mahak")),
    (re.compile(r"Mahak invoice code (?P<code>.+)"), N_("Mahak invoice, code %(code)s")),
    (re.compile(r"cancelled by the customer"), N_("Cancelled by the customer")),
    (re.compile(r"payment not received in time"), N_("Payment not received in time")),
    (re.compile(r"ref_id (?P<code>\S+)"), N_("Bank reference %(code)s")),
)

#: Why a Mahak row was refused, by the start of the technical reason.
_REJECTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"missing\b"), N_("The field «%(field)s» is empty in Mahak.")),
    (re.compile(r"negative amount"), N_("The field «%(field)s» holds a negative amount in Mahak.")),
)
_REJECTED = N_("Mahak sent a value in «%(field)s» the store cannot accept.")
_REJECTED_ROW = N_("Mahak sent a row the store cannot accept.")


@dataclass(frozen=True)
class Labels:
    """The labels in the UI's language, as Jinja filters and for the pages."""

    locale: Locale

    def _label(self, table: Mapping[str, str], key: object) -> str | Markup:
        text = "" if key is None else str(key)
        found = table.get(text)
        return self.locale.gettext(found) if found else ltr(text)

    def entity(self, key: object) -> str | Markup:
        return self._label(ENTITY_LABELS, key)

    def field(self, key: object) -> str | Markup:
        return self._label(FIELD_LABELS, key)

    def sync_kind(self, key: object) -> str | Markup:
        return self._label(SYNC_KIND_LABELS, key)

    def sync_status(self, key: object) -> str | Markup:
        return self._label(SYNC_STATUS_LABELS, key)

    def role(self, key: object) -> str | Markup:
        return self._label(ROLE_LABELS, key)

    def audit_action(self, key: object) -> str | Markup:
        return self._label(AUDIT_ACTION_LABELS, key)

    def _matched(self, patterns: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str | None:
        for pattern, message in patterns:
            m = pattern.fullmatch(text)
            if m:
                values = {k: self.locale.digits(v) for k, v in m.groupdict().items()}
                return self.locale.gettext(message) % values
        return None

    def actor(self, actor: object) -> str | Markup:
        text = "" if actor is None else str(actor)
        return self._matched(_ACTORS, text) or ltr(text)

    def reason(self, reason: object) -> str:
        """An order move's reason: the services' reasons translated, a reason typed by staff as it is."""
        text = "" if reason is None else str(reason)
        return self._matched(_REASONS, text) or text

    def rejection(self, field: object, reason: object) -> str:
        """A Persian sentence for a rejected Mahak row (the technical reason is shown beside it, folded)."""
        key = "" if field is None else str(field)
        name = self.locale.gettext(FIELD_LABELS[key]) if key in FIELD_LABELS else key
        for pattern, message in _REJECTIONS:
            if name and pattern.match(str(reason or "")):
                return self.locale.gettext(message) % {"field": name}
        return self.locale.gettext(_REJECTED) % {"field": name} if name else self.locale.gettext(_REJECTED_ROW)

    @property
    def filters(self) -> dict[str, Callable[..., object]]:
        return {
            "entity_label": self.entity,
            "field_label": self.field,
            "sync_kind_label": self.sync_kind,
            "sync_status_label": self.sync_status,
            "role_label": self.role,
            "audit_action_label": self.audit_action,
            "actor_label": self.actor,
            "reason_label": self.reason,
            "rejection_label": self.rejection,
        }
