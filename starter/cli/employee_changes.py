"""`sagir-desk change`: the MO's HR reports a change to an employee's data (a new position or
unit, a new manager, a new name, a move to another MO); CA agents take it, review the accesses,
propose, and another agent checks before it is applied in SAGIR."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.departures import BirthDayMonth
from models.employee_changes import (
    CheckChange,
    EmployeeChangeRequest,
    EmployeeChangeState,
    MoveToMo,
    Proposal,
    ProposeChange,
)
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
    from starter.desks.employee_changes import GuardedEmployeeChanges

T = TypeVar("T")


@click.group("change")
def change() -> None:
    """Changes to employees' data reported by the MO's HR: review, quality check, apply."""


@change.command("report", cls=session.Changing)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True, help="Employee number.")
@click.option("--effective", "effective_date", required=True, help="From, YYYY-MM-DD.")
@click.option("--position", "new_position", default=None, help="The new position.")
@click.option("--unit", "new_unit", default=None, help="The new administrative unit.")
@click.option("--manager", "new_manager", default=None, help="The new manager's number.")
@click.option("--name-changed", is_flag=True, help="The dossier personne holds a new name.")
@click.option("--partition-group", "new_partition_group", default=None, help="New unit's group.")
@click.option("--to-mo", default=None, help="A move: the MO the employee goes to.")
@click.option("--to-employee", default=None, help="A move: the number in the new MO.")
@click.option("--to-authorised-by", default=None, help="A move: the new MO's personne autorisée.")
@click.option("--to-hr-email", default=None, help="A move: the new MO's HR email.")
@click.option("--to-manager-email", default=None, help="A move: the manager in the new MO.")
@click.option("--to-responsibility", "to_responsibilities", multiple=True, help="Repeat.")
@click.option("--to-partition-group", default=None, help="A move: the group in the new MO.")
@click.option("--birth-day", type=int, default=None, help="A move: prompted if absent.")
@click.option("--birth-month", type=int, default=None, help="A move: prompted if absent.")
@click.option("--by", "reported_by", required=True, help="Who in HR reports it.")
@click.option("--hr-email", required=True, help="Where the CA tells HR how it ended.")
@json_option
def change_report(
    as_json: bool,
    effective_date: str,
    to_mo: str | None,
    to_employee: str | None,
    to_authorised_by: str | None,
    to_hr_email: str | None,
    to_manager_email: str | None,
    to_responsibilities: tuple[str, ...],
    to_partition_group: str | None,
    birth_day: int | None,
    birth_month: int | None,
    **fields: Any,
) -> None:
    """Inform the CA of a change to an employee's data (a move starts a departure and an
    arrival, linked to the change)."""
    move = None
    for_a_move = {
        "--to-employee": to_employee,
        "--to-authorised-by": to_authorised_by,
        "--to-hr-email": to_hr_email,
        "--to-manager-email": to_manager_email,
        "--to-responsibility": to_responsibilities or None,
        "--to-partition-group": to_partition_group,
        "--birth-day": birth_day,
        "--birth-month": birth_month,
    }
    given = [name for name, value in for_a_move.items() if value is not None]
    if to_mo is None and given:
        raise click.UsageError(f"{', '.join(given)} go with a move: give --to-mo too")
    if to_mo is not None:
        day = (
            click.prompt("Birth day", type=int, hide_input=True) if birth_day is None else birth_day
        )
        month = (
            click.prompt("Birth month", type=int, hide_input=True)
            if birth_month is None
            else birth_month
        )
        move = parse(
            MoveToMo,
            to_mo=to_mo,
            employee_number=to_employee or fields["employee_number"],
            birth=parse(BirthDayMonth, birth_day=day, birth_month=month),
            authorised_by=to_authorised_by,
            hr_email=to_hr_email,
            manager_email=to_manager_email,
            responsibilities=list(to_responsibilities),
            partition_group=to_partition_group,
        )
    reported = parse(
        EmployeeChangeRequest,
        **fields,
        effective_date=required_date("--effective", effective_date),
        move=move,
    )
    _print_change(_with_changes(lambda changes: changes.report(reported)), as_json)


@change.command("show")
@click.argument("change_id")
@json_option
def change_show(change_id: str, as_json: bool) -> None:
    """Show a change (id like modification-MTQ-45871-1), its review and its steps."""
    _print_change(_with_changes(lambda changes: changes.show(change_id)), as_json)


@change.command("list")
@click.option("--mo", default=None)
@click.option("--status", default=None, help="e.g. received, in_review, to_check, applied.")
@page_options
@json_option
def change_list(
    mo: str | None, status: str | None, limit: int, cursor: str | None, as_json: bool
) -> None:
    """List changes, a page at a time (from the desk's records)."""
    found = _with_changes(lambda changes: changes.list(mo, status, limit, cursor))
    print_requests(found, as_json)


@change.command("take", cls=session.Changing)
@click.argument("change_id")
@click.option("--agent", required=True)
@json_option
def change_take(change_id: str, agent: str, as_json: bool) -> None:
    """Take a change in charge (a CA agent); the access review follows."""
    _print_change(_with_changes(lambda changes: changes.take(change_id, agent)), as_json)


@change.command("propose", cls=session.Changing)
@click.argument("change_id")
@click.option("--agent", required=True)
@click.option("--as-reviewed", is_flag=True, help="Propose what the review found, unchanged.")
@click.option("--grant", multiple=True, help="A default responsibility to add; repeat.")
@click.option("--remove", multiple=True, help="A responsibility to remove; repeat.")
@click.option("--partition-group", default=None, help="The group to set.")
@click.option("--clear-partition", is_flag=True, help="Remove the cloisonnement.")
@click.option("--note", default=None)
@json_option
def change_propose(
    change_id: str,
    agent: str,
    as_reviewed: bool,
    grant: tuple[str, ...],
    remove: tuple[str, ...],
    partition_group: str | None,
    clear_partition: bool,
    note: str | None,
    as_json: bool,
) -> None:
    """Propose the changes to the accesses (the review's, or adjusted) for a quality check."""

    if as_reviewed and (grant or remove or partition_group or clear_partition):
        raise click.UsageError(
            "--as-reviewed proposes the review unchanged: leave out --grant, --remove, "
            "--partition-group and --clear-partition, or leave out --as-reviewed"
        )

    async def propose(changes: GuardedEmployeeChanges) -> EmployeeChangeState:
        if as_reviewed:
            reviewed = (await changes.show(change_id)).review
            proposal = reviewed.proposal() if reviewed is not None else Proposal()
        else:
            proposal = parse(
                Proposal,
                grant=list(grant),
                remove=list(remove),
                partition_group=partition_group,
                clear_partition=clear_partition,
            )
        step = parse(ProposeChange, agent=agent, proposal=proposal, note=note)
        return await changes.propose(change_id, step)

    _print_change(_with_changes(propose), as_json)


@change.command("check", cls=session.Changing)
@click.argument("change_id")
@click.option("--agent", required=True, help="Not the agent who proposed it.")
@click.option("--approve/--return", "approved", required=True)
@click.option("--note", default=None)
@json_option
def change_check(change_id: str, as_json: bool, **fields: Any) -> None:
    """Quality-check a proposal: approve (applied from the effective date) or return it."""
    step = parse(CheckChange, **fields)
    _print_change(_with_changes(lambda changes: changes.check(change_id, step)), as_json)


def _with_changes(action: Callable[[GuardedEmployeeChanges], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.employee_changes, action)


def _codes(codes: list[str]) -> str:
    return " ".join(codes) or "-"


def _print_change(state: EmployeeChangeState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    rows = [
        ("change", state.id),
        ("mo", state.mo),
        ("employee", state.employee_number),
        ("effective", state.effective_date.isoformat()),
        ("changes", ", ".join(state.changes)),
    ]
    for label, value in (
        ("position", state.new_position),
        ("unit", state.new_unit),
        ("manager", state.new_manager),
        ("partition group", state.new_partition_group),
        ("moves to", state.to_mo),
        ("departure", state.departure_id),
        ("arrival", state.arrival_id),
    ):
        if value:
            rows.append((label, value))
    rows += [
        ("status", state.status.value),
        ("due", local_text(state.due) + ("  BREACHED" if state.breached else "")),
        ("taken by", state.taken_by or "-"),
    ]
    if state.review is not None:
        review = state.review
        rows += [
            ("holds", _codes(review.held)),
            ("review adds", _codes(review.to_add)),
            ("review removes", _codes(review.to_remove)),
        ]
    if state.proposal is not None:
        proposal = state.proposal
        group = proposal.partition_group or ("(cleared)" if proposal.clear_partition else "-")
        rows += [
            ("proposed grant", _codes(proposal.grant)),
            ("proposed remove", _codes(proposal.remove)),
            ("proposed group", group),
        ]
    rows += [
        ("proposed by", state.proposed_by or "-"),
        ("checked by", state.checked_by or "-"),
        ("applied", local_text(state.applied_at)),
    ]
    if state.reason:
        rows.append(("reason", state.reason))
    print_rows(rows)
    print_steps(state.steps)
