"""The registre d'autorité the MO keeps, and training registration, over HTTP."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from models.registre import ChangeValidity, Declaration, RegistreChange, RegistreLine
from models.roles import Action
from models.training import Enrol, Enrolment, SessionView, TrainingState
from starter.errors import InvalidInput
from starter.web.common import GuardDep, allow, body_without, with_actor

router = APIRouter(tags=["registre d'autorité"])

ChangeBody = body_without(ChangeValidity, "by", "line_id")


class EndBody(BaseModel):
    last_day: date


@router.get("/registre/{mo}", dependencies=[allow(Action.registre_read)])
async def show_registre(mo: str, guard: GuardDep) -> list[RegistreLine]:
    return guard.registre.show(mo)


@router.get("/registre/{mo}/history", dependencies=[allow(Action.registre_read)])
async def registre_history(mo: str, guard: GuardDep) -> list[RegistreChange]:
    return guard.registre.history(mo)


@router.post("/registre/{mo}/lines", status_code=201, dependencies=[allow(Action.registre_change)])
async def declare(mo: str, body: Declaration, guard: GuardDep) -> RegistreLine:
    if body.mo != mo:
        guard.registre.show(mo)  # another MO's registre: 404 before saying anything else
        raise InvalidInput(f"mo: {body.mo} is not the MO of this registre ({mo})")
    return guard.registre.declare(body, guard.caller.subject)


@router.patch("/registre/{mo}/lines/{line_id}", dependencies=[allow(Action.registre_change)])
async def change(mo: str, line_id: int, body: ChangeBody, guard: GuardDep) -> RegistreLine:
    step = with_actor(ChangeValidity, body, by=guard.caller.subject, line_id=line_id)
    return guard.registre.change(mo, step)


@router.post("/registre/{mo}/lines/{line_id}/end", dependencies=[allow(Action.registre_change)])
async def end(mo: str, line_id: int, body: EndBody, guard: GuardDep) -> RegistreLine:
    return guard.registre.end(mo, line_id, body.last_day, guard.caller.subject)


training_router = APIRouter(prefix="/training", tags=["training"])
EnrolBody = body_without(Enrol, "by")


@training_router.get("/sessions", dependencies=[allow(Action.training_read)])
async def sessions(guard: GuardDep) -> list[SessionView]:
    return await guard.training.sessions()


@training_router.get("/sessions/{session}/participants", dependencies=[allow(Action.training_read)])
async def participants(session: str, guard: GuardDep) -> list[Enrolment]:
    return await guard.training.participants(session)


@training_router.post("/enrolments", status_code=201, dependencies=[allow(Action.training_enrol)])
async def enrol(body: EnrolBody, guard: GuardDep) -> TrainingState:
    return await guard.training.enrol(with_actor(Enrol, body, by=guard.caller.subject))


@training_router.get("/enrolments/{registration_id}", dependencies=[allow(Action.training_read)])
async def show_enrolment(registration_id: str, guard: GuardDep) -> TrainingState:
    return await guard.training.show(registration_id)


@training_router.post(
    "/enrolments/{registration_id}/cancel", dependencies=[allow(Action.training_enrol)]
)
async def cancel(registration_id: str, guard: GuardDep) -> TrainingState:
    return await guard.training.cancel(registration_id, guard.caller.subject)
