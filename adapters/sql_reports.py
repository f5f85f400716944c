"""What the SLA report is computed from: the tickets' projection and the late-notice
escalations, read from the desk's database."""

from __future__ import annotations

from sqlalchemy import select

from adapters.database import EscalationRow, RequestFactRow, TicketRow, UnitOfWork
from models.reports import LateNotice, TicketFact, month_bounds


class SqlReports:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def request_facts(self, month: str | None = None, mo: str | None = None) -> list[TicketFact]:
        """Tickets, and the other requests under the take-in-charge rule (arrivals, departures,
        parameterisation and access, all through the web request tool)."""
        return self.ticket_facts(month, mo) + self._other_facts(month, mo)

    def _other_facts(self, month: str | None, mo: str | None) -> list[TicketFact]:
        query = select(
            RequestFactRow.workflow_id,
            RequestFactRow.mo_code,
            RequestFactRow.received_at,
            RequestFactRow.due_at,
            RequestFactRow.taken_at,
            RequestFactRow.breached,
        ).order_by(RequestFactRow.workflow_id)
        if month is not None:
            start, after = month_bounds(month)
            query = query.where(
                RequestFactRow.received_at >= start, RequestFactRow.received_at < after
            )
        if mo is not None:
            query = query.where(RequestFactRow.mo_code == mo)
        with self._uow.begin() as session:
            return [
                TicketFact(
                    id=row.workflow_id,
                    mo=row.mo_code,
                    channel="web",
                    received_at=row.received_at,
                    due=row.due_at,
                    taken_at=row.taken_at,
                    breached=row.breached,
                )
                for row in session.execute(query)
            ]

    def ticket_facts(self, month: str | None = None, mo: str | None = None) -> list[TicketFact]:
        # The columns a fact needs, read as plain rows (no ORM objects: the report reads every
        # ticket of the month, thousands of them).
        query = select(
            TicketRow.id,
            TicketRow.mo_code,
            TicketRow.channel,
            TicketRow.received_at,
            TicketRow.due_at,
            TicketRow.taken_at,
            TicketRow.breached,
        ).order_by(TicketRow.id)
        if month is not None:
            start, after = month_bounds(month)
            query = query.where(TicketRow.received_at >= start, TicketRow.received_at < after)
        if mo is not None:
            query = query.where(TicketRow.mo_code == mo)
        with self._uow.begin() as session:
            return [
                TicketFact(
                    id=row.id,
                    mo=row.mo_code,
                    channel=row.channel,
                    received_at=row.received_at,
                    due=row.due_at,
                    taken_at=row.taken_at,
                    breached=row.breached,
                )
                for row in session.execute(query)
            ]

    def late_notices(self, month: str | None = None, mo: str | None = None) -> list[LateNotice]:
        query = select(EscalationRow).where(EscalationRow.idempotency_key.endswith("/late"))
        if month is not None:
            start, after = month_bounds(month)
            query = query.where(
                EscalationRow.escalated_at >= start, EscalationRow.escalated_at < after
            )
        if mo is not None:
            query = query.where(EscalationRow.mo_code == mo)
        with self._uow.begin() as session:
            return [
                LateNotice(mo=row.mo_code, at=row.escalated_at) for row in session.scalars(query)
            ]
