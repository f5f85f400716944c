"""Escalations over HTTP: the CA supervisors' list, and their acknowledgements."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import StringConstraints

from models.escalations import Acknowledge, EscalationKind, EscalationView
from models.roles import Action
from models.tickets import Contract
from starter.api.deps import Cursor, GuardDep, GuardedRoute, Limit, allow, one_page, with_actor
from starter.api.params import Mo

router = APIRouter(tags=["escalations"], route_class=GuardedRoute)

Day = Annotated[
    date | None,
    Query(description="A day (YYYY-MM-DD, Montréal), inclusive.", examples=["2026-11-26"]),
]


class AcknowledgeBody(Contract):
    """Which escalation the caller (a CA supervisor) acknowledges: its key, as listed."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=120)]


@router.get(
    "/escalations",
    response_model=list[EscalationView],
    dependencies=[allow(Action.escalation_read)],
)
async def list_escalations(
    request: Request,
    guard: GuardDep,
    mo: Mo = None,
    kind: EscalationKind | None = None,
    since: Day = None,
    until: Day = None,
    acknowledged: bool | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """Breaches, late departure notices, accesses left after a departure, requests given up and
    notices the mail server refused, newest first; the count in `X-Total-Count`, the next page
    in `Link`."""
    found = guard.escalations.list(mo, kind, since, until, acknowledged, limit, cursor)
    return one_page(request, found)


@router.post("/escalations/acknowledge", dependencies=[allow(Action.escalation_ack)])
async def acknowledge(body: AcknowledgeBody, guard: GuardDep) -> EscalationView:
    """The caller, a CA supervisor, has seen the escalation and acts on it (the first
    acknowledgement stands)."""
    step = with_actor(Acknowledge, _Nothing(), by=guard.caller.subject)
    return guard.escalations.acknowledge(body.key, step)


class _Nothing(Contract):
    pass
