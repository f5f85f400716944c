"""Parameterisation and access requests, and password help, over HTTP."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from models.parameterisation import (
    AskClient,
    ClientAnswer,
    CompleteParam,
    ParamRequest,
    ParamState,
    QualityCheck,
)
from models.passwords import PasswordResetRequest, PasswordResetState
from models.roles import Action
from starter.access_control import acting_as_self, authorize
from starter.parameterisation_desk import ParamSummary
from starter.web.common import (
    CallerDep,
    ServicesDep,
    allow,
    body_without,
    listing_scope,
    own_mo,
    with_actor,
)

router = APIRouter(tags=["parameterisation and access"])

AskBody = body_without(AskClient, "agent")
AnswerBody = body_without(ClientAnswer, "by")
CompleteBody = body_without(CompleteParam, "agent")
CheckBody = body_without(QualityCheck, "agent")


@router.post("/requests", status_code=201, dependencies=[allow(Action.param_submit)])
async def submit(body: ParamRequest, caller: CallerDep, services: ServicesDep) -> ParamState:
    """Submit a parameterisation or access request: the personne autorisée (or relève) who
    authorises it sends it, under their own employee number."""
    authorize(caller, Action.param_submit)
    own_mo(caller, body.mo)
    acting_as_self(caller, "authorised_by", body.authorised_by)
    return await services.requests.submit(body)


@router.get("/requests", dependencies=[allow(Action.param_read)])
async def list_requests(
    caller: CallerDep,
    services: ServicesDep,
    kind: Literal["param", "acces"] = "param",
    mo: str | None = None,
) -> list[ParamSummary]:
    authorize(caller, Action.param_read)
    show, scope = listing_scope(caller, mo)
    return await services.requests.list(kind, mo=scope) if show else []


@router.get("/requests/{request_id}", dependencies=[allow(Action.param_read)])
async def show(request_id: str, caller: CallerDep, services: ServicesDep) -> ParamState:
    return await _request(request_id, caller, services, Action.param_read)


@router.post("/requests/{request_id}/take", dependencies=[allow(Action.param_work)])
async def take(request_id: str, caller: CallerDep, services: ServicesDep) -> ParamState:
    await _request(request_id, caller, services, Action.param_work)
    return await services.requests.take(request_id, caller.subject)


@router.post("/requests/{request_id}/ask", dependencies=[allow(Action.param_work)])
async def ask(
    request_id: str, body: AskBody, caller: CallerDep, services: ServicesDep
) -> ParamState:
    await _request(request_id, caller, services, Action.param_work)
    return await services.requests.ask(
        request_id, with_actor(AskClient, body, agent=caller.subject)
    )


@router.post("/requests/{request_id}/answer", dependencies=[allow(Action.param_answer)])
async def answer(
    request_id: str, body: AnswerBody, caller: CallerDep, services: ServicesDep
) -> ParamState:
    await _request(request_id, caller, services, Action.param_answer)
    return await services.requests.answer(
        request_id, with_actor(ClientAnswer, body, by=caller.subject)
    )


@router.post("/requests/{request_id}/complete", dependencies=[allow(Action.param_work)])
async def complete(
    request_id: str, body: CompleteBody, caller: CallerDep, services: ServicesDep
) -> ParamState:
    await _request(request_id, caller, services, Action.param_work)
    return await services.requests.complete(
        request_id, with_actor(CompleteParam, body, agent=caller.subject)
    )


@router.post("/requests/{request_id}/check", dependencies=[allow(Action.param_work)])
async def check(
    request_id: str, body: CheckBody, caller: CallerDep, services: ServicesDep
) -> ParamState:
    """The quality check, by an agent other than the one who completed the request."""
    await _request(request_id, caller, services, Action.param_work)
    return await services.requests.check(
        request_id, with_actor(QualityCheck, body, agent=caller.subject)
    )


async def _request(
    request_id: str, caller: CallerDep, services: ServicesDep, action: Action
) -> ParamState:
    authorize(caller, action)
    state = await services.requests.show(request_id)
    authorize(caller, action, state.mo, request_id)
    return state


password_router = APIRouter(tags=["password help"])
ResetBody = body_without(PasswordResetRequest, "agent")


@password_router.post(
    "/password-resets", status_code=201, dependencies=[allow(Action.password_reset)]
)
async def reset_password(
    body: ResetBody, caller: CallerDep, services: ServicesDep
) -> PasswordResetState:
    """Reset a user's password once their identity matches; the temporary password goes to
    their work email only, never in this answer."""
    authorize(caller, Action.password_reset)
    return await services.passwords.reset(
        with_actor(PasswordResetRequest, body, agent=caller.subject)
    )


@password_router.get("/password-resets/{reset_id}", dependencies=[allow(Action.password_read)])
async def show_reset(reset_id: str, caller: CallerDep, services: ServicesDep) -> PasswordResetState:
    authorize(caller, Action.password_read)
    return await services.passwords.show(reset_id)
