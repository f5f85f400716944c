"""`sagir-desk arrival` and `sagir-desk departure`: HR starts, agents take, everyone reads.

Same conventions as the other commands: one line and exit code 2 for a refusal or bad input,
`--json` for machine-readable output.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.arrivals import ArrivalRequest, ArrivalState
from models.departures import BirthDayMonth, DepartureRequest, DepartureState
from models.timestamps import local_text
from starter.cli_support import json_option, parse_date, print_model, print_rows, print_steps
from starter.errors import InvalidInput

if TYPE_CHECKING:
    pass
from starter.ticket_desk import parse_step

T = TypeVar("T")


# --- arrivals ---------------------------------------------------------------------------------


@click.group()
def arrival() -> None:
    """Arrivals of new employees (started by the MO's HR)."""


@arrival.command("start")
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True, help="Employee number.")
@click.option("--start-date", required=True, help="First day of work, YYYY-MM-DD.")
@click.option("--responsibility", "responsibilities", multiple=True, help="Repeat for each.")
@click.option("--partition-group", default=None, help="Cloisonnement group (needed for EI).")
@click.option("--param", "parameters", multiple=True, help="Special parameter NAME=VALUE.")
@click.option("--training", multiple=True, help="A course to register in SGA; repeat.")
@click.option("--authorised-by", required=True, help="Employee number of the personne autorisée.")
@click.option("--by", "requested_by", required=True, help="Who in HR sends the request.")
@click.option("--manager-email", default=None)
@click.option("--hr-email", required=True, help="Where the CA reaches the MO's HR.")
@json_option
def arrival_start(as_json: bool, parameters: tuple[str, ...], **fields: Any) -> None:
    """Start the arrival of a new employee."""
    request = parse_step(
        ArrivalRequest,
        **{
            **fields,
            "start_date": _date("--start-date", fields["start_date"]),
            "responsibilities": list(fields["responsibilities"]),
            "training": list(fields["training"]),
            "parameters": _parameters(parameters),
        },
    )
    state = _with_desk(lambda desk: desk.start_arrival(request))
    _print_arrival(state, as_json)


@arrival.command("show")
@click.argument("workflow_id")
@json_option
def arrival_show(workflow_id: str, as_json: bool) -> None:
    """Show an arrival (id like arrivee-MTQ-45871)."""
    _print_arrival(_with_desk(lambda desk: desk.show_arrival(workflow_id)), as_json)


@arrival.command("take")
@click.argument("workflow_id")
@click.option("--agent", required=True)
@json_option
def arrival_take(workflow_id: str, agent: str, as_json: bool) -> None:
    """Take an arrival in charge (a CA agent)."""
    _print_arrival(_with_desk(lambda desk: desk.take_arrival(workflow_id, agent)), as_json)


@arrival.command("dossier-ready")
@click.argument("workflow_id")
@json_option
def arrival_dossier_ready(workflow_id: str, as_json: bool) -> None:
    """Tell a waiting arrival that the dossier personne now exists (it looks again now)."""
    _print_arrival(_with_desk(lambda desk: desk.dossier_ready(workflow_id)), as_json)


@arrival.command("list")
@click.option("--mo", default=None)
@json_option
def arrival_list(mo: str | None, as_json: bool) -> None:
    """List arrivals (from the engine's visibility)."""
    _print_summaries(_with_desk(lambda desk: desk.list("arrivee", mo=mo)), as_json)


# --- departures -------------------------------------------------------------------------------


@click.group()
def departure() -> None:
    """Departures of employees (the 48-hour rule)."""


@departure.command("notify")
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
    birth = parse_step(BirthDayMonth, birth_day=birth_day, birth_month=birth_month)
    request = parse_step(
        DepartureRequest,
        **fields,
        departure_date=_date("--date", departure_date),
        birth=birth,
    )
    _print_departure(_with_desk(lambda desk: desk.notify_departure(request)), as_json)


@departure.command("record")
@click.argument("workflow_id")
@click.option("--by", required=True, help="Who in HR records the departure.")
@json_option
def departure_record(workflow_id: str, by: str, as_json: bool) -> None:
    """Record the departure in the dossier personne (48 hours or more after the notice)."""
    _print_departure(_with_desk(lambda desk: desk.record_departure(workflow_id, by)), as_json)


@departure.command("take")
@click.argument("workflow_id")
@click.option("--agent", required=True)
@json_option
def departure_take(workflow_id: str, agent: str, as_json: bool) -> None:
    """Take a departure in charge (a CA agent)."""
    _print_departure(_with_desk(lambda desk: desk.take_departure(workflow_id, agent)), as_json)


@departure.command("show")
@click.argument("workflow_id")
@json_option
def departure_show(workflow_id: str, as_json: bool) -> None:
    """Show a departure (id like depart-MTQ-45871)."""
    _print_departure(_with_desk(lambda desk: desk.show_departure(workflow_id)), as_json)


@departure.command("list")
@click.option("--mo", default=None)
@click.option("--late", is_flag=True, default=None, help="Only late notices.")
@json_option
def departure_list(mo: str | None, late: bool | None, as_json: bool) -> None:
    """List departures (from the engine's visibility)."""
    _print_summaries(_with_desk(lambda desk: desk.list("depart", mo=mo, late=late)), as_json)


# --- plumbing -----------------------------------------------------------------------------------


def _date(option: str, text: str) -> date:
    found = parse_date(option, text)
    assert found is not None
    return found


def _parameters(pairs: Iterable[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--param: {pair!r} must read NAME=VALUE")
        found[name.strip()] = value.strip()
    return found


def _with_desk(action: Callable[[Any], Awaitable[T]]) -> T:
    from starter.connections import run_guarded  # the engine client only for commands that need it

    return run_guarded(lambda guard: guard.employees, action)


def _print_arrival(state: ArrivalState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    rows = [
        ("arrival", state.id),
        ("status", state.status.value),
        ("start date", str(state.start_date)),
        ("active from", local_text(state.activate_at)),
        ("due", local_text(state.due) + ("  BREACHED" if state.breached else "")),
        ("taken by", state.taken_by or "-"),
        ("granted", ", ".join(f"{s.kind} {s.target}".strip() for s in state.granted) or "-"),
    ]
    if state.reason:
        rows.append(("reason", state.reason))
    print_rows(rows)
    print_steps(state.steps)


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


def _print_summaries(found: list[Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([item.model_dump(mode="json") for item in found], indent=2))
        return
    if not found:
        click.echo("none")
    for item in found:
        flags = ("BREACHED " if item.breached else "") + ("LATE" if item.late_notice else "")
        click.echo(
            f"{item.id:<26} {item.mo:<8} {item.status:<20} due {local_text(item.due)}  {flags}"
        )
