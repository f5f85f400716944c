"""Parameterisation and access requests in the console: a personne autorisée (or relève) submits
them for their MO and follows them, the MO's HR reads them, the CA works them (take, ask,
complete, quality check by another agent) and the MO answers the CA's questions. Every step goes
through the guarded parameterisation desk, as the API's and the command line's do."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from models.parameterisation import (
    TEMPLATE_KINDS,
    ApprovalPowers,
    AskClient,
    ClientAnswer,
    CompleteParam,
    ParamKind,
    ParamRequest,
    ParamState,
    ParamStatus,
    PowerScope,
    QualityCheck,
    ResponsibilityTemplate,
)
from models.requests import Page, Process
from models.roles import Action
from models.sagir import Module, Responsibility
from starter.console.french import in_french
from starter.console.pages import deadline, render
from starter.console.registre import day
from starter.console.session import ConsoleGuard, Form, desks_of, may
from starter.console.steps import status_of
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, InvalidInput, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

# Each kind as the MO names it, and what it is for (the choice page's list).
KIND_NAMES = {
    ParamKind.access: "Demande d'accès",
    ParamKind.create_responsibility: "Création d'une responsabilité",
    ParamKind.modify_responsibility: "Modification d'une responsabilité",
    ParamKind.grant_powers: "Attribution de pouvoirs d'approbation",
    ParamKind.change_powers: "Modification de pouvoirs d'approbation",
    ParamKind.withdraw_powers: "Retrait de pouvoirs d'approbation",
    ParamKind.change_cloisonnement: "Changement de cloisonnement",
}
KIND_HINTS = {
    ParamKind.access: "Attribuer ou retirer des responsabilités à un utilisateur.",
    ParamKind.create_responsibility: (
        "Une nouvelle responsabilité propre à l'organisme; le Centre d'assistance en remplit "
        "le gabarit."
    ),
    ParamKind.modify_responsibility: "Changer une responsabilité existante de l'organisme.",
    ParamKind.grant_powers: (
        "Un plafond de dépenses sur un centre de coûts ou une unité budgétaire."
    ),
    ParamKind.change_powers: "Changer le plafond ou la période de pouvoirs déjà attribués.",
    ParamKind.withdraw_powers: (
        "Retirer les pouvoirs d'un utilisateur sur un centre de coûts ou une unité budgétaire."
    ),
    ParamKind.change_cloisonnement: "Placer un utilisateur dans un autre groupe de cloisonnement.",
}
SCOPE_NAMES = {
    PowerScope.centre_de_couts: "Centre de coûts",
    PowerScope.unite_budgetaire: "Unité budgétaire",
}
PARAM_STATUS_NAMES = {
    ParamStatus.received: "Reçue, à prendre en charge",
    ParamStatus.in_progress: "En traitement",
    ParamStatus.waiting_client: "En attente de l'organisme",
    ParamStatus.to_check: "Au contrôle de qualité",
    ParamStatus.applied: "Appliquée dans SAGIR",
    ParamStatus.refused: "Refusée",
    ParamStatus.failed: "En échec",
    ParamStatus.closed_no_answer: "Fermée sans réponse",
}
PARAM_STEP_NAMES = {
    "received": "Demande reçue",
    "authorised": "Autorisation vérifiée au registre d'autorité",
    "warned": "Avertissement : échéance proche",
    "breached": "Délai de prise en charge dépassé",
    "take": "Prise en charge",
    "ask": "Question à l'organisme",
    "answer": "Réponse de l'organisme",
    "reminder": "Rappel à l'organisme",
    "complete": "Demande complétée",
    "quality_approved": "Contrôle de qualité : approuvée",
    "quality_returned": "Contrôle de qualité : retournée à l'agent",
    "applied": "Appliquée dans SAGIR",
    "apply_failed": "SAGIR a refusé le changement",
    "refused": "Refusée",
    "closed_no_answer": "Fermée sans réponse de l'organisme",
}
# Notes a person wrote (a question, an answer, a quality note) stay as written; the
# system's own notes are English sentences, said in French.
PEOPLE_NOTES = frozenset({"ask", "answer", "quality_approved", "quality_returned", "applied"})
MODULE_NAMES = {
    Module.RF: "Ressources financières (RF)",
    Module.RM: "Ressources matérielles (RM)",
    Module.RH: "Ressources humaines (RH)",
    Module.EI: "Environnement informationnel (EI)",
    Module.LS: "Libre-service (LS)",
}
LIST_NAMES = {
    Process.parameterisation: "Demandes de paramétrage",
    Process.access: "Demandes d'accès",
}

GRANT = "grant:"  # one checkbox a responsibility: `grant:RF-CONSULTATION`

# Each step's address: the desk's step, the role's action (for the audit trail), what it says.
STEPS: dict[str, tuple[str, Action, str]] = {
    "prendre": ("take", Action.param_work, "Vous avez pris la demande en charge."),
    "question": ("ask", Action.param_work, "La question est envoyée à l'organisme."),
    "reponse": ("answer", Action.param_answer, "Votre réponse est transmise au Centre."),
    "completer": ("complete", Action.param_work, "La demande attend son contrôle de qualité."),
    "controle": ("check", Action.param_work, "Le contrôle de qualité est noté."),
}


@router.get("/parametrage", dependencies=[may(Action.param_read)])
async def every_request(
    request: Request,
    guard: ConsoleGuard,
    genre: str | None = None,
    organisme: str | None = None,
    suite: str | None = None,
) -> Response:
    """Both lists (parameterisation, access), or one of them a page further on."""
    kinds = [Process(genre)] if genre in ("param", "acces") else list(LIST_NAMES)
    lists: list[tuple[Process, Page]] = []
    try:
        for kind in kinds:
            found = await guard.parameterisation.list(
                kind, organisme or None, limit=100, cursor=suite if genre else None
            )
            lists.append((kind, found))
    except InvalidInput as refused:
        return render(
            request,
            "parameterisation/list.html",
            status_code=422,
            lists=[],
            error=in_french(str(refused)),
            **_list_context(guard, genre, organisme),
        )
    return render(
        request,
        "parameterisation/list.html",
        lists=lists,
        **_list_context(guard, genre, organisme),
    )


def _list_context(guard: GuardedDesks, genre: str | None, organisme: str | None) -> dict[str, Any]:
    caller = guard.caller
    return {
        "genre": genre or "",
        "organisme": organisme or "",
        "list_names": LIST_NAMES,
        "status_names": PARAM_STATUS_NAMES,
        "title": (f"Paramétrage et accès : {caller.mo}" if caller.mo else "Paramétrage et accès"),
    }


@router.get("/parametrage/nouvelle", dependencies=[may(Action.param_submit)])
async def new_request(
    request: Request,
    guard: ConsoleGuard,
    chosen: Annotated[str | None, Query(alias="type")] = None,
) -> Response:
    """First the kind of request, then the fields that kind needs."""
    kind = ParamKind(chosen) if chosen is not None and chosen in ParamKind.__members__ else None
    return _new_page(request, guard, kind, values={})


def _grantable(request: Request, guard: GuardedDesks) -> list[Responsibility]:
    """The responsibilities an access request may grant: the MO's positioning and what its
    registre d'autorité allows."""
    choices = guard.registre.responsibilities(guard.caller.mo or "")
    return sorted(choices.defaults + choices.allowed, key=lambda found: found.code)


