"""Communiqués in the console (issue 14): the list each person may see, a communiqué's page (its
content as submitted, its targets, where its sending stands, the proof that every delivery
carried it unchanged, its history, and the steps the person may take: the CA checks and
releases, the CA or the author's side cancels before the release), the authors' form, and the
questions with their answers. Every step goes through the guarded communiqué desk, as the API's
and the command line's do."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from models.communiques import (
    BEFORE_RELEASE,
    QUESTION_PERIOD,
    Answer,
    Communique,
    CommuniqueStatus,
    Group,
    GroupKind,
    Question,
    QuestionStatus,
    QuestionVia,
    Side,
    Submission,
)
from models.roles import Action, Caller, Role
from models.ticket_lifecycle import SYSTEM
from starter.console.french import in_french, is_translated
from starter.console.pages import render, when
from starter.console.session import ConsoleGuard, Form, desks_of, may
from starter.console.steps import status_of, step_then
from starter.console.tickets import MODULE_NAMES, montreal_clock
from starter.desks.compose import GuardedDesks
from starter.desks.errors import (
    DeskError,
    InvalidInput,
    NotFound,
    Unavailable,
    one_sentence,
    parse,
)

router = APIRouter(prefix="/console", include_in_schema=False)

PAGE = "/console/communiques"
STATUS_NAMES = {
    CommuniqueStatus.submitted: "Soumis",
    CommuniqueStatus.checked: "Vérifié",
    CommuniqueStatus.refused: "Refusé",
    CommuniqueStatus.scheduled: "Planifié",
    CommuniqueStatus.sending: "En envoi",
    CommuniqueStatus.sent: "Envoyé",
    CommuniqueStatus.closed: "Fermé",
    CommuniqueStatus.cancelled: "Annulé",
}
STEP_NAMES = {
    "submitted": "Soumis",
    "check": "Vérifié",
    "refused": "Refusé à la vérification",
    "release": "Diffusé",
    "cancel": "Annulé",
    "sending": "Envoi commencé",
    "resolved": "Destinataires déterminés et consignés",
    "queued": "Courriels placés dans la file d'envoi",
    "sent": "Envoi terminé",
    "closed": "Période de questions terminée",
}
LANGUAGE_NAMES = {"fr": "Français", "en": "Anglais"}
VIA_NAMES = {QuestionVia.mail: "Réponse par courriel", QuestionVia.outil: "Outil Requête"}
QUESTION_STATUS_NAMES = {QuestionStatus.open: "Ouverte", QuestionStatus.answered: "Répondue"}
# The groups offered as boxes to tick, in the grammar of `Group.parse`.
SIMPLE_GROUPS = {
    "all": "Tous les utilisateurs",
    "managers": "Gestionnaires (titulaires de pouvoirs d'approbation)",
    "self-service": "Utilisateurs du libre-service (LSCD, LSA, LSH)",
}
MODULE_GROUPS = {f"module:{module.value}": name for module, name in MODULE_NAMES.items()}
# Each step's address on the communiqué's page: what it says once done.
STEPS = {
    "verifier": "La vérification est enregistrée.",
    "diffuser": "Le communiqué est diffusé.",
    "annuler": "Le communiqué est annulé ; rien n'a été envoyé.",
}
DONE = {
    **STEPS,
    "soumis": "Le communiqué est soumis ; un agent du Centre d'assistance le vérifiera.",
    "question": "Votre question est transmise à l'auteur du communiqué.",
}
NOT_RECALLED = "Un communiqué diffusé ne peut pas être rappelé ; soumettez une correction."
AFTER_RELEASE = frozenset(
    {CommuniqueStatus.sending, CommuniqueStatus.sent, CommuniqueStatus.closed}
)
# A check's problems, each one sentence beginning with the field it names, joined by a space.
_PROBLEM = re.compile(r" (?=(?:groups|mos): )")


def group_name(group: Group) -> str:
    """A target group as a person reads it."""
    value = group.value or ""
    if group.kind is GroupKind.responsibility:
        return f"Titulaires de la responsabilité {value}"
    if group.kind is GroupKind.module:
        return f"Titulaires d'une responsabilité du module {value}"
    if group.kind is GroupKind.list:
        return f"Liste « {value} » de l'organisme"
    return SIMPLE_GROUPS[group.kind.value]


def size(count: int) -> str:
    """`812 octets`, `12,4 Ko`, `3,1 Mo`, as Québec writes a number."""
    if count < 1024:
        return f"{count} octet{'s' if count > 1 else ''}"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} Ko".replace(".", ",")
    return f"{count / 1024 / 1024:.1f} Mo".replace(".", ",")


def side_name(communique: Communique) -> str:
    return "DGGIR" if communique.side is Side.dggir else f"Organisme {communique.mo}"


def targets_name(communique: Communique) -> str:
    """The MOs whose users it targets."""
    if communique.mos:
        return ", ".join(communique.mos)
    return "Tous les organismes" if communique.side is Side.dggir else str(communique.mo)


def refusal_in_french(text: str | None) -> list[str]:
    """A check's refusal in French: its problems, one sentence each."""
    if not text:
        return []
    if is_translated(text):
        return [in_french(text)]
    return [in_french(problem) for problem in _PROBLEM.split(text)]


