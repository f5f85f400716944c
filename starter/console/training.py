"""Training in the console: SGA's sessions with their places and waiting lists, who is
registered or waiting in each, and for CA agents the forms to enrol a participant or cancel a
place (the first on the waiting list then gets it). Every step goes through the guarded training
desk, as the API's and the command line's do."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.roles import Action
from models.training import (
    Basis,
    Enrol,
    Enrolment,
    EnrolmentStatus,
    TrainingState,
    TrainingStatus,
    training_id,
)
from starter.console.french import in_french
from starter.console.pages import render
from starter.console.registre import day
from starter.console.session import ConsoleGuard, Form, may
from starter.console.steps import status_of
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, InvalidInput, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

ROUTE = "/formation"  # under the router's /console
PAGE = "/console" + ROUTE
BASIS_NAMES = {
    Basis.mo_instruction: "À la demande de l'organisme",
    Basis.development_plan: "Plan de développement de l'employé",
}
ENROLMENT_NAMES = {
    EnrolmentStatus.registered: "Inscrit",
    EnrolmentStatus.waiting: "En liste d'attente",
    EnrolmentStatus.cancelled: "Annulé",
}
STATUS_NAMES = {
    TrainingStatus.requested: "Inscription demandée",
    TrainingStatus.registered: "Inscrit",
    TrainingStatus.waiting: "En liste d'attente",
    TrainingStatus.cancelled: "Annulé",
    TrainingStatus.not_served: "Non servi : la session a commencé avant qu'une place se libère",
}
STEP_NAMES = {
    "requested": "Inscription demandée",
    "registered": "Inscrit à la session",
    "waiting": "Placé en liste d'attente",
    "cancel": "Annulation de la place",
    "cancelled": "Place annulée",
    "not_served": "Non servi (la session a commencé)",
    "session_began": "La session a commencé",
}
# A place can be cancelled while the participant holds one or waits for one.
CANCELLABLE = frozenset({TrainingStatus.registered, TrainingStatus.waiting})


@router.get(ROUTE, dependencies=[may(Action.training_read)])
async def training(request: Request, guard: ConsoleGuard) -> Response:
    """Every session with its places, waiting list and participants."""
    return await _training_page(request, guard, values={})


async def _training_page(
    request: Request,
    guard: GuardedDesks,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    views = await guard.training.sessions()
    sessions = []
    for view in views:
        participants = await guard.training.participants(view.session.code)
        sessions.append(
            {
                "view": view,
                "starts": day(view.session.starts_on),
                "participants": [_participant(one) for one in participants],
            }
        )
    return render(
        request,
        "training/list.html",
        status_code=status_code,
        sessions=sessions,
        bases=BASIS_NAMES,
        values=values,
        error=error,
        title="Formation",
    )


def _participant(enrolment: Enrolment) -> dict[str, Any]:
    status = ENROLMENT_NAMES.get(enrolment.status, enrolment.status.value)
    if enrolment.waiting_position is not None:
        status += f" (rang {enrolment.waiting_position})"
    return {
        "enrolment": enrolment,
        "id": training_id(enrolment.session, enrolment.mo, enrolment.employee_number),
        "status": status,
        "basis": BASIS_NAMES.get(enrolment.basis, enrolment.basis.value),
        "cancellable": enrolment.status is not EnrolmentStatus.cancelled,
    }


@router.post(ROUTE + "/inscrire", dependencies=[may(Action.training_enrol)])
async def enrol(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """Register a participant (on the waiting list when the session is full)."""
    values = {
        name: form.get(name, "").strip() for name in ("session", "mo", "employee_number", "basis")
    }
    try:
        state = await guard.training.enrol(parse(Enrol, **values, by=guard.caller.subject))
    except DeskError as refused:
        return await _training_page(
            request,
            guard,
            values,
            error=in_french(str(refused)),
            status_code=status_of(refused),
        )
    return RedirectResponse(f"{PAGE}/inscriptions/{quote(state.id)}?fait=inscrit", status_code=303)


@router.get(ROUTE + "/inscriptions/{registration_id}", dependencies=[may(Action.training_read)])
async def registration(
    request: Request, registration_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    done = {
        "inscrit": "L'inscription est transmise à SGA.",
        "annulee": "La place est annulée; la première personne en liste d'attente l'obtient.",
    }.get(fait or "")
    return await _registration_page(request, guard, registration_id, done=done)


async def _registration_page(
    request: Request,
    guard: GuardedDesks,
    registration_id: str,
    refused: str | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    try:
        state = await guard.training.show(registration_id)
    except InvalidInput:
        raise NotFound(f"{registration_id} does not exist") from None  # a malformed id
    return render(
        request,
        "training/show.html",
        status_code=status_code,
        state=state,
        status_name=_status_name(state),
        basis=BASIS_NAMES.get(state.basis, state.basis.value),
        story=[
            {
                "at": step.at,
                "name": STEP_NAMES.get(step.kind, step.kind),
                "actor": "Système" if step.actor == "system" else step.actor,
                "note": (step.note or "").replace("position ", "rang ") or None,
            }
            for step in state.steps
        ],
        cancellable=state.status in CANCELLABLE,
        refused=refused,
        done=done,
        title=f"Inscription {state.id}",
    )


def _status_name(state: TrainingState) -> str:
    name = STATUS_NAMES.get(state.status, state.status.value)
    if state.waiting_position is not None:
        name += f" (rang {state.waiting_position})"
    return name


@router.post(
    ROUTE + "/inscriptions/{registration_id}/annuler", dependencies=[may(Action.training_enrol)]
)
async def cancel(
    request: Request, registration_id: str, form: Form, guard: ConsoleGuard
) -> Response:
    """Cancel the place; refused (nothing to cancel), the registration's page says why."""
    del form  # checked for its CSRF token; the cancellation takes no field
    try:
        await guard.training.cancel(registration_id, guard.caller.subject)
    except DeskError as refused:
        # A finished registration is NotFound to a step: its page says so beside the form
        # (and answers 404 itself when there is no such registration).
        return await _registration_page(
            request,
            guard,
            registration_id,
            refused=in_french(str(refused)),
            status_code=status_of(refused),
        )
    return RedirectResponse(
        f"{PAGE}/inscriptions/{quote(registration_id)}?fait=annulee", status_code=303
    )
