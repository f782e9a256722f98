"""A product's tags as the storefront lists them (``hamgam.domain.listing.split_tags``)."""

from __future__ import annotations

import pytest

from hamgam.domain.listing import split_tags


@pytest.mark.parametrize(
    ("stored", "tags"),
    [
        (None, []),
        ("", []),
        ("زمستانه، هدیه", ["زمستانه", "هدیه"]),
        ("پشم طبیعی, هدیه ;هدیه\n#دستباف", ["پشم طبیعی", "هدیه", "دستباف"]),
        (" ، ,, ", []),
    ],
)
def test_tags_are_split_on_commas_trimmed_and_deduplicated(stored: str | None, tags: list[str]) -> None:
    assert split_tags(stored) == tags