def _on_the_authors_side(caller: Caller, communique: Communique) -> bool:
    """Whether the caller writes for the side that wrote it (which shows the author's links:
    the desk decides what the person may do)."""
    if caller.role is Role.dggir_author:
        return communique.side is Side.dggir
    return caller.role is Role.mo_author and communique.mo == caller.mo


def _steps(caller: Caller, communique: Communique) -> list[str]:
    """The steps its status allows to this person, one form each (the desk may still refuse,
    and the refusal shows in place)."""
    the_ca = caller.may(Action.communique_release)
    steps = []
    if the_ca and communique.status is CommuniqueStatus.submitted:
        steps.append("verifier")
    if the_ca and communique.status is CommuniqueStatus.checked:
        steps.append("diffuser")
    if communique.status in BEFORE_RELEASE and (the_ca or _on_the_authors_side(caller, communique)):
        steps.append("annuler")
    return steps


async def _shown(guard: GuardedDesks, communique_id: str) -> Communique:
    """The communiqué if the person may see it; a malformed id is a page that does not exist."""
    try:
        return await guard.communiques.show(communique_id)
    except InvalidInput:
        raise NotFound(f"{communique_id} does not exist") from None


# --- the list ---------------------------------------------------------------------------------


@router.get("/communiques", dependencies=[may(Action.communique_read)])
async def communiques(request: Request, guard: ConsoleGuard, statut: str | None = None) -> Response:
    """The communiqués the person may see, newest first."""
    status = CommuniqueStatus(statut) if statut in set(CommuniqueStatus) else None
    found = await guard.communiques.list(status=status)
    return render(
        request,
        "communiques/list.html",
        rows=[
            {"communique": one, "side": side_name(one), "status": STATUS_NAMES[one.status]}
            for one in found
        ],
        statuses=STATUS_NAMES,
        statut=statut or "",
        title="Communiqués",
    )


# --- the authors' form -----------------------------------------------------------------------


@router.get("/communiques/nouveau", dependencies=[may(Action.communique_submit)])
async def new_communique(
    request: Request, guard: ConsoleGuard, corrige: str | None = None
) -> Response:
    return await _form_page(
        request, guard, {"language": "fr", "corrects": corrige or ""}, groups=[], mos=[]
    )


async def _form_page(
    request: Request,
    guard: GuardedDesks,
    values: dict[str, str],
    groups: list[str],
    mos: list[str],
    error: str | None = None,
    files_again: bool = False,
    status_code: int = 200,
) -> Response:
    caller = guard.caller
    desk = desks_of(request).communiques
    ours = [
        one
        for one in await guard.communiques.list()
        if _on_the_authors_side(caller, one)
        and one.status not in (CommuniqueStatus.refused, CommuniqueStatus.cancelled)
    ]
    for_the_dggir = caller.role is Role.dggir_author
    return render(
        request,
        "communiques/new.html",
        status_code=status_code,
        values=values,
        chosen_groups=set(groups),
        chosen_mos=set(mos),
        simple_groups=SIMPLE_GROUPS,
        module_groups=MODULE_GROUPS,
        languages=LANGUAGE_NAMES,
        for_the_dggir=for_the_dggir,
        mos=desk.directory.mos() if for_the_dggir else [],
        lists={} if for_the_dggir else await guard.communiques.lists(),
        correctable=ours,
        error=error,
        files_again=files_again,
        title="Rédiger un communiqué",
    )


