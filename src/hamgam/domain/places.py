"""Iran's 31 provinces and their cities, for delivery addresses and shipping costs by province.

The list is the checked-in ``data/iran_places.json`` (its ``_source`` names where it comes from and what was
corrected). It is read once, from the package itself: no setting, no network.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from hamgam.domain.persian import normalize_text


@cache
def provinces() -> dict[str, tuple[str, ...]]:
    """Province name -> its cities, both in Persian alphabetical order."""
    raw = json.loads(resources.files("hamgam.domain").joinpath("data/iran_places.json").read_text("utf-8"))
    return {p["name"]: tuple(p["cities"]) for p in raw["provinces"]}


def province_names() -> tuple[str, ...]:
    return tuple(provinces())


def canonical_province(raw: str) -> str | None:
    """The listed province ``raw`` names (Arabic letters, spacing and a leading «استان» forgiven), or None."""
    key = _key(raw)
    return next((name for name in provinces() if _key(name) == key), None)


def canonical_city(province: str, raw: str) -> str | None:
    """The listed city of ``province`` that ``raw`` names, or None."""
    key = _key(raw)
    return next((city for city in provinces().get(province, ()) if _key(city) == key), None)


def _key(text: str) -> str:
    key = normalize_text(text or "").replace(" ", "").replace("\u200c", "")
    return key.removeprefix("استان")