def _new_page(
    request: Request,
    guard: GuardedDesks,
    kind: ParamKind | None,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    title = f"Nouvelle demande : {KIND_NAMES[kind].lower()}" if kind else "Nouvelle demande"
    return render(
        request,
        "parameterisation/new.html",
        status_code=status_code,
        kind=kind,
        kinds=KIND_NAMES,
        hints=KIND_HINTS,
        scopes=SCOPE_NAMES,
        values=values,
        error=error,
        needs_beneficiary=kind is not None and kind not in TEMPLATE_KINDS,
        needs_powers=kind in (ParamKind.grant_powers, ParamKind.change_powers),
        grantable=_grantable(request, guard) if kind is ParamKind.access else [],
        grant_prefix=GRANT,
        title=title,
    )


@router.post("/parametrage/nouvelle", dependencies=[may(Action.param_submit)])
async def submit(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """The request for the person's own MO, authorised and sent under their own employee
    number (the desk refuses anything else, and anything the registre does not allow)."""
    kind_given = form.get("kind", "")
    kind = ParamKind(kind_given) if kind_given in ParamKind.__members__ else None
    values = {key: value for key, value in form.items() if key != "csrf"}
    try:
        submitted = await guard.parameterisation.submit(_param_request(guard, kind_given, form))
    except DeskError as refused:
        return _new_page(
            request,
            guard,
            kind,
            values,
            error=in_french(str(refused)),
            status_code=status_of(refused),
        )
    return RedirectResponse(
        f"/console/parametrage/{quote(submitted.id)}?fait=soumise", status_code=303
    )


def _param_request(guard: GuardedDesks, kind: str, form: dict[str, str]) -> ParamRequest:
    caller = guard.caller
    text = {key: value.strip() for key, value in form.items()}
    powers = None
    if kind in (ParamKind.grant_powers.value, ParamKind.change_powers.value):
        powers = parse(
            ApprovalPowers,
            scope=text.get("scope", ""),
            scope_code=text.get("scope_code", ""),
            amount_limit=_amount(text.get("amount_limit", "")),
            valid_from=text.get("valid_from") or None,
            valid_until=text.get("valid_until") or None,
        )
    fields: dict[str, Any] = {
        name: text.get(name) or None
        for name in ("beneficiary", "responsibility", "withdraw_scope", "partition_group")
    }
    return parse(
        ParamRequest,
        mo=caller.mo or "",
        kind=kind,
        description=text.get("description", ""),
        powers=powers,
        grant=[key.removeprefix(GRANT) for key in text if key.startswith(GRANT)],
        remove=_codes(text.get("remove", "")),
        authorised_by=caller.subject,
        requested_by=caller.subject,
        mo_email=text.get("mo_email", ""),
        **fields,
    )


def _amount(given: str) -> str:
    """`50 000,00 $` as a person writes it, `50000.00` as the contract reads it."""
    return re.sub(r"[\s\u00a0\u202f$]", "", given).replace(",", ".")


def _codes(given: str) -> list[str]:
    """Responsibility codes, one a line or separated by commas."""
    return [code for code in re.split(r"[\s,;]+", given) if code]


def money(amount: Decimal) -> str:
    """`50 000,00 $`, as Québec writes an amount."""
    return f"{amount:,.2f} $".replace(",", "\u00a0").replace(".", ",")


@router.get("/parametrage/{request_id}", dependencies=[may(Action.param_read)])
async def show(
    request: Request, request_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    done = STEPS[fait][2] if fait in STEPS else None
    if fait == "soumise":
        done = "Votre demande est reçue; le Centre d'assistance la prendra en charge."
    return await _request_page(request, guard, request_id, done=done)


async def _request_page(
    request: Request,
    guard: GuardedDesks,
    request_id: str,
    refused: tuple[str, str] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    try:
        state = await guard.parameterisation.show(request_id)
    except InvalidInput:
        raise NotFound(f"{request_id} does not exist") from None  # a malformed id: no page
    standing = (
        deadline(desks_of(request).parameterisation.calendar, state.received_at, state.due)
        if state.status is ParamStatus.received
        else None
    )
    return render(
        request,
        "parameterisation/show.html",
        status_code=status_code,
        state=state,
        ask=state.request,
        standing=standing,
        question=_open_question(state),
        forms=_forms(guard, state),
        refused=refused,
        done=done,
        story=_story(state),
        kinds=KIND_NAMES,
        scopes=SCOPE_NAMES,
        modules=MODULE_NAMES,
        status_names=PARAM_STATUS_NAMES,
        reason=in_french(state.reason) if state.reason else None,
        day=day,
        money=money,
        title=f"Demande {state.id}",
    )


def _open_question(state: ParamState) -> str | None:
    """The CA's last question while the request waits for the MO's answer."""
    if state.status is not ParamStatus.waiting_client:
        return None
    asked = [step.note for step in state.steps if step.kind == "ask" and step.note]
    return asked[-1] if asked else None


def _forms(guard: GuardedDesks, state: ParamState) -> list[str]:
    """The steps the request's state allows to this person: one form each (the desk may still
    say no, and the refusal shows in place)."""
    caller = guard.caller
    works = caller.may(Action.param_work)
    status = state.status
    forms: list[str] = []
    if works and status is ParamStatus.received:
        forms.append("prendre")
    if works and status is ParamStatus.in_progress:
        forms += ["completer", "question"]
    if works and status is ParamStatus.to_check:
        forms.append("controle")
    if caller.may(Action.param_answer) and status is ParamStatus.waiting_client:
        forms.append("reponse")
    return forms


def _story(state: ParamState) -> list[dict[str, Any]]:
    lines = []
    for step in state.steps:
        note = step.note
        if note and step.kind == "authorised" and note.startswith("by "):
            note = f"par {note.removeprefix('by ')}"
        elif note and step.kind == "reminder" and note.startswith("open day "):
            note = f"{note.removeprefix('open day ')}e jour ouvrable sans réponse"
        elif note and step.kind not in PEOPLE_NOTES:
            note = in_french(note)
        lines.append(
            {
                "at": step.at,
                "name": PARAM_STEP_NAMES.get(step.kind, step.kind),
                "actor": "Système" if step.actor == "system" else step.actor,
                "note": note,
            }
        )
    return lines


@router.post("/parametrage/{request_id}/{step}")
async def act(
    request: Request, request_id: str, step: str, form: Form, guard: ConsoleGuard
) -> Response:
    """One step from its form: done, back to the request's page; refused, the page again with
    the refusal beside the form."""
    if step not in STEPS:
        raise NotFound(f"{step} does not exist")
    name, action, _ = STEPS[step]
    request.state.action = action
    desk = guard.parameterisation
    who = guard.caller.subject
    text = {key: value.strip() for key, value in form.items()}
    try:
        if name == "take":
            await desk.take(request_id, who)
        elif name == "ask":
            await desk.ask(request_id, parse(AskClient, agent=who, question=text.get("question")))
        elif name == "answer":
            await desk.answer(request_id, parse(ClientAnswer, by=who, answer=text.get("answer")))
        elif name == "complete":
            await desk.complete(
                request_id, parse(CompleteParam, agent=who, template=_template(text))
            )
        else:
            check = parse(
                QualityCheck,
                agent=who,
                approved=text.get("approved") == "oui",
                note=text.get("note") or None,
            )
            await desk.check(request_id, check)
    except DeskError as refused:
        # A step on a finished request is NotFound too: its page says so beside the form
        # (and answers 404 itself when the request is not one this person may see).
        return await _request_page(
            request,
            guard,
            request_id,
            refused=(step, in_french(str(refused))),
            status_code=status_of(refused),
        )
    return RedirectResponse(
        f"/console/parametrage/{quote(request_id)}?fait={step}#etat", status_code=303
    )


def _template(text: dict[str, str]) -> ResponsibilityTemplate | None:
    """The responsibility template when the agent filled it (the desk says whether this kind
    needs one)."""
    given = {
        name: text[name] for name in ("code", "name", "module", "data_scope") if text.get(name)
    }
    transactions = _codes(text.get("transactions", ""))
    if not given and not transactions:
        return None
    return parse(ResponsibilityTemplate, **given, transactions=transactions)
