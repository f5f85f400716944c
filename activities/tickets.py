"""Ticket activities: the desk's projection and the escalations. Idempotent by construction."""

from __future__ import annotations

import logging

from temporalio import activity

from adapters.ports import Directory, TicketRecords
from models.directory import active_supervisors
from models.tickets import BreachEscalation, TicketRecord

log = logging.getLogger(__name__)


class TicketActivities:
    def __init__(self, records: TicketRecords, directory: Directory) -> None:
        self._records = records
        self._directory = directory

    @activity.defn
    def record_ticket(self, ticket: TicketRecord) -> None:
        """Write the ticket's projection; a retried or stale write changes nothing."""
        self._records.record(ticket)

    @activity.defn
    def escalate_breach(self, escalation: BreachEscalation) -> list[str]:
        """Tell the CA supervisors a ticket was not taken in charge in time (once per key)."""
        supervisors = active_supervisors(self._directory.agents())
        notified = self._records.escalate(escalation, supervisors)
        log.warning(
            "ticket %s breached its take-in-charge deadline %s; escalated to %s",
            escalation.ticket_id,
            escalation.due.isoformat(),
            ", ".join(notified) or "no supervisor on file",
        )
        return notified
