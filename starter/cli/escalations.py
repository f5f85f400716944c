"""`sagir-desk escalations`: what the CA supervisors must see (breaches, late departure
notices, accesses left after a departure, requests given up, notices the mail server refused),
and their acknowledgements. Needs only the database."""

from __future__ import annotations

import click

from models.escalations import Acknowledge, EscalationKind
from models.timestamps import local_text
from starter.cli import session
from starter.cli.output import json_option, page_options, print_model, print_models, print_more
from starter.desks.errors import parse


@click.group(invoke_without_command=True)
@click.option("--mo", default=None, help="Only this MO's.")
@click.option("--kind", type=click.Choice([kind.value for kind in EscalationKind]), default=None)
@click.option("--since", default=None, help="From this day (YYYY-MM-DD, Montréal), inclusive.")
@click.option("--until", default=None, help="To this day (YYYY-MM-DD, Montréal), inclusive.")
@click.option(
    "--acknowledged/--open",
    "acknowledged",
    default=None,
    help="Only those a supervisor acknowledged, or only those still open.",
)
@page_options
@json_option
@click.pass_context
def escalations(
    context: click.Context,
    mo: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
    acknowledged: bool | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """What the CA supervisors must see, newest first; `ack` acknowledges one."""
    if context.invoked_subcommand is not None:
        return
    found = session.run_on_database(
        lambda desks: desks.escalations,
        lambda desk: desk.list(mo, kind, since, until, acknowledged, limit, cursor),
    )
    print_more(found)
    if as_json:
        return print_models(found.items)
    if not found.items:
        click.echo("no escalations")
    for item in found.items:
        seen = (
            f"acknowledged by {item.acknowledged_by} {local_text(item.acknowledged_at)}"
            if item.acknowledged_by and item.acknowledged_at
            else "open"
        )
        click.echo(
            f"{local_text(item.at)}  {item.kind.value:<14} {item.mo:<6} {item.workflow_id:<26} "
            f"{seen}\n    {item.reason}\n    key: {item.key}"
        )


@escalations.command("ack", cls=session.Changing)
@click.argument("key")
@click.option("--by", required=True, help="The supervisor acknowledging it (you).")
@json_option
def escalations_ack(key: str, by: str, as_json: bool) -> None:
    """Acknowledge an escalation by its key: you have seen it and act on it."""
    step = parse(Acknowledge, by=by)
    done = session.run_on_database(
        lambda desks: desks.escalations, lambda desk: desk.acknowledge(key, step)
    )
    if as_json:
        return print_model(done)
    click.echo(f"{done.key} acknowledged by {done.acknowledged_by}")
