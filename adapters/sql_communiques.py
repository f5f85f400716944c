"""Communiqués in the desk's database (port `CommuniqueRecords`): the content as submitted, the
recipients resolved at the release, their mail queued in the outbox in batches, the delivery
counts and digests that `verify` reads, and the questions. SQLite and PostgreSQL.

A communiqué's mail is an outbox row like any other (the relay delivers it, with its retries,
its Message-ID and its escalation), keyed `<communiqué id>/r/<recipient number>`; its content is
not copied per recipient: the relay reads the communiqué's, once per round.
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, insert, literal, or_, select, update

from adapters.database import (
    CommuniqueFileRow,
    CommuniqueQuestionRow,
    CommuniqueRecipientRow,
    CommuniqueRow,
    OutboxRow,
    PersonRow,
    TicketRow,
    UnitOfWork,
)
from adapters.outbox_mailer import DEFAULT_MAIL_DOMAIN, queue_in
from adapters.ports import AttachmentFiles
from adapters.sealed_mail import MailKeys, MailSeal, Sealer
from models.communiques import (
    Communique,
    CommuniqueContent,
    CommuniqueNote,
    CommuniqueStatus,
    DeliveryCounts,
    FileRef,
    Group,
    NewFile,
    Question,
    QuestionCounts,
    QuestionStatus,
    QuestionVia,
    Recipient,
    Resolution,
    Side,
    Submission,
    VerifyReport,
    recipients_digest,
    tag_of,
)
from models.mail import DeliveryStatus, Mail, message_id
from models.tickets import Language, TicketStatus

BATCH = 1000  # recipients queued per transaction
NO_ADDRESS = "no working address in the dossier personne: not sent"
ANSWERED_TICKET = (TicketStatus.returned.value, TicketStatus.closed.value)
SENT_OUT = [
    CommuniqueStatus.sending.value,
    CommuniqueStatus.sent.value,
    CommuniqueStatus.closed.value,
]


def mail_key(communique_id: str, seq: int) -> str:
    """The outbox key of one recipient's mail: begins with the workflow id, as every mail key."""
    return f"{communique_id}/r/{seq:06d}"


def subject_of(communique_id: str, title: str) -> str:
    return f"{tag_of(communique_id)} {title}"


