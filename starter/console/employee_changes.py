"""Employee-data changes in the console (issue 16 item 5): the MO's HR informs the CA of a change
(a new position or unit, manager, name, or a move to another MO); the CA lists them, takes one in
charge, reads the review of the accesses, adjusts and proposes it, and another agent checks it.
Every step goes through the guarded employee-change desk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.departures import BirthDayMonth
from models.employee_changes import (
    ChangeStatus,
    CheckChange,
    EmployeeChangeRequest,
    EmployeeChangeState,
    MoveToMo,
    Proposal,
    ProposeChange,
)
from models.roles import Action, Caller
from models.ticket_lifecycle import SYSTEM
from starter.console.french import change_writes, in_french, long_date
from starter.console.pages import deadline, render
from starter.console.session import ConsoleGuard, Form, desks_of, may
from starter.console.steps import step_then
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, Forbidden, InvalidInput, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

STATUS = {
    ChangeStatus.received: "À prendre en charge",
    ChangeStatus.in_review: "Revue des accès",
    ChangeStatus.to_check: "À contrôler",
    ChangeStatus.approved: "Approuvée, appliquée à la date d'effet",
    ChangeStatus.applied: "Appliquée",
    ChangeStatus.failed: "En échec (défaite)",
    ChangeStatus.handed_over: "Transmise au départ et à l'arrivée",
}
CHANGES = {
    "position": "poste",
    "unit": "unité",
    "manager": "gestionnaire",
    "name": "nom",
    "partition_group": "groupe de cloisonnement",
    "move": "changement de MO",
}
STEPS = {
    "received": "Modification reçue",
    "take": "Prise en charge",
    "reviewed": "Revue des accès faite",
    "propose": "Proposition soumise au contrôle",
    "quality_approved": "Contrôle de qualité : approuvée",
    "quality_returned": "Contrôle de qualité : retournée",
    "applied": "Appliquée dans SAGIR",
    "apply_failed": "Refusée par SAGIR (ce qui était fait est défait)",
    "linked": "Départ et arrivée liés",
    "warned": "Avertissement : échéance proche",
    "breached": "Délai de prise en charge dépassé",
}
# The quality check's two buttons: approve, or return the proposal to its agent.
DECISIONS = {"approuver": True, "retourner": False}
# Steps whose note is a person's own words: shown as typed, never translated.
PEOPLE_NOTES = frozenset({"propose", "quality_approved", "quality_returned"})
DONE = {
    "avis": "Le Centre d'assistance est informé de la modification.",
    "prendre": "Vous avez pris la modification en charge.",
    "proposer": "La proposition est soumise au contrôle de qualité d'un autre agent.",
    "controler": "Le contrôle de qualité est enregistré.",
}
NEW = "Informer le CA d'une modification"
MASKED = ("birth_day", "birth_month")  # personal data: never sent back to a page


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").split() if code]


# The form's fields that belong to a move to another MO (and mean nothing without one).
MOVE_FIELDS = (
    "to_employee",
    "to_authorised_by",
    "to_hr_email",
    "to_manager_email",
    "to_responsibilities",
    "to_partition_group",
    "birth_day",
    "birth_month",
)


def _request(caller: Caller, form: dict[str, str]) -> EmployeeChangeRequest:
    def given(name: str) -> str | None:
        return form.get(name, "").strip() or None

    move = None
    for_a_move = [name for name in MOVE_FIELDS if given(name) is not None]
    if given("to_mo") is None and for_a_move:
        raise InvalidInput(f"to_mo: {', '.join(for_a_move)} go with a move; name the new MO")
    if given("to_mo") is not None:
        move = parse(
            MoveToMo,
            to_mo=given("to_mo"),
            employee_number=given("to_employee") or form.get("employee_number", "").strip(),
            birth=parse(
                BirthDayMonth,
                birth_day=form.get("birth_day", "").strip(),
                birth_month=form.get("birth_month", "").strip(),
            ),
            authorised_by=given("to_authorised_by"),
            hr_email=given("to_hr_email"),
            manager_email=given("to_manager_email"),
            responsibilities=_codes(form.get("to_responsibilities", "")),
            partition_group=given("to_partition_group"),
        )
    return parse(
        EmployeeChangeRequest,
        mo=caller.mo or "",
        employee_number=form.get("employee_number", "").strip(),
        effective_date=form.get("effective_date", "").strip(),
        new_position=given("new_position"),
        new_unit=given("new_unit"),
        new_manager=given("new_manager"),
        name_changed=form.get("name_changed") == "oui",
        new_partition_group=given("new_partition_group"),
        move=move,
        reported_by=caller.subject,
        hr_email=form.get("hr_email", "").strip(),
    )


@router.get("/modifications", dependencies=[may(Action.employee_change_read)])
async def every_change(
    request: Request, guard: ConsoleGuard, organisme: str | None = None, suite: str | None = None
) -> Response:
    """The changes the person sees (their MO's for HR, every MO's for the CA and auditors)."""
    error = None
    try:
        found = await guard.employee_changes.list(
            organisme or None, limit=100, cursor=suite or None
        )
        items, total, next_cursor = found.items, found.total, found.next_cursor
    except InvalidInput as refused:
        items, total, next_cursor, error = [], 0, None, in_french(str(refused))
    return render(
        request,
        "employee_changes/list.html",
        status_code=422 if error else 200,
        items=items,
        total=total,
        next_cursor=next_cursor,
        organisme=organisme or "",
        error=error,
        statuses={status.value: name for status, name in STATUS.items()},
        title="Modifications aux données des employés",
    )


def _new_page(
    request: Request, values: dict[str, str], error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "employee_changes/new.html",
        status_code=status_code,
        values={key: value for key, value in values.items() if key not in MASKED},
        error=error,
        title=NEW,
    )


@router.get("/modifications/nouvelle", dependencies=[may(Action.employee_change_report)])
async def new_change(request: Request, employe: str | None = None) -> Response:
    return _new_page(request, {"employee_number": employe or ""})


@router.post("/modifications/nouvelle", dependencies=[may(Action.employee_change_report)])
async def report_change(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """Report the change; a refusal shows above the form, which keeps what was typed but the
    birth day and month."""
    request.state.action = Action.employee_change_report
    try:
        reported = await guard.employee_changes.report(_request(guard.caller, form))
    except (NotFound, Forbidden):
        raise
    except DeskError as refused:
        return _new_page(
            request,
            form,
            error=in_french(str(refused)),
            status_code=422 if isinstance(refused, InvalidInput) else 409,
        )
    return RedirectResponse(
        f"/console/modifications/{quote(reported.id)}?fait=avis", status_code=303
    )


async def _change_page(
    request: Request,
    guard: GuardedDesks,
    change_id: str,
    refused: tuple[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    state = await guard.employee_changes.show(change_id)
    desk = desks_of(request).employee_changes
    waiting = state.taken_by is None and state.status is ChangeStatus.received
    standing = (
        deadline(desk.calendar, state.received_at, state.due, desk.clock()) if waiting else None
    )
    return render(
        request,
        "employee_changes/show.html",
        status_code=status_code,
        change=state,
        status_name=STATUS.get(state.status, state.status.value),
        changes=", ".join(CHANGES.get(name, name) for name in state.changes),
        standing=standing,
        forms=_forms(guard.caller, state),
        refused=refused,
        done=done,
        story=[_told(step.kind, step.actor, step.note) for step in state.steps],
        reason=in_french(state.reason) if state.reason else None,
        effective=long_date(state.effective_date),
        title=f"Modification {state.id}",
    )


def _told(kind: str, actor: str, note: str | None) -> dict[str, Any]:
    if kind == "received" and note:
        text: str | None = ", ".join(CHANGES.get(name, name) for name in note.split(", "))
    elif kind in ("linked", "applied") and note:
        text = change_writes(note)  # ids and codes, each with its action in words
    elif kind in PEOPLE_NOTES:
        text = note  # an agent's own words, as they typed them
    else:
        text = in_french(note) if note else None
    who = "Système" if actor == SYSTEM else actor
    return {"name": STEPS.get(kind, kind), "actor": who, "note": text}


def _forms(caller: Caller, state: EmployeeChangeState) -> list[str]:
    """The steps the change's state allows to this person: one form each."""
    if not caller.may(Action.employee_change_work):
        return []
    if state.status is ChangeStatus.received:
        return ["prendre"]
    if state.status is ChangeStatus.in_review and state.review is not None:
        return ["proposer"]
    if state.status is ChangeStatus.to_check:
        return ["controler"]
    return []


