"""The audit trail in the desk's database: appended in order under a lock on its head, never
updated; `verify` recomputes the chain."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.database import AuditHeadRow, AuditRow, UnitOfWork
from models.audit import GENESIS, AuditEntry, AuditEvent, ChainBreak, Outcome, chained, verify_chain


class SqlAuditTrail:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def append(self, event: AuditEvent) -> AuditEntry:
        with self._uow.begin() as session:
            head = session.scalars(
                select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
            ).first()
            if head is None:
                head = AuditHeadRow(id=1, seq=0, hash=GENESIS)
                session.add(head)
            entry = chained(head.seq + 1, event, head.hash)
            session.add(
                AuditRow(
                    seq=entry.seq,
                    at=entry.at,
                    workflow_id=entry.workflow_id,
                    mo_code=entry.mo,
                    actor=entry.actor,
                    role=entry.role,
                    action=entry.action,
                    outcome=entry.outcome.value,
                    detail=entry.detail,
                    prev_hash=entry.prev_hash,
                    hash=entry.hash,
                )
            )
            head.seq, head.hash = entry.seq, entry.hash
            return entry

    def entries(self, workflow_id: str | None = None) -> list[AuditEntry]:
        with self._uow.begin() as session:
            return list(self._entries(session, workflow_id))

    def verify(self) -> list[ChainBreak]:
        with self._uow.begin() as session:
            head = session.get(AuditHeadRow, 1)
            head_seq, head_hash = (0, GENESIS) if head is None else (head.seq, head.hash)
            return verify_chain(self._entries(session, None), head_seq, head_hash)

    @staticmethod
    def _entries(session: Session, workflow_id: str | None) -> Iterator[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.seq)
        if workflow_id is not None:
            query = query.where(AuditRow.workflow_id == workflow_id)
        for row in session.scalars(query):
            yield AuditEntry(
                seq=row.seq,
                at=row.at,
                workflow_id=row.workflow_id,
                mo=row.mo_code,
                actor=row.actor,
                role=row.role,
                action=row.action,
                outcome=Outcome(row.outcome),
                detail=row.detail,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
