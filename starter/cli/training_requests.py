"""`sagir-desk training request`: the MO's HR or a personne autorisée asks for an employee's
training; CA agents take the request, register the employee in a session, or refuse it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.timestamps import local_text
from models.training_requests import RefuseTrainingRequest, TrainingRequest, TrainingRequestState
from starter.cli import session
from starter.cli.output import (
    json_option,
    page_options,
    print_model,
    print_requests,
    print_rows,
    print_steps,
    required_date,
)
from starter.desks.errors import parse

if TYPE_CHECKING:
    from starter.desks.training_requests import GuardedTrainingRequests

T = TypeVar("T")


@click.group("request")
def request() -> None:
    """Training requests (demandes de formation): the MO asks, the CA registers or refuses."""


@request.command("submit", cls=session.Changing)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True, help="The employee to train.")
@click.option("--course", required=True, help="An SGA course code, e.g. SAGIR-RF-101.")
@click.option("--from", "wished_from", required=True, help="Wished period from, YYYY-MM-DD.")
@click.option("--until", "wished_until", required=True, help="Wished period until, YYYY-MM-DD.")
@click.option("--reason", required=True, help="Why the employee needs it (1000 characters).")
@click.option("--authorised-by", required=True, help="Employee number of the personne autorisée.")
@click.option("--by", "requested_by", required=True, help="Who at the MO sends it.")
@json_option
def request_submit(as_json: bool, wished_from: str, wished_until: str, **fields: Any) -> None:
    """Ask for an employee's training (checked against SGA and the registre d'autorité)."""
    asked = parse(
        TrainingRequest,
        wished_from=required_date("--from", wished_from),
        wished_until=required_date("--until", wished_until),
        **fields,
    )
    _print_request(_with_requests(lambda requests: requests.submit(asked)), as_json)


@request.command("show")
@click.argument("request_id")
@json_option
def request_show(request_id: str, as_json: bool) -> None:
    """Show a training request (id like demande-formation-MTQ-2026-000001) and its steps."""
    _print_request(_with_requests(lambda requests: requests.show(request_id)), as_json)


@request.command("list")
@click.option("--mo", default=None)
@click.option("--status", default=None, help="e.g. received, in_progress, wait_listed.")
@page_options
@json_option
def request_list(
    mo: str | None, status: str | None, limit: int, cursor: str | None, as_json: bool
) -> None:
    """List training requests, a page at a time (from the desk's records)."""
    found = _with_requests(lambda requests: requests.list(mo, status, limit, cursor))
    print_requests(found, as_json)


@request.command("take", cls=session.Changing)
@click.argument("request_id")
@click.option("--agent", required=True)
@json_option
def request_take(request_id: str, agent: str, as_json: bool) -> None:
    """Take a training request in charge (a CA agent)."""
    _print_request(_with_requests(lambda requests: requests.take(request_id, agent)), as_json)


@request.command("register", cls=session.Changing)
@click.argument("request_id")
@click.option("--agent", required=True)
@click.option("--session", "session_code", required=True, help="Begins in the wished period.")
@json_option
def request_register(request_id: str, agent: str, session_code: str, as_json: bool) -> None:
    """Register the employee in a session of the course (its waiting list when full)."""
    _print_request(
        _with_requests(lambda requests: requests.register(request_id, agent, session_code)),
        as_json,
    )


@request.command("refuse", cls=session.Changing)
@click.argument("request_id")
@click.option("--agent", required=True)
@click.option("--reason", required=True, help="Why, e.g. no session in the wished period.")
@json_option
def request_refuse(request_id: str, as_json: bool, **fields: Any) -> None:
    """Refuse a training request, with the reason the MO is told."""
    step = parse(RefuseTrainingRequest, **fields)
    _print_request(_with_requests(lambda requests: requests.refuse(request_id, step)), as_json)


def _with_requests(action: Callable[[GuardedTrainingRequests], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.training_requests, action)


def _print_request(state: TrainingRequestState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    rows = [
        ("request", state.id),
        ("mo", state.mo),
        ("employee", state.employee_number),
        ("course", state.course),
        ("wished", f"{state.wished_from} to {state.wished_until}"),
        ("reason", state.reason),
        ("authorised", f"by {state.authorised_by}, sent by {state.requested_by}"),
        ("status", state.status.value),
        ("due", local_text(state.due) + ("  BREACHED" if state.breached else "")),
        ("taken by", state.taken_by or "-"),
    ]
    if state.session:
        place = f", waiting position {state.waiting_position}" if state.waiting_position else ""
        rows.append(("session", state.session + place))
    if state.refusal:
        rows.append(("refused", state.refusal))
    print_rows(rows)
    print_steps(state.steps)
