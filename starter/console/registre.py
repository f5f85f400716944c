"""The registre d'autorité in the console: a personne autorisée (or relève) keeps their MO's
(declare, change, end a line, declare, end or cancel an absence, with the relèves' coverage and
the history of changes); the MO's HR, the CA and the auditors read it. The rules that the MO
is never left without anyone to authorise, and each personne autorisée never without a relève,
live in the desk: their refusal shows beside the form, and nothing changes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.registre import (
    AbsenceDeclaration,
    AbsenceEnd,
    ChangeValidity,
    Declaration,
    RegistreChange,
    RegistreLine,
    ReleveCoverage,
)
from models.roles import Action
from models.sagir import Absence, AuthorityKind
from models.service_calendar import MONTREAL
from models.tickets import Contract, ServiceDate
from starter.console.french import MONTHS, in_french
from starter.console.pages import render
from starter.console.session import ConsoleGuard, Form, may
from starter.console.steps import status_of
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, InvalidInput, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

KIND_NAMES = {
    AuthorityKind.personne_autorisee: "Personne autorisée",
    AuthorityKind.releve: "Relève",
}
ACTION_NAMES = {
    "declare": "Déclaration",
    "change": "Modification",
    "end": "Fin",
    "absence": "Absence",
    "absence_end": "Fin d'absence",
    "absence_cancel": "Absence annulée",
}
DONE = {
    "declaree": "La ligne est déclarée au registre.",
    "modifiee": "La ligne est modifiée.",
    "terminee": "La ligne est terminée.",
    "absence": "L'absence est déclarée au registre : sa relève autorise à sa place.",
    "absence-terminee": "L'absence est terminée : la personne autorise de nouveau dès le "
    "lendemain de son dernier jour.",
    "absence-annulee": "L'absence est annulée.",
}
# How the registre's history words a line (`releve 30002 (relève of 30001) valid 2026-01-01
# to open`), to say it in French.
HISTORY_DETAIL = re.compile(
    r"^(?P<kind>\w+) (?P<who>\S+)(?: \(relève of (?P<of>\S+)\))? valid (?P<start>\S+) "
    r"to (?P<end>\S+)$"
)
# How it words an absence (`absence of 30001 from 2026-12-07 to 2026-12-18`), and one ended
# sooner (`... ended on 2026-12-10`) or cancelled (`... cancelled`).
ABSENCE_DETAIL = re.compile(
    r"^absence of (?P<who>\S+) from (?P<start>\S+) to (?P<end>\S+)"
    r"(?: ended on (?P<last>\S+)|(?P<cancelled> cancelled))?$"
)


class EndLine(Contract):
    """The end form: the line is valid up to and including this day (its last day of
    validity, hence the name a refusal gives it)."""

    valid_until: ServiceDate


def day(value: date | None) -> str:
    """`1er janvier 2026`, `14 mars 2026`."""
    if value is None:
        return ""
    first = "1er" if value.day == 1 else str(value.day)
    return f"{first} {MONTHS[value.month - 1]} {value.year}"


def _today() -> date:
    return datetime.now(UTC).astimezone(MONTREAL).date()


@router.get("/registre", dependencies=[may(Action.registre_read)])
async def registre(
    request: Request,
    guard: ConsoleGuard,
    organisme: str | None = None,
    fait: str | None = None,
) -> Response:
    """The MO's registre and its history; the CA and the auditors choose the MO."""
    return _registre_page(request, guard, organisme or guard.caller.mo, done=DONE.get(fait or ""))


def _registre_page(
    request: Request,
    guard: GuardedDesks,
    mo: str | None,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    done: str | None = None,
    absence_error: str | None = None,
    absence_end_error: tuple[int, str] | None = None,
) -> Response:
    lines: list[RegistreLine] = []
    history: list[RegistreChange] = []
    absences: list[Absence] = []
    coverage: list[ReleveCoverage] = []
    if mo:
        try:
            lines = guard.registre.show(mo)
            history = guard.registre.history(mo)
            absences = guard.registre.absences(mo)
            coverage = guard.registre.coverage(mo)
        except InvalidInput as refused:  # an MO code the CA mistyped
            error, status_code = in_french(str(refused)), 422
            mo = None
    today = _today()
    return render(
        request,
        "registre/show.html",
        status_code=status_code,
        mo=mo,
        rows=[_row(line, today) for line in lines],
        coverage=[_coverage(one) for one in coverage],
        absences=[_absence(one, today) for one in reversed(absences)],
        absentable=[
            line
            for line in lines
            if line.kind is AuthorityKind.personne_autorisee
            and (line.valid_until is None or line.valid_until >= today)
        ],
        absence_error=absence_error,
        absence_end_error=absence_end_error,
        today=today.isoformat(),
        history=[_change(change) for change in reversed(history)],
        kinds=KIND_NAMES,
        error=error,
        values=values or {"valid_from": today.isoformat()},
        done=done,
        title=f"Registre d'autorité : {mo}" if mo else "Registre d'autorité",
    )


