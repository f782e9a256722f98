"""A product's store-owned listing (``product_listing``): the shape its image entries must have.

An image entry is an object of text values (``{"key", "url", "alt", "source", …}``, see
``services/store/images``). Writers refuse anything else; readers skip anything else, so one bad stored row
never takes a page or a job down.
"""

from __future__ import annotations

import re
from typing import Any

#: Listing fields that have no "cleared" state: ``null`` is refused for them (text fields clear with ``null``).
NOT_NULL_FIELDS = ("images", "hidden", "featured")
#: Listing fields holding text or nothing.
TEXT_FIELDS = ("slug", "description", "seo_title", "seo_description")


def is_image_entry(value: Any) -> bool:
    """Whether ``value`` is a well-formed image entry: an object whose keys and values are all text."""
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def is_shown(entry: dict[str, Any]) -> bool:
    """Whether an image entry is shown to buyers: it has a stored file and staff did not hide it."""
    return bool(entry.get("key")) and entry.get("hidden") != "true"


def cover_of(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A product's cover (its card's picture): the first image shown to buyers, if any."""
    return next((e for e in entries if is_shown(e)), None)


def image_entries(value: Any) -> tuple[list[dict[str, str]], bool]:
    """The well-formed entries of a stored ``images`` value, in order, and whether anything was dropped (the
    value was not a list, JSON ``null`` included, or some entries were not image entries)."""
    if not isinstance(value, list):
        return [], True
    entries = [dict(e) for e in value if is_image_entry(e)]
    return entries, len(entries) != len(value)


#: What separates a product's tags (Mahak's ``Tags`` or a staff override): commas (Latin, Persian, Arabic),
#: semicolons, ``#`` and line breaks. Spaces do not: a tag may be two words.
_TAG_SEPARATORS = re.compile(r"[,،؛;#\n\r]+")


def split_tags(value: str | None) -> list[str]:
    """A product's tags as the storefront lists them: trimmed, empty ones and repeats dropped, in order."""
    tags = (t.strip() for t in _TAG_SEPARATORS.split(value or ""))
    return list(dict.fromkeys(t for t in tags if t))
