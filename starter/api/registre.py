"""The registre d'autorité the MO keeps, over HTTP."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from models.registre import (
    AbsenceDeclaration,
    AbsenceEnd,
    ChangeValidity,
    Declaration,
    RegistreChange,
    RegistreLine,
    ReleveCoverage,
)
from models.roles import Action
from models.sagir import Absence
from starter.api.deps import GuardDep, GuardedRoute, allow, body_without, with_actor
from starter.api.params import AbsenceId, LineId, MoCode
from starter.desks.errors import InvalidInput

router = APIRouter(tags=["registre d'autorité"], route_class=GuardedRoute)

ChangeBody = body_without(ChangeValidity, "by", "line_id")
AbsenceBody = body_without(AbsenceDeclaration, "by")
AbsenceEndBody = body_without(AbsenceEnd, "by", "absence_id")


class EndBody(BaseModel):
    last_day: date


@router.get("/registre/{mo}", dependencies=[allow(Action.registre_read)])
async def show_registre(mo: MoCode, guard: GuardDep) -> list[RegistreLine]:
    return guard.registre.show(mo)


@router.get("/registre/{mo}/history", dependencies=[allow(Action.registre_read)])
async def registre_history(mo: MoCode, guard: GuardDep) -> list[RegistreChange]:
    return guard.registre.history(mo)


@router.post("/registre/{mo}/lines", status_code=201, dependencies=[allow(Action.registre_change)])
async def declare(mo: MoCode, body: Declaration, guard: GuardDep) -> RegistreLine:
    if body.mo != mo:
        guard.registre.show(mo)  # another MO's registre: 404 before saying anything else
        raise InvalidInput(f"mo: {body.mo} is not the MO of this registre ({mo})")
    return guard.registre.declare(body, guard.caller.subject)


@router.patch("/registre/{mo}/lines/{line_id}", dependencies=[allow(Action.registre_change)])
async def change(mo: MoCode, line_id: LineId, body: ChangeBody, guard: GuardDep) -> RegistreLine:
    step = with_actor(ChangeValidity, body, by=guard.caller.subject, line_id=line_id)
    return guard.registre.change(mo, step)


@router.post("/registre/{mo}/lines/{line_id}/end", dependencies=[allow(Action.registre_change)])
async def end(mo: MoCode, line_id: LineId, body: EndBody, guard: GuardDep) -> RegistreLine:
    return guard.registre.end(mo, line_id, body.last_day, guard.caller.subject)


@router.get("/registre/{mo}/coverage", dependencies=[allow(Action.registre_read)])
async def registre_coverage(mo: MoCode, guard: GuardDep) -> list[ReleveCoverage]:
    """Each personne autorisée's relèves valid today, and the first day none is."""
    return guard.registre.coverage(mo)


@router.get("/registre/{mo}/absences", dependencies=[allow(Action.registre_read)])
async def registre_absences(mo: MoCode, guard: GuardDep) -> list[Absence]:
    return guard.registre.absences(mo)


@router.post(
    "/registre/{mo}/absences", status_code=201, dependencies=[allow(Action.registre_change)]
)
async def declare_absence(mo: MoCode, body: AbsenceBody, guard: GuardDep) -> Absence:
    """A personne autorisée absent for a period: meanwhile their relève authorises."""
    declaration = with_actor(AbsenceDeclaration, body, by=guard.caller.subject)
    return guard.registre.declare_absence(mo, declaration)


@router.post(
    "/registre/{mo}/absences/{absence_id}/end", dependencies=[allow(Action.registre_change)]
)
async def end_absence(
    mo: MoCode, absence_id: AbsenceId, body: AbsenceEndBody, guard: GuardDep
) -> Absence:
    """End an absence sooner (`last_day`, today or later), or cancel one not yet begun
    (`cancel`): the absence as it now stands, or as it was if cancelled."""
    end = with_actor(AbsenceEnd, body, by=guard.caller.subject, absence_id=absence_id)
    return guard.registre.end_absence(mo, end)