def _row(line: RegistreLine, today: date) -> dict[str, Any]:
    if line.valid_on(today):
        standing = "En vigueur"
    elif line.valid_from > today:
        standing = "À venir"
    else:
        standing = "Terminée"
    return {
        "line": line,
        "kind": KIND_NAMES[line.kind],
        "from": day(line.valid_from),
        "until": day(line.valid_until) if line.valid_until else "Sans date de fin",
        "standing": standing,
    }


def _coverage(one: ReleveCoverage) -> dict[str, Any]:
    if one.uncovered_from is None:
        standing = "Couverte en tout temps"
    else:
        standing = f"Sans relève à partir du {day(one.uncovered_from)}"
    return {
        "who": one.employee_number,
        "releves": ", ".join(one.releves_today) or "Aucune aujourd'hui",
        "standing": standing,
        "absent": one.absent_today,
    }


def _absence(absence: Absence, today: date) -> dict[str, Any]:
    if absence.covers(today):
        standing = "En cours"
    elif absence.absent_from > today:
        standing = "À venir"
    else:
        standing = "Terminée"
    return {
        "absence": absence,
        "from": day(absence.absent_from),
        "until": day(absence.absent_until),
        "standing": standing,
    }


def _change(change: RegistreChange) -> dict[str, Any]:
    return {
        "at": change.changed_at,
        "action": ACTION_NAMES.get(change.action.value, change.action.value),
        "by": change.changed_by,
        "line": change.line_id,
        "detail": _detail(change.detail),
    }


def _detail(detail: str) -> str:
    absent = ABSENCE_DETAIL.match(detail)
    if absent is not None:
        said = (
            f"Absence de {absent['who']} du {_day_text(absent['start'])} au "
            f"{_day_text(absent['end'])}"
        )
        if absent["last"]:
            return f"{said}, terminée le {_day_text(absent['last'])}"
        return f"{said}, annulée" if absent["cancelled"] else said
    found = HISTORY_DETAIL.match(detail)
    if found is None:
        return detail
    kind = next((name for code, name in KIND_NAMES.items() if code.value == found["kind"]), None)
    of = f" (relève de {found['of']})" if found["of"] else ""
    until = "sans date de fin" if found["end"] == "open" else f"jusqu'au {_day_text(found['end'])}"
    return (
        f"{kind or found['kind']} {found['who']}{of}, valide du {_day_text(found['start'])}, "
        f"{until}"
    )


def _day_text(iso: str) -> str:
    try:
        return day(date.fromisoformat(iso))
    except ValueError:
        return iso


