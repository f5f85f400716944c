"""Employee-data changes over HTTP (`/changes`): the MO's HR reports a change to an employee's data;
CA agents take it, propose the changes to the accesses, and another agent checks them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from models.employee_changes import (
    CheckChange,
    EmployeeChangeRequest,
    EmployeeChangeState,
    ProposeChange,
)
from models.requests import Listed
from models.roles import Action
from starter.api.deps import (
    Cursor,
    GuardDep,
    GuardedRoute,
    Limit,
    allow,
    body_without,
    one_page,
    with_actor,
)
from starter.api.params import ChangeId, Mo

router = APIRouter(prefix="/changes", tags=["employee changes"], route_class=GuardedRoute)

ReportBody = body_without(EmployeeChangeRequest, "reported_by")
ProposeBody = body_without(ProposeChange, "agent")
CheckBody = body_without(CheckChange, "agent")


@router.post("", status_code=201, dependencies=[allow(Action.employee_change_report)])
async def report(body: ReportBody, guard: GuardDep) -> EmployeeChangeState:
    """Inform the CA of a change to an employee's data (a move to another MO starts a departure
    and an arrival, linked to the change)."""
    reported = with_actor(EmployeeChangeRequest, body, reported_by=guard.caller.subject)
    return await guard.employee_changes.report(reported)


@router.get("", response_model=list[Listed], dependencies=[allow(Action.employee_change_read)])
async def list_changes(
    request: Request,
    guard: GuardDep,
    mo: Mo = None,
    status: str | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """Changes by id, a page at a time (`X-Total-Count`, `Link` to the next page)."""
    found = await guard.employee_changes.list(mo, status, limit, cursor)
    return one_page(request, found)


@router.get("/{change_id}", dependencies=[allow(Action.employee_change_read)])
async def show(change_id: ChangeId, guard: GuardDep) -> EmployeeChangeState:
    return await guard.employee_changes.show(change_id)


@router.post("/{change_id}/take", dependencies=[allow(Action.employee_change_work)])
async def take(change_id: ChangeId, guard: GuardDep) -> EmployeeChangeState:
    return await guard.employee_changes.take(change_id, guard.caller.subject)


@router.post("/{change_id}/propose", dependencies=[allow(Action.employee_change_work)])
async def propose(change_id: ChangeId, body: ProposeBody, guard: GuardDep) -> EmployeeChangeState:
    """Propose the changes to the accesses for another agent's quality check."""
    step = with_actor(ProposeChange, body, agent=guard.caller.subject)
    return await guard.employee_changes.propose(change_id, step)


@router.post("/{change_id}/check", dependencies=[allow(Action.employee_change_work)])
async def check(change_id: ChangeId, body: CheckBody, guard: GuardDep) -> EmployeeChangeState:
    """Approve (applied from the effective date) or return the proposal; not its proposer."""
    step = with_actor(CheckChange, body, agent=guard.caller.subject)
    return await guard.employee_changes.check(change_id, step)
