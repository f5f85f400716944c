"""SLA reports over HTTP: JSON, CSV and a PNG chart."""

from __future__ import annotations

from fastapi import APIRouter, Response

from models.reports import SlaLine
from models.roles import Action
from starter.access_control import authorize
from starter.report_desk import as_csv, as_png
from starter.web.common import CallerDep, ServicesDep, allow

router = APIRouter(prefix="/reports", tags=["reports"])


def _lines(
    caller: CallerDep, services: ServicesDep, month: str | None, mo: str | None
) -> list[SlaLine]:
    authorize(caller, Action.report_read)
    return services.reports.sla(month, mo)


@router.get("/sla", dependencies=[allow(Action.report_read)])
async def sla(
    caller: CallerDep, services: ServicesDep, month: str | None = None, mo: str | None = None
) -> list[SlaLine]:
    """Per MO and month: received per channel, taken on time, breached, median and 90th
    percentile time to take in charge in open minutes, late departure notices."""
    return _lines(caller, services, month, mo)


@router.get("/sla.csv", dependencies=[allow(Action.report_read)], response_class=Response)
async def sla_csv(
    caller: CallerDep, services: ServicesDep, month: str | None = None, mo: str | None = None
) -> Response:
    return Response(as_csv(_lines(caller, services, month, mo)), media_type="text/csv")


@router.get("/sla.png", dependencies=[allow(Action.report_read)], response_class=Response)
async def sla_png(
    caller: CallerDep, services: ServicesDep, month: str | None = None, mo: str | None = None
) -> Response:
    return Response(as_png(_lines(caller, services, month, mo)), media_type="image/png")
