"""SAGIR communiqués (RULES.md "Training, communiqués, billing"; seed: *Réacheminement des
communiqués SAGIR*): written by the DGGIR or by one MO, forwarded by the CA to the user groups
they target **without any change to their content**, and the questions about them answered by
the side that wrote them (the CA for the DGGIR's, the MO's authors for the MO's).

Pure: the contracts, the groups' grammar, and the canonical byte form whose SHA-256 digest
proves that every delivery carried the submitted content unchanged. No I/O.

The canonical form covers the body and the attachments (the issue's "content"). The title goes
in the subject after the communiqué's tag (`[C-2026-000012] Titre`), which replies keep for
threading; a subject's header folding may change its whitespace, so it is not in the digest.
The body is text with LF line endings ending in one LF (what a mail's text part decodes to);
`canonical_body` puts a submitted body in that form before anything is digested or stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from models.requests import Record
from models.sagir import Module
from models.tickets import ActorCode, Contract, EmailAddress, Instant, Language, MoCode

COMMUNIQUE_ID = re.compile(r"^communique-(\d{4})-(\d{6})$")
# The tag a communiqué's subject carries, which a recipient's reply keeps: `[C-2026-000012]`.
COMMUNIQUE_TAG = re.compile(r"\[C-(\d{4})-(\d{6})\]")
CANONICAL_PREFIX = b"sagir-communique/1\n"
BODY_LIMIT = 100_000  # characters: a communiqué, not a manual (the manual is an attachment)
FILES_LIMIT = 10  # attachments per communiqué
FILE_BYTES_LIMIT = 10 * 1024 * 1024  # all attachments together
LIST_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
DEFAULT_QUESTION_DAYS = 30  # the question period after the sending, in calendar days
DGGIR = "DGGIR"  # the author side's name where an MO code would stand (audit trail, lists)


def communique_id(year: int, sequence: int) -> str:
    return f"communique-{year:04d}-{sequence:06d}"


def tag_of(workflow_id: str) -> str:
    """`communique-2026-000012` -> `[C-2026-000012]`, the tag of its mail's subject."""
    match = COMMUNIQUE_ID.match(workflow_id)
    if match is None:
        raise ValueError(f"{workflow_id} is not a communiqué id")
    return f"[C-{match.group(1)}-{match.group(2)}]"


def id_in_subject(subject: str) -> str | None:
    """The communiqué a reply's subject names by its tag, if any."""
    match = COMMUNIQUE_TAG.search(subject)
    return None if match is None else communique_id(int(match.group(1)), int(match.group(2)))


class Side(StrEnum):
    """Who wrote it: the DGGIR (the CA answers its questions) or one MO (its authors do)."""

    dggir = "dggir"
    mo = "mo"


class GroupKind(StrEnum):
    """The user groups a communiqué may target, all defined on SAGIR's users (active accounts),
    within the communiqué's MOs."""

    all = "all"  # every user of the MOs
    responsibility = "responsibility"  # holders of one responsibility
    module = "module"  # holders of any responsibility of one module
    managers = "managers"  # holders of approval powers (pouvoirs d'approbation)
    self_service = "self-service"  # holders of a self-service (LS) responsibility
    list = "list"  # a named list the MO keeps


_VALUED = {GroupKind.responsibility, GroupKind.module, GroupKind.list}
GROUP_EXAMPLES = "all, responsibility:RF-ACHETEUR, module:RF, managers, self-service, list:NAME"


