"""`sagir-desk training`: training registration in SGA (sessions, places, waiting lists). It
needs only the database, not the engine.

Same conventions as the other commands: one line and exit code 2 for a refusal or bad input,
`--json` for machine-readable output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.training import Basis, Enrol, Enrolment
from starter.cli_support import json_option, print_model, print_models
from starter.settings import Settings
from starter.ticket_desk import parse_step

if TYPE_CHECKING:
    from adapters.database import UnitOfWork

T = TypeVar("T")


# --- training -----------------------------------------------------------------------------------


@click.group()
def training() -> None:
    """Training registration in SGA (sessions, places, waiting lists)."""


@training.command("sessions")
@json_option
def training_sessions(as_json: bool) -> None:
    """Sessions with their places left and waiting lists."""
    views = _with_training(lambda desk: desk.sessions())
    if as_json:
        return print_models(views)
    for view in views:
        session = view.session
        click.echo(
            f"{session.code:<16} {session.course:<14} {session.starts_on}  "
            f"{view.registered}/{session.capacity} registered, {view.waiting} waiting"
        )


@training.command("enrol")
@click.option("--session", required=True)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True)
@click.option("--basis", required=True, type=click.Choice([b.value for b in Basis]))
@click.option("--agent", "by", required=True, help="The CA agent registering.")
@json_option
def training_enrol(as_json: bool, **fields: Any) -> None:
    """Register a participant (the waiting list when the session is full)."""
    enrol = parse_step(Enrol, **fields)
    _print_enrolment(_with_training(lambda desk: desk.enrol(enrol)), as_json)


@training.command("cancel")
@click.option("--session", required=True)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True)
@click.option("--agent", required=True)
@json_option
def training_cancel(session: str, mo: str, employee_number: str, agent: str, as_json: bool) -> None:
    """Cancel a place; the first on the waiting list gets it."""
    done = _with_training(lambda desk: desk.cancel(session, mo, employee_number, agent))
    if as_json:
        return print_model(done)
    _print_enrolment(done.cancelled, False)
    if done.promoted is not None:
        _print_enrolment(done.promoted, False)


@training.command("participants")
@click.argument("session")
@json_option
def training_participants(session: str, as_json: bool) -> None:
    """A session's participants and waiting list, in order."""
    found = _with_training(lambda desk: desk.participants(session))
    if as_json:
        return print_models(found)
    if not found:
        click.echo("none")
    for enrolment in found:
        _print_enrolment(enrolment, False)


# --- plumbing ---------------------------------------------------------------------------------


def _with_training(action: Callable[[Any], T]) -> T:
    from starter.connections import with_database

    return with_database(_training_desk, action)


def _training_desk(settings: Settings, uow: UnitOfWork) -> Any:
    from adapters.outbox_mailer import OutboxMailer
    from adapters.sql_directory import SqlDirectory
    from adapters.sql_sagir_erp import SqlSagirErp
    from adapters.sql_sga import SqlSga
    from starter.training_desk import TrainingDesk

    return TrainingDesk(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow), OutboxMailer(uow))


def _print_enrolment(enrolment: Enrolment, as_json: bool) -> None:
    if as_json:
        return print_model(enrolment)
    place = f", position {enrolment.waiting_position}" if enrolment.waiting_position else ""
    click.echo(
        f"{enrolment.session:<16} {enrolment.mo}/{enrolment.employee_number:<8} "
        f"{enrolment.status.value}{place}  basis {enrolment.basis.value}, "
        f"by {enrolment.requested_by}"
    )
