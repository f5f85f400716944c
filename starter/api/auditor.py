"""The auditor's tools over HTTP: timelines, the workflows found by filters, replays, the audit
trail and its check. Auditors read everything and change nothing."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Response

from models.audit import AuditEntry
from models.requests import Listed
from models.roles import Action
from models.story import StoryLine
from starter.api.deps import GuardDep, GuardedRoute, allow
from starter.api.params import Mo, WorkflowId
from starter.desks.auditor import (
    ReplayVerdict,
    TimelineEvent,
    Verification,
    story_csv,
    timeline_csv,
)

router = APIRouter(
    prefix="/audit",
    tags=["audit"],
    dependencies=[allow(Action.audit_read)],
    route_class=GuardedRoute,
)


@router.get(
    "/history/{workflow_id}",
    response_model=list[StoryLine] | list[TimelineEvent],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def history(
    workflow_id: WorkflowId,
    guard: GuardDep,
    format: Literal["json", "csv"] = "json",
    raw: bool = False,
) -> object:
    """A request's story: one line per business step (when, who, role, what, outcome, the rule
    or deadline it met) and the attempts refused on the way. `raw=true`: the engine's events,
    their sealed payloads opened. Each reading is in the audit trail."""
    if raw:
        timeline = await guard.auditor.history(workflow_id)
        if format == "csv":
            return Response(timeline_csv(timeline), media_type="text/csv")
        return timeline
    lines = await guard.auditor.story(workflow_id)
    if format == "csv":
        return Response(story_csv(lines), media_type="text/csv")
    return lines


@router.get("/workflows")
async def workflows(
    guard: GuardDep,
    mo: Mo = None,
    process: str | None = None,
    status: str | None = None,
    breached: bool | None = None,
    late_notice: bool | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[Listed]:
    return await guard.auditor.find(
        mo=mo,
        process=process,
        status=status,
        breached=breached,
        late_notice=late_notice,
        since=since,
        until=until,
    )


@router.get("/replay/{workflow_id}")
async def replay(workflow_id: WorkflowId, guard: GuardDep) -> ReplayVerdict:
    """Replay the stored history on the current code: the same decisions, or what differs."""
    return await guard.auditor.replay(workflow_id)


@router.get("/trail")
async def trail(guard: GuardDep, record: str | None = None) -> list[AuditEntry]:
    return guard.auditor.entries(record)


@router.get("/trail/verify")
async def verify(guard: GuardDep) -> Verification:
    """Every break in the audit trail (none: intact): seals, links, and the chain against the
    checkpoints kept outside the database."""
    return await guard.auditor.verify()
