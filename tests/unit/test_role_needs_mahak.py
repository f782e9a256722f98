"""A role started alone needs a configured Mahak; only ``hamgam up`` starts (and points at) the simulator."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hamgam.entrypoints.cli import app
from hamgam.entrypoints.runtime import require_mahak
from hamgam.settings import Settings


@pytest.mark.parametrize("role", ["worker", "scheduler", "exporter", "api", "core"])
def test_a_role_without_a_mahak_url_refuses_to_start_and_says_what_to_set(role, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("HAMGAM_MAHAK__BASE_URL", raising=False)
    monkeypatch.setenv("HAMGAM_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, [role])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "HAMGAM_MAHAK__BASE_URL is not set" in text and "hamgam up" in text


def test_a_configured_mahak_passes() -> None:
    require_mahak(Settings(mahak={"base_url": "https://mahakacc.mahaksoft.com/API/v3"}))
    with pytest.raises(ValueError, match="HAMGAM_MAHAK__BASE_URL"):
        require_mahak(Settings())
