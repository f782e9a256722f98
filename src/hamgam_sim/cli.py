"""``hamgam-sim``: Hamgam's simulators of outside services (``mahak``, ``zarinpal serve``, ``sms serve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hamgam_sim.sms.cli import sms_app
from hamgam_sim.zarinpal.cli import zarinpal_app

app = typer.Typer(help="Simulators of the services Hamgam talks to.", no_args_is_help=True)
app.add_typer(zarinpal_app, name="zarinpal")
app.add_typer(sms_app, name="sms")


@app.command()
def mahak(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(5080, help="TCP port."),
    products: int = typer.Option(2_000, help="Products to generate."),
    seed: int = typer.Option(1, help="Generator seed; the same seed gives the same data."),
    user: str = typer.Option("demo", help="Site user name Login accepts."),
    password: str = typer.Option("demo", help="Site password (plain; clients send its MD5)."),
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Keep the database here across restarts (and its snapshots); generated when empty."),
    ] = None,
) -> None:
    """Serve the Mahak cloud sync API at http://HOST:PORT/API/v3 and its control API at /_control."""
    from hamgam_sim.mahak.auth import Account
    from hamgam_sim.mahak.server import serve_forever
    from hamgam_sim.mahak.simulator import MahakSimulator

    sim = MahakSimulator(
        products=products, seed=seed, account=Account(user_name=user, password=password), state_dir=data_dir
    )
    typer.echo(f"Mahak simulator: http://{host}:{port}/API/v3 (user {user!r}), control at /_control")
    try:
        serve_forever(sim, host, port)
    finally:
        sim.close()


@app.callback()
def main() -> None:
    """Keeps ``mahak`` a subcommand next to the mounted ``zarinpal`` and ``sms`` apps."""
