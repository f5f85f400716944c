"""DeskFigures on SQLAlchemy: counts the database answers from its indexes (the queue, escalations
by kind, the outbox by status), read at each scrape."""

from __future__ import annotations

from sqlalchemy import func, select

from adapters.database import EscalationRow, OutboxRow, TicketRow, UnitOfWork
from models.figures import DeskFigures
from models.tickets import TicketStatus


class SqlFigures:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def now(self) -> DeskFigures:
        waiting = TicketRow.status == TicketStatus.received.value
        with self._uow.engine.connect() as connection:  # a read: no ORM objects
            queue_depth = connection.scalar(select(func.count()).where(waiting)) or 0
            urgent = connection.scalar(select(func.count()).where(waiting, TicketRow.urgent)) or 0
            by_kind = select(EscalationRow.kind, func.count()).group_by(EscalationRow.kind)
            escalations = {kind: count for kind, count in connection.execute(by_kind)}
            by_status = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
            outbox = {status: count for status, count in connection.execute(by_status)}
        return DeskFigures(
            queue_depth=queue_depth,
            urgent_waiting=urgent,
            escalations=escalations,
            outbox=outbox,
        )
