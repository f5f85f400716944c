"""Tickets in the console: the agents' live queue, "my tickets", every list a person may read,
the ticket's page (its story, messages and files, one form per step its state allows), and the
MO users' Outil Requête. Every step goes through the guarded ticket desk, as the API's do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from models.communiques import QUESTION_PERIOD, Ask, Communique
from models.inbound import ParsedAttachment
from models.requests import Listed
from models.roles import Action, Role
from models.sagir import Module
from models.service_calendar import MONTREAL
from models.sla import Channel
from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    CloseTicket,
    ForwardTarget,
    ProposeSolution,
    RecordAnswer,
    ReopenTicket,
    ReturnToClient,
    TakeTicket,
    TicketRequest,
    TicketState,
    TicketStatus,
)
from models.tickets import ForwardTicket as Forward
from starter.console.french import in_french
from starter.console.pages import deadline, render
from starter.console.session import ConsoleGuard, Form, desks_of, may
from starter.console.steps import status_of, step_then
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

MODULE_NAMES = {
    Module.RF: "Ressources financières (RF)",
    Module.RM: "Ressources matérielles (RM)",
    Module.RH: "Ressources humaines (RH)",
    Module.EI: "Entrepôt d'information (EI)",
    Module.LS: "Libre-service : LSCD, LSA, LSH (LS)",
}

# Each step's address in the console: the desk's step, its contract, who acts, what it says done.
STEPS: dict[str, tuple[str, type[BaseModel], str, str]] = {
    "prendre": ("take", TakeTicket, "agent", "Vous avez pris le billet en charge."),
    "acheminer": ("forward", Forward, "agent", "Le billet est acheminé."),
    "question": ("ask_client", AskClient, "agent", "La question est envoyée au client."),
    "proposer": ("propose", ProposeSolution, "agent", "La solution attend son contrôle."),
    "controle": ("check_quality", CheckQuality, "agent", "Le contrôle de qualité est noté."),
    "transmettre": (
        "return_to_client",
        ReturnToClient,
        "agent",
        "La solution est transmise au client.",
    ),
    "fermer": ("close", CloseTicket, "agent", "Le billet est fermé."),
    "retour": ("bring_back", BringBack, "by", "Le billet est revenu au Centre d'assistance."),
    "reponse": ("record_answer", RecordAnswer, "by", "La réponse est transmise à l'agent."),
    "rouvrir": ("reopen", ReopenTicket, "by", "Le billet est rouvert."),
}


def _row(desks: Any, item: Listed, now: datetime) -> dict[str, Any]:
    standing = (
        deadline(desks.tickets.calendar, item.started_at or now, item.due, now)
        if item.due is not None and item.status == TicketStatus.received.value
        else None
    )
    return {"item": item, "deadline": standing}


async def _queue_rows(request: Request, guard: GuardedDesks) -> list[dict[str, Any]]:
    found = await guard.tickets.queue(limit=100)
    now = datetime.now(UTC)
    return [_row(desks_of(request), item, now) for item in found.items]


@router.get("/file", dependencies=[may(Action.queue_read)])
async def queue(request: Request, guard: ConsoleGuard) -> Response:
    """The queue, urgent first then the earliest deadline; its rows refresh by themselves."""
    rows = await _queue_rows(request, guard)
    return render(request, "tickets/queue.html", rows=rows, title="File d'attente")


@router.get("/file/lignes", dependencies=[may(Action.queue_read)])
async def queue_rows(request: Request, guard: ConsoleGuard) -> Response:
    rows = await _queue_rows(request, guard)
    return render(request, "tickets/_queue_rows.html", rows=rows)


@router.get("/mes-billets", dependencies=[may(Action.ticket_work)])
async def mine(request: Request, guard: ConsoleGuard) -> Response:
    found = await guard.tickets.list(mine=True, limit=200)
    items = sorted(found.items, key=lambda item: item.status == TicketStatus.closed.value)
    return render(request, "tickets/list.html", items=items, total=found.total, title="Mes billets")


@router.get("/billets", dependencies=[may(Action.ticket_read)])
async def every_ticket(
    request: Request,
    guard: ConsoleGuard,
    statut: str | None = None,
    organisme: str | None = None,
    suite: str | None = None,
    fait: str | None = None,
) -> Response:
    status = TicketStatus(statut) if statut and statut in TicketStatus.__members__ else None
    found = await guard.tickets.list(
        mo=organisme or None, status=status, limit=100, cursor=suite or None
    )
    titles = {
        Role.mo_user: "Mes demandes",
        Role.dggir_pilot: "Billets acheminés",
    }
    return render(
        request,
        "tickets/list.html",
        items=found.items,
        total=found.total,
        next_cursor=found.next_cursor,
        statut=statut or "",
        organisme=organisme or "",
        filters=True,
        done=STEPS[fait][3] if fait in STEPS else None,
        title=titles.get(guard.caller.role, "Tous les billets"),
    )


async def _new_request_page(
    request: Request,
    guard: GuardedDesks,
    values: dict[str, str],
    error: str | None = None,
    question: dict[str, str] | None = None,
    question_error: str | None = None,
    status_code: int | None = None,
) -> Response:
    desks = desks_of(request)
    limit = desks.intake.policy.attachments.max_bytes
    caller = guard.caller
    for_the_ca = caller.spans_mos
    return render(
        request,
        "tickets/new.html",
        status_code=status_code or (422 if error else 200),
        modules=MODULE_NAMES,
        values=values,
        error=error,
        max_size=f"{limit / 1_000_000:g} Mo".replace(".", ","),
        for_the_ca=for_the_ca,
        mos=desks.tickets.directory.mos() if for_the_ca else [],
        communiques=[] if for_the_ca else await _askable(guard),
        question=question or {},
        question_error=question_error,
        title="Nouveau billet" if for_the_ca else "Outil Requête : nouvelle demande",
    )


async def _askable(guard: GuardedDesks) -> list[Communique]:
    """The communiqués an MO user may ask about: sent to their MO, in their question period."""
    caller = guard.caller
    if not caller.may(Action.communique_ask):
        return []
    return [
        one
        for one in await guard.communiques.list()
        if one.status in QUESTION_PERIOD and one.addressed_to(caller.mo or "")
    ]


@router.get("/outil-requete", dependencies=[may(Action.ticket_open)])
@router.get("/billets/nouveau", dependencies=[may(Action.ticket_open)])
async def new_request(
    request: Request, guard: ConsoleGuard, communique: str | None = None
) -> Response:
    """The request form; for an MO user, also a question about a communiqué they received
    (`communique`: the one chosen from its page)."""
    return await _new_request_page(
        request, guard, {"channel": "phone"}, question={"communique_id": communique or ""}
    )


@router.post("/outil-requete", dependencies=[may(Action.ticket_open)])
@router.post("/billets/nouveau", dependencies=[may(Action.ticket_open)])
async def open_request(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """A request from the Outil Requête (an MO user: channel web, received now, their own MO),
    or one the CA takes by phone, fax or voicemail for a caller (the desk refuses anything an
    MO user may not set)."""
    caller = guard.caller
    request.state.action = Action.ticket_open
    fields: dict[str, Any] = {
        "mo": caller.mo,
        "channel": Channel.web,
        "requester": caller.subject,
    }
    if caller.spans_mos:  # the CA, for whoever called
        fields = {
            "mo": form.get("mo", ""),
            "channel": form.get("channel", ""),
            "requester": form.get("requester", "").strip(),
            "urgent": form.get("urgent") == "oui",
            "received_at": montreal_clock(form.get("received_at", "")),
        }
    try:
        files = await _files(request)
        guard.intake.check_files(files)  # a refused file: nothing is opened
        opened = await guard.tickets.open(
            parse(
                TicketRequest,
                **fields,
                subject=form.get("subject", "").strip(),
                module=form.get("module", ""),
                description=form.get("description", "").strip(),
                # Where the notices go (kept sealed, never in the history); none: no mail.
                contact_email=form.get("contact_email", "").strip() or None,
            )
        )
    except DeskError as refused:
        return await _new_request_page(request, guard, form, in_french(str(refused)))
    # The ticket is open: its files (already checked) are kept and listed on it. Outside the
    # refusals above, so a person is never invited to send the same request twice.
    await guard.intake.attach(opened.id, files)
    return RedirectResponse(f"/console/billets/{opened.id}?fait=ouvert", status_code=303)


@router.post("/outil-requete/question", dependencies=[may(Action.communique_ask)])
async def ask_about_a_communique(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """A question about a communiqué the MO user received: the DGGIR's opens a CA ticket (the
    24-hour rule), whose page the person then follows; an MO's goes to that MO's authors."""
    caller = guard.caller
    values = {name: form.get(name, "").strip() for name in ("communique_id", "text", "email")}
    try:
        asked = await guard.communiques.ask(
            parse(
                Ask,
                communique_id=values["communique_id"],
                text=values["text"],
                asked_by=caller.subject,
                mo=caller.mo,
                contact_email=values["email"] or None,
            )
        )
    except DeskError as refused:
        return await _new_request_page(
            request,
            guard,
            {},
            question=values,
            question_error=in_french(str(refused)),
            status_code=status_of(refused),
        )
    if asked.ticket_id is not None:
        return RedirectResponse(
            f"/console/billets/{quote(asked.ticket_id)}?fait=question-communique",
            status_code=303,
        )
    return RedirectResponse(
        f"/console/communiques/{quote(asked.communique_id)}?fait=question", status_code=303
    )


async def _ticket_page(
    request: Request,
    guard: GuardedDesks,
    ticket_id: str,
    state: TicketState | None = None,
    refused: tuple[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    state = state or await guard.tickets.show(ticket_id)
    attachments = await guard.intake.attachments(ticket_id)
    now = datetime.now(UTC)
    standing = (
        deadline(desks_of(request).tickets.calendar, state.received_at, state.due, now)
        if state.status is TicketStatus.received
        else None
    )
    reopen_open = state.reopen_until is not None and now < state.reopen_until
    return render(
        request,
        "tickets/show.html",
        status_code=status_code,
        ticket=state,
        attachments=attachments,
        standing=standing,
        forms=_forms(guard, state, reopen_open),
        refused=refused,
        done=done,
        targets={
            ForwardTarget.dggir_pilot: "Pilote de la DGGIR",
            ForwardTarget.intervenant: "Autre intervenant",
        },
        module_name=MODULE_NAMES.get(state.module, state.module),  # type: ignore[call-overload]
        title=f"Billet {state.id}",
    )


def _forms(guard: GuardedDesks, state: TicketState, reopen_open: bool) -> list[str]:
    """The steps the ticket's state allows to this person: one form each (the rules may still
    say no, and the refusal shows in place)."""
    caller = guard.caller
    works = caller.may(Action.ticket_work)
    status = state.status
    forms: list[str] = []
    if works and status is TicketStatus.received:
        forms.append("prendre")
    if works and status is TicketStatus.in_charge:
        forms += ["question", "proposer", "acheminer"]
    if status is TicketStatus.forwarded and caller.may(Action.ticket_back):
        forms.append("retour")
    if status is TicketStatus.waiting_client and caller.may(Action.ticket_answer):
        forms.append("reponse")
    if works and status is TicketStatus.awaiting_qa:
        forms.append("transmettre" if state.quality_check is not None else "controle")
    if works and status is TicketStatus.returned:
        forms.append("fermer")
    if (
        reopen_open
        and caller.may(Action.ticket_reopen)
        and status
        in (
            TicketStatus.returned,
            TicketStatus.closed,
        )
    ):
        forms.append("rouvrir")
    return forms


@router.get("/billets/{ticket_id}", dependencies=[may(Action.ticket_read)])
async def show(
    request: Request, ticket_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    done = STEPS[fait][3] if fait in STEPS else None
    if fait == "ouvert":
        done = "Votre demande est reçue."
    if fait == "question-communique":
        done = "Votre question sur le communiqué est reçue ; le Centre d'assistance y répondra."
    return await _ticket_page(request, guard, ticket_id, done=done)


@router.post("/billets/{ticket_id}/{step}")
async def act(
    request: Request, ticket_id: str, step: str, form: Form, guard: ConsoleGuard
) -> Response:
    """One step from its form: done, back to the ticket's page; refused, the page again with
    the refusal beside the form."""
    if step not in STEPS:
        raise NotFound(f"{step} does not exist")
    name, contract, actor, _ = STEPS[step]
    fields: dict[str, Any] = {
        key: value.strip() for key, value in form.items() if key in contract.model_fields
    }
    if "approved" in fields:
        fields["approved"] = fields["approved"] == "oui"
    if fields.get("note") == "" and not contract.model_fields["note"].is_required():
        fields["note"] = None
    request.state.action = {
        "bring_back": Action.ticket_back,
        "record_answer": Action.ticket_answer,
        "reopen": Action.ticket_reopen,
    }.get(name, Action.ticket_work)

    async def take_the_step() -> object:
        contract_step = parse(contract, **fields, **{actor: guard.caller.subject})
        return await guard.tickets.act(name, ticket_id, contract_step)

    async def again(refused: tuple[str, str], status: int) -> Response:
        return await _ticket_page(request, guard, ticket_id, refused=refused, status_code=status)

    done = f"/console/billets/{quote(ticket_id)}?fait={step}#etat"
    if guard.caller.role is Role.dggir_pilot:  # back at the CA, the ticket is no longer theirs
        done = f"/console/billets?fait={step}"
    return await step_then(step, take_the_step, done, again)


@router.get("/billets/{ticket_id}/pieces/{digest}", dependencies=[may(Action.ticket_read)])
async def attachment(ticket_id: str, digest: str, guard: ConsoleGuard) -> Response:
    found, data = await guard.intake.attachment(ticket_id, digest)
    name = quote(found.file_name)
    return Response(
        data,
        media_type=found.content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


def montreal_clock(text: str) -> datetime | str | None:
    """A `datetime-local` field (Montréal's time, as the person reads the clock); empty: None
    (a receipt time: now; a communiqué's release time: at its release). Anything else is left
    for the contract to refuse in one sentence."""
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)
    except ValueError:
        return text


async def _files(request: Request) -> list[ParsedAttachment]:
    """The files of a multipart form (its "pieces" field), read whole: the intake's rules
    bound their size."""
    form = await request.form()
    found = []
    for part in form.getlist("pieces"):
        if isinstance(part, UploadFile) and part.filename:
            found.append(
                ParsedAttachment(
                    file_name=part.filename,
                    content_type=part.content_type or "application/octet-stream",
                    data=await part.read(),
                )
            )
    return found
