"""Mail no rule could place, in the console: the CA's triage list (each message's 24-hour clock
runs from its receipt), sorted to an MO (which opens its ticket) or set aside, through the
guarded intake desk as `sagir-desk mail triage|sort|discard` and `/triage` do."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.roles import Action
from starter.console.french import in_french
from starter.console.pages import deadline, render
from starter.console.session import ConsoleGuard, Form, desks_of, may
from starter.console.steps import status_of
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = "/console/tri"

# Why a message is in triage, as the intake says it (never personal data), in French.
REASONS = [
    (
        re.compile(r"the sender's domain is not declared for any MO"),
        "le domaine de l'expéditeur n'est déclaré pour aucun organisme",
    ),
    (
        re.compile(r"names (?P<id>\S+), which the desk does not know"),
        "il nomme {id}, que le Centre ne connaît pas",
    ),
    (
        re.compile(r"replies to (?P<id>\S+) from neither its contact nor its MO"),
        "il répond à {id} sans venir de son demandeur ni de son organisme",
    ),
    (re.compile(r"(?P<id>\S+) has ended or does not exist"), "{id} est terminé ou n'existe pas"),
]


def reason_in_french(reason: str | None) -> str:
    if not reason:
        return ""
    for pattern, french in REASONS:
        found = pattern.fullmatch(reason)
        if found is not None:
            return french.format(**found.groupdict())
    ticket, colon, refused = reason.partition(": ")
    if colon and ticket.startswith("T-"):
        return f"{ticket} : {in_french(refused)}"
    return in_french(reason)


async def _triage_page(
    request: Request,
    guard: GuardedDesks,
    cursor: str | None = None,
    refused: tuple[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    found = await guard.intake.triage(limit=50, cursor=cursor or None)
    calendar = desks_of(request).tickets.calendar
    rows = [
        {
            "item": item,
            "reason": reason_in_french(item.reason),
            "deadline": deadline(calendar, item.received_at, item.due),
        }
        for item in found.items
    ]
    return render(
        request,
        "triage/list.html",
        status_code=status_code,
        rows=rows,
        total=found.total,
        next_cursor=found.next_cursor,
        mos=desks_of(request).tickets.directory.mos(),
        refused=refused,
        done=done,
        title="Courriel à trier",
    )


@router.get("/tri", dependencies=[may(Action.triage_sort)])
async def triage(
    request: Request, guard: ConsoleGuard, suite: str | None = None, fait: str | None = None
) -> Response:
    done = {
        "classe": "Le message est classé : son billet est ouvert.",
        "ecarte": "Le message est écarté : aucun billet ne sera ouvert.",
    }.get(fait or "")
    return await _triage_page(request, guard, suite, done=done)


@router.post("/tri/{message_id}/classer", dependencies=[may(Action.triage_sort)])
async def sort(request: Request, message_id: str, form: Form, guard: ConsoleGuard) -> Response:
    """Sort a message to an MO: its ticket opens, its clock still running from its receipt."""
    request.state.action = Action.triage_sort
    try:
        receipt = await guard.intake.sort(message_id, form.get("mo", ""))
    except DeskError as refused:
        return await _triage_page(
            request,
            guard,
            refused=(message_id, in_french(str(refused))),
            status_code=status_of(refused),
        )
    if receipt.ticket_id:
        return RedirectResponse(f"/console/billets/{quote(receipt.ticket_id)}", status_code=303)
    return RedirectResponse(f"{PAGE}?fait=classe", status_code=303)


@router.post("/tri/{message_id}/ecarter", dependencies=[may(Action.triage_sort)])
async def discard(request: Request, message_id: str, form: Form, guard: ConsoleGuard) -> Response:
    """Set a message aside (spam, nothing to do): it opens nothing, and stays recorded."""
    del form  # checked for its CSRF token
    request.state.action = Action.triage_sort
    try:
        await guard.intake.discard(message_id)
    except DeskError as refused:
        return await _triage_page(
            request,
            guard,
            refused=(message_id, in_french(str(refused))),
            status_code=status_of(refused),
        )
    return RedirectResponse(f"{PAGE}?fait=ecarte", status_code=303)
