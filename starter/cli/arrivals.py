"""`sagir-desk arrival`: the MO's HR starts an arrival, an agent takes it, everyone reads it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.arrivals import ArrivalRequest, ArrivalState
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
from starter.desks.errors import InvalidInput, parse

if TYPE_CHECKING:
    from starter.desks.arrivals import GuardedArrivals

T = TypeVar("T")


@click.group()
def arrival() -> None:
    """Arrivals of new employees (started by the MO's HR)."""


@arrival.command("start", cls=session.Changing)
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
    request = parse(
        ArrivalRequest,
        **{
            **fields,
            "start_date": required_date("--start-date", fields["start_date"]),
            "responsibilities": list(fields["responsibilities"]),
            "training": list(fields["training"]),
            "parameters": _parameters(parameters),
        },
    )
    _print_arrival(_with_arrivals(lambda arrivals: arrivals.start(request)), as_json)


@arrival.command("show")
@click.argument("workflow_id")
@json_option
def arrival_show(workflow_id: str, as_json: bool) -> None:
    """Show an arrival (id like arrivee-MTQ-45871)."""
    _print_arrival(_with_arrivals(lambda arrivals: arrivals.show(workflow_id)), as_json)


@arrival.command("take", cls=session.Changing)
@click.argument("workflow_id")
@click.option("--agent", required=True)
@json_option
def arrival_take(workflow_id: str, agent: str, as_json: bool) -> None:
    """Take an arrival in charge (a CA agent)."""
    _print_arrival(_with_arrivals(lambda arrivals: arrivals.take(workflow_id, agent)), as_json)


@arrival.command("dossier-ready", cls=session.Changing)
@click.argument("workflow_id")
@json_option
def arrival_dossier_ready(workflow_id: str, as_json: bool) -> None:
    """Tell a waiting arrival that the dossier personne now exists (it looks again now)."""
    _print_arrival(_with_arrivals(lambda arrivals: arrivals.dossier_ready(workflow_id)), as_json)


@arrival.command("list")
@click.option("--mo", default=None)
@page_options
@json_option
def arrival_list(mo: str | None, limit: int, cursor: str | None, as_json: bool) -> None:
    """List arrivals, a page at a time (from the desk's records)."""
    print_requests(_with_arrivals(lambda arrivals: arrivals.list(mo, limit, cursor)), as_json)


def _parameters(pairs: Iterable[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--param: {pair!r} must read NAME=VALUE")
        found[name.strip()] = value.strip()
    return found


def _with_arrivals(action: Callable[[GuardedArrivals], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.arrivals, action)


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
