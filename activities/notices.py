"""Telling people: notices by mail (addresses read from the dossier personne or the request,
never carried in the history) and escalations to the CA supervisors, each once per key."""

from __future__ import annotations

import logging

from temporalio import activity

from adapters.ports import Directory, Escalations, Mailer, SagirErp
from models.directory import active_supervisors
from models.mail import Mail
from models.requests import Escalation, Notice, Recipient

log = logging.getLogger(__name__)


class NoticeActivities:
    def __init__(
        self, erp: SagirErp, mailer: Mailer, escalations: Escalations, directory: Directory
    ) -> None:
        self._erp = erp
        self._mailer = mailer
        self._escalations = escalations
        self._directory = directory

    @activity.defn
    def notify(self, notice: Notice) -> bool:
        """Send a notice; the address comes from the dossier personne or the request."""
        now = activity.info().current_attempt_scheduled_time
        address: str | None
        if notice.to is Recipient.employee:
            person = self._erp.person(notice.mo, notice.employee_number)
            address = None if person is None else person.work_email
        elif notice.to is Recipient.manager:
            address = notice.manager_email
        else:
            address = notice.hr_email
        if address is None:
            log.info("no address for the %s of notice %s", notice.to, notice.idempotency_key)
            return False
        return self._mailer.send(
            Mail(
                idempotency_key=notice.idempotency_key,
                to=address,
                subject=notice.subject,
                body=notice.body,
            ),
            now,
        )

    @activity.defn
    def escalate(self, escalation: Escalation) -> list[str]:
        supervisors = active_supervisors(self._directory.agents())
        notified = self._escalations.record_escalation(escalation, supervisors)
        log.warning(
            "%s escalated to %s: %s",
            escalation.workflow_id,
            ", ".join(notified) or "no supervisor on file",
            escalation.reason,
        )
        return notified
