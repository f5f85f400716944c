"""The MOs' mail domains on SQLAlchemy: which MO a sender's domain belongs to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from adapters.database import MailDomainRow, UnitOfWork
from models.inbound import MailDomain


class SqlMailDomains:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def declare(self, domain: str, mo: str, by: str, at: datetime) -> MailDomain:
        """Declare `domain` for `mo` (a domain declared again moves to the MO now named)."""
        with self._uow.begin() as session:
            session.merge(MailDomainRow(domain=domain, mo_code=mo, declared_by=by, declared_at=at))
        return MailDomain(domain=domain, mo=mo, declared_by=by, declared_at=at)

    def remove(self, domain: str) -> bool:
        with self._uow.begin() as session:
            removed = session.execute(delete(MailDomainRow).where(MailDomainRow.domain == domain))
            return bool(getattr(removed, "rowcount", 0))

    def all(self) -> list[MailDomain]:
        with self._uow.begin() as session:
            rows = session.scalars(select(MailDomainRow).order_by(MailDomainRow.domain))
            return [
                MailDomain(
                    domain=row.domain,
                    mo=row.mo_code,
                    declared_by=row.declared_by,
                    declared_at=row.declared_at,
                )
                for row in rows
            ]

    def mapping(self) -> dict[str, str]:
        """Every declared domain and its MO."""
        return {found.domain: found.mo for found in self.all()}
