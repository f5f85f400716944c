"""Training requests over HTTP (`/training/requests`): the MO's HR or a personne autorisée asks
for an employee's training; CA agents take, register or refuse."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from models.requests import Listed
from models.roles import Action
from models.training_requests import (
    ChosenSession,
    RefuseTrainingRequest,
    TrainingRequest,
    TrainingRequestState,
)
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
from starter.api.params import Mo, TrainingRequestId

router = APIRouter(
    prefix="/training/requests", tags=["training requests"], route_class=GuardedRoute
)

SubmitBody = body_without(TrainingRequest, "requested_by")
RefuseBody = body_without(RefuseTrainingRequest, "agent")


@router.post("", status_code=201, dependencies=[allow(Action.training_request_submit)])
async def submit(body: SubmitBody, guard: GuardDep) -> TrainingRequestState:
    """Ask for an employee's training: the MO's HR, or a personne autorisée (or relève) who
    names themselves in `authorised_by`."""
    asked = with_actor(TrainingRequest, body, requested_by=guard.caller.subject)
    return await guard.training_requests.submit(asked)


@router.get("", response_model=list[Listed], dependencies=[allow(Action.training_request_read)])
async def list_requests(
    request: Request,
    guard: GuardDep,
    mo: Mo = None,
    status: str | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """Training requests by id, a page at a time (`X-Total-Count`, `Link` to the next page)."""
    found = await guard.training_requests.list(mo, status, limit, cursor)
    return one_page(request, found)


@router.get("/{request_id}", dependencies=[allow(Action.training_request_read)])
async def show(request_id: TrainingRequestId, guard: GuardDep) -> TrainingRequestState:
    return await guard.training_requests.show(request_id)


@router.post("/{request_id}/take", dependencies=[allow(Action.training_request_work)])
async def take(request_id: TrainingRequestId, guard: GuardDep) -> TrainingRequestState:
    return await guard.training_requests.take(request_id, guard.caller.subject)


@router.post("/{request_id}/register", dependencies=[allow(Action.training_request_work)])
async def register(
    request_id: TrainingRequestId, body: ChosenSession, guard: GuardDep
) -> TrainingRequestState:
    """Register the employee in a session of the course beginning in the wished period (its
    waiting list when it is full)."""
    return await guard.training_requests.register(request_id, guard.caller.subject, body.session)


@router.post("/{request_id}/refuse", dependencies=[allow(Action.training_request_work)])
async def refuse(
    request_id: TrainingRequestId, body: RefuseBody, guard: GuardDep
) -> TrainingRequestState:
    step = with_actor(RefuseTrainingRequest, body, agent=guard.caller.subject)
    return await guard.training_requests.refuse(request_id, step)
