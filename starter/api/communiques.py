"""Communiqués over HTTP: their authors submit (attachments in base64), the CA checks and
releases, everyone reads their side's, `verify` proves every delivery unchanged, and questions
are asked and answered. A submitted communiqué is never edited: `PUT` and `PATCH` answer 409
(submit a correction that points to it, `corrects`)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, StringConstraints, ValidationError, computed_field
from starlette.convertors import StringConvertor, register_url_convertor

from models.communiques import (
    COMMUNIQUE_ID,
    FILE_BYTES_LIMIT,
    FILES_LIMIT,
    LIST_NAME_PATTERN,
    Answer,
    Ask,
    Body,
    Communique,
    CommuniqueStatus,
    ContentType,
    FileName,
    Group,
    NewFile,
    Question,
    Side,
    Submission,
    Title,
    VerifyReport,
)
from models.roles import Action
from models.sagir import EmployeeNumber
from models.tickets import EmailAddress, Instant, Language, MoCode
from starter.api.deps import GuardDep, GuardedRoute, allow
from starter.api.params import Mo
from starter.desks.communiques import LIST_LIMIT
from starter.desks.errors import InvalidInput, one_sentence, parse


class _CommuniqueSegment(StringConvertor):
    """A communiqué's id where it ends a path: any segment but `lists`, so that a method
    `/communiques/lists` does not serve is a 405, not a malformed id (the id's own pattern
    still answers a 422 naming it)."""

    regex = r"(?!lists$)[^/]+"


register_url_convertor("communique", _CommuniqueSegment())
router = APIRouter(tags=["communiqués"], route_class=GuardedRoute)

CommuniqueId = Annotated[
    str, Path(pattern=COMMUNIQUE_ID.pattern, examples=["communique-2026-000012"])
]
QuestionId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ListName = Annotated[str, Path(pattern=LIST_NAME_PATTERN, examples=["paie-2027"])]
# base64 of FILE_BYTES_LIMIT bytes, with room for line breaks.
BASE64_LIMIT = FILE_BYTES_LIMIT * 4 // 3 + 1024 * 1024


class FileBody(BaseModel):
    """An attachment as a request carries it: its bytes in base64."""

    name: FileName
    content_type: ContentType = "application/octet-stream"
    content_base64: Annotated[str, StringConstraints(max_length=BASE64_LIMIT)] = Field(repr=False)


class CommuniqueBody(BaseModel):
    """A communiqué as its author submits it. `side` and `mo` default to the caller's (a DGGIR
    author writes the DGGIR's; an MO's author, its MO's); the author is the caller. `groups`:
    `all`, `responsibility:CODE`, `module:RF`, `managers`, `self-service` or `list:NAME`."""

    side: Side | None = None
    mo: MoCode | None = None
    title: Title
    body: Body
    language: Language = Language.fr
    mos: list[MoCode] = Field(default_factory=list, max_length=200)
    groups: list[Annotated[str, StringConstraints(max_length=80)]] = Field(
        min_length=1, max_length=20, examples=[["all", "responsibility:RF-ACHETEUR"]]
    )
    release_at: Instant | None = None
    corrects: str | None = Field(default=None, max_length=40)
    files: list[FileBody] = Field(default_factory=list, max_length=FILES_LIMIT)


class AskBody(BaseModel):
    """A question about a communiqué one received. `mo` and `asked_by` default to the caller's
    (the CA names the MO of the person who asks by telephone)."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    mo: MoCode | None = None
    asked_by: str | None = Field(default=None, max_length=64)
    contact_email: EmailAddress | None = None


