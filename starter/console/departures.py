"""Departures in the console (the 48-hour rule): the MO's HR notifies one (the birth day and
month in masked fields, never shown back) and records it in the dossier personne from the
instant the rule allows, which every page states; the CA lists them across MOs, late notices
flagged, and takes them in charge. Every step goes through the guarded departure desk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.departures import (
    BirthDayMonth,
    DepartureRequest,
    DepartureState,
    DepartureStatus,
    record_allowed_at,
)
from models.roles import Action, Caller
from models.ticket_lifecycle import SYSTEM
from starter.console.french import in_french, long_date
from starter.console.pages import deadline, render
from starter.console.session import ConsoleGuard, Form, desks_of, may
from starter.console.steps import step_then
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, Forbidden, InvalidInput, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

STATUS = {
    DepartureStatus.received: "À prendre en charge",
    DepartureStatus.in_charge: "Pris en charge",
    DepartureStatus.accesses_removed: "Accès retirés",
    DepartureStatus.completed: "Terminé",
    DepartureStatus.refused: "Refusé",
}
CLOSED = (DepartureStatus.refused, DepartureStatus.completed)

STEPS = {
    "notice": "Avis de départ",
    "take": "Prise en charge",
    "recorded": "Départ inscrit au dossier personne",
    "accesses_removed": "Accès retirés de SAGIR",
    "removal_incomplete": "Retrait des accès incomplet (escaladé)",
    "late_notice": "Avis tardif (escaladé au superviseur)",
    "completed": "Départ terminé",
    "refused": "Avis refusé",
    "warned": "Avertissement : échéance proche",
    "breached": "Délai de prise en charge dépassé",
}
NOTES = {"SAGIR read back: none left": "Relecture de SAGIR : aucun accès ne reste"}

DONE = {
    "avis": "L'avis de départ est reçu.",
    "prendre": "Vous avez pris le départ en charge.",
    "inscrire": "Le départ est inscrit au dossier personne.",
}

NEW = "Nouveau départ"
# Personal data: read from the form to match the dossier personne, never sent back to a page.
MASKED = ("birth_day", "birth_month")


def _request(caller: Caller, form: dict[str, str]) -> DepartureRequest:
    birth = parse(
        BirthDayMonth,
        birth_day=form.get("birth_day", "").strip(),
        birth_month=form.get("birth_month", "").strip(),
    )
    return parse(
        DepartureRequest,
        mo=caller.mo or "",
        employee_number=form.get("employee_number", "").strip(),
        departure_date=form.get("departure_date", "").strip(),
        birth=birth,
        immediate=form.get("immediate") == "oui",
        notified_by=caller.subject,
    )


@router.get("/departs", dependencies=[may(Action.departure_read)])
async def every_departure(
    request: Request,
    guard: ConsoleGuard,
    organisme: str | None = None,
    tardifs: str | None = None,
    suite: str | None = None,
) -> Response:
    """The departures the person sees (their MO's for HR, every MO's for the CA), late notices
    alone on demand."""
    late = True if tardifs == "oui" else None
    error = None
    try:
        found = await guard.departures.list(
            organisme or None, late, limit=100, cursor=suite or None
        )
        items, total, next_cursor = found.items, found.total, found.next_cursor
    except InvalidInput as refused:
        items, total, next_cursor, error = [], 0, None, in_french(str(refused))
    return render(
        request,
        "departures/list.html",
        status_code=422 if error else 200,
        items=items,
        total=total,
        next_cursor=next_cursor,
        organisme=organisme or "",
        tardifs=tardifs == "oui",
        error=error,
        statuses={status.value: name for status, name in STATUS.items()},
        title="Départs",
    )


def _new_page(
    request: Request,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The notice's form, with the instant recording would be allowed if it were sent now."""
    now = desks_of(request).departures.clock()
    return render(
        request,
        "departures/new.html",
        status_code=status_code,
        values={key: value for key, value in values.items() if key not in MASKED},
        error=error,
        allowed_from=record_allowed_at(now),
        title=NEW,
    )


@router.get("/departs/nouveau", dependencies=[may(Action.departure_notify)])
async def new_departure(request: Request, employe: str | None = None) -> Response:
    return _new_page(request, {"employee_number": employe or ""})


