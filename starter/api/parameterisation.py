"""Parameterisation and access requests over HTTP (`/requests`): a personne autorisée (or
relève) submits them, agents work them, the MO answers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from models.parameterisation import (
    AskClient,
    ClientAnswer,
    CompleteParam,
    ParamRequest,
    ParamState,
    QualityCheck,
)
from models.requests import Listed, Process
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
from starter.api.params import Mo, RequestId

router = APIRouter(tags=["parameterisation and access"], route_class=GuardedRoute)

AskBody = body_without(AskClient, "agent")
AnswerBody = body_without(ClientAnswer, "by")
CompleteBody = body_without(CompleteParam, "agent")
CheckBody = body_without(QualityCheck, "agent")


@router.post("/requests", status_code=201, dependencies=[allow(Action.param_submit)])
async def submit(body: ParamRequest, guard: GuardDep) -> ParamState:
    """Submit a parameterisation or access request: the personne autorisée (or relève) who
    authorises it sends it, under their own employee number."""
    return await guard.parameterisation.submit(body)


@router.get("/requests", response_model=list[Listed], dependencies=[allow(Action.param_read)])
async def list_requests(
    request: Request,
    guard: GuardDep,
    kind: Literal["param", "acces"] = "param",
    mo: Mo = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """Requests by id, a page at a time (`X-Total-Count`, `Link` to the next page)."""
    found = await guard.parameterisation.list(Process(kind), mo, limit, cursor)
    return one_page(request, found)


@router.get("/requests/{request_id}", dependencies=[allow(Action.param_read)])
async def show(request_id: RequestId, guard: GuardDep) -> ParamState:
    return await guard.parameterisation.show(request_id)


@router.post("/requests/{request_id}/take", dependencies=[allow(Action.param_work)])
async def take(request_id: RequestId, guard: GuardDep) -> ParamState:
    return await guard.parameterisation.take(request_id, guard.caller.subject)


@router.post("/requests/{request_id}/ask", dependencies=[allow(Action.param_work)])
async def ask(request_id: RequestId, body: AskBody, guard: GuardDep) -> ParamState:
    step = with_actor(AskClient, body, agent=guard.caller.subject)
    return await guard.parameterisation.ask(request_id, step)


@router.post("/requests/{request_id}/answer", dependencies=[allow(Action.param_answer)])
async def answer(request_id: RequestId, body: AnswerBody, guard: GuardDep) -> ParamState:
    step = with_actor(ClientAnswer, body, by=guard.caller.subject)
    return await guard.parameterisation.answer(request_id, step)


@router.post("/requests/{request_id}/complete", dependencies=[allow(Action.param_work)])
async def complete(request_id: RequestId, body: CompleteBody, guard: GuardDep) -> ParamState:
    step = with_actor(CompleteParam, body, agent=guard.caller.subject)
    return await guard.parameterisation.complete(request_id, step)


@router.post("/requests/{request_id}/check", dependencies=[allow(Action.param_work)])
async def check(request_id: RequestId, body: CheckBody, guard: GuardDep) -> ParamState:
    """The quality check, by an agent other than the one who completed the request."""
    step = with_actor(QualityCheck, body, agent=guard.caller.subject)
    return await guard.parameterisation.check(request_id, step)
