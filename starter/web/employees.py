"""Arrivals and departures over HTTP: the MO's HR starts them, agents take them."""

from __future__ import annotations

from fastapi import APIRouter

from models.arrivals import ArrivalRequest, ArrivalState
from models.departures import DepartureRequest, DepartureState
from models.roles import Action
from starter.employee_desk import EmployeeRequestSummary
from starter.web.common import GuardDep, allow

router = APIRouter(tags=["arrivals and departures"])


@router.post("/arrivals", status_code=201, dependencies=[allow(Action.arrival_start)])
async def start_arrival(body: ArrivalRequest, guard: GuardDep) -> ArrivalState:
    return await guard.employees.start_arrival(body)


@router.get("/arrivals", dependencies=[allow(Action.arrival_read)])
async def list_arrivals(guard: GuardDep, mo: str | None = None) -> list[EmployeeRequestSummary]:
    return await guard.employees.list("arrivee", mo=mo)


@router.get("/arrivals/{arrival_id}", dependencies=[allow(Action.arrival_read)])
async def show_arrival(arrival_id: str, guard: GuardDep) -> ArrivalState:
    return await guard.employees.show_arrival(arrival_id)


@router.post("/arrivals/{arrival_id}/take", dependencies=[allow(Action.arrival_take)])
async def take_arrival(arrival_id: str, guard: GuardDep) -> ArrivalState:
    return await guard.employees.take_arrival(arrival_id, guard.caller.subject)


@router.post(
    "/arrivals/{arrival_id}/dossier-ready", dependencies=[allow(Action.arrival_dossier_ready)]
)
async def dossier_ready(arrival_id: str, guard: GuardDep) -> ArrivalState:
    return await guard.employees.dossier_ready(arrival_id)


@router.post("/departures", status_code=201, dependencies=[allow(Action.departure_notify)])
async def notify_departure(body: DepartureRequest, guard: GuardDep) -> DepartureState:
    """Notify a departure; a second notice for the same employee updates the first."""
    return await guard.employees.notify_departure(body)


@router.get("/departures", dependencies=[allow(Action.departure_read)])
async def list_departures(
    guard: GuardDep, mo: str | None = None, late: bool | None = None
) -> list[EmployeeRequestSummary]:
    return await guard.employees.list("depart", mo=mo, late=late)


@router.get("/departures/{departure_id}", dependencies=[allow(Action.departure_read)])
async def show_departure(departure_id: str, guard: GuardDep) -> DepartureState:
    return await guard.employees.show_departure(departure_id)


@router.post("/departures/{departure_id}/record", dependencies=[allow(Action.departure_record)])
async def record_departure(departure_id: str, guard: GuardDep) -> DepartureState:
    """Record the departure in the dossier personne (48 hours or more after the notice)."""
    return await guard.employees.record_departure(departure_id, guard.caller.subject)


@router.post("/departures/{departure_id}/take", dependencies=[allow(Action.departure_take)])
async def take_departure(departure_id: str, guard: GuardDep) -> DepartureState:
    return await guard.employees.take_departure(departure_id, guard.caller.subject)