class Group(Contract):
    """One target group: `all`, `responsibility:CODE`, `module:RF`, `managers`, `self-service`
    or `list:NAME` (a named list of the author's MO)."""

    kind: GroupKind
    value: str | None = None

    @model_validator(mode="after")
    def _value_fits_the_kind(self) -> Self:
        if self.kind in _VALUED and not self.value:
            raise ValueError(f"groups: {self.kind.value} needs a name ({self.kind.value}:NAME)")
        if self.kind not in _VALUED and self.value:
            raise ValueError(f"groups: {self.kind.value} takes no name")
        if self.kind is GroupKind.module and self.value not in set(Module):
            modules = ", ".join(module.value for module in Module)
            raise ValueError(f"groups: module:{self.value} is not a SAGIR module ({modules})")
        if self.kind is GroupKind.list and not re.match(LIST_NAME_PATTERN, self.value or ""):
            raise ValueError(
                "groups: a list's name is lowercase letters, digits, '-' or '_' (list:paie-2027)"
            )
        if self.kind is GroupKind.responsibility and not re.match(
            r"^[A-Z0-9][A-Z0-9_-]{1,39}$", self.value or ""
        ):
            raise ValueError(f"groups: responsibility:{self.value} is not a responsibility code")
        return self

    @classmethod
    def parse(cls, text: str) -> Group:
        """`responsibility:RF-ACHETEUR` -> Group; a ValueError of one sentence otherwise."""
        kind, _, value = text.strip().partition(":")
        try:
            group_kind = GroupKind(kind)
        except ValueError:
            raise ValueError(
                f"groups: {text.strip()!r} is not a group; write one of {GROUP_EXAMPLES}"
            ) from None
        return cls(kind=group_kind, value=value or None)

    def __str__(self) -> str:
        return self.kind.value if self.value is None else f"{self.kind.value}:{self.value}"


# One line: the title goes in the mail's subject, where a line break cannot be.
Title = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Body = Annotated[str, StringConstraints(min_length=1, max_length=BODY_LIMIT)]
FileName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[^/\\\x00-\x1f]+$"
    ),
]
ContentType = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9.+-]+/[a-z0-9.+-]+$"),
]


class NewFile(Contract):
    """An attachment as submitted: its bytes travel with the submission, never in a history."""

    name: FileName
    content_type: ContentType = "application/octet-stream"
    data: bytes = Field(repr=False)

    @field_validator("content_type")
    @classmethod
    def _a_file_not_a_message(cls, content_type: str) -> str:
        # A `message/...` or `multipart/...` part is re-encoded by mail software: its bytes
        # could not be proven unchanged at delivery.
        if content_type.split("/", 1)[0] in ("message", "multipart"):
            raise ValueError(
                "a file cannot be sent as a message or multipart type; send it as "
                "application/octet-stream"
            )
        return content_type


class FileRef(Contract):
    """An attachment as kept: its bytes are in the attachment store under their digest."""

    name: str
    content_type: str
    digest: str
    size: int


class Submission(Contract):
    """A communiqué as its author submits it. `mos`: the MOs whose users it targets (for an MO
    author, its own; for the DGGIR, none means every MO). `corrects`: the communiqué this one
    corrects (a submitted communiqué is never edited)."""

    side: Side
    mo: MoCode | None = None  # the author's MO (Side.mo only)
    author: ActorCode
    title: Title
    body: Body
    language: Language = Language.fr
    mos: list[MoCode] = Field(default_factory=list, max_length=200)
    groups: list[Group] = Field(min_length=1, max_length=20)
    release_at: Instant | None = None
    corrects: str | None = None
    files: list[NewFile] = Field(default_factory=list, max_length=FILES_LIMIT)

    @field_validator("body")
    @classmethod
    def _body_in_canonical_form(cls, body: str) -> str:
        if not body.strip():
            raise ValueError("must hold some text")
        return canonical_body(body)

    @field_validator("files")
    @classmethod
    def _files_fit(cls, files: list[NewFile]) -> list[NewFile]:
        if sum(len(file.data) for file in files) > FILE_BYTES_LIMIT:
            raise ValueError(f"together must weigh at most {FILE_BYTES_LIMIT // 1024 // 1024} MB")
        if len({file.name for file in files}) != len(files):
            raise ValueError("two attachments may not have the same name")
        return files

    @model_validator(mode="after")
    def _side_fits(self) -> Self:
        if self.side is Side.mo and self.mo is None:
            raise ValueError("mo: an MO's communiqué names its MO")
        if self.side is Side.dggir and self.mo is not None:
            raise ValueError("mo: a DGGIR communiqué names no author MO")
        if self.side is Side.mo and any(mo != self.mo for mo in self.mos):
            raise ValueError("mos: an MO's communiqué targets its own MO's users only")
        if len(set(self.mos)) != len(self.mos):
            raise ValueError("mos: each MO once")
        return self

    @property
    def target_mos(self) -> list[str]:
        """The MOs whose users it targets; [] for every MO (a DGGIR communiqué)."""
        if self.side is Side.mo:
            return [self.mo or ""]
        return sorted(self.mos)


