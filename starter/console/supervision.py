"""The CA supervisors' pages: the tickets that breached their deadline and are still open, the
open tickets by state, and the escalations, each acknowledged once (who and when; the first
acknowledgement stands, as the desk keeps it). Auditors read the escalations, without the form.
Everything goes through the guarded ticket and escalation desks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.escalations import Acknowledge, EscalationKind, EscalationPage, EscalationView
from models.requests import Listed
from models.roles import Action
from models.tickets import TicketStatus
from starter.console.french import in_french
from starter.console.pages import render
from starter.console.session import ConsoleGuard, Form, may
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

# Every state a ticket is open in, in the order it goes through them.
OPEN = (
    TicketStatus.received,
    TicketStatus.in_charge,
    TicketStatus.forwarded,
    TicketStatus.waiting_client,
    TicketStatus.awaiting_qa,
    TicketStatus.returned,
)
BREACHES_SHOWN = 100  # the page says how many more there are

KIND_NAMES = {
    EscalationKind.warning: "Échéance de prise en charge proche (avertissement)",
    EscalationKind.breach: "Délai de prise en charge dépassé",
    EscalationKind.late_notice: "Avis de départ tardif",
    EscalationKind.removal_failed: "Accès restants après un départ",
    EscalationKind.given_up: "Demande abandonnée",
    EscalationKind.mail_failed: "Avis refusé par le serveur de courriel",
    EscalationKind.invoice_overdue: "Facture impayée à son échéance",
}
STATES = {"ouvertes": False, "prises": True}  # the page's word → the desk's `acknowledged`
FILTERS = ("organisme", "type", "du", "au", "etat")


@router.get("/supervision", dependencies=[may(Action.escalation_ack)])
async def overview(request: Request, guard: ConsoleGuard) -> Response:
    """What a supervisor watches: breaches still open, the open tickets by state, and how many
    escalations wait for someone to acknowledge them."""
    breached: list[Listed] = []
    breached_total = 0
    by_state = []
    for status in OPEN:
        late = await guard.tickets.list(status=status, breached=True, limit=BREACHES_SHOWN)
        breached += late.items
        breached_total += late.total
        count = await guard.tickets.list(status=status, limit=1)
        by_state.append((status.value, count.total, late.total))
    waiting = guard.escalations.list(acknowledged=False, limit=1).total
    # Each agent's load: their open tickets by state (the untaken ones are the queue's).
    agents: dict[str, dict[str, Any]] = {}
    for line in await guard.tickets.load():
        if line.assignee is not None:
            held = agents.setdefault(line.assignee, {"total": 0, "breached": 0, "by_state": {}})
            held["total"] += line.count
            held["breached"] += line.breached
            held["by_state"][line.status] = line.count
    breached.sort(key=lambda item: (item.due is None, item.due))
    # Each state's list is by number (the oldest tickets first); of those, the oldest deadlines.
    breached = breached[:BREACHES_SHOWN]
    return render(
        request,
        "supervision/overview.html",
        breached=breached,
        breached_total=breached_total,
        by_state=by_state,
        open_total=sum(total for _, total, _ in by_state),
        waiting=waiting,
        agents=sorted(agents.items(), key=lambda item: -item[1]["total"]),
        agent_states=[status.value for status in OPEN if status.value != "received"],
        title="Supervision",
    )


@router.get("/escalades", dependencies=[may(Action.escalation_read)])
async def escalations(
    request: Request,
    guard: ConsoleGuard,
    organisme: str | None = None,
    type: str | None = None,
    du: str | None = None,
    au: str | None = None,
    etat: str | None = None,
    suite: str | None = None,
    prise: str | None = None,
) -> Response:
    values = {
        "organisme": (organisme or "").strip().upper(),
        "type": type or "",
        "du": du or "",
        "au": au or "",
        "etat": etat if etat in STATES else "",
    }
    return _escalations_page(request, guard, values, suite, acknowledged_now=prise)


def _escalations_page(
    request: Request,
    guard: GuardedDesks,
    values: dict[str, str],
    cursor: str | None = None,
    acknowledged_now: str | None = None,
    already: EscalationView | None = None,
    refused: str | None = None,
) -> Response:
    error = None
    found = EscalationPage(items=[], total=0)
    try:
        found = guard.escalations.list(
            mo=values["organisme"] or None,
            kind=values["type"] or None,
            since=values["du"] or None,
            until=values["au"] or None,
            acknowledged=STATES.get(values["etat"]),
            cursor=cursor or None,
        )
    except DeskError as wrong:
        error = in_french(str(wrong))
    done = next((item for item in found.items if item.key == acknowledged_now), None)
    more = urlencode({**values, "suite": found.next_cursor}) if found.next_cursor else None
    return render(
        request,
        "supervision/escalations.html",
        status_code=422 if error or refused else 200,
        values=values,
        items=found.items,
        total=found.total,
        more=more,
        error=error,
        refused=refused,
        acknowledged_now=acknowledged_now,
        done=done,
        already=already,
        kinds=KIND_NAMES,
        title="Escalades",
    )


@router.post("/escalades/prise-en-compte", dependencies=[may(Action.escalation_ack)])
async def acknowledge(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """The supervisor has seen the escalation and acts on it, under their own name; one that
    someone acknowledged first keeps that first acknowledgement, and the page says whose."""
    request.state.action = Action.escalation_ack
    values = {name: form.get(name, "") for name in FILTERS}
    key = form.get("key", "")
    request.state.record = key  # the trail's record: the escalation, not the page's address
    before = datetime.now(UTC)
    try:
        done = guard.escalations.acknowledge(key, parse(Acknowledge, by=guard.caller.subject))
    except NotFound:
        raise
    except DeskError as refused:
        return _escalations_page(request, guard, values, refused=in_french(str(refused)))
    if _earlier(done, before, guard.caller.subject):
        return _escalations_page(request, guard, values, already=done)
    query = urlencode({**{k: v for k, v in values.items() if v}, "prise": key})
    return RedirectResponse(f"/console/escalades?{query}#confirmation", status_code=303)


def _earlier(done: EscalationView, before: datetime, subject: str) -> bool:
    """Whether the acknowledgement that stands was there before this one was asked."""
    at = done.acknowledged_at
    return done.acknowledged_by != subject or (at is not None and at < before)
