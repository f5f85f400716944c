"""`sagir-desk departure`: the MO's HR notifies and records a departure (the 48-hour rule), an
agent takes it, everyone reads it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.departures import BirthDayMonth, DepartureRequest, DepartureState
from models.timestamps import local_text
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
    from starter.desks.departures import GuardedDepartures

T = TypeVar("T")


@click.group()
def departure() -> None:
    """Departures of employees (the 48-hour rule)."""


@departure.command("notify", cls=session.Changing)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True, help="Employee number.")
@click.option("--date", "departure_date", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--birth-day", type=int, prompt=True, hide_input=True, help="Prompted if absent.")
@click.option("--birth-month", type=int, prompt=True, hide_input=True, help="Prompted if absent.")
@click.option("--immediate", is_flag=True, help="Remove the accesses at once.")
@click.option("--by", "notified_by", required=True, help="Who in HR gives the notice.")
@json_option
def departure_notify(
    as_json: bool, birth_day: int, birth_month: int, departure_date: str, **fields: Any
) -> None:
    """Notify a departure (a second notice for the same employee updates the first)."""
    birth = parse(BirthDayMonth, birth_day=birth_day, birth_month=birth_month)
    request = parse(
        DepartureRequest,
        **fields,
        departure_date=required_date("--date", departure_date),
        birth=birth,
    )
    _print_departure(_with_departures(lambda departures: departures.notify(request)), as_json)


@departure.command("record", cls=session.Changing)
@click.argument("workflow_id")
@click.option("--by", required=True, help="Who in HR records the departure.")
@json_option
def departure_record(workflow_id: str, by: str, as_json: bool) -> None:
    """Record the departure in the dossier personne (48 hours or more after the notice)."""
    state = _with_departures(lambda departures: departures.record(workflow_id, by))
    _print_departure(state, as_json)


@departure.command("take", cls=session.Changing)
@click.argument("workflow_id")
@click.option("--agent", required=True)
@json_option
def departure_take(workflow_id: str, agent: str, as_json: bool) -> None:
    """Take a departure in charge (a CA agent)."""
    state = _with_departures(lambda departures: departures.take(workflow_id, agent))
    _print_departure(state, as_json)


@departure.command("show")
@click.argument("workflow_id")
@json_option
def departure_show(workflow_id: str, as_json: bool) -> None:
    """Show a departure (id like depart-MTQ-45871)."""
    _print_departure(_with_departures(lambda departures: departures.show(workflow_id)), as_json)


@departure.command("list")
@click.option("--mo", default=None)
@click.option("--late", is_flag=True, default=None, help="Only late notices.")
@page_options
@json_option
def departure_list(
    mo: str | None, late: bool | None, limit: int, cursor: str | None, as_json: bool
) -> None:
    """List departures, a page at a time (from the desk's records)."""
    found = _with_departures(lambda departures: departures.list(mo, late, limit, cursor))
    print_requests(found, as_json)


def _with_departures(action: Callable[[GuardedDepartures], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.departures, action)


def _print_departure(state: DepartureState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    rows = [
        ("departure", state.id),
        ("status", state.status.value),
        ("last day", str(state.departure_date) + ("  (immediate)" if state.immediate else "")),
        ("notice", local_text(state.first_notice_at) + ("  LATE" if state.late else "")),
        ("record from", local_text(state.record_allowed_at)),
        ("removal at", local_text(state.removal_at)),
        ("due", local_text(state.due) + ("  BREACHED" if state.breached else "")),
        ("taken by", state.taken_by or "-"),
        ("recorded", local_text(state.recorded_at)),
        ("removed", local_text(state.removed_at)),
    ]
    if state.reason:
        rows.append(("reason", state.reason))
    print_rows(rows)
    print_steps(state.steps)
