"""Training registration in SGA over HTTP: sessions, participants, enrolments."""

from __future__ import annotations

from fastapi import APIRouter

from models.roles import Action
from models.training import Enrol, Enrolment, SessionView, TrainingState
from starter.api.deps import GuardDep, GuardedRoute, allow, body_without, with_actor
from starter.api.params import RegistrationId, SessionCode

router = APIRouter(prefix="/training", tags=["training"], route_class=GuardedRoute)
EnrolBody = body_without(Enrol, "by")


@router.get("/sessions", dependencies=[allow(Action.training_read)])
async def sessions(guard: GuardDep) -> list[SessionView]:
    return await guard.training.sessions()


@router.get("/sessions/{session}/participants", dependencies=[allow(Action.training_read)])
async def participants(session: SessionCode, guard: GuardDep) -> list[Enrolment]:
    return await guard.training.participants(session)


@router.post("/enrolments", status_code=201, dependencies=[allow(Action.training_enrol)])
async def enrol(body: EnrolBody, guard: GuardDep) -> TrainingState:
    return await guard.training.enrol(with_actor(Enrol, body, by=guard.caller.subject))


@router.get("/enrolments/{registration_id}", dependencies=[allow(Action.training_read)])
async def show_enrolment(registration_id: RegistrationId, guard: GuardDep) -> TrainingState:
    return await guard.training.show(registration_id)


@router.post("/enrolments/{registration_id}/cancel", dependencies=[allow(Action.training_enrol)])
async def cancel(registration_id: RegistrationId, guard: GuardDep) -> TrainingState:
    return await guard.training.cancel(registration_id, guard.caller.subject)
