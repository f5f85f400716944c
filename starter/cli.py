"""The `sagir-desk` command line.

Every refusal or bad input is one line on standard error and exit code 2; `--json` gives
machine-readable output on standard output.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import BaseModel, ValidationError
from temporalio.service import RPCError

from models.sla import (
    CHANNEL_NAMES,
    Channel,
    check_urgency,
    explain_deadline,
    parse_channel,
    take_in_charge_deadline,
)
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
from models.timestamps import local_text, parse_instant
from starter import (
    audit_cli,
    employee_cli,
    registre_cli,
    report_cli,
    request_cli,
    token_cli,
    training_cli,
)
from starter.errors import DeskError, InvalidInput, Unavailable
from starter.settings import Settings

if TYPE_CHECKING:
    pass

T = TypeVar("T")

EXIT_REFUSED = 2
EXIT_UNAVAILABLE = 1


def entry() -> None:
    """The `sagir-desk` console script: `main`, then a hard exit with its code.

    Temporal's native runtime keeps threads that can abort the interpreter while it finalizes
    (seen: "PyGILState_Release ... must be current", exit -6, after a successful command). The
    work is done and the output flushed by then, so the process leaves without finalizing.
    """
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; ends with SystemExit carrying the exit code."""
    try:
        code = cli.main(args=argv, prog_name="sagir-desk", standalone_mode=False)
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.exceptions.Abort:
        code = 130
    except click.UsageError as error:
        _fail(error.format_message(), EXIT_REFUSED)
    except click.ClickException as error:
        _fail(error.format_message(), EXIT_REFUSED)
    except DeskError as error:
        _fail(str(error), EXIT_REFUSED)
    except Unavailable as error:
        _fail(str(error), EXIT_UNAVAILABLE)
    except RPCError as error:
        _fail(f"the Temporal engine refused the call: {error.message}", EXIT_UNAVAILABLE)
    except ValidationError as error:  # a bad setting in the environment
        _fail(f"configuration: {error.errors()[0]['msg']}", EXIT_REFUSED)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    click.echo(f"sagir-desk: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The Centre d'assistance SAGIR help desk."""


# --- sla -------------------------------------------------------------------------------------


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


@cli.group()
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
    _check_urgency(channel, urgent)
    calendar = Settings().calendar
    if timestamps:
        instants = [_instant(text) for text in timestamps]  # all checked before any answer
        for instant in instants:
            click.echo(take_in_charge_deadline(channel, instant, calendar).isoformat())
        return
    failed = False
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            instant = parse_instant(line)
        except ValueError as error:
            click.echo(f"sagir-desk: {error}", err=True)
            failed = True
            continue
        click.echo(take_in_charge_deadline(channel, instant, calendar).isoformat())
        sys.stdout.flush()
    if failed:
        raise click.exceptions.Exit(EXIT_REFUSED)


@sla.command("explain")
@channel_option
@urgent_option
@click.argument("timestamp")
def sla_explain(channel: Channel, urgent: bool, timestamp: str) -> None:
    """Show how the deadline for TIMESTAMP is reached: what counted, what was skipped."""
    _check_urgency(channel, urgent)
    explanation = explain_deadline(channel, _instant(timestamp), Settings().calendar)
    for line in explanation.lines():
        click.echo(line)
    if urgent:
        click.echo("urgent: served before other requests in the queue; the deadline is the same")


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def _check_urgency(channel: Channel, urgent: bool) -> None:
    try:
        check_urgency(channel, urgent)
    except ValueError as error:
        raise InvalidInput(f"--urgent: {error}") from None


# --- running the service ------------------------------------------------------------------------


@cli.command()
def dev() -> None:
    """Run the whole desk locally: engine, database, worker. Ctrl-C stops it."""
    from starter.dev import run_dev

    run_dev(Settings())


@cli.command()
def worker() -> None:
    """Run a worker against TEMPORAL_ADDRESS."""
    import worker as worker_module

    worker_module.main()


@cli.command()
def api() -> None:
    """Run the HTTP API against TEMPORAL_ADDRESS and the database (port SAGIR_API_PORT)."""
    from starter.api import serve

    serve(Settings())


@cli.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    from adapters.database import make_engine
    from adapters.schema import migrate as apply_migrations

    settings = Settings()
    apply_migrations(make_engine(settings.database_url))
    click.echo(f"database at the newest schema: {_safe_url(settings.database_url)}")


# --- tickets ----------------------------------------------------------------------------------

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@cli.group()
def ticket() -> None:
    """Open and work support tickets."""


@ticket.command("open")
@click.option("--mo", required=True, help="The client MO's code, e.g. MTQ.")
@channel_option
@urgent_option
@click.option("--requester", required=True, help="Who asked (a user code or name).")
@click.option("--subject", required=True)
@click.option("--description", required=True)
@click.option("--module", required=True, help="The SAGIR module concerned (RF, RM, RH, LSCD...).")
@click.option("--received", default=None, help="When it was received (default now).")
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
    as_json: bool,
) -> None:
    """Open a ticket; prints its number."""
    from starter.ticket_desk import parse_step

    request = parse_step(
        TicketRequest,
        mo=mo,
        channel=channel,
        urgent=urgent,
        requester=requester,
        subject=subject,
        description=description,
        module=module,
        received_at=_instant(received) if received else None,
    )
    state = _with_desk(lambda desk: desk.open(request))
    if as_json:
        _print_json(state)
    else:
        click.echo(state.id)