@router.post("/registre/declarer", dependencies=[may(Action.registre_change)])
async def declare(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """Declare a personne autorisée or a relève of the person's own MO."""
    caller = guard.caller
    text = {key: value.strip() for key, value in form.items() if key != "csrf"}
    try:
        declaration = parse(
            Declaration,
            mo=caller.mo or "",
            employee_number=text.get("employee_number", ""),
            kind=text.get("kind", ""),
            releve_of=(text.get("releve_of") or None)
            if text.get("kind") == AuthorityKind.releve.value
            else None,
            releve=(text.get("releve") or None)
            if text.get("kind") != AuthorityKind.releve.value
            else None,
            valid_from=text.get("valid_from", ""),
            valid_until=text.get("valid_until") or None,
        )
        guard.registre.declare(declaration, caller.subject)
    except NotFound:
        raise
    except DeskError as refused:
        return _registre_page(
            request,
            guard,
            caller.mo,
            error=in_french(str(refused)),
            values=text,
            status_code=status_of(refused),
        )
    return RedirectResponse("/console/registre?fait=declaree#registre", status_code=303)


@router.post("/registre/absences", dependencies=[may(Action.registre_change)])
async def declare_absence(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """A personne autorisée of the person's own MO absent for a period: meanwhile their relève
    authorises in their place."""
    caller = guard.caller
    text = {key: value.strip() for key, value in form.items() if key != "csrf"}
    try:
        declaration = parse(
            AbsenceDeclaration,
            line_id=_line_number(text.get("line_id", "")),
            absent_from=text.get("absent_from", ""),
            absent_until=text.get("absent_until", ""),
            by=caller.subject,
        )
        guard.registre.declare_absence(caller.mo or "", declaration)
    except NotFound:
        raise
    except DeskError as refused:
        return _registre_page(
            request,
            guard,
            caller.mo,
            absence_error=in_french(str(refused)),
            values=text,
            status_code=status_of(refused),
        )
    return RedirectResponse("/console/registre?fait=absence#absences", status_code=303)


@router.post("/registre/absences/{absence_id}/terminer", dependencies=[may(Action.registre_change)])
async def end_absence(
    request: Request, absence_id: str, form: Form, guard: ConsoleGuard
) -> Response:
    """End an absence of the person's own MO sooner (its new last day), or cancel one not yet
    begun (`annuler`); a refusal shows beside the absences."""
    caller = guard.caller
    cancel = form.get("annuler") == "oui"
    try:
        if not absence_id.isdigit():
            raise NotFound(f"no absence {absence_id} in the registre")
        end = parse(
            AbsenceEnd,
            absence_id=int(absence_id),
            last_day=None if cancel else (form.get("last_day", "").strip() or None),
            cancel=cancel,
            by=caller.subject,
        )
        guard.registre.end_absence(caller.mo or "", end)
    except NotFound:
        raise
    except DeskError as refused:
        return _registre_page(
            request,
            guard,
            caller.mo,
            absence_end_error=(int(absence_id), in_french(str(refused))),
            status_code=status_of(refused),
        )
    done = "absence-annulee" if cancel else "absence-terminee"
    return RedirectResponse(f"/console/registre?fait={done}#absences", status_code=303)


@router.get("/registre/lignes/{line_id}", dependencies=[may(Action.registre_read)])
async def line_page(
    request: Request, line_id: str, guard: ConsoleGuard, organisme: str | None = None
) -> Response:
    return _line_page(request, guard, organisme or guard.caller.mo, line_id)


def _line_page(
    request: Request,
    guard: GuardedDesks,
    mo: str | None,
    line_id: str,
    refused: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """One line, with the forms to change or end it (for those who keep the registre)."""
    if not mo or not line_id.isdigit():
        raise _no_line(line_id)
    try:
        lines = guard.registre.show(mo)
    except InvalidInput:
        raise NotFound(f"the registre of {mo} does not exist") from None
    found = next((line for line in lines if line.id == int(line_id)), None)
    if found is None:
        raise _no_line(line_id)
    today = _today()
    return render(
        request,
        "registre/line.html",
        status_code=status_code,
        row=_row(found, today),
        line=found,
        mo=mo,
        today=today.isoformat(),
        refused=refused,
        title=f"Registre d'autorité : ligne {found.id}",
    )


@router.post("/registre/lignes/{line_id}/modifier", dependencies=[may(Action.registre_change)])
async def change(request: Request, line_id: str, form: Form, guard: ConsoleGuard) -> Response:
    """New validity dates for a line; a change that would leave the MO without anyone valid
    to authorise is refused by the desk, beside the form."""
    caller = guard.caller
    text = {key: value.strip() for key, value in form.items()}
    try:
        step = parse(
            ChangeValidity,
            line_id=_line_number(line_id),
            valid_from=text.get("valid_from") or None,
            valid_until=text.get("valid_until") or None,
            open_ended=text.get("open_ended") == "oui",
            by=caller.subject,
        )
        guard.registre.change(caller.mo or "", step)
    except NotFound:
        raise
    except DeskError as refused:
        return _line_page(
            request,
            guard,
            caller.mo,
            line_id,
            refused=("modifier", in_french(str(refused))),
            status_code=status_of(refused),
        )
    return RedirectResponse("/console/registre?fait=modifiee#registre", status_code=303)


@router.post("/registre/lignes/{line_id}/terminer", dependencies=[may(Action.registre_change)])
async def end(request: Request, line_id: str, form: Form, guard: ConsoleGuard) -> Response:
    """End a line: valid up to and including the day given."""
    caller = guard.caller
    try:
        last = parse(EndLine, valid_until=form.get("last_day", "").strip())
        guard.registre.end(caller.mo or "", _line_number(line_id), last.valid_until, caller.subject)
    except NotFound:
        raise
    except DeskError as refused:
        return _line_page(
            request,
            guard,
            caller.mo,
            line_id,
            refused=("terminer", in_french(str(refused))),
            status_code=status_of(refused),
        )
    return RedirectResponse("/console/registre?fait=terminee#registre", status_code=303)


def _no_line(line_id: str) -> NotFound:
    """No such line in the person's registre: the 404 page says the page does not exist."""
    return NotFound(f"no line {line_id} in the registre")


def _line_number(line_id: str) -> int:
    if not line_id.isdigit():
        raise _no_line(line_id)
    return int(line_id)
