"""The registre d'autorité the MO keeps, and training registration, over HTTP."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from models.registre import ChangeValidity, Declaration, RegistreChange, RegistreLine
from models.roles import Action, Caller
from models.training import Enrol, Enrolment, SessionView, TrainingState
from starter.access_control import authorize
from starter.errors import InvalidInput, NotFound
from starter.web.common import CallerDep, ServicesDep, allow, body_without, with_actor

router = APIRouter(tags=["registre d'autorité"])


def _registre_of(mo: str, caller: Caller, action: Action, services: ServicesDep) -> None:
    """The MO in the path must be one the caller sees, and a client of the CA (404 otherwise,
    like any record that does not exist)."""
    authorize(caller, action, mo, f"the registre of {mo}")
    if services.access.directory.mo(mo) is None:
        raise NotFound(f"the registre of {mo} does not exist")


ChangeBody = body_without(ChangeValidity, "by", "line_id")


class EndBody(BaseModel):
    last_day: date


@router.get("/registre/{mo}", dependencies=[allow(Action.registre_read)])
async def show_registre(mo: str, caller: CallerDep, services: ServicesDep) -> list[RegistreLine]:
    _registre_of(mo, caller, Action.registre_read, services)
    return services.registre.show(mo)


@router.get("/registre/{mo}/history", dependencies=[allow(Action.registre_read)])
async def registre_history(
    mo: str, caller: CallerDep, services: ServicesDep
) -> list[RegistreChange]:
    _registre_of(mo, caller, Action.registre_read, services)
    return services.registre.history(mo)


@router.post("/registre/{mo}/lines", status_code=201, dependencies=[allow(Action.registre_change)])
async def declare(
    mo: str, body: Declaration, caller: CallerDep, services: ServicesDep
) -> RegistreLine:
    _registre_of(mo, caller, Action.registre_change, services)
    if body.mo != mo:
        raise InvalidInput(f"mo: {body.mo} is not the MO of this registre ({mo})")
    return services.registre.declare(body, caller.subject)


@router.patch("/registre/{mo}/lines/{line_id}", dependencies=[allow(Action.registre_change)])
async def change(
    mo: str, line_id: int, body: ChangeBody, caller: CallerDep, services: ServicesDep
) -> RegistreLine:
    _registre_of(mo, caller, Action.registre_change, services)
    step = with_actor(ChangeValidity, body, by=caller.subject, line_id=line_id)  # type: ignore[arg-type]
    return services.registre.change(mo, step)


@router.post("/registre/{mo}/lines/{line_id}/end", dependencies=[allow(Action.registre_change)])
async def end(
    mo: str, line_id: int, body: EndBody, caller: CallerDep, services: ServicesDep
) -> RegistreLine:
    _registre_of(mo, caller, Action.registre_change, services)
    return services.registre.end(mo, line_id, body.last_day, caller.subject)


training_router = APIRouter(prefix="/training", tags=["training"])
EnrolBody = body_without(Enrol, "by")


@training_router.get("/sessions", dependencies=[allow(Action.training_read)])
async def sessions(caller: CallerDep, services: ServicesDep) -> list[SessionView]:
    authorize(caller, Action.training_read)
    return await services.training.sessions()


@training_router.get("/sessions/{session}/participants", dependencies=[allow(Action.training_read)])
async def participants(session: str, caller: CallerDep, services: ServicesDep) -> list[Enrolment]:
    authorize(caller, Action.training_read)
    return [
        enrolment
        for enrolment in await services.training.participants(session)
        if caller.sees(enrolment.mo)
    ]


@training_router.post("/enrolments", status_code=201, dependencies=[allow(Action.training_enrol)])
async def enrol(body: EnrolBody, caller: CallerDep, services: ServicesDep) -> TrainingState:
    authorize(caller, Action.training_enrol)
    return await services.training.enrol(with_actor(Enrol, body, by=caller.subject))


@training_router.get("/enrolments/{registration_id}", dependencies=[allow(Action.training_read)])
async def show_enrolment(
    registration_id: str, caller: CallerDep, services: ServicesDep
) -> TrainingState:
    authorize(caller, Action.training_read)
    state = await services.training.show(registration_id)
    authorize(caller, Action.training_read, state.mo, registration_id)
    return state


@training_router.post(
    "/enrolments/{registration_id}/cancel", dependencies=[allow(Action.training_enrol)]
)
async def cancel(registration_id: str, caller: CallerDep, services: ServicesDep) -> TrainingState:
    authorize(caller, Action.training_enrol)
    return await services.training.cancel(registration_id, caller.subject)
