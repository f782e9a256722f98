"""The simulators' Typer sub-apps mount under one CLI as ``zarinpal serve`` and ``sms serve``."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from hamgam_sim.sms.cli import sms_app
from hamgam_sim.zarinpal.cli import zarinpal_app


def test_sub_apps_offer_serve_with_host_and_port() -> None:
    root = typer.Typer()
    root.add_typer(zarinpal_app, name="zarinpal")
    root.add_typer(sms_app, name="sms")
    for name in ("zarinpal", "sms"):
        result = CliRunner().invoke(root, [name, "serve", "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "--host" in result.output and "--port" in result.output