class AnswerBody(BaseModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class ListBody(BaseModel):
    """A named list's members, by employee number (none: the list is gone)."""

    employees: list[EmployeeNumber] = Field(max_length=LIST_LIMIT)


class NamedList(BaseModel):
    mo: str
    name: str
    members: int


class Verification(VerifyReport):
    """`verify`: whether every delivery carried the submitted content (`proven`)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def proven(self) -> bool:
        return VerifyReport.proven.fget(self)  # type: ignore[attr-defined,no-any-return]


def _decoded(index: int, file: FileBody) -> NewFile:
    try:
        data = base64.b64decode("".join(file.content_base64.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"files.{index}.content_base64: is not base64") from None
    return NewFile(name=file.name, content_type=file.content_type, data=data)


def _groups(texts: list[str]) -> list[Group]:
    try:
        return [Group.parse(text) for text in texts]
    except ValidationError as error:  # a group's name that breaks its kind's rule
        raise InvalidInput(one_sentence(error.errors())) from None
    except ValueError as error:  # not a group at all
        raise InvalidInput(str(error)) from None


def submission(body: CommuniqueBody, side: Side, mo: str | None, author: str) -> Submission:
    """The request's body as the desk's contract: bytes decoded, groups parsed."""
    return parse(
        Submission,
        side=side,
        mo=mo,
        author=author,
        title=body.title,
        body=body.body,
        language=body.language,
        mos=body.mos,
        groups=_groups(body.groups),
        release_at=body.release_at,
        corrects=body.corrects,
        files=[_decoded(index, file) for index, file in enumerate(body.files)],
    )


@router.post("/communiques", status_code=201, dependencies=[allow(Action.communique_submit)])
async def submit(body: CommuniqueBody, guard: GuardDep) -> Communique:
    """Submit a communiqué: its content (body and attachments) is digested now and never
    edited; a correction is a new communiqué whose `corrects` names this one."""
    own_side, own_mo = guard.communiques.own_side()
    side = body.side or own_side
    mo = body.mo if body.mo is not None else (own_mo if side is Side.mo else None)
    return await guard.communiques.submit(submission(body, side, mo, guard.caller.subject))


@router.get("/communiques", dependencies=[allow(Action.communique_read)])
async def list_communiques(
    guard: GuardDep, status: CommuniqueStatus | None = None
) -> list[Communique]:
    """The communiqués the caller sees, newest first: the CA and the auditors, all; the DGGIR's
    people, the DGGIR's; an MO's people, their MO's and the DGGIR's sent to their MO."""
    return await guard.communiques.list(status)


@router.get("/communiques/lists", dependencies=[allow(Action.communique_read)])
async def named_lists(guard: GuardDep, mo: Mo = None) -> dict[str, int]:
    """An MO's named lists (`list:NAME` groups) and how many members each has: its authors
    read their own MO's; the CA and the auditors name the MO."""
    return await guard.communiques.lists(mo)


@router.put("/communiques/lists/{name}", dependencies=[allow(Action.communique_submit)])
async def keep_list(name: ListName, body: ListBody, guard: GuardDep) -> NamedList:
    """Replace a named list's members (an MO's author, for the MO); an empty list removes it."""
    members = await guard.communiques.keep_list(name, body.employees)
    return NamedList(mo=guard.caller.mo or "", name=name, members=members)


@router.post(
    "/communiques/questions/{question_id}/answer",
    dependencies=[allow(Action.communique_answer)],
)
async def answer(question_id: QuestionId, body: AnswerBody, guard: GuardDep) -> Question:
    """An MO's author answers a question about the MO's communiqué (the asker is told by
    mail). A DGGIR communiqué's questions are answered by the CA on their tickets."""
    step = parse(Answer, text=body.text, by=guard.caller.subject)
    return await guard.communiques.answer(question_id, step)


@router.get("/communiques/{communique_id:communique}", dependencies=[allow(Action.communique_read)])
async def show(communique_id: CommuniqueId, guard: GuardDep) -> Communique:
    return await guard.communiques.show(communique_id)


@router.put(
    "/communiques/{communique_id:communique}",
    response_model=None,
    dependencies=[allow(Action.communique_read)],
)
async def replace(communique_id: CommuniqueId, guard: GuardDep) -> None:
    """Always refused (409): a submitted communiqué is never edited; submit a correction whose
    `corrects` names it."""
    await guard.communiques.edit(communique_id)


@router.patch(
    "/communiques/{communique_id:communique}",
    response_model=None,
    dependencies=[allow(Action.communique_read)],
)
async def change(communique_id: CommuniqueId, guard: GuardDep) -> None:
    """Always refused (409): a submitted communiqué is never edited; submit a correction whose
    `corrects` names it."""
    await guard.communiques.edit(communique_id)


@router.post("/communiques/{communique_id}/check", dependencies=[allow(Action.communique_release)])
async def check(communique_id: CommuniqueId, guard: GuardDep) -> Communique:
    """A CA agent checks it: its groups exist, reach someone, and its author may address
    them (else it is refused, with the reason)."""
    return await guard.communiques.check(communique_id, guard.caller.subject)


@router.post(
    "/communiques/{communique_id}/release", dependencies=[allow(Action.communique_release)]
)
async def release(communique_id: CommuniqueId, guard: GuardDep) -> Communique:
    """A CA agent releases a checked communiqué: sent at its release time, or now."""
    return await guard.communiques.release(communique_id, guard.caller.subject)


@router.post("/communiques/{communique_id}/cancel")
async def cancel(communique_id: CommuniqueId, guard: GuardDep) -> Communique:
    """Cancel before the release (the CA, or the communiqué's own side); after it, nothing
    can be recalled (409)."""
    return await guard.communiques.cancel(communique_id, guard.caller.subject)


@router.get("/communiques/{communique_id}/verify", dependencies=[allow(Action.communique_read)])
async def verify(communique_id: CommuniqueId, guard: GuardDep) -> Verification:
    """Whether every delivery carried the submitted content: the digest of what each mail
    sent equals the one taken at submission; names every delivery that does not."""
    report = await guard.communiques.verify(communique_id)
    return Verification(**report.model_dump())


@router.get(
    "/communiques/{communique_id}/questions", dependencies=[allow(Action.communique_questions)]
)
async def questions(communique_id: CommuniqueId, guard: GuardDep) -> list[Question]:
    return await guard.communiques.questions(communique_id)


@router.post(
    "/communiques/{communique_id}/questions",
    status_code=201,
    dependencies=[allow(Action.communique_ask)],
)
async def ask(communique_id: CommuniqueId, body: AskBody, guard: GuardDep) -> Question:
    """A question about a communiqué one received: the DGGIR's opens a CA ticket (the 24-hour
    rule); an MO's goes to that MO's authors."""
    caller = guard.caller
    if body.mo is None and caller.mo is None:
        raise InvalidInput("mo: name the MO of the person who asks")
    question = parse(
        Ask,
        communique_id=communique_id,
        text=body.text,
        asked_by=body.asked_by or caller.subject,
        mo=body.mo or caller.mo,
        contact_email=body.contact_email,
    )
    return await guard.communiques.ask(question)