@router.post("/departs/nouveau", dependencies=[may(Action.departure_notify)])
async def notify_departure(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """Notify the departure (a second notice for the same employee updates the first); a
    refusal shows above the form, which keeps what was typed but the birth day and month."""
    request.state.action = Action.departure_notify
    try:
        notified = await guard.departures.notify(_request(guard.caller, form))
    except (NotFound, Forbidden):
        raise
    except DeskError as refused:
        return _new_page(
            request,
            form,
            error=in_french(str(refused)),
            status_code=422 if isinstance(refused, InvalidInput) else 409,
        )
    return RedirectResponse(f"/console/departs/{quote(notified.id)}?fait=avis", status_code=303)


async def _departure_page(
    request: Request,
    guard: GuardedDesks,
    departure_id: str,
    refused: tuple[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    state = await guard.departures.show(departure_id)
    desk = desks_of(request).departures
    waiting = state.taken_by is None and state.status not in CLOSED
    standing = (
        deadline(desk.calendar, state.first_notice_at, state.due, desk.clock()) if waiting else None
    )
    return render(
        request,
        "departures/show.html",
        status_code=status_code,
        departure=state,
        status_name=STATUS.get(state.status, state.status.value),
        standing=standing,
        forms=_forms(guard.caller, state),
        refused=refused,
        done=done,
        story=[_told(step.kind, step.actor, step.note) for step in state.steps],
        reason=in_french(state.reason) if state.reason else None,
        last_day=long_date(state.departure_date),
        title=f"Départ {state.id}",
    )


def _told(kind: str, actor: str, note: str | None) -> dict[str, Any]:
    """A step as the page tells it: its French name, its note in French."""
    if note is None:
        text = None
    elif kind == "notice" and note.startswith("notice "):
        text = f"Avis no {note.removeprefix('notice ')}"
    else:
        text = NOTES.get(note) or in_french(note)
    who = "Système" if actor == SYSTEM else actor
    return {"name": STEPS.get(kind, kind), "actor": who, "note": text}


def _forms(caller: Caller, state: DepartureState) -> list[str]:
    """The steps the departure's state allows to this person: one form each. Recording is
    offered before the 48 hours are over too: the desk refuses it with the instant it becomes
    allowed, which the page shows beside the form."""
    forms: list[str] = []
    if state.status in CLOSED:
        return forms
    if caller.may(Action.departure_take) and state.taken_by is None:
        forms.append("prendre")
    if caller.may(Action.departure_record) and state.recorded_at is None:
        forms.append("inscrire")
    return forms


@router.get("/departs/{departure_id}", dependencies=[may(Action.departure_read)])
async def show_departure(
    request: Request, departure_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    return await _departure_page(request, guard, departure_id, done=DONE.get(fait or ""))


async def _step(
    request: Request,
    guard: GuardedDesks,
    departure_id: str,
    step: str,
    action: Callable[[], Awaitable[object]],
) -> Response:
    """One step from its form (see steps.py)."""

    async def again(refused: tuple[str, str], status: int) -> Response:
        return await _departure_page(
            request, guard, departure_id, refused=refused, status_code=status
        )

    done = f"/console/departs/{quote(departure_id)}?fait={step}#etat"
    return await step_then(step, action, done, again)


@router.post("/departs/{departure_id}/prendre", dependencies=[may(Action.departure_take)])
async def take_departure(
    request: Request, departure_id: str, _form: Form, guard: ConsoleGuard
) -> Response:
    return await _step(
        request,
        guard,
        departure_id,
        "prendre",
        lambda: guard.departures.take(departure_id, guard.caller.subject),
    )


@router.post("/departs/{departure_id}/inscrire", dependencies=[may(Action.departure_record)])
async def record_departure(
    request: Request, departure_id: str, _form: Form, guard: ConsoleGuard
) -> Response:
    """Record the departure in the dossier personne (the desk applies the 48-hour rule)."""
    return await _step(
        request,
        guard,
        departure_id,
        "inscrire",
        lambda: guard.departures.record(departure_id, guard.caller.subject),
    )
