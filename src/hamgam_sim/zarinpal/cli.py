"""``hamgam-sim zarinpal serve``: the Zarinpal simulator as a standalone server."""

from __future__ import annotations

from typing import Annotated

import typer

from hamgam_sim.zarinpal.state import DEMO_MERCHANT_ID, ZarinpalSim

zarinpal_app = typer.Typer(help="Zarinpal REST v4 simulator.", no_args_is_help=True)


@zarinpal_app.callback()
def _group() -> None:
    """Zarinpal REST v4 simulator."""
    # A callback keeps ``serve`` a subcommand even when this app runs on its own.


@zarinpal_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 5081,
    merchant: Annotated[list[str] | None, typer.Option(help="Accepted merchant_id (repeatable).")] = None,
    sandbox: Annotated[bool, typer.Option(help="Accept any UUID merchant; authorities start with S.")] = False,
) -> None:
    """Serve the REST API, the StartPay page and /_control until interrupted."""
    sim = ZarinpalSim(merchants=tuple(merchant or [DEMO_MERCHANT_ID]), sandbox=sandbox)
    typer.echo(f"Zarinpal simulator on http://{host}:{port} (merchants: {', '.join(sim.merchants)})")
    import uvicorn  # imported here, so that --help answers at once

    from hamgam_sim.zarinpal.app import create_app

    uvicorn.run(create_app(sim), host=host, port=port, log_level="info")