@router.post("/communiques/nouveau", dependencies=[may(Action.communique_submit)])
async def submit(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """The author's communiqué to the desk: its content digested and kept, never edited."""
    caller = guard.caller
    sent = await request.form()
    groups = [str(value) for value in sent.getlist("groupes")]
    mos = [str(value) for value in sent.getlist("organismes")]
    values = {
        name: form.get(name, "")
        for name in ("title", "body", "language", "responsibilities", "release_at", "corrects")
    }
    files = await _files(sent)
    dggir = caller.role is Role.dggir_author
    try:
        submission = parse(
            Submission,
            side=Side.dggir if dggir else Side.mo,
            mo=None if dggir else caller.mo,
            author=caller.subject,
            title=values["title"],
            body=values["body"],
            language=values["language"] or "fr",
            mos=mos if dggir else [],
            groups=_groups(groups, values["responsibilities"]),
            release_at=montreal_clock(values["release_at"]),
            corrects=values["corrects"].strip() or None,
            files=files,
        )
        communique = await guard.communiques.submit(submission)
    except DeskError as refused:
        return await _form_page(
            request,
            guard,
            values,
            groups,
            mos,
            error=in_french(str(refused)),
            files_again=bool(files),
            status_code=status_of(refused),
        )
    return RedirectResponse(f"{PAGE}/{quote(communique.id)}?fait=soumis", status_code=303)


def _groups(ticked: list[str], responsibilities: str) -> list[Group]:
    """The ticked groups, then a group per responsibility code written (commas or spaces
    between them); a group that is not one is one sentence."""
    written = [f"responsibility:{code.upper()}" for code in re.split(r"[\s,;]+", responsibilities)]
    found = []
    for text in [*ticked, *(one for one in written if one != "responsibility:")]:
        try:
            found.append(Group.parse(text))
        except ValidationError as refused:
            raise InvalidInput(one_sentence(refused.errors())) from None
        except ValueError as refused:
            raise InvalidInput(str(refused)) from None
    return found


async def _files(form: FormData) -> list[dict[str, Any]]:
    """The attachments of the form (its "pieces" field), read whole: the contract bounds them."""
    found = []
    for part in form.getlist("pieces"):
        if isinstance(part, UploadFile) and part.filename:
            found.append(
                {
                    "name": part.filename,
                    "content_type": part.content_type or "application/octet-stream",
                    "data": await part.read(),
                }
            )
    return found


# --- a communiqué's page ---------------------------------------------------------------------


@router.get("/communiques/{communique_id}", dependencies=[may(Action.communique_read)])
async def show(
    request: Request, communique_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    return await _communique_page(request, guard, communique_id, done=DONE.get(fait or ""))


async def _communique_page(
    request: Request,
    guard: GuardedDesks,
    communique_id: str,
    refused: tuple[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    caller = guard.caller
    communique = await _shown(guard, communique_id)
    # Its history is the workflow's own word; the person may see it (shown above).
    try:
        steps = (await desks_of(request).communiques.state(communique.id)).steps
    except (Unavailable, NotFound):
        # No worker answering, or a closed communiqué past the engine's retention: the page
        # shows the desk's records all the same, and says its history is not at hand.
        steps = None
    report = (
        await guard.communiques.verify(communique.id)
        if communique.status in AFTER_RELEASE
        else None
    )
    ours = _on_the_authors_side(caller, communique)
    return render(
        request,
        "communiques/show.html",
        status_code=status_code,
        communique=communique,
        status_name=STATUS_NAMES[communique.status],
        side=side_name(communique),
        targets=targets_name(communique),
        groups=[group_name(group) for group in communique.groups],
        language=LANGUAGE_NAMES.get(communique.language.value, communique.language.value),
        files=[{"ref": file, "size": size(file.size)} for file in communique.files],
        refusal=refusal_in_french(communique.refusal),
        report=report,
        story=[
            {
                "at": step.at,
                "name": STEP_NAMES.get(step.kind, step.kind),
                "actor": "Système" if step.actor == SYSTEM else step.actor,
                "note": _note(step.kind, step.note),
            }
            for step in steps or []
        ],
        story_missing=steps is None,
        steps=_steps(caller, communique),
        after_release=communique.status in AFTER_RELEASE,
        not_recalled=NOT_RECALLED,
        may_correct=ours and communique.status in AFTER_RELEASE,
        may_ask=(
            caller.may(Action.ticket_open)
            and not caller.spans_mos
            and communique.status in QUESTION_PERIOD
        ),
        questions_shown=caller.may(Action.communique_questions)
        and not (caller.role is Role.mo_author and communique.side is Side.dggir),
        refused=refused,
        done=done,
        title=f"Communiqué {communique.tag[1:-1]}",
    )


def _note(kind: str, note: str | None) -> str | None:
    """A step's note in French: the release's time in Montréal's clock, a refusal's words."""
    if not note:
        return None
    if kind == "release" and note.startswith("envoi le "):
        return f"Envoi le {_instant(note.removeprefix('envoi le '))}"
    if kind == "refused":
        return " ; ".join(refusal_in_french(note))
    return note


def _instant(text: str) -> str:
    try:
        return when(datetime.fromisoformat(text))
    except ValueError:
        return text


@router.post("/communiques/{communique_id}/{step}")
async def act(
    request: Request, communique_id: str, step: str, form: Form, guard: ConsoleGuard
) -> Response:
    """One step from its form: done, back to the communiqué's page; refused, the page again
    with the refusal beside the form."""
    del form  # checked for its CSRF token; the steps take no field
    if step not in STEPS:
        raise NotFound(f"{step} does not exist")
    caller = guard.caller
    desk = guard.communiques
    request.state.action = (
        Action.communique_release
        if step != "annuler" or caller.may(Action.communique_release)
        else Action.communique_submit
    )

    async def take_the_step() -> object:
        if step == "verifier":
            return await desk.check(communique_id, caller.subject)
        if step == "diffuser":
            return await desk.release(communique_id, caller.subject)
        return await desk.cancel(communique_id, caller.subject)

    async def again(refused: tuple[str, str], status: int) -> Response:
        return await _communique_page(
            request, guard, communique_id, refused=refused, status_code=status
        )

    done = f"{PAGE}/{quote(communique_id)}?fait={step}#etat"
    return await step_then(step, take_the_step, done, again)


@router.get(
    "/communiques/{communique_id}/pieces/{digest}", dependencies=[may(Action.communique_read)]
)
async def attachment(
    request: Request, communique_id: str, digest: str, guard: ConsoleGuard
) -> Response:
    """An attachment's bytes, as they were submitted (and delivered)."""
    communique = await _shown(guard, communique_id)
    found = next((file for file in communique.files if file.digest == digest), None)
    data = None if found is None else desks_of(request).communiques.files.read(digest)
    if found is None or data is None:
        raise NotFound(f"{communique_id} has no attachment {digest}")
    return Response(
        data,
        media_type=found.content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.name)}"},
    )


# --- the questions ---------------------------------------------------------------------------


@router.get(
    "/communiques/{communique_id}/questions", dependencies=[may(Action.communique_questions)]
)
async def questions(
    request: Request, communique_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    done = (
        "La réponse est envoyée à la personne qui a posé la question."
        if fait == "repondu"
        else None
    )
    return await _questions_page(request, guard, communique_id, done=done)


async def _questions_page(
    request: Request,
    guard: GuardedDesks,
    communique_id: str,
    refused: tuple[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    caller = guard.caller
    communique = await _shown(guard, communique_id)
    found = await guard.communiques.questions(communique.id)
    answered = sum(1 for one in found if one.status is QuestionStatus.answered)
    return render(
        request,
        "communiques/questions.html",
        status_code=status_code,
        communique=communique,
        rows=[_question(one) for one in found],
        counts={"asked": len(found), "answered": answered, "open": len(found) - answered},
        answers=caller.may(Action.communique_answer) and communique.side is Side.mo,
        open_ids={one.id for one in found if one.status is QuestionStatus.open},
        tickets_shown=caller.may(Action.ticket_read),
        refused=refused,
        done=done,
        title=f"Questions sur le communiqué {communique.tag[1:-1]}",
    )


def _question(question: Question) -> dict[str, Any]:
    return {
        "question": question,
        "via": VIA_NAMES.get(question.via, question.via.value),
        "status": QUESTION_STATUS_NAMES.get(question.status, question.status.value),
        "asker": "Par courriel" if question.asked_by == "courriel" else question.asked_by,
    }


@router.post(
    "/communiques/{communique_id}/questions/{question_id}/repondre",
    dependencies=[may(Action.communique_answer)],
)
async def answer(
    request: Request, communique_id: str, question_id: str, form: Form, guard: ConsoleGuard
) -> Response:
    """An MO author's answer, mailed to the person who asked."""

    async def take_the_step() -> object:
        text = form.get("answer", "")
        return await guard.communiques.answer(
            question_id, parse(Answer, text=text, by=guard.caller.subject)
        )

    async def again(refused: tuple[str, str], status: int) -> Response:
        return await _questions_page(
            request, guard, communique_id, refused=refused, status_code=status
        )

    done = f"{PAGE}/{quote(communique_id)}/questions?fait=repondu"
    return await step_then(question_id, take_the_step, done, again)