@router.get("/modifications/{change_id}", dependencies=[may(Action.employee_change_read)])
async def show_change(
    request: Request, change_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    return await _change_page(request, guard, change_id, done=DONE.get(fait or ""))


async def _step(
    request: Request,
    guard: GuardedDesks,
    change_id: str,
    step: str,
    action: Callable[[], Awaitable[object]],
) -> Response:
    async def again(refused: tuple[str, str], status: int) -> Response:
        return await _change_page(request, guard, change_id, refused=refused, status_code=status)

    done = f"/console/modifications/{quote(change_id)}?fait={step}#etat"
    return await step_then(step, action, done, again)


@router.post("/modifications/{change_id}/prendre", dependencies=[may(Action.employee_change_work)])
async def take_change(
    request: Request, change_id: str, _form: Form, guard: ConsoleGuard
) -> Response:
    return await _step(
        request,
        guard,
        change_id,
        "prendre",
        lambda: guard.employee_changes.take(change_id, guard.caller.subject),
    )


@router.post("/modifications/{change_id}/proposer", dependencies=[may(Action.employee_change_work)])
async def propose_change(
    request: Request, change_id: str, form: Form, guard: ConsoleGuard
) -> Response:
    """The review's proposal as the agent adjusted it: the codes to grant and to remove, the
    group to set or the cloisonnement to clear."""

    async def propose() -> object:
        proposal = parse(
            Proposal,
            grant=_codes(form.get("grant", "")),
            remove=_codes(form.get("remove", "")),
            partition_group=form.get("partition_group", "").strip() or None,
            clear_partition=form.get("clear_partition") == "oui",
        )
        step = parse(
            ProposeChange,
            agent=guard.caller.subject,
            proposal=proposal,
            note=form.get("note", "").strip() or None,
        )
        return await guard.employee_changes.propose(change_id, step)

    return await _step(request, guard, change_id, "proposer", propose)


@router.post(
    "/modifications/{change_id}/controler", dependencies=[may(Action.employee_change_work)]
)
async def check_change(
    request: Request, change_id: str, form: Form, guard: ConsoleGuard
) -> Response:
    """Approve the proposal (applied from the effective date) or return it to its agent."""

    async def check() -> object:
        decision = form.get("decision")
        if decision not in DECISIONS:
            raise InvalidInput("decision: choose approuver or retourner")
        step = parse(
            CheckChange,
            agent=guard.caller.subject,
            approved=DECISIONS[decision],
            note=form.get("note", "").strip() or None,
        )
        return await guard.employee_changes.check(change_id, step)

    return await _step(request, guard, change_id, "controler", check)
