"""TicketRecords on SQLAlchemy: the ticket projection and the escalations."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adapters.database import (
    EscalationRow,
    TicketRow,
    TicketStepRow,
    UnitOfWork,
)
from models.requests import Escalation
from models.tickets import BreachEscalation, Step, TicketRecord


class SqlTicketRecords:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def record(self, ticket: TicketRecord) -> None:
        with self._uow.begin() as session:
            row = session.get(TicketRow, ticket.id, with_for_update=True)
            if row is None:
                row = TicketRow(id=ticket.id, version=0)
                session.add(row)
            if row.version < ticket.version:
                row.mo_code = ticket.mo
                row.channel = ticket.channel.value
                row.urgent = ticket.urgent
                row.status = ticket.status.value
                row.received_at = ticket.received_at
                row.due_at = ticket.due
                row.taken_at = ticket.taken_at
                row.assignee = ticket.assignee
                row.breached = ticket.breached
                row.version = ticket.version
            session.flush()
            known = set(
                session.scalars(
                    select(TicketStepRow.seq).where(TicketStepRow.ticket_id == ticket.id)
                )
            )
            for step in ticket.steps:
                if step.seq not in known:
                    session.add(
                        TicketStepRow(
                            ticket_id=ticket.id,
                            seq=step.seq,
                            kind=step.kind.value,
                            actor=step.actor,
                            at=step.at,
                        )
                    )

    def get(self, ticket_id: str) -> TicketRecord | None:
        with self._uow.begin() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                return None
            steps = session.scalars(
                select(TicketStepRow)
                .where(TicketStepRow.ticket_id == ticket_id)
                .order_by(TicketStepRow.seq)
            )
            return TicketRecord(
                id=row.id,
                mo=row.mo_code,
                channel=row.channel,
                urgent=row.urgent,
                status=row.status,
                received_at=row.received_at,
                due=row.due_at,
                taken_at=row.taken_at,
                assignee=row.assignee,
                breached=row.breached,
                version=row.version,
                steps=[Step(seq=s.seq, kind=s.kind, actor=s.actor, at=s.at) for s in steps],
            )

    def escalate(self, escalation: BreachEscalation, supervisors: list[str]) -> list[str]:
        return self.record_escalation(
            Escalation(
                idempotency_key=escalation.idempotency_key,
                workflow_id=escalation.ticket_id,
                mo=escalation.mo,
                reason=f"not taken in charge by {escalation.due.isoformat()}",
                at=escalation.breached_at,
            ),
            supervisors,
        )

    def record_escalation(self, escalation: Escalation, supervisors: list[str]) -> list[str]:
        """Record an escalation once per key; returns who was notified (the first time's list)."""
        with self._uow.begin() as session:
            existing = session.get(EscalationRow, escalation.idempotency_key)
            if existing is not None:
                return _names(existing.notified)
        try:
            with self._uow.begin() as session:
                session.add(
                    EscalationRow(
                        idempotency_key=escalation.idempotency_key,
                        workflow_id=escalation.workflow_id,
                        mo_code=escalation.mo,
                        reason=escalation.reason[:400],
                        escalated_at=escalation.at,
                        notified=",".join(supervisors),
                    )
                )
            return supervisors
        except IntegrityError:
            # A concurrent attempt of the same activity got there first: same outcome.
            with self._uow.begin() as session:
                row = session.get(EscalationRow, escalation.idempotency_key)
                assert row is not None
                return _names(row.notified)

    def escalations_of(self, workflow_id: str) -> list[str]:
        """The idempotency keys of a workflow's escalations (what tests and reports read)."""
        with self._uow.begin() as session:
            return list(
                session.scalars(
                    select(EscalationRow.idempotency_key).where(
                        EscalationRow.workflow_id == workflow_id
                    )
                )
            )


def _names(joined: str) -> list[str]:
    return [name for name in joined.split(",") if name]
