"""`sagir-desk training`: training registration in SGA (sessions, places, waiting lists)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.timestamps import local_text
from models.training import Basis, Enrol, Enrolment, TrainingState, training_id
from starter.cli.output import json_option, print_model, print_models, print_rows, print_steps
from starter.cli.session import Changing, run
from starter.cli.training_requests import request
from starter.desks.errors import parse

if TYPE_CHECKING:
    from starter.desks.training import GuardedTraining

T = TypeVar("T")


@click.group()
def training() -> None:
    """Training registration in SGA (sessions, places, waiting lists)."""


training.add_command(request)


@training.command("sessions")
@json_option
def training_sessions(as_json: bool) -> None:
    """Sessions with their places left and waiting lists."""
    views = _with_desk(lambda desk: desk.sessions())
    if as_json:
        return print_models(views)
    for view in views:
        session = view.session
        click.echo(
            f"{session.code:<16} {session.course:<14} {session.starts_on}  "
            f"{view.registered}/{session.capacity} registered, {view.waiting} waiting"
        )


@training.command("enrol", cls=Changing)
@click.option("--session", required=True)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True)
@click.option("--basis", required=True, type=click.Choice([b.value for b in Basis]))
@click.option("--agent", "by", required=True, help="The CA agent registering.")
@json_option
def training_enrol(as_json: bool, **fields: Any) -> None:
    """Register a participant (the waiting list when the session is full)."""
    enrol = parse(Enrol, **fields)
    _print_registration(_with_desk(lambda desk: desk.enrol(enrol)), as_json)


@training.command("cancel", cls=Changing)
@click.option("--session", required=True)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True)
@click.option("--agent", required=True)
@json_option
def training_cancel(session: str, mo: str, employee_number: str, agent: str, as_json: bool) -> None:
    """Cancel a place; the first on the waiting list gets it."""
    workflow_id = training_id(session, mo, employee_number)
    _print_registration(_with_desk(lambda desk: desk.cancel(workflow_id, agent)), as_json)


@training.command("show")
@click.option("--session", required=True)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True)
@json_option
def training_show(session: str, mo: str, employee_number: str, as_json: bool) -> None:
    """Where a participant stands, and every step of their registration."""
    workflow_id = training_id(session, mo, employee_number)
    _print_registration(_with_desk(lambda desk: desk.show(workflow_id)), as_json)


@training.command("participants")
@click.argument("session")
@json_option
def training_participants(session: str, as_json: bool) -> None:
    """A session's participants and waiting list, in order."""
    found = _with_desk(lambda desk: desk.participants(session))
    if as_json:
        return print_models(found)
    if not found:
        click.echo("none")
    for enrolment in found:
        _print_enrolment(enrolment)


def _with_desk(action: Callable[[GuardedTraining], Awaitable[T]]) -> T:
    return run(lambda desks: desks.training, action)


def _print_registration(state: TrainingState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    place = f", position {state.waiting_position}" if state.waiting_position else ""
    print_rows(
        [
            ("registration", state.id),
            ("status", state.status.value + place),
            ("basis", state.basis.value),
            ("session from", local_text(state.session_starts_at)),
        ]
    )
    print_steps(state.steps)


def _print_enrolment(enrolment: Enrolment) -> None:
    place = f", position {enrolment.waiting_position}" if enrolment.waiting_position else ""
    click.echo(
        f"{enrolment.session:<16} {enrolment.mo}/{enrolment.employee_number:<8} "
        f"{enrolment.status.value}{place}  basis {enrolment.basis.value}, "
        f"by {enrolment.requested_by}"
    )
