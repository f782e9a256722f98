"""A product's variants (Mahak's ProductDetail rows) told apart by their properties.

A detail carries ``Properties`` as ``[{"C": code, "V": value}]`` (synced as ``[{"code", "value"}]``); the codes
are named by PropertyDescription rows (``رنگ``, ``سایز``). These pure functions turn a detail's properties and
those names into what people read (``رنگ: صورتی، سایز: XL``), list the choices a product page offers (one
selector per property) and find the detail a buyer's choice names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hamgam.domain.persian import normalize_text, to_persian_digits

#: Between two ``name: value`` pairs of one label (the Persian comma).
SEPARATOR = "، "


@dataclass(frozen=True, slots=True)
class VariantProperty:
    code: str
    #: The PropertyDescription name, or «ویژگی N» when Mahak sent no name for the code.
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Selector:
    """One property a buyer chooses on a product page, with its values in first-seen order."""

    code: str
    name: str
    values: tuple[str, ...]


def _text(raw: Any) -> str:
    return normalize_text(str(raw), for_search=False) if raw is not None else ""


def property_name(code: str, names: Mapping[str, str]) -> str:
    name = _text(names.get(code))
    return name or f"ویژگی {to_persian_digits(code)}"


def variant_properties(
    properties: Iterable[Mapping[str, Any]] | None, names: Mapping[str, str]
) -> tuple[VariantProperty, ...]:
    """A detail's properties as ``(code, name, value)`` in Mahak's order; rows without a code or a value are
    left out, and a code that repeats keeps its first value."""
    seen: set[str] = set()
    out: list[VariantProperty] = []
    for p in properties or ():
        code, value = _text(p.get("code")), _text(p.get("value"))
        if not code or not value or code in seen:
            continue
        seen.add(code)
        out.append(VariantProperty(code, property_name(code, names), value))
    return tuple(out)


def variant_label(properties: Iterable[VariantProperty]) -> str:
    """One line for people: ``رنگ: صورتی، سایز: XL`` ('' for a detail without properties)."""
    return SEPARATOR.join(f"{p.name}: {p.value}" for p in properties)


def label_of(properties: Iterable[Mapping[str, Any]] | None, names: Mapping[str, str]) -> str:
    """``variant_label`` straight from a detail's synced properties and the PropertyDescription names."""
    return variant_label(variant_properties(properties, names))


def selectors(variants: Sequence[Sequence[VariantProperty]]) -> list[Selector]:
    """One selector per property any of ``variants`` has, in first-seen order, each with its values."""
    names: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for props in variants:
        for p in props:
            names.setdefault(p.code, p.name)
            bucket = values.setdefault(p.code, [])
            if p.value not in bucket:
                bucket.append(p.value)
    return [Selector(code, names[code], tuple(values[code])) for code in names]


def choice_of(props: Iterable[VariantProperty]) -> dict[str, str]:
    """The choice (property code → value) that names a detail with ``props``."""
    return {p.code: p.value for p in props}


def matches(own: Mapping[str, str], choice: Mapping[str, str]) -> bool:
    """Whether a detail whose choice is ``own`` (``choice_of``) is the one the buyer's ``choice`` names: every
    property of the detail is chosen with its value, and nothing else is chosen (empty choices are ignored)."""
    wanted = {_text(k): _text(v) for k, v in choice.items() if _text(v)}
    return dict(own) == wanted
