"""Contacts on SQLAlchemy: where a ticket's notices go, the address sealed at rest with the
payload keys (bound to its ticket, so a sealed address copied onto another ticket does not open)."""

from __future__ import annotations

from sqlalchemy import delete

from adapters.database import TicketContactRow, UnitOfWork
from adapters.sealed_mail import MailKeys, Sealer
from models.mail import Contact
from models.tickets import Language

TABLE = "ticket_contacts"


class SqlContacts:
    def __init__(self, uow: UnitOfWork, keys: MailKeys) -> None:
        self._uow = uow
        self._sealer = Sealer(keys)

    def keep(self, ticket_id: str, contact: Contact) -> None:
        sealed = self._sealer.seal(contact.address, TABLE, ticket_id)
        with self._uow.begin() as session:
            session.merge(
                TicketContactRow(
                    ticket_id=ticket_id, address=sealed, language=contact.language.value
                )
            )

    def forget(self, ticket_id: str) -> None:
        with self._uow.begin() as session:
            session.execute(delete(TicketContactRow).where(TicketContactRow.ticket_id == ticket_id))

    def of(self, ticket_id: str) -> Contact | None:
        with self._uow.begin() as session:
            row = session.get(TicketContactRow, ticket_id)
            if row is None:
                return None
            address = self._sealer.open(
                row.address, f"the contact of {ticket_id}", TABLE, TABLE, ticket_id
            )
            return Contact(address=address, language=Language(row.language))
