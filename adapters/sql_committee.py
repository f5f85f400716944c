"""What the committee's report reads beyond the SLA report's facts: each ticket of a month with
its module and its steps, and the warnings given (escalations of kind `warning`)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from adapters.database import EscalationRow, TicketRow, TicketStepRow, UnitOfWork
from models.committee import CommitteeTicket, WarningGiven
from models.reports import month_bounds
from models.resolution import UNKNOWN_MODULE
from models.tickets import Step

WARNING = "warning"  # EscalationKind.warning's value


class SqlCommitteeRecords:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def tickets(self, month: str, mo: str | None = None) -> list[CommitteeTicket]:
        """The tickets received in `month` (Montreal), by number, with their steps in order."""
        start, after = month_bounds(month)
        chosen = [TicketRow.received_at >= start, TicketRow.received_at < after]
        if mo is not None:
            chosen.append(TicketRow.mo_code == mo)
        tickets = (
            select(
                TicketRow.id,
                TicketRow.mo_code,
                TicketRow.channel,
                TicketRow.status,
                TicketRow.received_at,
                TicketRow.breached,
                TicketRow.module,
            )
            .where(*chosen)
            .order_by(TicketRow.id)
        )
        steps = (
            select(
                TicketStepRow.ticket_id,
                TicketStepRow.seq,
                TicketStepRow.kind,
                TicketStepRow.actor,
                TicketStepRow.at,
            )
            .join(TicketRow, TicketRow.id == TicketStepRow.ticket_id)
            .where(*chosen)
            .order_by(TicketStepRow.ticket_id, TicketStepRow.seq)
        )
        # Plain rows, no ORM objects: a month holds thousands of tickets and their steps.
        with self._uow.engine.connect() as connection:
            by_ticket: dict[str, list[Step]] = defaultdict(list)
            for row in connection.execute(steps):
                by_ticket[row.ticket_id].append(
                    Step(seq=row.seq, kind=row.kind, actor=row.actor, at=row.at)
                )
            return [
                CommitteeTicket(
                    id=row.id,
                    mo=row.mo_code,
                    channel=row.channel,
                    module=row.module or UNKNOWN_MODULE,
                    status=row.status,
                    received_at=row.received_at,
                    breached=row.breached,
                    steps=by_ticket.get(row.id, []),
                )
                for row in connection.execute(tickets)
            ]

    def warnings(self, month: str, mo: str | None = None) -> list[WarningGiven]:
        """The warnings given in `month`: a request nearing its take-in-charge deadline."""
        start, after = month_bounds(month)
        query = select(EscalationRow.mo_code, EscalationRow.escalated_at).where(
            EscalationRow.kind == WARNING,
            EscalationRow.escalated_at >= start,
            EscalationRow.escalated_at < after,
        )
        if mo is not None:
            query = query.where(EscalationRow.mo_code == mo)
        with self._uow.engine.connect() as connection:
            return [
                WarningGiven(mo=row.mo_code, at=row.escalated_at)
                for row in connection.execute(query)
            ]
