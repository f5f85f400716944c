"""The outbox as the mail relay works it (port `Outbox`): claims and delivery marks, each one
conditional UPDATE, so relays running at once never hold the same mail and a relay whose claim
was taken over after the lease changes nothing. SQLite and PostgreSQL.

A mail's life: `queued` -> (claim) `sending` -> `sent` | `queued` again with a later attempt |
`failed`. The claim is committed before the server is spoken to: a relay killed after it leaves
`sending` behind, and the mail is claimed again once the claim is older than the lease. The only
mail ever sent twice is one the server accepted just before its relay was killed (its answer
never written); it goes again with the same Message-ID, which the receiving side can recognise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update

from adapters.database import (
    CommuniqueRow,
    InvoiceRow,
    OutboxRow,
    RequestRow,
    TicketRow,
    UnitOfWork,
)
from adapters.outbox_mailer import DEFAULT_MAIL_DOMAIN, remove_secret_body
from adapters.sealed_mail import MailKeys, MailSeal
from models.communiques import DGGIR, CommuniqueContent
from models.mail import (
    Delivery,
    DeliveryStatus,
    Mail,
    OutboxEntry,
    UnreadableMail,
    message_id,
    without_addresses,
    workflow_of_key,
)

REPLY_LENGTH = 500  # the column's


class SqlOutbox:
    def __init__(
        self,
        uow: UnitOfWork,
        keys: MailKeys,
        domain: str = DEFAULT_MAIL_DOMAIN,
        contents: Callable[[str], CommuniqueContent] | None = None,
        invoices: Callable[[str], CommuniqueContent] | None = None,
    ) -> None:
        self._uow = uow
        self._seal = MailSeal(keys)
        self._domain = domain  # for a mail queued before Message-IDs were stored
        # A communiqué's content, for its mails (read once per communiqué a round meets).
        self._contents = contents
        # An invoice's text and PDF, for its mail (read from the invoice as issued).
        self._invoices = invoices

    def due(self, now: datetime, lease: timedelta, limit: int) -> list[str]:
        with self._uow.begin() as session:
            return list(
                session.scalars(
                    select(OutboxRow.idempotency_key)
                    .where(_due(now, lease))
                    # A person's notice before a communiqué's fan-out: a notice queued after
                    # 20,000 communiqué mails does not wait minutes behind them.
                    .order_by(
                        OutboxRow.communique_id.is_not(None),
                        OutboxRow.created_at,
                        OutboxRow.idempotency_key,
                    )
                    .limit(limit)
                )
            )

    def claim(self, key: str, now: datetime, lease: timedelta) -> Delivery | None:
        with self._uow.begin() as session:
            # One conditional UPDATE: of two relays claiming the same mail, one gets the row.
            row = session.execute(
                update(OutboxRow)
                .where(OutboxRow.idempotency_key == key, _due(now, lease))
                .values(
                    status=DeliveryStatus.sending.value,
                    sending_since=now,
                    attempts=OutboxRow.attempts + 1,
                )
                .returning(
                    OutboxRow.to_address,
                    OutboxRow.subject,
                    OutboxRow.body,
                    OutboxRow.message_id,
                    OutboxRow.attempts,
                    OutboxRow.communique_id,
                    OutboxRow.invoice_key,
                )
            ).first()
        if row is None:
            return None
        to, subject, body, stored_id, attempts, communique, invoice = row
        try:
            mail = self._seal.opened(key, to, subject, body)
            unreadable = None
        except UnreadableMail as error:
            # Its key gone from SAGIR_PAYLOAD_KEYS (put back, it goes) or the row altered.
            mail = Mail(idempotency_key=key, to=to, subject=subject, body="")
            unreadable = str(error)
        content = None
        if communique is not None:
            if self._contents is None:
                unreadable = "this relay was built without the communiqués' contents"
            else:
                try:
                    content = self._contents(communique)
                except (LookupError, ValueError) as error:  # a file gone from the store
                    unreadable = str(error)
        if invoice is not None:
            if self._invoices is None:
                unreadable = "this relay was built without the invoices"
            else:
                try:
                    content = self._invoices(invoice)
                except LookupError as error:
                    unreadable = str(error)
        return Delivery(
            mail=mail,
            message_id=stored_id or message_id(key, self._domain),
            attempts=attempts,
            unreadable=unreadable,
            content=content,
        )

    def mark_sent(
        self, delivery: Delivery, reply: str, now: datetime, content_digest: str | None = None
    ) -> bool:
        key = delivery.mail.idempotency_key
        with self._uow.begin() as session:
            # Not conditional on the claim: whichever relay learns the server took the mail says
            # so, even one whose claim was taken over, so it is not sent again.
            marked = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.idempotency_key == key,
                    OutboxRow.status.in_(
                        [DeliveryStatus.sending.value, DeliveryStatus.queued.value]
                    ),
                )
                .values(
                    status=DeliveryStatus.sent.value,
                    sent_at=now,
                    sending_since=None,
                    next_attempt_at=None,
                    server_reply=reply[:REPLY_LENGTH],
                    content_digest=content_digest,
                )
                .returning(OutboxRow.idempotency_key)
            ).first()
            # In the same transaction: a delivered secret is never left at rest.
            remove_secret_body(session, key)
            return marked is not None

    def mark_retry(self, delivery: Delivery, reply: str, at: datetime) -> bool:
        return self._release(
            delivery,
            status=DeliveryStatus.queued.value,
            next_attempt_at=at,
            sending_since=None,
            server_reply=reply[:REPLY_LENGTH],
        )

    def mark_failed(self, delivery: Delivery, reply: str) -> bool:
        return self._release(
            delivery,
            status=DeliveryStatus.failed.value,
            next_attempt_at=None,
            sending_since=None,
            server_reply=reply[:REPLY_LENGTH],
        )

    def mo_of(self, workflow_id: str) -> str | None:
        with self._uow.begin() as session:
            ticket = session.get(TicketRow, workflow_id)
            if ticket is not None:
                return ticket.mo_code
            request = session.get(RequestRow, workflow_id)
            if request is not None:
                return request.mo_code
            communique = session.get(CommuniqueRow, workflow_id)
            if communique is not None:
                return communique.mo_code or DGGIR
            invoice = session.get(InvoiceRow, workflow_id)
            if invoice is not None:
                return invoice.mo_code
            return None

    def entries(
        self, status: DeliveryStatus | None, workflow_id: str | None, limit: int
    ) -> list[OutboxEntry]:
        return outbox_entries(self._uow, status, workflow_id, limit)

    def _release(self, delivery: Delivery, **values: object) -> bool:
        """Write the outcome of this relay's claim; nothing when the claim is no longer its
        own (another relay took the mail over after the lease)."""
        with self._uow.begin() as session:
            released = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.idempotency_key == delivery.mail.idempotency_key,
                    OutboxRow.status == DeliveryStatus.sending.value,
                    OutboxRow.attempts == delivery.attempts,
                )
                .values(**values)
                .returning(OutboxRow.idempotency_key)
            ).first()
            return released is not None


def _due(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Queued and due, or claimed by a relay that has not reported for longer than `lease`."""
    return or_(
        and_(
            OutboxRow.status == DeliveryStatus.queued.value,
            or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
        ),
        and_(
            OutboxRow.status == DeliveryStatus.sending.value,
            OutboxRow.sending_since <= now - lease,
        ),
    )


def outbox_entries(
    uow: UnitOfWork, status: DeliveryStatus | None, workflow_id: str | None, limit: int
) -> list[OutboxEntry]:
    """The outbox's delivery state, oldest first (no keys needed: no body is read)."""
    query = select(OutboxRow).order_by(OutboxRow.created_at, OutboxRow.idempotency_key)
    if status is not None:
        query = query.where(OutboxRow.status == status.value)
    if workflow_id is not None:
        query = query.where(OutboxRow.workflow_id == workflow_id)
    with uow.begin() as session:
        return [
            OutboxEntry(
                key=row.idempotency_key,
                workflow_id=row.workflow_id or workflow_of_key(row.idempotency_key),
                status=DeliveryStatus(row.status),
                attempts=row.attempts,
                created_at=row.created_at,
                next_attempt_at=row.next_attempt_at,
                sent_at=row.sent_at,
                server_reply=(
                    None if row.server_reply is None else without_addresses(row.server_reply)
                ),
                message_id=row.message_id,
            )
            for row in session.scalars(query.limit(limit))
        ]
