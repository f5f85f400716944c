"""`sagir-desk mail`: the desk's mail. Outgoing, as the desk's operator sees it: the dev
sink's messages (`list`, `show`) and the outbox's delivery state (`outbox`), run on the desk's
own machine like `token` (no token needed; nothing here prints a queued mail's address or
body). Incoming: triage, sorting, the MOs' mail domains and a test message come from
starter/cli/mail_intake.py (they act as the holder of SAGIR_TOKEN)."""

from __future__ import annotations

import click

from models.mail import DeliveryStatus
from models.timestamps import local_text
from starter.cli import session
from starter.cli.mail_intake import add_intake_commands
from starter.cli.output import json_option, print_model, print_models
from starter.desks.errors import InvalidInput

MAX_LIMIT = 500


@click.group()
def mail() -> None:
    """The desk's mail: what went out and came in, triage, the MOs' domains, a test message."""


@mail.command("list")
@json_option
def mail_list(as_json: bool) -> None:
    """The messages the dev mail sink kept (SAGIR_HOME/mail), newest last."""
    config = session.settings()
    found = session.sink_messages(config)
    if as_json:
        return print_models(found)
    if not found:
        click.echo(f"no message in {config.mail_folder} yet")
    for message in found:
        mark = "  DUPLICATE (sent again)" if message.duplicate else ""
        click.echo(
            f"{message.number:>4}  {local_text(message.received_at)}  {message.to:<32} "
            f"{message.subject:<40}  {message.message_id}{mark}"
        )


@mail.command("show")
@click.argument("which", metavar="N|FILE")
@json_option
def mail_show(which: str, as_json: bool) -> None:
    """A kept message, by its number in `mail list` or its file: headers and decoded body."""
    opened = session.sink_message(session.settings(), which)
    if as_json:
        return print_model(opened)
    for name, value in opened.headers:
        click.echo(f"{name}: {value}")
    if opened.message.duplicate:
        click.echo("(a duplicate: this Message-ID was received before)")
    click.echo("")
    click.echo(opened.body.rstrip("\n"))


@mail.command("outbox")
@click.option(
    "--status",
    type=click.Choice([status.value for status in DeliveryStatus]),
    default=None,
    help="Only the mails in this state.",
)
@click.option("--workflow", "workflow_id", default=None, help="Only one request's mails.")
@click.option("--limit", default=100, show_default=True, help="How many at most (up to 500).")
@json_option
def mail_outbox(status: str | None, workflow_id: str | None, limit: int, as_json: bool) -> None:
    """The outbox's delivery state, oldest first: key, status, attempts, next attempt, the
    server's answer (addresses masked)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"--limit must be between 1 and {MAX_LIMIT}")
    found = session.outbox_entries(
        session.settings(), None if status is None else DeliveryStatus(status), workflow_id, limit
    )
    if as_json:
        return print_models(found)
    if not found:
        click.echo("none")
    for entry in found:
        if entry.sent_at is not None:
            when = f"sent {local_text(entry.sent_at)}"
        elif entry.next_attempt_at is not None:
            when = f"next {local_text(entry.next_attempt_at)}"
        else:
            when = "due now" if entry.status is DeliveryStatus.queued else "-"
        click.echo(
            f"{entry.key:<60} {entry.status.value:<8} {entry.attempts:>2} attempt(s)  {when}  "
            f"{entry.server_reply or ''}"
        )


add_intake_commands(mail)
