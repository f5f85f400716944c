"""Arrivals over HTTP: the MO's HR starts them, agents take them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from models.arrivals import ArrivalRequest, ArrivalState
from models.requests import Listed
from models.roles import Action
from starter.api.deps import Cursor, GuardDep, GuardedRoute, Limit, allow, one_page
from starter.api.params import ArrivalId, Mo

router = APIRouter(tags=["arrivals"], route_class=GuardedRoute)


@router.post("/arrivals", status_code=201, dependencies=[allow(Action.arrival_start)])
async def start_arrival(body: ArrivalRequest, guard: GuardDep) -> ArrivalState:
    return await guard.arrivals.start(body)


@router.get("/arrivals", response_model=list[Listed], dependencies=[allow(Action.arrival_read)])
async def list_arrivals(
    request: Request,
    guard: GuardDep,
    mo: Mo = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """Arrivals by id, a page at a time (`X-Total-Count`, `Link` to the next page)."""
    return one_page(request, await guard.arrivals.list(mo, limit, cursor))


@router.get("/arrivals/{arrival_id}", dependencies=[allow(Action.arrival_read)])
async def show_arrival(arrival_id: ArrivalId, guard: GuardDep) -> ArrivalState:
    return await guard.arrivals.show(arrival_id)


@router.post("/arrivals/{arrival_id}/take", dependencies=[allow(Action.arrival_take)])
async def take_arrival(arrival_id: ArrivalId, guard: GuardDep) -> ArrivalState:
    return await guard.arrivals.take(arrival_id, guard.caller.subject)


@router.post(
    "/arrivals/{arrival_id}/dossier-ready", dependencies=[allow(Action.arrival_dossier_ready)]
)
async def dossier_ready(arrival_id: ArrivalId, guard: GuardDep) -> ArrivalState:
    return await guard.arrivals.dossier_ready(arrival_id)
