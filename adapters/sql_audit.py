"""The audit trail in the desk's database: appended in order under a lock on its head, each entry
sealed with the configured audit key, never updated; `verify` checks every seal and link, and the
chain against the checkpoints kept outside the database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.database import AuditHeadRow, AuditRow, UnitOfWork
from models.audit import (
    GENESIS,
    AuditEntry,
    AuditEvent,
    ChainBreak,
    Checkpoint,
    Outcome,
    SealKeys,
    seal,
    verify_chain,
)

APPEND_ATTEMPTS = 20


class SqlAuditTrail:
    def __init__(self, uow: UnitOfWork, keys: SealKeys) -> None:
        self._uow = uow
        self._keys = keys

    def append(self, event: AuditEvent, source_key: str | None = None) -> AuditEntry | None:
        """Append `event`; with a `source_key` already in the trail, append nothing (None).

        PostgreSQL lines appends up on the head's row lock. SQLite has no row locks: two
        writers may read the same head, and the second's entry then collides on its number;
        it reads the new head and tries again."""
        for _ in range(APPEND_ATTEMPTS - 1):
            try:
                return self._append(event, source_key)
            except IntegrityError:
                continue
        return self._append(event, source_key)

    def _append(self, event: AuditEvent, source_key: str | None) -> AuditEntry | None:
        with self._uow.begin() as session:
            head = session.scalars(
                select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
            ).first()
            if (
                source_key is not None
                and session.scalars(
                    select(AuditRow.seq).where(AuditRow.source_key == source_key)
                ).first()
            ):
                return None
            if head is None:
                head = AuditHeadRow(id=1, seq=0, hash=GENESIS)
                session.add(head)
            entry = seal(self._keys, head.seq + 1, event, head.hash, source_key)
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
                    key_id=entry.key_id,
                    source_key=source_key,
                )
            )
            head.seq, head.hash = entry.seq, entry.hash
            return entry

    def entries(self, workflow_id: str | None = None) -> list[AuditEntry]:
        with self._uow.begin() as session:
            return list(self._entries(session, workflow_id))

    def head(self) -> Checkpoint:
        """The chain's newest entry, as a checkpoint to keep outside the database."""
        with self._uow.begin() as session:
            head = session.get(AuditHeadRow, 1)
            seq, hash_ = (0, GENESIS) if head is None else (head.seq, head.hash)
            return Checkpoint(seq=seq, hash=hash_, at=datetime.now(UTC))

    def verify(self, checkpoints: Sequence[Checkpoint] = ()) -> list[ChainBreak]:
        with self._uow.begin() as session:
            head = session.get(AuditHeadRow, 1)
            head_seq, head_hash = (0, GENESIS) if head is None else (head.seq, head.hash)
            return verify_chain(
                self._entries(session, None), head_seq, head_hash, self._keys, checkpoints
            )

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
                key_id=row.key_id,
                source_key=row.source_key,
            )
