"""Running the service: `dev` (the whole desk on one machine), `worker`, `api` and `migrate`.
The desk's own administration, run on its own machine: no token."""

from __future__ import annotations

import os
import sys

import click

from starter.cli import session


@click.command()
def dev() -> None:
    """Run the whole desk locally: engine, database, API, worker. Ctrl-C stops it."""
    from starter.cli.dev import run_dev

    run_dev(session.settings())


@click.command()
def worker() -> None:
    """Run a worker against TEMPORAL_ADDRESS."""
    session.settings()  # a bad setting is one sentence here, before the worker starts
    # The worker is its own program (`worker.py`, the composition root): become it.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "worker"])


@click.command()
def api() -> None:
    """Run the HTTP API against TEMPORAL_ADDRESS and the database (port SAGIR_API_PORT)."""
    from starter.api.app import serve

    serve(session.settings())


@click.command()
def intake() -> None:
    """Run the mail intake (SMTP) on SAGIR_INTAKE_HOST:SAGIR_INTAKE_PORT.

    Mail to SAGIR_INTAKE_ADDRESS opens and threads tickets against TEMPORAL_ADDRESS and the
    database; it takes mail in while the engine is down, and delivers it once it is back."""
    from starter.intake import run_intake

    run_intake(session.settings())


@click.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    config = session.settings()
    uow, _ = session.migrated_database(config)
    uow.engine.dispose()
    click.echo(f"database at the newest schema: {session.shown_url(config.database_url)}")
