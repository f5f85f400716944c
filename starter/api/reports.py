"""SLA reports over HTTP: JSON, CSV and a PNG chart."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from models.reports import SlaLine
from models.roles import Action
from starter.api.deps import GuardDep, GuardedRoute, allow
from starter.api.params import Mo, Month
from starter.desks.reports import as_csv, as_png

router = APIRouter(
    prefix="/reports",
    tags=["reports"],
    dependencies=[allow(Action.report_read)],
    route_class=GuardedRoute,
)


@router.get("/sla")
async def sla(guard: GuardDep, month: Month = None, mo: Mo = None) -> list[SlaLine]:
    """Per MO and month: received per channel, taken on time, breached, median and 90th
    percentile time to take in charge in open minutes, late departure notices."""
    return await run_in_threadpool(guard.reports.sla, month, mo)


@router.get(
    "/sla.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def sla_csv(guard: GuardDep, month: Month = None, mo: Mo = None) -> Response:
    lines = await run_in_threadpool(guard.reports.sla, month, mo)
    return Response(as_csv(lines), media_type="text/csv")


@router.get(
    "/sla.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def sla_png(guard: GuardDep, month: Month = None, mo: Mo = None) -> Response:
    lines = await run_in_threadpool(guard.reports.sla, month, mo)
    return Response(as_png(lines), media_type="image/png")  # pyplot: on the loop, one at a time
