"""Training requests in the console (demandes de formation): the MO's HR or a personne
autorisée asks for an employee's training ("Demander une formation"); the CA's agents see the
list, take a request, register the employee in a session of the course or refuse it. Every step
goes through the guarded desk, as the API's and the command line's do."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.roles import Action, Role
from models.training_requests import (
    RefuseTrainingRequest,
    TrainingRequest,
    TrainingRequestState,
    TrainingRequestStatus,
)
from starter.console.french import in_french
from starter.console.pages import render
from starter.console.registre import day
from starter.console.session import ConsoleGuard, Form, may
from starter.console.steps import status_of
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, InvalidInput, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

ROUTE = "/demandes-formation"  # under the router's /console
PAGE = "/console" + ROUTE
FIELDS = ("employee_number", "course", "wished_from", "wished_until", "reason", "authorised_by")
STATUS_NAMES = {
    TrainingRequestStatus.received.value: "Reçue",
    TrainingRequestStatus.in_progress.value: "En cours",
    TrainingRequestStatus.registered.value: "Inscription faite",
    TrainingRequestStatus.wait_listed.value: "En liste d'attente",
    TrainingRequestStatus.refused.value: "Refusée",
}
STEP_NAMES = {
    "received": "Demande reçue",
    "warned": "Avertissement : l'échéance de prise en charge approche",
    "breached": "Délai de prise en charge dépassé",
    "take": "Prise en charge",
    "register": "Inscription demandée à SGA",
    "registered": "Employé inscrit à la session",
    "wait_listed": "Employé placé en liste d'attente",
    "refused": "Demande refusée",
}
DONE = {
    "soumise": "Votre demande est reçue; le Centre d'assistance la prendra en charge.",
    "prise": "Vous avez pris la demande en charge.",
    "inscrite": "La demande est traitée; la personne qui l'a autorisée en est avisée.",
    "refusee": "La demande est refusée; la personne qui l'a autorisée en est avisée.",
}


@router.get(ROUTE, dependencies=[may(Action.training_request_read)])
async def every_request(
    request: Request,
    guard: ConsoleGuard,
    organisme: str | None = None,
    suite: str | None = None,
) -> Response:
    """The training requests the caller sees, a page at a time."""
    caller = guard.caller
    title = f"Demandes de formation : {caller.mo}" if caller.mo else "Demandes de formation"
    try:
        found = await guard.training_requests.list(organisme or None, None, 100, suite)
    except InvalidInput as refused:
        return render(
            request,
            "training_requests/list.html",
            status_code=422,
            found=None,
            error=in_french(str(refused)),
            organisme=organisme or "",
            status_names=STATUS_NAMES,
            title=title,
        )
    return render(
        request,
        "training_requests/list.html",
        found=found,
        organisme=organisme or "",
        status_names=STATUS_NAMES,
        title=title,
    )


@router.get(ROUTE + "/nouvelle", dependencies=[may(Action.training_request_submit)])
async def new_request(request: Request, guard: ConsoleGuard) -> Response:
    return _new_page(request, guard, values={})


def _new_page(
    request: Request,
    guard: GuardedDesks,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "training_requests/new.html",
        status_code=status_code,
        values=values,
        error=error,
        # A personne autorisée authorises their own request; HR names who authorised it.
        authorises_self=guard.caller.role is Role.personne_autorisee,
        title="Demander une formation",
    )


@router.post(ROUTE + "/nouvelle", dependencies=[may(Action.training_request_submit)])
async def submit(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    caller = guard.caller
    values = {name: form.get(name, "").strip() for name in FIELDS}
    if caller.role is Role.personne_autorisee:
        values["authorised_by"] = caller.subject
    try:
        asked = parse(
            TrainingRequest,
            mo=caller.mo or "",
            requested_by=caller.subject,
            **{name: value or None for name, value in values.items()},
        )
        state = await guard.training_requests.submit(asked)
    except DeskError as refused:
        return _new_page(
            request, guard, values, error=in_french(str(refused)), status_code=status_of(refused)
        )
    return RedirectResponse(f"{PAGE}/{quote(state.id)}?fait=soumise", status_code=303)


@router.get(ROUTE + "/{request_id}", dependencies=[may(Action.training_request_read)])
async def show(
    request: Request, request_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    return await _request_page(request, guard, request_id, done=DONE.get(fait or ""))


async def _request_page(
    request: Request,
    guard: GuardedDesks,
    request_id: str,
    refused: str | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    try:
        state = await guard.training_requests.show(request_id)
    except InvalidInput:
        raise NotFound(f"{request_id} does not exist") from None  # a malformed id: no page
    return render(
        request,
        "training_requests/show.html",
        status_code=status_code,
        state=state,
        status_name=_status_name(state),
        wished=f"du {day(state.wished_from)} au {day(state.wished_until)}",
        sessions=await _sessions(guard, state),
        story=[
            {
                "at": step.at,
                "name": STEP_NAMES.get(step.kind, step.kind),
                "actor": "Système" if step.actor == "system" else step.actor,
                "note": _note(step.kind, step.note),
            }
            for step in state.steps
        ],
        refused=refused,
        done=done,
        title=f"Demande de formation {state.id}",
    )


def _status_name(state: TrainingRequestState) -> str:
    name = STATUS_NAMES.get(state.status.value, state.status.value)
    if state.waiting_position is not None:
        name += f" (rang {state.waiting_position})"
    return name


async def _sessions(guard: GuardedDesks, state: TrainingRequestState) -> list[dict[str, Any]]:
    """For an agent working the request: the sessions they may choose (the desk checks again)."""
    if state.status is not TrainingRequestStatus.in_progress or not guard.caller.may(
        Action.training_request_work
    ):
        return []
    found = await guard.training_requests.sessions(state.id)
    return [{"view": view, "starts": day(view.session.starts_on)} for view in found]


def _note(kind: str, note: str | None) -> str | None:
    if note is None or kind == "refused":  # the agent's own words stay as written
        return note
    return note.replace("position ", "rang ")


@router.post(ROUTE + "/{request_id}/prendre", dependencies=[may(Action.training_request_work)])
async def take(request: Request, request_id: str, form: Form, guard: ConsoleGuard) -> Response:
    del form  # checked for its CSRF token; taking in charge has no field
    try:
        await guard.training_requests.take(request_id, guard.caller.subject)
    except DeskError as refused:
        return await _refused(request, guard, request_id, refused)
    return RedirectResponse(f"{PAGE}/{quote(request_id)}?fait=prise", status_code=303)


@router.post(ROUTE + "/{request_id}/inscrire", dependencies=[may(Action.training_request_work)])
async def register(request: Request, request_id: str, form: Form, guard: ConsoleGuard) -> Response:
    session = form.get("session", "").strip()
    try:
        if not session:
            raise InvalidInput("session: required")
        await guard.training_requests.register(request_id, guard.caller.subject, session)
    except DeskError as refused:
        return await _refused(request, guard, request_id, refused)
    return RedirectResponse(f"{PAGE}/{quote(request_id)}?fait=inscrite", status_code=303)


@router.post(ROUTE + "/{request_id}/refuser", dependencies=[may(Action.training_request_work)])
async def refuse(request: Request, request_id: str, form: Form, guard: ConsoleGuard) -> Response:
    try:
        step = parse(
            RefuseTrainingRequest, agent=guard.caller.subject, reason=form.get("reason", "")
        )
        await guard.training_requests.refuse(request_id, step)
    except DeskError as refused:
        return await _refused(request, guard, request_id, refused)
    return RedirectResponse(f"{PAGE}/{quote(request_id)}?fait=refusee", status_code=303)


async def _refused(
    request: Request, guard: GuardedDesks, request_id: str, refused: DeskError
) -> Response:
    """The request's page, the refusal in French beside the forms."""
    return await _request_page(
        request,
        guard,
        request_id,
        refused=in_french(str(refused)),
        status_code=status_of(refused),
    )