class SqlCommuniques:
    def __init__(
        self,
        uow: UnitOfWork,
        keys: MailKeys,
        files: AttachmentFiles,
        domain: str = DEFAULT_MAIL_DOMAIN,
    ) -> None:
        self._uow = uow
        self._seal = MailSeal(keys)
        self._sealer = Sealer(keys)
        self._files = files
        self._domain = domain

    # --- the content -------------------------------------------------------------------------

    def add(
        self,
        workflow_id: str,
        submission: Submission,
        files: Sequence[FileRef],
        digest: str,
        at: datetime,
    ) -> None:
        with self._uow.begin() as session:
            session.add(
                CommuniqueRow(
                    id=workflow_id,
                    side=submission.side.value,
                    mo_code=submission.mo,
                    author=submission.author,
                    title=submission.title,
                    body=submission.body,
                    language=submission.language.value,
                    # An MO's: its own MO, always; the DGGIR's: the MOs named (none: every MO).
                    target_mos=" ".join(submission.target_mos),
                    groups=" ".join(str(group) for group in submission.groups),
                    release_at=submission.release_at,
                    corrects=submission.corrects,
                    digest=digest,
                    submitted_at=at,
                    version=0,
                    status=CommuniqueStatus.submitted.value,
                    delivered=0,
                    failed=0,
                    queued=0,
                )
            )
            session.flush()
            session.add_all(
                CommuniqueFileRow(
                    communique_id=workflow_id,
                    seq=seq,
                    name=file.name,
                    content_type=file.content_type,
                    digest=file.digest,
                    size=file.size,
                )
                for seq, file in enumerate(files)
            )

    def remove(self, workflow_id: str) -> None:
        """Undo `add` for a communiqué whose workflow never started (the engine was down)."""
        with self._uow.begin() as session:
            for file in session.scalars(
                select(CommuniqueFileRow).where(CommuniqueFileRow.communique_id == workflow_id)
            ):
                session.delete(file)
            row = session.get(CommuniqueRow, workflow_id)
            if row is not None:
                session.delete(row)

    def get(self, workflow_id: str) -> Communique | None:
        with self._uow.begin() as session:
            row = session.get(CommuniqueRow, workflow_id)
            if row is None:
                return None
            files = session.scalars(
                select(CommuniqueFileRow)
                .where(CommuniqueFileRow.communique_id == workflow_id)
                .order_by(CommuniqueFileRow.seq)
            ).all()
            corrected_by = list(
                session.scalars(
                    select(CommuniqueRow.id)
                    .where(CommuniqueRow.corrects == workflow_id)
                    .order_by(CommuniqueRow.id)
                )
            )
            return _communique(row, files, corrected_by, self._question_counts(workflow_id))

    def list(
        self,
        side: Side | None = None,
        mo: str | None = None,
        addressed_to: str | None = None,
        status: CommuniqueStatus | None = None,
        limit: int = 200,
    ) -> builtins.list[Communique]:
        """Newest first. `mo`: the MO's own; `addressed_to`: the DGGIR's released to that MO's
        users (or to every MO's)."""
        query = select(CommuniqueRow).order_by(CommuniqueRow.submitted_at.desc()).limit(limit)
        if side is not None:
            query = query.where(CommuniqueRow.side == side.value)
        if mo is not None:
            query = query.where(CommuniqueRow.mo_code == mo)
        if status is not None:
            query = query.where(CommuniqueRow.status == status.value)
        if addressed_to is not None:
            # Sent to that MO's users (named among the targets, or every MO), once released.
            padded = literal(" ") + CommuniqueRow.target_mos + literal(" ")
            query = query.where(
                or_(CommuniqueRow.target_mos == "", padded.contains(f" {addressed_to} ")),
                CommuniqueRow.status.in_(SENT_OUT),
            )
        with self._uow.begin() as session:
            rows = list(session.scalars(query))
        return [_communique(row, [], [], None) for row in rows]

    def content(self, workflow_id: str) -> CommuniqueContent:
        """What every delivery carries (the attachments' bytes read from their store)."""
        return _content(self._uow, self._files, workflow_id)

    def content_reader(self) -> Callable[[str], CommuniqueContent]:
        """`content`, remembered for the few communiqués a relay round meets."""
        return lru_cache(maxsize=8)(self.content)

    def note(self, note: CommuniqueNote) -> None:
        """The workflow's state, kept unless a newer version is there already."""
        with self._uow.begin() as session:
            session.execute(
                update(CommuniqueRow)
                .where(CommuniqueRow.id == note.id, CommuniqueRow.version < note.version)
                .values(
                    version=note.version,
                    status=note.status.value,
                    checked_by=note.checked_by,
                    released_by=note.released_by,
                    released_at=note.released_at,
                    refusal=note.refusal,
                    delivered=note.delivered,
                    failed=note.failed,
                    queued=note.queued,
                    questions_until=note.questions_until,
                )
            )

    # --- the recipients and their mail ------------------------------------------------------

    def resolution(self, workflow_id: str) -> Resolution | None:
        with self._uow.begin() as session:
            row = session.get(CommuniqueRow, workflow_id)
            if row is None or row.recipients is None or row.recipients_digest is None:
                return None
            return Resolution(recipients=row.recipients, digest=row.recipients_digest)

    def record_recipients(
        self, workflow_id: str, recipients: Sequence[Recipient], at: datetime
    ) -> Resolution:
        """Record the resolved list once: a second call returns the first list's resolution."""
        digest = recipients_digest(recipients)
        with self._uow.begin() as session:
            row = session.get(CommuniqueRow, workflow_id, with_for_update=True)
            if row is None:
                raise LookupError(f"{workflow_id} is not in the desk's records")
            if row.recipients is not None and row.recipients_digest is not None:
                return Resolution(recipients=row.recipients, digest=row.recipients_digest)
            for start in range(0, len(recipients), BATCH):
                session.execute(
                    insert(CommuniqueRecipientRow),
                    [
                        {
                            "communique_id": workflow_id,
                            "seq": start + offset,
                            "mo_code": recipient.mo,
                            "employee_number": recipient.employee_number,
                        }
                        for offset, recipient in enumerate(recipients[start : start + BATCH])
                    ],
                )
            row.recipients = len(recipients)
            row.recipients_digest = digest
            row.resolved_at = at
        return Resolution(recipients=len(recipients), digest=digest)

    def recipients(self, workflow_id: str) -> builtins.list[Recipient]:
        with self._uow.begin() as session:
            return [
                Recipient(mo=mo, employee_number=number)
                for mo, number in session.execute(
                    select(CommuniqueRecipientRow.mo_code, CommuniqueRecipientRow.employee_number)
                    .where(CommuniqueRecipientRow.communique_id == workflow_id)
                    .order_by(CommuniqueRecipientRow.seq)
                )
            ]

    def queue_batch(self, workflow_id: str, after: int, at: datetime) -> int | None:
        """Queue the mail of the next `BATCH` recipients after number `after` (-1: from the
        first), each once by its key, in one transaction; the last number queued, or None when
        none is left. A recipient whose dossier has no working address is recorded `failed`."""
        with self._uow.begin() as session:
            communique = session.get(CommuniqueRow, workflow_id)
            if communique is None:
                raise LookupError(f"{workflow_id} is not in the desk's records")
            batch = session.execute(
                select(
                    CommuniqueRecipientRow.seq,
                    PersonRow.work_email,
                    PersonRow.email_works,
                )
                .outerjoin(
                    PersonRow,
                    (PersonRow.mo_code == CommuniqueRecipientRow.mo_code)
                    & (PersonRow.employee_number == CommuniqueRecipientRow.employee_number),
                )
                .where(
                    CommuniqueRecipientRow.communique_id == workflow_id,
                    CommuniqueRecipientRow.seq > after,
                )
                .order_by(CommuniqueRecipientRow.seq)
                .limit(BATCH)
            ).all()
            if not batch:
                return None
            keys = [mail_key(workflow_id, seq) for seq, _, _ in batch]
            there = set(
                session.scalars(
                    select(OutboxRow.idempotency_key).where(OutboxRow.idempotency_key.in_(keys))
                )
            )
            subject = subject_of(workflow_id, communique.title)
            rows = []
            for (_, address, works), key in zip(batch, keys, strict=True):
                if key in there:
                    continue  # queued by an attempt killed after its commit
                reachable = bool(address) and bool(works)
                stored = self._seal.stored(
                    Mail(idempotency_key=key, to=address or "", subject=subject, body="")
                )
                rows.append(
                    {
                        "idempotency_key": key,
                        "to_address": stored.to,
                        "subject": stored.subject,
                        "body": stored.body,
                        "created_at": at,
                        "workflow_id": workflow_id,
                        "message_id": message_id(key, self._domain),
                        "status": (
                            DeliveryStatus.queued.value
                            if reachable
                            else DeliveryStatus.failed.value
                        ),
                        "attempts": 0,
                        "server_reply": None if reachable else NO_ADDRESS,
                        "communique_id": workflow_id,
                    }
                )
            if rows:
                session.execute(insert(OutboxRow), rows)
            return int(batch[-1][0])

    def queued_until(self, workflow_id: str) -> int:
        """The last recipient number whose mail is in the outbox (-1: none)."""
        with self._uow.begin() as session:
            count = session.scalar(
                select(func.count()).where(OutboxRow.communique_id == workflow_id)
            )
        # Batches are queued in order and each one whole: the count is the next number.
        return int(count or 0) - 1

    def counts(self, workflow_id: str) -> DeliveryCounts:
        with self._uow.begin() as session:
            by_status = dict(
                session.execute(
                    select(OutboxRow.status, func.count())
                    .where(OutboxRow.communique_id == workflow_id)
                    .group_by(OutboxRow.status)
                ).all()
            )
        return DeliveryCounts(
            queued=by_status.get(DeliveryStatus.queued.value, 0)
            + by_status.get(DeliveryStatus.sending.value, 0),
            delivered=by_status.get(DeliveryStatus.sent.value, 0),
            failed=by_status.get(DeliveryStatus.failed.value, 0),
        )

    def verify(self, workflow_id: str) -> VerifyReport | None:
        with self._uow.begin() as session:
            row = session.get(CommuniqueRow, workflow_id)
            if row is None:
                return None
            mails = session.execute(
                select(OutboxRow.idempotency_key, OutboxRow.status, OutboxRow.content_digest)
                .where(OutboxRow.communique_id == workflow_id)
                .order_by(OutboxRow.idempotency_key)
            ).all()
        sent = [(key, digest) for key, status, digest in mails if status == "sent"]
        return VerifyReport(
            id=workflow_id,
            digest=row.digest,
            recipients=row.recipients,
            delivered=len(sent),
            matching=sum(1 for _, digest in sent if digest == row.digest),
            mismatched=[key for key, digest in sent if digest is not None and digest != row.digest],
            unrecorded=[key for key, digest in sent if digest is None],
            queued=sum(1 for _, status, _ in mails if status in ("queued", "sending")),
            failed=sum(1 for _, status, _ in mails if status == "failed"),
        )

    # --- questions ---------------------------------------------------------------------------

    def add_question(
        self,
        communique_id: str,
        via: QuestionVia,
        asked_by: str,
        mo: str | None,
        text: str,
        address: str | None,
        at: datetime,
        key: str,
        ticket_id: str | None = None,
    ) -> tuple[Question, bool]:
        """Record a question once per `key` (a mail's id, a request's key); whether it is new."""
        question_id = hashlib.sha256(key.encode()).hexdigest()[:32]
        with self._uow.begin() as session:
            row = session.get(CommuniqueQuestionRow, question_id)
            if row is not None:
                return self._question(row), False
            row = CommuniqueQuestionRow(
                id=question_id,
                communique_id=communique_id,
                asked_at=at,
                via=via.value,
                mo_code=mo,
                asked_by=asked_by,
                address=None if address is None else self._sealer.seal(address, question_id),
                text=self._sealer.seal(text, question_id, "text"),
                ticket_id=ticket_id,
            )
            session.add(row)
            session.flush()
            return self._question(row), True

    def question(self, question_id: str) -> Question | None:
        with self._uow.begin() as session:
            row = session.get(CommuniqueQuestionRow, question_id)
            return None if row is None else self._question(row)

    def asker_address(self, question_id: str) -> str | None:
        with self._uow.begin() as session:
            row = session.get(CommuniqueQuestionRow, question_id)
            if row is None or row.address is None:
                return None
            return self._sealer.open(row.address, "a question's address", "questions", row.id)

    def questions(self, communique_id: str) -> builtins.list[Question]:
        with self._uow.begin() as session:
            return [
                self._question(row)
                for row in session.scalars(
                    select(CommuniqueQuestionRow)
                    .where(CommuniqueQuestionRow.communique_id == communique_id)
                    .order_by(CommuniqueQuestionRow.asked_at, CommuniqueQuestionRow.id)
                )
            ]

    def answer(
        self, question_id: str, text: str, by: str, at: datetime, notice: Mail | None
    ) -> Question | None:
        """Record the answer once, and its mail to the asker in the same transaction; None for
        an unknown question. An answered question keeps its first answer."""
        with self._uow.begin() as session:
            row = session.get(CommuniqueQuestionRow, question_id, with_for_update=True)
            if row is None:
                return None
            if row.answered_at is None:
                row.answer = self._sealer.seal(text, question_id, "answer")
                row.answered_by = by
                row.answered_at = at
                if notice is not None:
                    queue_in(session, self._seal, notice, at, self._domain)
            session.flush()
            return self._question(row)

    def _question_counts(self, communique_id: str) -> QuestionCounts:
        asked = self.questions(communique_id)
        answered = sum(1 for question in asked if question.status is QuestionStatus.answered)
        return QuestionCounts(asked=len(asked), answered=answered, open=len(asked) - answered)

    def _question(self, row: CommuniqueQuestionRow) -> Question:
        ticket_answered = False
        if row.ticket_id is not None:
            with self._uow.begin() as session:
                ticket = session.get(TicketRow, row.ticket_id)
                ticket_answered = ticket is not None and ticket.status in ANSWERED_TICKET
        answered = row.answered_at is not None or ticket_answered
        return Question(
            id=row.id,
            communique_id=row.communique_id,
            asked_at=row.asked_at,
            via=QuestionVia(row.via),
            mo=row.mo_code,
            asked_by=row.asked_by,
            text=self._sealer.open(row.text, "a question's text", "questions", row.id, "text"),
            status=QuestionStatus.answered if answered else QuestionStatus.open,
            ticket_id=row.ticket_id,
            answer=(
                None
                if row.answer is None
                else self._sealer.open(row.answer, "an answer", "questions", row.id, "answer")
            ),
            answered_by=row.answered_by,
            answered_at=row.answered_at,
        )


