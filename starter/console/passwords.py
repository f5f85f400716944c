"""Password help in the console: a CA agent checks the caller's identity (employee number, birth
day and month, typed into masked fields) and resets their password through the guarded password
desk. The temporary password goes to the user's work email only: no page, answer or log holds
it, and the birth day and month are never written back into a page, even a refused one."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from models.departures import BirthDayMonth
from models.passwords import PasswordResetRequest, PasswordStatus
from models.roles import Action
from starter.console.french import in_french
from starter.console.pages import render
from starter.console.session import ConsoleGuard, Form, may
from starter.console.steps import status_of
from starter.desks.compose import GuardedDesks
from starter.desks.errors import DeskError, InvalidInput, NotFound, parse

router = APIRouter(prefix="/console", include_in_schema=False)

ROUTE = "/mots-de-passe"  # under the router's /console
PAGE = "/console" + ROUTE
STATUS_NAMES = {
    PasswordStatus.checking: "Vérification de l'identité en cours",
    PasswordStatus.reset: "Mot de passe réinitialisé",
    PasswordStatus.refused: "Refusée",
    PasswordStatus.failed: "En échec",
}
STEP_NAMES = {
    "received": "Demande d'aide reçue",
    "identity_checked": "Identité vérifiée",
    "reset": "Mot de passe réinitialisé",
    "refused": "Refusée",
    "reset_failed": "Échec de la réinitialisation",
}
SENT = (
    "Le mot de passe temporaire est envoyé au courriel professionnel de l'utilisateur "
    "seulement; il n'est jamais affiché ici."
)
# The fields a refused form may show again: never the birth day and month.
KEPT_FIELDS = ("mo", "employee_number")


@router.get(ROUTE, dependencies=[may(Action.password_read)])
async def password_help(
    request: Request,
    guard: ConsoleGuard,
    reinitialisation: str | None = None,
    suite: str | None = None,
) -> Response:
    """The reset form, the resets (newest last, a page at a time), and a reset by its id."""
    if reinitialisation:
        return RedirectResponse(f"{PAGE}/{quote(reinitialisation.strip())}", status_code=303)
    return await _help_page(request, guard, values={}, cursor=suite)


async def _help_page(
    request: Request,
    guard: GuardedDesks,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
    cursor: str | None = None,
) -> Response:
    resets = await guard.passwords.list(limit=50, cursor=cursor or None)
    return render(
        request,
        "passwords/help.html",
        status_code=status_code,
        values=values,
        error=error,
        resets=resets,
        title="Aide aux mots de passe",
    )


@router.post(ROUTE, dependencies=[may(Action.password_reset)])
async def reset(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """Check the identity, then reset; a refusal is one sentence that repeats nothing of the
    birth data."""
    request.state.action = Action.password_reset
    kept = {name: form.get(name, "").strip() for name in KEPT_FIELDS}
    try:
        birth = parse(
            BirthDayMonth,
            birth_day=form.get("birth_day", "").strip(),
            birth_month=form.get("birth_month", "").strip(),
        )
        done = await guard.passwords.reset(
            parse(PasswordResetRequest, **kept, birth=birth, agent=guard.caller.subject)
        )
    except DeskError as refused:
        return await _help_page(
            request, guard, kept, error=in_french(str(refused)), status_code=status_of(refused)
        )
    request.state.record = done.id  # the audit trail names the reset
    return RedirectResponse(f"{PAGE}/{quote(done.id)}?fait=reinitialise", status_code=303)


@router.get(ROUTE + "/{reset_id}", dependencies=[may(Action.password_read)])
async def show(
    request: Request, reset_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    try:
        state = await guard.passwords.show(reset_id)
    except InvalidInput:
        raise NotFound(f"{reset_id} does not exist") from None  # a malformed id: no page
    story = [
        {
            "at": step.at,
            "name": STEP_NAMES.get(step.kind, step.kind),
            "actor": "Système" if step.actor == "system" else step.actor,
            "note": SENT if step.kind == "reset" else in_french(step.note) if step.note else None,
        }
        for step in state.steps
    ]
    return render(
        request,
        "passwords/show.html",
        state=state,
        status_name=STATUS_NAMES.get(state.status, state.status.value),
        reason=in_french(state.reason) if state.reason else None,
        story=story,
        done=fait == "reinitialise",
        sent=SENT,
        title=f"Réinitialisation {state.id}",
    )
