"""TicketRecords on SQLAlchemy: the ticket projection and the escalations.

With the payload keys, the projection also keeps the rest of each ticket (its subject, question,
solution, and each step's note), sealed at rest and bound to its row, so the desk reads a whole
ticket from its records and asks the engine nothing. It keeps them only for a ticket whose every
record carried them from its first step: a ticket projected before they were kept is read from
its workflow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from adapters.database import (
    EscalationRow,
    TicketRow,
    TicketStepRow,
    UnitOfWork,
)
from adapters.listing import page
from adapters.sealed_mail import MailKeys, Sealer
from models.escalations import kind_of_key
from models.requests import Escalation, Listed, ListQuery, Load, Order, Page
from models.service_calendar import MONTREAL
from models.tickets import BreachEscalation, Step, TicketDetails, TicketRecord, TicketStatus

TABLE, STEPS = "tickets", "ticket_steps"


class SqlTicketRecords:
    def __init__(self, uow: UnitOfWork, keys: MailKeys | None = None) -> None:
        """Without `keys`, the records keep what lists only (the desk reads tickets from the
        engine)."""
        self._uow = uow
        self._sealer = Sealer(keys) if keys is not None else None

    def record(self, ticket: TicketRecord) -> None:
        with self._uow.begin() as session:
            row = session.get(TicketRow, ticket.id, with_for_update=True)
            if row is None:
                row = TicketRow(id=ticket.id, version=0)
                session.add(row)
                # Whole from its first step, or never: a ticket recorded without its details
                # keeps none, so its steps' notes are never half there.
                whole = ticket.first_seq == 1
            else:
                whole = row.details is not None
            sealer = self._sealer if whole and ticket.details is not None else None
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
                row.warned = ticket.warned
                row.module = ticket.module
                row.requester = ticket.requester
                row.forwarded_to = ticket.forwarded_to
                row.version = ticket.version
                if sealer is not None and ticket.details is not None:
                    row.details = sealer.seal(
                        ticket.details.model_dump_json(), *_bound(ticket.id, row)
                    )
                else:
                    row.details = None
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
                            note=(
                                None
                                if sealer is None or step.note is None
                                else sealer.seal(step.note, STEPS, ticket.id, str(step.seq))
                            ),
                        )
                    )

    def page(self, query: ListQuery) -> Page:
        """Tickets as their projection has them: the queue (urgent first, then the earliest
        deadline) or by number, filtered by the database."""
        found = select(*LISTED_COLUMNS)
        for column, value in (
            (TicketRow.mo_code, query.mo),
            (TicketRow.status, query.status),
            (TicketRow.breached, query.breached),
            (TicketRow.requester, query.requester),
            (TicketRow.forwarded_to, query.forwarded_to),
            (TicketRow.assignee, query.assignee),
        ):
            if value is not None:
                found = found.where(column == value)
        keys = (
            [(TicketRow.urgent, False), (TicketRow.due_at, True), (TicketRow.id, True)]
            if query.order is Order.queue
            else [(TicketRow.id, True)]
        )
        with self._uow.engine.connect() as connection:  # a read: no ORM objects, no unit of work
            return page(connection, found, query, keys, _listed)

    def load(self) -> list[Load]:
        """Open tickets by agent and status (a supervisor's view of each agent's load)."""
        found = (
            select(
                TicketRow.assignee,
                TicketRow.status,
                func.count(),
                func.sum(case((TicketRow.breached, 1), else_=0)),
            )
            .where(TicketRow.status != TicketStatus.closed.value)
            .group_by(TicketRow.assignee, TicketRow.status)
            .order_by(TicketRow.assignee, TicketRow.status)
        )
        with self._uow.engine.connect() as connection:
            return [
                Load(assignee=who, status=status, count=count, breached=breached or 0)
                for who, status, count, breached in connection.execute(found)
            ]

    def get(self, ticket_id: str) -> TicketRecord | None:
        """The ticket as recorded; with its details and its steps' notes when they were kept
        (`TicketRecord.state` then gives the whole ticket)."""
        with self._uow.engine.connect() as connection:  # a read: no ORM objects
            row = connection.execute(select(TicketRow).where(TicketRow.id == ticket_id)).first()
            if row is None:
                return None
            steps = connection.execute(
                select(TicketStepRow)
                .where(TicketStepRow.ticket_id == ticket_id)
                .order_by(TicketStepRow.seq)
            ).all()
        sealer = self._sealer if row.details is not None else None
        details = None
        if sealer is not None:
            opened = sealer.open(row.details, f"ticket {ticket_id}", TABLE, *_bound(ticket_id, row))
            details = TicketDetails.model_validate_json(opened)
        return TicketRecord(
            id=row.id,
            mo=row.mo_code,
            channel=row.channel,
            urgent=row.urgent,
            status=row.status,
            received_at=row.received_at,  # in UTC, as the desk gives it by default
            due=row.due_at.astimezone(MONTREAL),  # in the service's time, as the desk computes it
            taken_at=row.taken_at,
            assignee=row.assignee,
            breached=row.breached,
            warned=row.warned,
            module=row.module,
            version=row.version,
            requester=row.requester,
            forwarded_to=row.forwarded_to,
            details=details,
            steps=[
                Step(
                    seq=step.seq,
                    kind=step.kind,
                    actor=step.actor,
                    at=step.at,
                    note=(
                        None
                        if sealer is None or step.note is None
                        else sealer.open(
                            step.note,
                            f"step {step.seq} of ticket {ticket_id}",
                            STEPS,
                            STEPS,
                            ticket_id,
                            str(step.seq),
                        )
                    ),
                )
                for step in steps
            ],
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
                        kind=(escalation.kind or kind_of_key(escalation.idempotency_key)).value,
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


def _bound(ticket_id: str, row: Any) -> tuple[str, ...]:
    """What a ticket's sealed details are bound to: its row, and the columns that say who may
    see it (its MO, its requester, the pilot it is forwarded to): a database writer who points
    them elsewhere makes the details unreadable, and the desk asks the engine instead."""
    return (TABLE, ticket_id, row.mo_code, row.requester or "", row.forwarded_to or "")


def _names(joined: str) -> list[str]:
    return [name for name in joined.split(",") if name]


LISTED_COLUMNS = (
    TicketRow.id,
    TicketRow.mo_code,
    TicketRow.channel,
    TicketRow.status,
    TicketRow.urgent,
    TicketRow.warned,
    TicketRow.breached,
    TicketRow.due_at,
    TicketRow.received_at,
    TicketRow.assignee,
)


def _listed(row: Any) -> Listed:
    return Listed(
        id=row.id,
        process="ticket",
        mo=row.mo_code,
        channel=row.channel,
        status=row.status,
        urgent=row.urgent,
        warned=row.warned,
        breached=row.breached,
        due=row.due_at,
        started_at=row.received_at,
        assignee=row.assignee,
    )
