"""The mail port's local adapter: messages go to the `outbox` table, once per idempotency key.

A relay (or a person, locally) sends what is there; the desk never blocks on a mail server.

Every mail's address, subject and body are stored sealed with the payload keys (personal data;
adapters/sealed_mail.py). A mail that holds a secret (the temporary password of a reset) has its
body sealed apart and removed once the relay reports it delivered, so the secret is never in the
database, sealed or not, longer than it takes to deliver it. Sealed rather than a one-time link
in the mail: no web page exists yet to serve such a link, and a link would need a secret store
of its own, with its expiry and its own at-rest protection; the payload keys already exist,
rotate and are kept out of the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from adapters.database import OutboxRow, UnitOfWork
from adapters.sealed_mail import REMOVED, SEALED, MailKeys, MailSeal
from models.mail import Mail, message_id, workflow_of_key

DEFAULT_MAIL_DOMAIN = "sagir-desk.local"


class OutboxMailer:
    def __init__(self, uow: UnitOfWork, keys: MailKeys, domain: str = DEFAULT_MAIL_DOMAIN) -> None:
        self._uow = uow
        self._seal = MailSeal(keys)
        self._domain = domain  # of the Message-IDs

    def send(self, mail: Mail, at: datetime) -> bool:
        """Queue `mail`; False when a mail with its key was already queued."""
        with self._uow.begin() as session:
            return queue_in(session, self._seal, mail, at, self._domain)

    def sent(self, key_prefix: str = "") -> list[Mail]:
        """The queued mails, secret bodies opened (`UnreadableMail` if their key is gone)."""
        with self._uow.begin() as session:
            rows = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.idempotency_key.startswith(key_prefix))
                .order_by(OutboxRow.created_at, OutboxRow.idempotency_key)
            )
            return [
                self._seal.opened(row.idempotency_key, row.to_address, row.subject, row.body)
                for row in rows
            ]

    def delivered(self, idempotency_key: str) -> bool:
        """Remove the sealed body of a delivered mail; the row stays (address, subject, key), so
        the mail still counts as sent and a retried step does not send it again."""
        with self._uow.begin() as session:
            return remove_secret_body(session, idempotency_key)


def queue_in(session: Session, seal: MailSeal, mail: Mail, at: datetime, domain: str) -> bool:
    """Queue `mail` in `session` (the transaction of the step that owes it); False when a mail
    with its key was already queued."""
    if session.get(OutboxRow, mail.idempotency_key) is not None:
        return False
    stored = seal.stored(mail)
    session.add(
        OutboxRow(
            idempotency_key=mail.idempotency_key,
            to_address=stored.to,
            subject=stored.subject,
            body=stored.body,
            created_at=at,
            workflow_id=workflow_of_key(mail.idempotency_key),
            # Fixed now, so every delivery of this mail (a retry, a resend after a relay was
            # killed) carries the same Message-ID.
            message_id=message_id(mail.idempotency_key, domain),
            status="queued",
            attempts=0,
        )
    )
    return True


def remove_secret_body(session: Session, idempotency_key: str) -> bool:
    """Remove a delivered mail's sealed body in `session`; True when it was removed now."""
    # One conditional UPDATE: two relays reporting the same delivery remove it once.
    removed = session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.idempotency_key == idempotency_key,
            OutboxRow.body.startswith(SEALED, autoescape=True),
        )
        .values(body=REMOVED)
        .returning(OutboxRow.idempotency_key)
    ).first()
    return removed is not None
