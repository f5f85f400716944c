"""The incoming mail's commands: `mail triage`, `mail sort`, `mail domains add|list|remove`,
`mail send-test`, and `ticket attachments` / `ticket attachment`. Declared here, apart from the
`mail` group itself (starter/cli/mail.py), so that another module's mail commands (the outbox's)
attach to the same group: `add_intake_commands(group)` and `add_attachment_commands(group)`."""

from __future__ import annotations

import mimetypes
import smtplib
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from models.timestamps import local_text
from starter.cli import session
from starter.cli.output import json_option, page_options, print_model, print_models, print_rows
from starter.desks.errors import Unavailable

if TYPE_CHECKING:
    from starter.desks.intake import GuardedIntake

T = TypeVar("T")


@click.command("triage")
@page_options
@json_option
def triage(limit: int, cursor: str | None, as_json: bool) -> None:
    """Messages no rule could place, the oldest first, with the deadline their receipt began."""
    found = _run_on_database(lambda intake: intake.triage(limit, cursor))
    if found.next_cursor is not None:
        click.echo(
            f"{len(found.items)} of {found.total}; the next page: --cursor {found.next_cursor}",
            err=True,
        )
    if as_json:
        return print_models(found.items)
    if not found.items:
        click.echo("triage is empty")
    for item in found.items:
        click.echo(
            f"{item.id[:12]}  {item.channel.value:<9} received {local_text(item.received_at)}  "
            f"due {local_text(item.due)}  {item.sender}  {item.subject}"
            + (f"  ({item.attachments} file(s))" if item.attachments else "")
            + (f"\n              why: {item.reason}" if item.reason else "")
        )


@click.command("sort", cls=session.Changing)
@click.argument("message_id")
@click.option("--mo", default=None, help="Open the message's ticket for this MO.")
@click.option("--discard", is_flag=True, help="Open nothing (spam, a misdirected message).")
@json_option
def sort(message_id: str, mo: str | None, discard: bool, as_json: bool) -> None:
    """Sort a message out of triage: open its ticket for an MO (received when the message was),
    or discard it. MESSAGE_ID: its id, or its first 8 characters or more."""
    if (mo is None) == (not discard):
        raise click.UsageError("give either --mo MO or --discard")
    if discard:
        receipt = _run(lambda intake: intake.discard(message_id))
    else:
        assert mo is not None
        receipt = _run(lambda intake: intake.sort(message_id, mo.strip().upper()))
    if as_json:
        return print_model(receipt)
    if receipt.ticket_id and receipt.outcome.value == "ticket":
        pending = "" if receipt.delivered else " (the engine is not answering: opened later)"
        click.echo(f"{receipt.ticket_id}{pending}")
    else:
        click.echo(f"message {receipt.id[:12]}: {receipt.outcome.value}")


@click.group("domains")
def domains() -> None:
    """The MOs' mail domains: mail from them opens tickets of their MO."""


@domains.command("list")
@json_option
def domains_list(as_json: bool) -> None:
    """Every declared domain, its MO, who declared it and when."""
    found = _run_on_database(lambda intake: intake.mail_domains())
    if as_json:
        return print_models(found)
    if not found:
        click.echo("no mail domain declared")
    for item in found:
        click.echo(
            f"{item.domain:<32} {item.mo:<8} by {item.declared_by} at "
            f"{local_text(item.declared_at)}"
        )


@domains.command("add", cls=session.Changing)
@click.argument("domain")
@click.option("--mo", required=True, help="The MO whose mail comes from this domain.")
def domains_add(domain: str, mo: str) -> None:
    """Declare DOMAIN (and its sub-domains) as an MO's."""
    found = _run_on_database(lambda intake: intake.declare_domain(domain, mo.strip().upper()))
    click.echo(f"{found.domain} is {found.mo}'s")


@domains.command("remove", cls=session.Changing)
@click.argument("domain")
def domains_remove(domain: str) -> None:
    """Remove a declared domain: its mail goes to triage from now on."""
    removed = _run_on_database(lambda intake: intake.remove_domain(domain))
    click.echo(f"{removed} removed")


@click.command("send-test")
@click.option("--from", "sender", required=True, help="The sender's address.")
@click.option("--subject", required=True)
@click.option("--body", default="Message de test.", show_default=True)
@click.option(
    "--attach",
    "attachments",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file to attach (repeatable).",
)
@click.option("--to", "to", default=None, help="Default: the desk's address.")
def send_test(
    sender: str, subject: str, body: str, attachments: tuple[Path, ...], to: str | None
) -> None:
    """Send one message to the intake (SAGIR_INTAKE_HOST:SAGIR_INTAKE_PORT), as a person's mail
    server would; prints what was sent and the server's answer."""
    config = session.settings()
    to = to or config.intake_address
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="sagir-desk.local")
    message.set_content(body)
    for path in attachments:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        main, _, sub = kind.partition("/")
        message.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
    code, answer = _send(config.intake_host, config.intake_port, sender, to, message)
    files = f", {len(attachments)} file(s)" if attachments else ""
    click.echo(f"sent {subject!r} from {sender} to {to}{files}: {code} {answer}")
    if code >= 400:
        raise SystemExit(2)


def ticket_attachments_command() -> click.Command:
    @click.command("attachments")
    @click.argument("ticket_id")
    @json_option
    def ticket_attachments(ticket_id: str, as_json: bool) -> None:
        """The files the ticket's messages brought (their digests download them)."""
        found = _run(lambda intake: intake.attachments(ticket_id))
        if as_json:
            return print_models(found)
        if not found:
            click.echo("no attachments")
        for item in found:
            click.echo(f"{item.digest}  {item.size:>9} B  {item.content_type:<20} {item.file_name}")

    return ticket_attachments


def ticket_attachment_command() -> click.Command:
    @click.command("attachment")
    @click.argument("ticket_id")
    @click.argument("digest")
    @click.option(
        "--out",
        required=True,
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Where to write the file.",
    )
    def ticket_attachment(ticket_id: str, digest: str, out: Path) -> None:
        """Download one file of the ticket by its digest."""
        found, data = _run(lambda intake: intake.attachment(ticket_id, digest))
        out.write_bytes(data)
        print_rows([("written", str(out)), ("file", found.file_name), ("bytes", str(len(data)))])

    return ticket_attachment


def add_intake_commands(group: click.Group) -> None:
    """The intake's commands on the `mail` group."""
    for command in (triage, sort, domains, send_test):
        group.add_command(command)


def add_attachment_commands(group: click.Group) -> None:
    """`attachments` and `attachment` on the `ticket` group."""
    group.add_command(ticket_attachments_command())
    group.add_command(ticket_attachment_command())


def _send(host: str, port: int, sender: str, to: str, message: EmailMessage) -> tuple[int, str]:
    from email import policy

    reply: bytes | str
    try:
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            smtp.ehlo()
            code, reply = smtp.mail(sender)
            if code == 250:
                code, reply = smtp.rcpt(to)
            if code == 250:
                code, reply = smtp.data(message.as_bytes(policy=policy.SMTP))
    except smtplib.SMTPResponseException as refused:
        code, reply = refused.smtp_code, refused.smtp_error
    except (OSError, smtplib.SMTPException):
        raise Unavailable(
            f"cannot reach the mail intake at {host}:{port}; is `sagir-desk dev` or "
            "`sagir-desk intake` running?"
        ) from None
    return code, reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _run(action: Callable[[GuardedIntake], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.intake, action)


def _run_on_database(action: Callable[[GuardedIntake], Awaitable[T]]) -> T:
    return session.run_without_engine(lambda desks: desks.intake, action)
