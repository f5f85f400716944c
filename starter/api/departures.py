"""Departures over HTTP: the MO's HR notifies and records them (the 48-hour rule), agents take
them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from models.departures import DepartureRequest, DepartureState
from models.requests import Listed
from models.roles import Action
from starter.api.deps import Cursor, GuardDep, GuardedRoute, Limit, allow, one_page
from starter.api.params import DepartureId, Mo

router = APIRouter(tags=["departures"], route_class=GuardedRoute)


@router.post("/departures", status_code=201, dependencies=[allow(Action.departure_notify)])
async def notify_departure(body: DepartureRequest, guard: GuardDep) -> DepartureState:
    """Notify a departure; a second notice for the same employee updates the first."""
    return await guard.departures.notify(body)


@router.get("/departures", response_model=list[Listed], dependencies=[allow(Action.departure_read)])
async def list_departures(
    request: Request,
    guard: GuardDep,
    mo: Mo = None,
    late: bool | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """Departures by id, a page at a time (`X-Total-Count`, `Link` to the next page)."""
    return one_page(request, await guard.departures.list(mo, late, limit, cursor))


@router.get("/departures/{departure_id}", dependencies=[allow(Action.departure_read)])
async def show_departure(departure_id: DepartureId, guard: GuardDep) -> DepartureState:
    return await guard.departures.show(departure_id)


@router.post("/departures/{departure_id}/record", dependencies=[allow(Action.departure_record)])
async def record_departure(departure_id: DepartureId, guard: GuardDep) -> DepartureState:
    """Record the departure in the dossier personne (48 hours or more after the notice)."""
    return await guard.departures.record(departure_id, guard.caller.subject)


@router.post("/departures/{departure_id}/take", dependencies=[allow(Action.departure_take)])
async def take_departure(departure_id: DepartureId, guard: GuardDep) -> DepartureState:
    return await guard.departures.take(departure_id, guard.caller.subject)