def canonical_body(body: str) -> str:
    """LF line endings and one final LF: what the text part of a mail decodes to."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def _framed(label: bytes, data: bytes) -> bytes:
    return label + b" " + str(len(data)).encode() + b"\n" + data + b"\n"


def content_digest(body: str, files: Iterable[tuple[str, str, bytes]]) -> str:
    """The SHA-256 of the canonical byte form of a communiqué's content: the body (UTF-8,
    canonical line endings), then each attachment in order, its name, media type and bytes,
    every piece framed by its length so no two contents share a form."""
    digest = hashlib.sha256(CANONICAL_PREFIX)
    digest.update(_framed(b"body", canonical_body(body).encode("utf-8")))
    for name, content_type, data in files:
        digest.update(_framed(b"file-name", name.encode("utf-8")))
        digest.update(_framed(b"file-type", content_type.lower().encode("ascii")))
        digest.update(_framed(b"file-data", data))
    return digest.hexdigest()


def digest_of_message(raw: bytes) -> str:
    """The content digest of a communiqué's mail as it travels (its bytes, as sent or as a
    server received them): its text part decoded, and each attachment decoded."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    text = "" if body is None else str(body.get_content())
    files = [
        (
            part.get_filename() or "",
            part.get_content_type(),
            bytes(part.get_payload(decode=True) or b""),
        )
        for part in message.iter_attachments()
    ]
    return content_digest(text, files)


class CommuniqueStatus(StrEnum):
    submitted = "submitted"  # waiting for a CA agent's check
    checked = "checked"  # the groups resolve and the author may address them: ready to release
    refused = "refused"  # the check found a problem: the author submits a new one
    scheduled = "scheduled"  # released, waiting for its release time (a durable timer)
    sending = "sending"  # recipients resolved and recorded, mail queued through the relay
    sent = "sent"  # every mail delivered or failed for good: the question period runs
    closed = "closed"  # the question period is over
    cancelled = "cancelled"  # stopped before its release: nothing was sent


BEFORE_RELEASE = frozenset(
    {CommuniqueStatus.submitted, CommuniqueStatus.checked, CommuniqueStatus.scheduled}
)
# A communiqué takes questions from its sending to the end of its question period.
QUESTION_PERIOD = frozenset({CommuniqueStatus.sending, CommuniqueStatus.sent})


class StartCommunique(Contract):
    """The workflow's input: no content (it is in the desk's records, digested), no person."""

    id: str
    side: Side
    mo: str | None
    author: str
    submitted_at: datetime
    digest: str
    release_at: datetime | None = None
    question_days: int = DEFAULT_QUESTION_DAYS


class CheckCommunique(Contract):
    agent: ActorCode


class ReleaseCommunique(Contract):
    agent: ActorCode


class CancelCommunique(Contract):
    by: ActorCode


class CheckOutcome(Contract):
    """What a check found: the problems (each one sentence), or how many people it reaches."""

    problems: list[str] = Field(default_factory=list)
    recipients: int = 0


class Resolution(Contract):
    """Who it went to, recorded once at the release: how many, and the digest of the list."""

    recipients: int
    digest: str


class DeliveryCounts(Contract):
    """Where the communiqué's mails stand in the outbox."""

    queued: int = 0  # not yet taken by the mail server (queued or being sent)
    delivered: int = 0
    failed: int = 0  # refused for good, out of attempts, or no working address

    @property
    def done(self) -> bool:
        return self.queued == 0


class CommuniqueState(Record):
    """The communiqué's workflow state, as its `state` query reports it (no content, no
    person: the desk's records hold those)."""

    id: str
    side: Side
    mo: str | None
    author: str
    status: CommuniqueStatus
    digest: str
    submitted_at: datetime
    release_at: datetime | None = None
    checked_by: str | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    refusal: str | None = None
    recipients: int | None = None
    recipients_digest: str | None = None
    delivered: int = 0
    failed: int = 0
    queued: int = 0
    questions_until: datetime | None = None

    @classmethod
    def initial(cls, start: StartCommunique) -> CommuniqueState:
        state = cls(
            id=start.id,
            side=start.side,
            mo=start.mo,
            author=start.author,
            status=CommuniqueStatus.submitted,
            digest=start.digest,
            submitted_at=start.submitted_at,
            release_at=start.release_at,
        )
        state.log("submitted", start.author, start.submitted_at)
        return state


