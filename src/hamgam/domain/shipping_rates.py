"""What a shipping method costs: the merchant's rule, one function for the checkout page, the JSON API and the
order itself.

A method is delivery (it needs an address) or pickup (the buyer collects it: no address). Its cost in Rial is
the base cost, or the cost set for the buyer's province, plus the extra of the heaviest weight tier the cart
reaches (weights are Mahak's product ``Weight`` in grams, times the quantity; a product without one weighs 0).
A cart whose items reach ``free_over_rial`` ships free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from hamgam.domain.errors import InvalidInput
from hamgam.domain.persian import normalize_text, to_latin_digits
from hamgam.domain.places import canonical_province

#: The most a cost may be (10 billion Rial): a typo with extra zeros is refused, not charged.
MAX_COST_RIAL = 10_000_000_000
#: The heaviest tier threshold accepted (1,000 kg in grams).
MAX_WEIGHT_G = 1_000_000


class ShippingKind(StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"


@dataclass(frozen=True, slots=True)
class WeightTier:
    """Carts heavier than ``over_g`` grams pay ``extra_rial`` on top."""

    over_g: int
    extra_rial: int


@dataclass(frozen=True, slots=True)
class ShippingRate:
    """One of the merchant's shipping methods. ``code`` is the stable key orders keep (never shown)."""

    code: str
    title: str
    kind: ShippingKind = ShippingKind.DELIVERY
    base_rial: int = 0
    #: Province (as ``domain.places`` names it) -> the cost there instead of ``base_rial``.
    province_rial: Mapping[str, int] = field(default_factory=dict)
    weight_tiers: tuple[WeightTier, ...] = ()
    #: Items worth at least this ship free; None: never free.
    free_over_rial: int | None = None
    active: bool = True
    position: int = 0
    id: int | None = None

    @property
    def needs_address(self) -> bool:
        return self.kind is ShippingKind.DELIVERY


def cart_weight_g(lines: Iterable[tuple[int, float | None]]) -> float:
    """The weight of ``(quantity, weight of one in grams or None)`` lines."""
    return sum(quantity * max(weight or 0.0, 0.0) for quantity, weight in lines)


def shipping_cost(rate: ShippingRate, *, province: str | None, items_rial: int, weight_g: float = 0.0) -> int:
    """What ``rate`` charges, in Rial, to send items worth ``items_rial`` weighing ``weight_g`` to ``province``
    (ignored for pickup; unknown or None: the base cost)."""
    if rate.free_over_rial is not None and items_rial >= rate.free_over_rial:
        return 0
    if rate.kind is ShippingKind.PICKUP:
        return rate.base_rial
    cost = rate.base_rial
    if province:
        cost = rate.province_rial.get(canonical_province(province) or province, cost)
    extra = 0
    for tier in sorted(rate.weight_tiers, key=lambda t: t.over_g):
        if weight_g > tier.over_g:
            extra = tier.extra_rial
    return cost + extra


def choose(rates: Iterable[ShippingRate], code: str) -> ShippingRate:
    """The active method ``code``; ``InvalidInput`` on ``shipping_method`` otherwise."""
    for rate in rates:
        if rate.code == code and rate.active:
            return rate
    raise InvalidInput("روش ارسال را انتخاب کنید — unknown shipping method", field="shipping_method")


# ---- the merchant's form -------------------------------------------------------------------------------------


def _amount(raw: str, name: str, errors: dict[str, str], *, required: bool) -> int | None:
    text = to_latin_digits(normalize_text(raw or "", for_search=False)).replace(",", "").replace("٬", "")
    if not text:
        if required:
            errors[name] = "مبلغ را بنویسید — an amount is required"
        return None
    if not text.isdigit() or int(text) > MAX_COST_RIAL:
        errors[name] = "مبلغ باید عددی صحیح و نامنفی باشد — an amount must be a whole number"
        return None
    return int(text)


def _toman(raw: str, name: str, errors: dict[str, str], *, required: bool) -> int | None:
    """Amounts are typed in Toman (what the merchant sees everywhere) and kept in Rial."""
    value = _amount(raw, name, errors, required=required)
    return None if value is None else value * 10


def parse_rate(
    *,
    code: str,
    title: str,
    kind: str,
    base_toman: str,
    free_over_toman: str = "",
    province_toman: Mapping[str, str] | None = None,
    tiers: Iterable[tuple[str, str]] = (),
    active: bool = True,
    position: int = 0,
    id: int | None = None,
) -> ShippingRate:
    """A method from the merchant's form (amounts in Toman, any digits; weights in grams). Every mistake is
    reported at once: ``InvalidInput`` whose ``details["errors"]`` maps each field to its message (province
    costs as ``province:<name>``, tiers as ``tier<i>``)."""
    errors: dict[str, str] = {}
    title_n = normalize_text(title or "", for_search=False)
    if not title_n:
        errors["title"] = "نام روش ارسال را بنویسید — a title is required"
    elif len(title_n) > 100:
        errors["title"] = "نام روش ارسال حداکثر ۱۰۰ نویسه است — the title is too long"
    try:
        kind_v = ShippingKind(kind)
    except ValueError:
        errors["kind"] = "نوع روش ارسال را انتخاب کنید — choose a kind"
        kind_v = ShippingKind.DELIVERY
    base = _toman(base_toman, "base_toman", errors, required=True)
    free_over = _toman(free_over_toman, "free_over_toman", errors, required=False)
    by_province: dict[str, int] = {}
    for raw_name, raw_cost in (province_toman or {}).items():
        name = canonical_province(raw_name)
        if name is None:
            errors[f"province:{raw_name}"] = "استان در فهرست استان‌ها نیست — unknown province"
            continue
        cost = _toman(raw_cost, f"province:{name}", errors, required=False)
        if cost is not None:
            by_province[name] = cost
    parsed: list[WeightTier] = []
    for i, (raw_over, raw_extra) in enumerate(tiers):
        if not (raw_over or "").strip() and not (raw_extra or "").strip():
            continue
        over = _amount(raw_over, f"tier{i}", errors, required=True)
        extra = _toman(raw_extra, f"tier{i}", errors, required=True)
        if over is not None and over > MAX_WEIGHT_G:
            errors[f"tier{i}"] = "وزن حداکثر ۱٬۰۰۰٬۰۰۰ گرم است — weight too large"
        elif over is not None and extra is not None:
            if any(t.over_g == over for t in parsed):
                errors[f"tier{i}"] = "این وزن دو بار آمده است — the same weight twice"
            else:
                parsed.append(WeightTier(over, extra))
    if errors:
        first = next(iter(errors))
        raise InvalidInput(errors[first], field=first, errors=errors)
    assert base is not None
    return ShippingRate(
        code=code,
        title=title_n,
        kind=kind_v,
        base_rial=base,
        province_rial=by_province if kind_v is ShippingKind.DELIVERY else {},
        weight_tiers=tuple(sorted(parsed, key=lambda t: t.over_g)) if kind_v is ShippingKind.DELIVERY else (),
        free_over_rial=free_over,
        active=active,
        position=position,
        id=id,
    )
