"""Arrivals and departures over HTTP: the MO's HR starts them, agents take them."""

from __future__ import annotations

from fastapi import APIRouter

from models.arrivals import ArrivalRequest, ArrivalState
from models.departures import DepartureRequest, DepartureState
from models.roles import Action
from starter.access_control import acting_as_self, authorize
from starter.employee_desk import EmployeeRequestSummary
from starter.web.common import CallerDep, ServicesDep, allow, listing_scope, own_mo

router = APIRouter(tags=["arrivals and departures"])


@router.post("/arrivals", status_code=201, dependencies=[allow(Action.arrival_start)])
async def start_arrival(
    body: ArrivalRequest, caller: CallerDep, services: ServicesDep
) -> ArrivalState:
    authorize(caller, Action.arrival_start)
    own_mo(caller, body.mo)
    acting_as_self(caller, "requested_by", body.requested_by)
    return await services.employees.start_arrival(body)


@router.get("/arrivals", dependencies=[allow(Action.arrival_read)])
async def list_arrivals(
    caller: CallerDep, services: ServicesDep, mo: str | None = None
) -> list[EmployeeRequestSummary]:
    authorize(caller, Action.arrival_read)
    show, scope = listing_scope(caller, mo)
    return await services.employees.list("arrivee", mo=scope) if show else []


@router.get("/arrivals/{arrival_id}", dependencies=[allow(Action.arrival_read)])
async def show_arrival(arrival_id: str, caller: CallerDep, services: ServicesDep) -> ArrivalState:
    return await _arrival(arrival_id, caller, services, Action.arrival_read)


@router.post("/arrivals/{arrival_id}/take", dependencies=[allow(Action.arrival_take)])
async def take_arrival(arrival_id: str, caller: CallerDep, services: ServicesDep) -> ArrivalState:
    await _arrival(arrival_id, caller, services, Action.arrival_take)
    return await services.employees.take_arrival(arrival_id, caller.subject)


@router.post(
    "/arrivals/{arrival_id}/dossier-ready", dependencies=[allow(Action.arrival_dossier_ready)]
)
async def dossier_ready(arrival_id: str, caller: CallerDep, services: ServicesDep) -> ArrivalState:
    await _arrival(arrival_id, caller, services, Action.arrival_dossier_ready)
    return await services.employees.dossier_ready(arrival_id)


async def _arrival(
    arrival_id: str, caller: CallerDep, services: ServicesDep, action: Action
) -> ArrivalState:
    authorize(caller, action)
    state = await services.employees.show_arrival(arrival_id)
    authorize(caller, action, state.mo, arrival_id)
    return state


@router.post("/departures", status_code=201, dependencies=[allow(Action.departure_notify)])
async def notify_departure(
    body: DepartureRequest, caller: CallerDep, services: ServicesDep
) -> DepartureState:
    """Notify a departure; a second notice for the same employee updates the first."""
    authorize(caller, Action.departure_notify)
    own_mo(caller, body.mo)
    acting_as_self(caller, "notified_by", body.notified_by)
    return await services.employees.notify_departure(body)


@router.get("/departures", dependencies=[allow(Action.departure_read)])
async def list_departures(
    caller: CallerDep, services: ServicesDep, mo: str | None = None, late: bool | None = None
) -> list[EmployeeRequestSummary]:
    authorize(caller, Action.departure_read)
    show, scope = listing_scope(caller, mo)
    return await services.employees.list("depart", mo=scope, late=late) if show else []


@router.get("/departures/{departure_id}", dependencies=[allow(Action.departure_read)])
async def show_departure(
    departure_id: str, caller: CallerDep, services: ServicesDep
) -> DepartureState:
    return await _departure(departure_id, caller, services, Action.departure_read)


@router.post("/departures/{departure_id}/record", dependencies=[allow(Action.departure_record)])
async def record_departure(
    departure_id: str, caller: CallerDep, services: ServicesDep
) -> DepartureState:
    """Record the departure in the dossier personne (48 hours or more after the notice)."""
    await _departure(departure_id, caller, services, Action.departure_record)
    return await services.employees.record_departure(departure_id, caller.subject)


@router.post("/departures/{departure_id}/take", dependencies=[allow(Action.departure_take)])
async def take_departure(
    departure_id: str, caller: CallerDep, services: ServicesDep
) -> DepartureState:
    await _departure(departure_id, caller, services, Action.departure_take)
    return await services.employees.take_departure(departure_id, caller.subject)


async def _departure(
    departure_id: str, caller: CallerDep, services: ServicesDep, action: Action
) -> DepartureState:
    authorize(caller, action)
    state = await services.employees.show_departure(departure_id)
    authorize(caller, action, state.mo, departure_id)
    return state