class CommuniqueNote(Contract):
    """What the workflow tells the desk's records at each change (the projection), with the
    version so an older note never overwrites a newer one."""

    id: str
    version: int
    status: CommuniqueStatus
    checked_by: str | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    refusal: str | None = None
    delivered: int = 0
    failed: int = 0
    queued: int = 0
    questions_until: datetime | None = None

    @classmethod
    def of(cls, state: CommuniqueState, version: int) -> CommuniqueNote:
        """The note of the workflow's state: the fields the records keep, and the version."""
        kept = set(cls.model_fields) - {"version"}
        return cls(version=version, **state.model_dump(include=kept))


class Communique(Contract):
    """A communiqué as the desk's records hold it: content, targets and where it stands."""

    id: str
    side: Side
    mo: str | None
    author: str
    title: str
    body: str
    language: Language
    mos: list[str]
    groups: list[Group]
    release_at: datetime | None
    corrects: str | None
    corrected_by: list[str] = Field(default_factory=list)
    files: list[FileRef]
    digest: str
    submitted_at: datetime
    status: CommuniqueStatus
    checked_by: str | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    refusal: str | None = None
    recipients: int | None = None
    recipients_digest: str | None = None
    resolved_at: datetime | None = None
    delivered: int = 0
    failed: int = 0
    queued: int = 0
    questions_until: datetime | None = None
    questions: QuestionCounts | None = None

    @model_validator(mode="after")
    def _an_mos_targets_its_own(self) -> Self:
        # What `addressed_to` and the recipients' resolution rely on.
        if self.side is Side.mo and self.mos != [self.mo]:
            raise ValueError("mos: an MO's communiqué targets its own MO's users only")
        return self

    @property
    def tag(self) -> str:
        return tag_of(self.id)

    def addressed_to(self, mo: str) -> bool:
        """Whether `mo`'s users are among its targets (`mos`: an MO's, its own, as stored at
        submission; a DGGIR communiqué without MOs: all)."""
        return not self.mos or mo in self.mos


class CommuniqueContent(Contract):
    """What every delivery carries byte for byte: the body and the attachments' bytes."""

    id: str
    title: str
    body: str
    language: Language
    digest: str
    files: list[NewFile]


class Recipient(Contract):
    """One resolved recipient (personal data: the address is looked up when queued)."""

    mo: str
    employee_number: str


def recipients_digest(recipients: Sequence[Recipient]) -> str:
    """The digest of the resolved list, in the order recorded (sorted by MO and number)."""
    digest = hashlib.sha256(b"sagir-communique-recipients/1\n")
    for recipient in recipients:
        digest.update(f"{recipient.mo}:{recipient.employee_number}\n".encode())
    return digest.hexdigest()


class VerifyReport(Contract):
    """`communique verify`: whether every delivery carried the submitted content."""

    id: str
    digest: str
    recipients: int | None
    delivered: int  # mails the server took
    matching: int  # of those, with the submitted digest
    mismatched: list[str]  # the deliveries whose digest differs (mail keys)
    unrecorded: list[str]  # delivered with no digest recorded
    queued: int
    failed: int

    @property
    def proven(self) -> bool:
        return not self.mismatched and not self.unrecorded and self.matching == self.delivered


class QuestionVia(StrEnum):
    mail = "mail"  # a recipient's reply, threaded by the tag in its subject
    outil = "outil"  # the Outil Requête, the communiqué chosen


class QuestionStatus(StrEnum):
    open = "open"
    answered = "answered"


class Question(Contract):
    """A question about a communiqué. The DGGIR's go to the CA as tickets (`ticket_id`); an
    MO's go to that MO's authors, who answer here. Text and asker are personal data: sealed at
    rest, read only by who may."""

    id: str
    communique_id: str
    asked_at: datetime
    via: QuestionVia
    mo: str | None
    asked_by: str  # a user code, or `courriel` for a reply by mail (the address is sealed)
    text: str
    status: QuestionStatus
    ticket_id: str | None = None
    answer: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None


class QuestionCounts(Contract):
    asked: int = 0
    answered: int = 0
    open: int = 0


class Ask(Contract):
    """A question from the Outil Requête (or the console), the communiqué chosen."""

    communique_id: str
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    asked_by: ActorCode
    mo: MoCode
    contact_email: EmailAddress | None = Field(default=None, repr=False)


class Answer(Contract):
    """An MO author's answer to a question about the MO's communiqué."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    by: ActorCode


Communique.model_rebuild()
