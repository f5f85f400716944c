"""Arrivals in the console: the MO's HR starts one from a form (responsibilities from the MO's
registre, who authorised from its personnes autorisées) and follows its MO's; the CA lists them
across MOs and takes them in charge. Every step goes through the guarded arrival desk, as the
API's and the command line's do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.arrivals import FINAL_ARRIVAL_STATUSES, ArrivalRequest, ArrivalState, ArrivalStatus
from models.registre import RegistreLine
from models.roles import Action, Caller
from models.sagir import Responsibility
from models.service_calendar import MONTREAL
from models.ticket_lifecycle import SYSTEM
from starter.console.french import in_french, long_date
from starter.console.pages import deadline, render
from starter.console.session import ConsoleGuard, Form, desks_of, may
from starter.console.steps import step_then
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, Forbidden, InvalidInput, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

STATUS = {
    ArrivalStatus.waiting_for_dossier: "En attente du dossier personne",
    ArrivalStatus.received: "À prendre en charge",
    ArrivalStatus.preparing: "Accès en préparation",
    ArrivalStatus.prepared: "Accès prêts (actifs à la date d'entrée)",
    ArrivalStatus.active: "Accès actifs",
    ArrivalStatus.refused: "Refusée",
    ArrivalStatus.failed: "En échec",
}

STEPS = {
    "received": "Demande reçue",
    "take": "Prise en charge",
    "reminder": "Rappel aux RH : dossier personne manquant",
    "dossier_found": "Dossier personne trouvé",
    "refused": "Demande refusée",
    "grant_failed": "Échec d'une attribution (les précédentes sont retirées)",
    "prepared": "Accès préparés dans SAGIR",
    "activated": "Accès activés",
    "activation_failed": "Échec de l'activation",
    "warned": "Avertissement : échéance proche",
    "breached": "Délai de prise en charge dépassé",
}

GRANTS = {
    "account": "Compte",
    "responsibility": "Responsabilité",
    "partition": "Cloisonnement",
    "parameter": "Paramètre",
    "training": "Formation",
}

DONE = {
    "recue": "La demande d'arrivée est reçue. Le Centre d'assistance la prendra en charge.",
    "prendre": "Vous avez pris la demande d'arrivée en charge.",
    "dossier": "Le dossier personne sera cherché de nouveau dès maintenant.",
}

RESPONSIBILITY = "responsabilite-"  # a checkbox per responsibility: the form keeps one value a name
COURSE = "formation-"
NEW = "Nouvelle arrivée"


@dataclass(frozen=True)
class Choices:
    """What the form offers: the MO's default responsibilities (always granted), the ones its
    registre allows, who may authorise today, and the SGA's courses."""

    defaults: list[Responsibility]
    allowed: list[Responsibility]
    authorisers: list[RegistreLine]
    courses: list[str]


async def _choices(request: Request, guard: GuardedDesks) -> Choices:
    caller = guard.caller
    mo = caller.mo or ""
    lines = guard.registre.show(mo)
    choices = guard.registre.responsibilities(mo)
    today = desks_of(request).arrivals.clock().astimezone(MONTREAL).date()
    sessions = await guard.training.sessions()
    return Choices(
        defaults=choices.defaults,
        allowed=choices.allowed,
        authorisers=[line for line in lines if line.valid_on(today)],
        courses=sorted({view.session.course for view in sessions}),
    )


