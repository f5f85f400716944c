"""The mail port's local adapter: messages go to the `outbox` table, once per idempotency key.

A relay (or a person, locally) sends what is there; the desk never blocks on a mail server.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from adapters.database import OutboxRow, UnitOfWork
from models.mail import Mail


class OutboxMailer:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def send(self, mail: Mail, at: datetime) -> bool:
        """Queue `mail`; False when a mail with its key was already queued."""
        with self._uow.begin() as session:
            if session.get(OutboxRow, mail.idempotency_key) is not None:
                return False
            session.add(
                OutboxRow(
                    idempotency_key=mail.idempotency_key,
                    to_address=mail.to,
                    subject=mail.subject,
                    body=mail.body,
                    created_at=at,
                )
            )
            return True

    def sent(self, key_prefix: str = "") -> list[Mail]:
        with self._uow.begin() as session:
            rows = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.idempotency_key.startswith(key_prefix))
                .order_by(OutboxRow.created_at, OutboxRow.idempotency_key)
            )
            return [
                Mail(
                    idempotency_key=row.idempotency_key,
                    to=row.to_address,
                    subject=row.subject,
                    body=row.body,
                )
                for row in rows
            ]
