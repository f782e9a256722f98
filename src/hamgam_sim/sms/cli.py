"""``hamgam-sim sms serve``: the Kavenegar + SMS.ir simulator as a standalone server."""

from __future__ import annotations

from typing import Annotated

import typer

from hamgam_sim.sms.state import DEMO_API_KEY, SmsSim

sms_app = typer.Typer(help="SMS simulator (Kavenegar and SMS.ir shapes).", no_args_is_help=True)


@sms_app.callback()
def _group() -> None:
    """SMS simulator (Kavenegar and SMS.ir shapes)."""
    # A callback keeps ``serve`` a subcommand even when this app runs on its own.


@sms_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 5082,
    api_key: Annotated[list[str] | None, typer.Option(help="Accepted API key (repeatable).")] = None,
) -> None:
    """Serve both providers' APIs and /_control until interrupted; read OTPs at /_control/otp?mobile=…"""
    sim = SmsSim()
    sim.api_keys.update(api_key or [])
    typer.echo(f"SMS simulator on http://{host}:{port} (API keys: {', '.join(sorted(sim.api_keys))})")
    import uvicorn  # imported here, so that --help answers at once

    from hamgam_sim.sms.app import create_app

    uvicorn.run(create_app(sim), host=host, port=port, log_level="info")


__all__ = ["DEMO_API_KEY", "sms_app"]
