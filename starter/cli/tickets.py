"""`sagir-desk ticket` and `sagir-desk queue`: open and work support tickets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.sla import Channel
from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    CloseTicket,
    ForwardTarget,
    ForwardTicket,
    ProposeSolution,
    RecordAnswer,
    ReopenTicket,
    ReturnToClient,
    TakeTicket,
    TicketRequest,
    TicketState,
    TicketStatus,
)
from models.timestamps import local_text
from starter.cli import session
from starter.cli.mail_intake import add_attachment_commands
from starter.cli.output import (
    instant,
    json_option,
    page_options,
    print_model,
    print_models,
    print_more,
    print_rows,
    print_steps,
)
from starter.cli.sla import channel_option, urgent_option
from starter.desks.errors import parse

if TYPE_CHECKING:
    from pydantic import BaseModel

    from models.requests import Page
    from starter.desks.tickets import GuardedTickets

T = TypeVar("T")


@click.group()
def ticket() -> None:
    """Open and work support tickets."""


@ticket.command("open", cls=session.Changing)
@click.option("--mo", required=True, help="The client MO's code, e.g. MTQ.")
@channel_option
@urgent_option
@click.option("--requester", required=True, help="Who asked (a user code or name).")
@click.option("--subject", required=True)
@click.option("--description", required=True)
@click.option("--module", required=True, help="The SAGIR module concerned (RF, RM, RH, LSCD...).")
@click.option("--received", default=None, help="When it was received (default now).")
@click.option(
    "--contact-email",
    default=None,
    help="Where the requester's notices go (acknowledgement, questions, solution).",
)
@click.option(
    "--language",
    type=click.Choice(["fr", "en"]),
    default="fr",
    show_default=True,
    help="The language of the requester's notices.",
)
@json_option
def ticket_open(
    mo: str,
    channel: Channel,
    urgent: bool,
    requester: str,
    subject: str,
    description: str,
    module: str,
    received: str | None,
    contact_email: str | None,
    language: str,
    as_json: bool,
) -> None:
    """Open a ticket; prints its number."""
    request = parse(
        TicketRequest,
        mo=mo,
        channel=channel,
        urgent=urgent,
        requester=requester,
        subject=subject,
        description=description,
        module=module,
        received_at=instant(received) if received else None,
        contact_email=contact_email,
        language=language,
    )
    state = _with_tickets(lambda tickets: tickets.open(request))
    if as_json:
        print_model(state)
    else:
        click.echo(state.id)


@ticket.command("show")
@click.argument("ticket_id")
@json_option
def ticket_show(ticket_id: str, as_json: bool) -> None:
    """Show a ticket: status, deadline, assignee and every step."""
    _print_state(_with_tickets(lambda tickets: tickets.show(ticket_id)), as_json)


@ticket.command("list")
@click.option("--mo", default=None)
@click.option("--status", type=click.Choice([s.value for s in TicketStatus]), default=None)
@click.option("--breached/--not-breached", default=None)
@page_options
@json_option
def ticket_list(
    mo: str | None,
    status: str | None,
    breached: bool | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """List tickets by number, a page at a time (from the desk's records)."""
    chosen = TicketStatus(status) if status else None
    found = _with_tickets(lambda tickets: tickets.list(mo, chosen, breached, limit, cursor))
    _print_summaries(found, as_json)


@click.command()
@click.option("--mo", default=None)
@page_options
@json_option
def queue(mo: str | None, limit: int, cursor: str | None, as_json: bool) -> None:
    """Tickets waiting to be taken in charge: urgent first, then the earliest deadline."""
    _print_summaries(_with_tickets(lambda tickets: tickets.queue(mo, limit, cursor)), as_json)


def _step_command(
    name: str, step_name: str, model: type[BaseModel], help_text: str, *options: Any
) -> None:
    """Declare `ticket NAME TICKET_ID --options...` sending one step to the workflow."""

    def command(ticket_id: str, as_json: bool, **fields: Any) -> None:
        step = parse(model, **fields)
        _print_state(
            _with_tickets(lambda tickets: tickets.act(step_name, ticket_id, step)), as_json
        )

    command.__doc__ = help_text
    decorated: Any = command
    for option in reversed(options):
        decorated = option(decorated)
    decorated = json_option(decorated)
    decorated = click.argument("ticket_id")(decorated)
    ticket.command(name, cls=session.Changing)(decorated)


agent_option = click.option("--agent", required=True, help="The CA agent's code.")
by_option = click.option("--by", "by", required=True, help="Who did it (user or agent code).")

_step_command("take", "take", TakeTicket, "Take the ticket in charge.", agent_option)
_step_command(
    "forward",
    "forward",
    ForwardTicket,
    "Forward to a DGGIR pilot or another intervenant.",
    agent_option,
    click.option("--to", required=True, help="The pilot or intervenant."),
    click.option(
        "--target",
        type=click.Choice([t.value for t in ForwardTarget]),
        default=ForwardTarget.dggir_pilot.value,
        show_default=True,
    ),
    click.option("--note", required=True),
)
_step_command(
    "back",
    "bring_back",
    BringBack,
    "The forwarded ticket comes back.",
    by_option,
    click.option("--note", required=True),
)
_step_command(
    "ask",
    "ask_client",
    AskClient,
    "Ask the client for information.",
    agent_option,
    click.option("--question", required=True),
)
_step_command(
    "answer",
    "record_answer",
    RecordAnswer,
    "Record the client's answer.",
    by_option,
    click.option("--answer", required=True),
)
_step_command(
    "propose",
    "propose",
    ProposeSolution,
    "Propose a solution.",
    agent_option,
    click.option("--solution", required=True),
)
_step_command(
    "check",
    "check_quality",
    CheckQuality,
    "Quality-check the proposed solution (by an agent other than the proposer).",
    agent_option,
    click.option("--approve/--reject", "approved", required=True),
    click.option("--note", default=None),
)
_step_command(
    "return",
    "return_to_client",
    ReturnToClient,
    "Return the approved solution to the client.",
    agent_option,
    click.option("--note", default=None),
)
_step_command("close", "close", CloseTicket, "Close a returned ticket.", agent_option)
_step_command(
    "reopen",
    "reopen",
    ReopenTicket,
    "Reopen within 10 open days of the return.",
    by_option,
    click.option("--reason", required=True),
)


add_attachment_commands(ticket)


def _with_tickets(action: Callable[[GuardedTickets], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.tickets, action)


def _print_state(state: TicketState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    rows = [
        ("ticket", state.id),
        ("mo", state.mo),
        ("channel", state.channel.value + (" (urgent)" if state.urgent else "")),
        ("status", state.status.value),
        ("subject", state.subject),
        ("module", state.module),
        ("received", local_text(state.received_at)),
        ("due", local_text(state.due) + _deadline_flag(state)),
        ("assignee", state.assignee or "-"),
    ]
    if state.forwarded_to:
        rows.append(("forwarded to", state.forwarded_to))
    if state.reopen_until:
        rows.append(("reopen until", local_text(state.reopen_until)))
    print_rows(rows)
    print_steps(state.steps)


def _print_summaries(found: Page, as_json: bool) -> None:
    print_more(found)
    if as_json:
        return print_models(found.items)
    if not found.items:
        click.echo("no tickets")
    for item in found.items:
        flags = ("URGENT " if item.urgent else "") + (
            "BREACHED" if item.breached else "WARNED" if item.warned else ""
        )
        click.echo(
            f"{item.id}  {item.mo:<8} {item.channel:<9} {item.status:<14} "
            f"due {local_text(item.due)}  {flags}"
        )


def _deadline_flag(state: TicketState) -> str:
    if state.breached:
        return "  BREACHED"
    if state.warned_at is not None and state.taken_at is None:
        return f"  WARNED {local_text(state.warned_at)}"
    return ""
