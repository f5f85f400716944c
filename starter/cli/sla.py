"""`sagir-desk sla`: take-in-charge deadlines on the service calendar, a calculator that needs
neither the engine nor the database."""

from __future__ import annotations

import sys

import click

from models.sla import (
    CHANNEL_NAMES,
    Channel,
    check_urgency,
    explain_deadline,
    parse_channel,
    take_in_charge_deadline,
)
from models.timestamps import parse_instant
from starter.cli.output import instant
from starter.cli.session import settings
from starter.desks.errors import InvalidInput

EXIT_REFUSED = 2


def _channel(_ctx: click.Context, _param: click.Parameter, value: str) -> Channel:
    try:
        return parse_channel(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


channel_option = click.option(
    "--channel", required=True, callback=_channel, help=f"One of {CHANNEL_NAMES}."
)
urgent_option = click.option(
    "--urgent", is_flag=True, help="An urgent phone request (served first; same deadline)."
)


@click.group()
def sla() -> None:
    """Take-in-charge deadlines on the service calendar."""


@sla.command("deadline")
@channel_option
@urgent_option
@click.argument("timestamps", nargs=-1)
def sla_deadline(channel: Channel, urgent: bool, timestamps: tuple[str, ...]) -> None:
    """Print the deadline for each TIMESTAMP (or each line of standard input).

    A timestamp without a UTC offset is America/Montreal local time.
    """
    check_urgent(channel, urgent)
    calendar = settings().calendar
    if timestamps:
        instants = [instant(text) for text in timestamps]  # all checked before any answer
        for received in instants:
            click.echo(take_in_charge_deadline(channel, received, calendar).isoformat())
        return
    failed = False
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            received = parse_instant(line)
        except ValueError as error:
            click.echo(f"sagir-desk: {error}", err=True)
            failed = True
            continue
        click.echo(take_in_charge_deadline(channel, received, calendar).isoformat())
        sys.stdout.flush()
    if failed:
        raise click.exceptions.Exit(EXIT_REFUSED)


@sla.command("explain")
@channel_option
@urgent_option
@click.argument("timestamp")
def sla_explain(channel: Channel, urgent: bool, timestamp: str) -> None:
    """Show how the deadline for TIMESTAMP is reached: what counted, what was skipped."""
    check_urgent(channel, urgent)
    explanation = explain_deadline(channel, instant(timestamp), settings().calendar)
    for line in explanation.lines():
        click.echo(line)
    if urgent:
        click.echo("urgent: served before other requests in the queue; the deadline is the same")


def check_urgent(channel: Channel, urgent: bool) -> None:
    try:
        check_urgency(channel, urgent)
    except ValueError as error:
        raise InvalidInput(f"--urgent: {error}") from None
