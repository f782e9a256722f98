"""Every setting is in the README's settings table (the table is how a merchant finds them)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from hamgam.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _setting_names(model: type[BaseModel], prefix: str = "HAMGAM_") -> set[str]:
    names = set()
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            names |= _setting_names(field.annotation, f"{prefix}{name.upper()}__")
        else:
            names.add(f"{prefix}{name.upper()}")
    return names


def _documented() -> set[str]:
    """Variables named in the first cell of the table's rows; ``__X`` abbreviates the row's section."""
    documented = set()
    for line in README.read_text().splitlines():
        if not line.startswith("| `HAMGAM_"):
            continue
        section = ""
        for name in re.findall(r"`([A-Z_0-9]+)`", line.split("|")[1]):
            if name.startswith("HAMGAM_"):
                documented.add(name)
                section = name.rsplit("__", 1)[0] + "__" if "__" in name else "HAMGAM_"
            elif name.startswith("__"):
                documented.add(section + name[2:])
    return documented


def test_every_setting_is_in_the_readme_table() -> None:
    missing = _setting_names(Settings) - _documented()
    assert not missing, sorted(missing)