def _parameters(text: str) -> dict[str, str]:
    """`nom=valeur`, one a line, as the command line's `--param` (the form keeps the text, so
    the sentence need not quote the line)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise InvalidInput("parameters: Input should be 'nom=valeur'")
        found[name.strip()] = value.strip()
    return found


def _request(caller: Caller, form: dict[str, str]) -> ArrivalRequest:
    def optional(name: str) -> str | None:
        return form.get(name, "").strip() or None

    return parse(
        ArrivalRequest,
        mo=caller.mo or "",
        employee_number=form.get("employee_number", "").strip(),
        start_date=form.get("start_date", "").strip(),
        responsibilities=[
            key.removeprefix(RESPONSIBILITY) for key in form if key.startswith(RESPONSIBILITY)
        ],
        partition_group=optional("partition_group"),
        parameters=_parameters(form.get("parameters", "")),
        training=[key.removeprefix(COURSE) for key in form if key.startswith(COURSE)],
        authorised_by=form.get("authorised_by", "").strip(),
        requested_by=caller.subject,
        manager_email=optional("manager_email"),
        hr_email=optional("hr_email"),
    )


@router.get("/arrivees", dependencies=[may(Action.arrival_read)])
async def every_arrival(
    request: Request,
    guard: ConsoleGuard,
    organisme: str | None = None,
    suite: str | None = None,
) -> Response:
    """The arrivals the person sees: their MO's for HR, every MO's for the CA."""
    error = None
    try:
        found = await guard.arrivals.list(organisme or None, limit=100, cursor=suite or None)
        items, total, next_cursor = found.items, found.total, found.next_cursor
    except InvalidInput as refused:
        items, total, next_cursor, error = [], 0, None, in_french(str(refused))
    return render(
        request,
        "arrivals/list.html",
        status_code=422 if error else 200,
        items=items,
        total=total,
        next_cursor=next_cursor,
        organisme=organisme or "",
        error=error,
        statuses={status.value: name for status, name in STATUS.items()},
        title="Arrivées",
    )


@router.get("/arrivees/nouvelle", dependencies=[may(Action.arrival_start)])
async def new_arrival(request: Request, guard: ConsoleGuard) -> Response:
    return render(
        request,
        "arrivals/new.html",
        choices=await _choices(request, guard),
        values={},
        title=NEW,
    )


@router.post("/arrivees/nouvelle", dependencies=[may(Action.arrival_start)])
async def start_arrival(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """Start the arrival; a refusal shows above the form, which keeps what was typed."""
    request.state.action = Action.arrival_start
    try:
        started = await guard.arrivals.start(_request(guard.caller, form))
    except (NotFound, Forbidden):
        raise
    except DeskError as refused:
        return render(
            request,
            "arrivals/new.html",
            status_code=422 if isinstance(refused, InvalidInput) else 409,
            choices=await _choices(request, guard),
            values=form,
            error=in_french(str(refused)),
            title=NEW,
        )
    return RedirectResponse(f"/console/arrivees/{quote(started.id)}?fait=recue", status_code=303)


async def _arrival_page(
    request: Request,
    guard: GuardedDesks,
    arrival_id: str,
    refused: tuple[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    state = await guard.arrivals.show(arrival_id)
    now = datetime.now(UTC)
    waiting = state.taken_by is None and state.status not in FINAL_ARRIVAL_STATUSES
    standing = (
        deadline(desks_of(request).arrivals.calendar, state.received_at, state.due, now)
        if waiting
        else None
    )
    return render(
        request,
        "arrivals/show.html",
        status_code=status_code,
        arrival=state,
        status_name=STATUS.get(state.status, state.status.value),
        standing=standing,
        forms=_forms(guard.caller, state),
        refused=refused,
        done=done,
        story=[_told(step.kind, step.actor, step.note) for step in state.steps],
        reason=in_french(state.reason) if state.reason else None,
        grants=GRANTS,
        start_day=long_date(state.start_date),
        title=f"Arrivée {state.id}",
    )


def _told(kind: str, actor: str, note: str | None) -> dict[str, Any]:
    """A step as the page tells it: its French name, and its note in French where the workflow
    wrote one (a reason, a reminder's open day)."""
    if note is None:
        text = None
    elif kind == "reminder" and note.startswith("open day "):
        text = f"Jour ouvré {note.removeprefix('open day ')}"
    else:
        text = in_french(note)
    who = "Système" if actor == SYSTEM else actor
    return {"name": STEPS.get(kind, kind), "actor": who, "note": text}


def _forms(caller: Caller, state: ArrivalState) -> list[str]:
    """The steps the arrival's state allows to this person: one form each (the desk may still
    refuse, and the refusal shows in place)."""
    forms: list[str] = []
    if (
        caller.may(Action.arrival_take)
        and state.taken_by is None
        and state.status not in FINAL_ARRIVAL_STATUSES
    ):
        forms.append("prendre")
    if (
        caller.may(Action.arrival_dossier_ready)
        and state.status is ArrivalStatus.waiting_for_dossier
    ):
        forms.append("dossier")
    return forms


@router.get("/arrivees/{arrival_id}", dependencies=[may(Action.arrival_read)])
async def show_arrival(
    request: Request, arrival_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    return await _arrival_page(request, guard, arrival_id, done=DONE.get(fait or ""))


async def _step(
    request: Request,
    guard: GuardedDesks,
    arrival_id: str,
    step: str,
    action: Callable[[], Awaitable[object]],
) -> Response:
    """One step from its form (see steps.py)."""

    async def again(refused: tuple[str, str], status: int) -> Response:
        return await _arrival_page(request, guard, arrival_id, refused=refused, status_code=status)

    done = f"/console/arrivees/{quote(arrival_id)}?fait={step}#etat"
    return await step_then(step, action, done, again)


@router.post("/arrivees/{arrival_id}/prendre", dependencies=[may(Action.arrival_take)])
async def take_arrival(
    request: Request, arrival_id: str, _form: Form, guard: ConsoleGuard
) -> Response:
    return await _step(
        request,
        guard,
        arrival_id,
        "prendre",
        lambda: guard.arrivals.take(arrival_id, guard.caller.subject),
    )


@router.post("/arrivees/{arrival_id}/dossier", dependencies=[may(Action.arrival_dossier_ready)])
async def dossier_ready(
    request: Request, arrival_id: str, _form: Form, guard: ConsoleGuard
) -> Response:
    return await _step(
        request, guard, arrival_id, "dossier", lambda: guard.arrivals.dossier_ready(arrival_id)
    )
