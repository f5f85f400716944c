"""Ticket activities: the desk's projection, the requester's notices and the escalations.
Idempotent by construction (keys from the ticket and its step)."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio import activity

from activities.audit import append_to_trail
from activities.notices import mail_supervisors, supervisors_on_duty
from adapters.ports import AuditTrail, Contacts, Directory, Mailer, TicketRecords, Wordings
from models.audit import WorkflowStep, WorkflowSteps
from models.mail import Mail
from models.notices import AgentNotice, Template, TicketNotice, Wording
from models.requests import Process
from models.tickets import BreachEscalation, Language, TicketBreach, TicketRecord

log = logging.getLogger(__name__)


class TicketActivities:
    def __init__(
        self,
        records: TicketRecords,
        directory: Directory,
        contacts: Contacts,
        mailer: Mailer,
        wordings: Wordings,
        trail: AuditTrail,
    ) -> None:
        self._records = records
        self._directory = directory
        self._contacts = contacts
        self._mailer = mailer
        self._wordings = wordings
        self._trail = trail

    @activity.defn
    def record_ticket(self, ticket: TicketRecord) -> None:
        """Write the ticket's projection, and append its new steps to the audit trail when the
        record says which run they belong to (one write per step); a retried or stale write
        changes nothing, and a step already in the trail is not appended again."""
        self._records.record(ticket)
        if ticket.audit_run is not None:
            append_to_trail(
                self._trail,
                self._directory,
                WorkflowSteps(
                    workflow_id=ticket.id,
                    run_id=ticket.audit_run,
                    mo=ticket.mo,
                    process=Process.ticket,
                    first_index=ticket.first_seq - 1,
                    steps=[
                        WorkflowStep(
                            kind=step.kind.value, actor=step.actor, at=step.at, note=step.note
                        )
                        for step in ticket.steps
                    ],
                ),
            )

    @activity.defn
    def notify_requester(self, notice: TicketNotice) -> bool:
        """Queue a notice to the ticket's contact in their language; False when the ticket has
        no contact (opened by hand without an address) or the notice was queued before."""
        contact = self._contacts.of(notice.ticket_id)
        if contact is None:
            log.info(
                "ticket %s has no contact: notice %s not sent",
                notice.ticket_id,
                notice.idempotency_key,
            )
            return False
        words = self._wordings.render(notice.wording, contact.language)
        return self._mailer.send(
            Mail(
                idempotency_key=notice.idempotency_key,
                to=contact.address,
                subject=words.subject,
                body=words.body,
            ),
            activity.info().current_attempt_scheduled_time,
        )

    @activity.defn
    def tell_agent(self, notice: AgentNotice) -> bool:
        """Queue a notice to a CA agent at their work address (in French, the CA's language);
        False when the directory has no address for them or it was queued before."""
        agent = self._directory.agent(notice.agent)
        if agent is None or agent.email is None:
            log.warning(
                "%s has no email: notice %s not mailed", notice.agent, notice.idempotency_key
            )
            return False
        words = self._wordings.render(notice.wording, Language.fr)
        return self._mailer.send(
            Mail(
                idempotency_key=notice.idempotency_key,
                to=agent.email,
                subject=words.subject,
                body=words.body,
            ),
            activity.info().current_attempt_scheduled_time,
        )

    @activity.defn
    def breach(self, breach: TicketBreach) -> list[str]:
        """A ticket not taken in charge in time, in one activity (a burst of deadlines costs one
        activity each): its projection first, so lists show it breached at once, then the
        escalation; both idempotent, so a retry redoes nothing."""
        self.record_ticket(breach.record)
        return self.escalate_breach(breach.escalation)

    @activity.defn
    def escalate_breach(self, escalation: BreachEscalation) -> list[str]:
        """Tell the CA supervisors, on their list and by mail, that a ticket was not taken in
        charge in time (once per key)."""
        supervisors = supervisors_on_duty(self._directory.agents())
        notified = self._records.escalate(escalation, [agent.code for agent in supervisors])
        at = escalation.breached_at
        received = escalation.received_at or escalation.due
        mail_supervisors(
            self._mailer,
            self._wordings,
            supervisors,
            escalation.idempotency_key,
            Wording(
                template=Template.escalation_breach,
                values={
                    "request": escalation.ticket_id,
                    "mo": escalation.mo,
                    "received_at": received.isoformat(),
                    "due": escalation.due.isoformat(),
                    "at": at.isoformat(),
                    "waiting_minutes": str(_minutes(at - received)),
                    "late_minutes": str(_minutes(at - escalation.due)),
                },
            ),
            at,
        )
        log.warning(
            "ticket %s breached its take-in-charge deadline %s; escalated to %s",
            escalation.ticket_id,
            escalation.due.isoformat(),
            ", ".join(notified) or "no supervisor on file",
        )
        return notified


def _minutes(span: timedelta) -> int:
    return max(0, int(span.total_seconds() // 60))
