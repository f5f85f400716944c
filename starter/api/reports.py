"""SLA reports over HTTP: JSON, CSV and a PNG chart."""

from __future__ import annotations

from fastapi import APIRouter, Response

from models.reports import SlaLine
from models.roles import Action
from starter.api.deps import GuardDep, GuardedRoute, allow
from starter.desks.reports import as_csv, as_png

router = APIRouter(
    prefix="/reports",
    tags=["reports"],
    dependencies=[allow(Action.report_read)],
    route_class=GuardedRoute,
)


@router.get("/sla")
async def sla(guard: GuardDep, month: str | None = None, mo: str | None = None) -> list[SlaLine]:
    """Per MO and month: received per channel, taken on time, breached, median and 90th
    percentile time to take in charge in open minutes, late departure notices."""
    return guard.reports.sla(month, mo)


@router.get("/sla.csv", response_class=Response)
async def sla_csv(guard: GuardDep, month: str | None = None, mo: str | None = None) -> Response:
    return Response(as_csv(guard.reports.sla(month, mo)), media_type="text/csv")


@router.get("/sla.png", response_class=Response)
async def sla_png(guard: GuardDep, month: str | None = None, mo: str | None = None) -> Response:
    return Response(as_png(guard.reports.sla(month, mo)), media_type="image/png")
