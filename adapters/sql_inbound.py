"""The messages the intake took in, on SQLAlchemy: recorded once each (the row's key is the
digest of the Message-ID, or of the bytes), with their attachments and, for a new ticket, its
reserved number, in one transaction; then delivered to the engine, retried until it is. Sender,
subject, text and file names are sealed at rest with the payload keys, each bound to its row and
column, so a value copied onto another row does not open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.database import AttachmentRow, InboundMailRow, UnitOfWork
from adapters.sealed_mail import MailKeys, Sealer
from adapters.sql_counters import next_number_in
from models.inbound import (
    Attachment,
    Delivery,
    InboundMessage,
    Outcome,
    ParsedMail,
    Routing,
)
from models.sla import Channel
from models.tickets import ticket_number

TABLE = "inbound_mail"
FILES = "attachments"


class AlreadySorted(LookupError):
    """A message no longer in triage (sorted or discarded by someone else first)."""


class SqlInbound:
    def __init__(self, uow: UnitOfWork, keys: MailKeys) -> None:
        self._uow = uow
        self._sealer = Sealer(keys)

    def known(self, key: str) -> bool:
        with self._uow.begin() as session:
            return session.get(InboundMailRow, key) is not None

    def record(
        self,
        mail: ParsedMail,
        routing: Routing,
        received_at: datetime,
        year: int | None,
        delivered_at: datetime | None = None,
    ) -> InboundMessage | None:
        """Record the message, its attachments and (with `year`, for a new ticket) the ticket
        number it reserves, all or nothing; None when it was recorded already."""
        key = mail.key
        try:
            with self._uow.begin() as session:
                ticket_id = routing.ticket_id
                if year is not None:
                    ticket_id = ticket_number(year, next_number_in(session, f"T-{year}"))
                owes = routing.outcome in (Outcome.ticket, Outcome.reply, Outcome.question)
                delivery = Delivery.pending if owes else Delivery.none
                session.add(
                    InboundMailRow(
                        id=key,
                        received_at=received_at,
                        channel=routing.channel.value,
                        outcome=routing.outcome.value,
                        reason=(routing.reason or None) and routing.reason[:200],
                        ticket_id=ticket_id,
                        mo_code=routing.mo,
                        reopen=routing.reopen,
                        sender=self._seal(mail.sender, key, "sender"),
                        subject=self._seal(mail.subject, key, "subject"),
                        body=self._seal(mail.text, key, "body"),
                        delivery=(Delivery.delivered if delivered_at else delivery).value,
                        delivered_at=delivered_at,
                        attempts=0,
                    )
                )
                session.flush()  # the message's row first: its attachments refer to it
                for found in {file.digest: file for file in mail.attachments}.values():
                    session.add(
                        AttachmentRow(
                            message_id=key,
                            digest=found.digest,
                            ticket_id=ticket_id if routing.outcome is not Outcome.ignored else None,
                            file_name=self._sealer.seal(found.file_name, FILES, key, found.digest),
                            content_type=found.content_type,
                            size=found.size,
                        )
                    )
        except IntegrityError:
            if self.known(key):
                return None  # delivered twice by the sender's server: recorded once
            raise
        return self.get(key)

    def get(self, key: str) -> InboundMessage | None:
        with self._uow.begin() as session:
            row = session.get(InboundMailRow, key)
            return None if row is None else self._opened(session, row)

    def matching(self, prefix: str) -> list[str]:
        """The ids beginning with `prefix` (a person types the first characters)."""
        with self._uow.begin() as session:
            return list(
                session.scalars(
                    select(InboundMailRow.id).where(InboundMailRow.id.startswith(prefix)).limit(2)
                )
            )

    def pending(self, limit: int = 100) -> list[str]:
        """Messages whose step has not reached the engine yet, the oldest first."""
        with self._uow.begin() as session:
            return list(
                session.scalars(
                    select(InboundMailRow.id)
                    .where(InboundMailRow.delivery == Delivery.pending.value)
                    .order_by(InboundMailRow.received_at, InboundMailRow.id)
                    .limit(limit)
                )
            )

    def delivered(self, key: str, at: datetime) -> None:
        self._set(
            key,
            delivery=Delivery.delivered.value,
            delivered_at=at,
            last_error=None,
            attempts=InboundMailRow.attempts + 1,
        )

    def failed(self, key: str, error: str) -> None:
        """An attempt that did not reach the engine: kept pending, with why."""
        self._set(key, last_error=error[:400], attempts=InboundMailRow.attempts + 1)

    def to_triage(self, key: str, reason: str) -> None:
        """A message whose step cannot be delivered (its ticket has ended): a person sorts it."""
        with self._uow.begin() as session:
            session.execute(
                update(InboundMailRow)
                .where(InboundMailRow.id == key)
                .values(
                    outcome=Outcome.triage.value,
                    reason=reason[:200],
                    delivery=Delivery.none.value,
                    ticket_id=None,
                    mo_code=None,
                    attempts=InboundMailRow.attempts + 1,
                )
            )
            session.execute(
                update(AttachmentRow).where(AttachmentRow.message_id == key).values(ticket_id=None)
            )

    def triage(self, limit: int, after: str | None = None) -> tuple[list[InboundMessage], int]:
        """A page of the messages in triage, the oldest first (after the cursor `after`, a
        receipt time and id), and how many there are in all."""
        with self._uow.begin() as session:
            in_triage = InboundMailRow.outcome == Outcome.triage.value
            total = session.scalar(select(func.count()).where(in_triage)) or 0
            query = select(InboundMailRow).where(in_triage)
            if after is not None:
                at_text, _, after_id = after.partition("/")
                at = datetime.fromisoformat(at_text)
                query = query.where(
                    (InboundMailRow.received_at > at)
                    | ((InboundMailRow.received_at == at) & (InboundMailRow.id > after_id))
                )
            rows = session.scalars(
                query.order_by(InboundMailRow.received_at, InboundMailRow.id).limit(limit)
            )
            return [self._opened(session, row) for row in rows], total

    def sort(self, key: str, mo: str, by: str, at: datetime, year: int) -> InboundMessage:
        """Take a message out of triage to open a ticket of `mo`: its number reserved, its
        step owed to the engine. `AlreadySorted` if someone took it first."""
        with self._uow.begin() as session:
            ticket_id = ticket_number(year, next_number_in(session, f"T-{year}"))
            self._leave_triage(
                session,
                key,
                outcome=Outcome.ticket.value,
                ticket_id=ticket_id,
                mo_code=mo,
                reopen=False,
                delivery=Delivery.pending.value,
                sorted_by=by,
                sorted_at=at,
            )
            session.execute(
                update(AttachmentRow)
                .where(AttachmentRow.message_id == key)
                .values(ticket_id=ticket_id)
            )
        found = self.get(key)
        assert found is not None
        return found

    def discard(self, key: str, by: str, at: datetime) -> InboundMessage:
        with self._uow.begin() as session:
            self._leave_triage(
                session,
                key,
                outcome=Outcome.ignored.value,
                reason="discarded from triage",
                sorted_by=by,
                sorted_at=at,
            )
        found = self.get(key)
        assert found is not None
        return found

    def attachments(self, ticket_id: str) -> list[Attachment]:
        with self._uow.begin() as session:
            rows = session.scalars(
                select(AttachmentRow)
                .where(AttachmentRow.ticket_id == ticket_id)
                .order_by(AttachmentRow.message_id, AttachmentRow.digest)
            )
            unique = {row.digest: self._attachment(row) for row in rows}
            return list(unique.values())

    def _leave_triage(self, session: Session, key: str, **values: object) -> None:
        left = session.execute(
            update(InboundMailRow)
            .where(InboundMailRow.id == key, InboundMailRow.outcome == Outcome.triage.value)
            .values(**values)
        )
        if not getattr(left, "rowcount", 0):
            raise AlreadySorted(key)

    def _set(self, key: str, **values: object) -> None:
        with self._uow.begin() as session:
            session.execute(update(InboundMailRow).where(InboundMailRow.id == key).values(**values))

    def _seal(self, text: str, key: str, column: str) -> str:
        return self._sealer.seal(text, TABLE, key, column)

    def _open(self, row: InboundMailRow, column: str) -> str:
        stored: str = getattr(row, column)
        return self._sealer.open(
            stored, f"the {column} of message {row.id[:12]}", TABLE, TABLE, row.id, column
        )

    def _attachment(self, row: AttachmentRow) -> Attachment:
        name = self._sealer.open(
            row.file_name,
            f"the name of attachment {row.digest[:12]}",
            FILES,
            FILES,
            row.message_id,
            row.digest,
        )
        return Attachment(
            digest=row.digest,
            file_name=name,
            content_type=row.content_type,
            size=row.size,
            ticket_id=row.ticket_id,
        )

    def _opened(self, session: Session, row: InboundMailRow) -> InboundMessage:
        files = session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.message_id == row.id)
            .order_by(AttachmentRow.digest)
        )
        return InboundMessage(
            id=row.id,
            received_at=row.received_at,
            channel=Channel(row.channel),
            outcome=Outcome(row.outcome),
            reason=row.reason,
            ticket_id=row.ticket_id,
            mo=row.mo_code,
            reopen=row.reopen,
            delivery=Delivery(row.delivery),
            attempts=row.attempts,
            sender=self._open(row, "sender"),
            subject=self._open(row, "subject"),
            text=self._open(row, "body"),
            sorted_by=row.sorted_by,
            sorted_at=row.sorted_at,
            attachments=[self._attachment(file) for file in files],
        )