def _communique(
    row: CommuniqueRow,
    files: Sequence[CommuniqueFileRow],
    corrected_by: builtins.list[str],
    questions: QuestionCounts | None,
) -> Communique:
    return Communique(
        id=row.id,
        side=Side(row.side),
        mo=row.mo_code,
        author=row.author,
        title=row.title,
        body=row.body,
        language=Language(row.language),
        mos=row.target_mos.split(),
        groups=[Group.parse(text) for text in row.groups.split()],
        release_at=row.release_at,
        corrects=row.corrects,
        corrected_by=corrected_by,
        files=[
            FileRef(
                name=file.name, content_type=file.content_type, digest=file.digest, size=file.size
            )
            for file in files
        ],
        digest=row.digest,
        submitted_at=row.submitted_at,
        status=CommuniqueStatus(row.status),
        checked_by=row.checked_by,
        released_by=row.released_by,
        released_at=row.released_at,
        refusal=row.refusal,
        recipients=row.recipients,
        recipients_digest=row.recipients_digest,
        resolved_at=row.resolved_at,
        delivered=row.delivered,
        failed=row.failed,
        queued=row.queued,
        questions_until=row.questions_until,
        questions=questions,
    )


def _content(uow: UnitOfWork, store: AttachmentFiles, workflow_id: str) -> CommuniqueContent:
    with uow.begin() as session:
        row = session.get(CommuniqueRow, workflow_id)
        if row is None:
            raise LookupError(f"{workflow_id} is not in the desk's records")
        refs = session.scalars(
            select(CommuniqueFileRow)
            .where(CommuniqueFileRow.communique_id == workflow_id)
            .order_by(CommuniqueFileRow.seq)
        ).all()
        title, body, language, digest = row.title, row.body, row.language, row.digest
    files = []
    for ref in refs:
        data = store.read(ref.digest)
        if data is None:
            raise LookupError(f"attachment {ref.name} of {workflow_id} is missing from its store")
        files.append(NewFile(name=ref.name, content_type=ref.content_type, data=data))
    return CommuniqueContent(
        id=workflow_id,
        title=title,
        body=body,
        language=Language(language),
        digest=digest,
        files=files,
    )