@ticket.command("show")
@click.argument("ticket_id")
@json_option
def ticket_show(ticket_id: str, as_json: bool) -> None:
    """Show a ticket: status, deadline, assignee and every step."""
    state = _with_desk(lambda desk: desk.show(ticket_id))
    _print_state(state, as_json)


@ticket.command("list")
@click.option("--mo", default=None)
@click.option("--status", type=click.Choice([s.value for s in TicketStatus]), default=None)
@click.option("--breached/--not-breached", default=None)
@json_option
def ticket_list(mo: str | None, status: str | None, breached: bool | None, as_json: bool) -> None:
    """List tickets, as the engine's visibility finds them."""
    found = _with_desk(
        lambda desk: desk.list(
            mo=mo, status=TicketStatus(status) if status else None, breached=breached
        )
    )
    _print_summaries(found, as_json)


@cli.command()
@click.option("--mo", default=None)
@json_option
def queue(mo: str | None, as_json: bool) -> None:
    """Tickets waiting to be taken in charge: urgent first, then the earliest deadline."""
    found = _with_desk(lambda desk: desk.queue(mo=mo))
    _print_summaries(found, as_json)


def _step_command(
    name: str, step_name: str, model: type[BaseModel], help_text: str, *options: Any
) -> None:
    """Declare `ticket NAME TICKET_ID --options...` sending one step to the workflow."""

    def command(ticket_id: str, as_json: bool, **fields: Any) -> None:
        from starter.ticket_desk import parse_step

        step = parse_step(model, **fields)
        state = _with_desk(lambda desk: desk.act(step_name, ticket_id, step))
        _print_state(state, as_json)

    command.__doc__ = help_text
    decorated: Any = command
    for option in reversed(options):
        decorated = option(decorated)
    decorated = json_option(decorated)
    decorated = click.argument("ticket_id")(decorated)
    ticket.command(name)(decorated)


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


# --- plumbing ---------------------------------------------------------------------------------


def _with_desk(action: Callable[[Any], Awaitable[T]]) -> T:
    from starter.connections import run_guarded  # the engine client only for commands that need it

    return run_guarded(lambda guard: guard.tickets, action)


def _print_json(value: BaseModel | list[Any]) -> None:
    if isinstance(value, BaseModel):
        click.echo(value.model_dump_json(indent=2))
    else:
        click.echo(json.dumps([item.model_dump(mode="json") for item in value], indent=2))


def _print_state(state: TicketState, as_json: bool) -> None:
    if as_json:
        _print_json(state)
        return
    rows = [
        ("ticket", state.id),
        ("mo", state.mo),
        ("channel", state.channel.value + (" (urgent)" if state.urgent else "")),
        ("status", state.status.value),
        ("subject", state.subject),
        ("module", state.module),
        ("received", local_text(state.received_at)),
        ("due", local_text(state.due) + ("  BREACHED" if state.breached else "")),
        ("assignee", state.assignee or "-"),
    ]
    if state.forwarded_to:
        rows.append(("forwarded to", state.forwarded_to))
    if state.reopen_until:
        rows.append(("reopen until", local_text(state.reopen_until)))
    for label, value in rows:
        click.echo(f"{label:>12}: {value}")
    click.echo("       steps:")
    for step in state.steps:
        note = f"  {step.note}" if step.note else ""
        click.echo(
            f"  {step.seq:>3}. {local_text(step.at)}  {step.kind.value:<9} {step.actor}{note}"
        )


def _print_summaries(found: Iterable[Any], as_json: bool) -> None:
    found = list(found)
    if as_json:
        _print_json(found)
        return
    if not found:
        click.echo("no tickets")
        return
    for item in found:
        flags = ("URGENT " if item.urgent else "") + ("BREACHED" if item.breached else "")
        due = local_text(item.due) if item.due else "-"
        click.echo(
            f"{item.id}  {item.mo:<8} {item.channel:<9} {item.status:<14} due {due}  {flags}"
        )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


logging.getLogger("temporalio").setLevel(logging.WARNING)


cli.add_command(employee_cli.arrival)
cli.add_command(employee_cli.departure)
cli.add_command(request_cli.param)
cli.add_command(request_cli.access)
cli.add_command(request_cli.password)
cli.add_command(registre_cli.registre)
cli.add_command(training_cli.training)
cli.add_command(token_cli.token)
cli.add_command(audit_cli.audit)
cli.add_command(report_cli.report)
