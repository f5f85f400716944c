"""Reports over HTTP: the SLA report (JSON, CSV and a PNG chart) and the committee's report
(JSON and CSV; each MO's people read their own MO's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from models.committee import CommitteeReport
from models.reports import SlaLine
from models.roles import Action
from starter.api.deps import GuardDep, GuardedRoute, allow
from starter.api.params import Mo, Month
from starter.desks import committee as committee_desk
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


# The committee's report has its own readers (each MO's people, their MO's figures only).
committee_router = APIRouter(
    prefix="/reports",
    tags=["reports"],
    dependencies=[allow(Action.committee_read)],
    route_class=GuardedRoute,
)
CommitteeMonth = Annotated[
    str,
    Query(
        pattern=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$",
        description="YYYY-MM: the month, reported against the one before.",
        examples=["2026-11"],
    ),
]


@committee_router.get("/committee")
async def committee(guard: GuardDep, month: CommitteeMonth, mo: Mo = None) -> CommitteeReport:
    """The continuous-improvement committee's report: per MO and for the whole service, the SLA
    figures, resolution time without the wait on the client (open minutes), warnings, breaches
    by channel and module, forwards to the DGGIR, reopenings, quality checks rejected, questions
    to clients, this month and the one before. An MO's people get their own MO's lines."""
    return await run_in_threadpool(guard.committee.report, month, mo)


@committee_router.get(
    "/committee.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def committee_csv(guard: GuardDep, month: CommitteeMonth, mo: Mo = None) -> Response:
    found = await run_in_threadpool(guard.committee.report, month, mo)
    return Response(committee_desk.as_csv(found), media_type="text/csv")
