"""Telling people: notices by mail (addresses read from the dossier personne or the request,
never carried in the history) and escalations to the CA supervisors, each once per key."""

from __future__ import annotations

import logging
from datetime import datetime

from temporalio import activity

from adapters.ports import Directory, Escalations, Mailer, SagirErp, Wordings
from models.directory import Agent, AgentRole
from models.escalations import EscalationKind, kind_of_key
from models.mail import Mail
from models.notices import Template, Wording
from models.requests import Escalation, Notice, Recipient
from models.tickets import Language

log = logging.getLogger(__name__)


def supervisors_on_duty(agents: list[Agent]) -> list[Agent]:
    return [agent for agent in agents if agent.role is AgentRole.supervisor and agent.active]


def on_duty(agents: list[Agent]) -> list[Agent]:
    """Every active agent and supervisor: who is warned of a deadline that nears."""
    return [agent for agent in agents if agent.active]


def mail_supervisors(
    mailer: Mailer,
    wordings: Wordings,
    supervisors: list[Agent],
    key: str,
    wording: Wording,
    at: datetime,
) -> int:
    """The escalation's mail to each supervisor (or, for a warning, each agent on duty) with an
    address, once per key and person (in French, the CA's language); how many were queued."""
    notice = wordings.render(wording, Language.fr)
    queued = 0
    for supervisor in supervisors:
        if supervisor.email is None:
            log.warning("%s has no email: escalation %s not mailed to them", supervisor.code, key)
            continue
        queued += mailer.send(
            Mail(
                idempotency_key=f"{key}/mail/{supervisor.code}",
                to=supervisor.email,
                subject=notice.subject,
                body=notice.body,
            ),
            at,
        )
    return queued


class NoticeActivities:
    def __init__(
        self,
        erp: SagirErp,
        mailer: Mailer,
        escalations: Escalations,
        directory: Directory,
        wordings: Wordings,
    ) -> None:
        self._erp = erp
        self._mailer = mailer
        self._escalations = escalations
        self._directory = directory
        self._wordings = wordings

    @activity.defn
    def notify(self, notice: Notice) -> bool:
        """Send a notice; the address comes from the dossier personne or the request, and the
        wording from its template in the person's language (the MO's people read French)."""
        now = activity.info().current_attempt_scheduled_time
        address: str | None
        language = Language.fr
        if notice.to is Recipient.employee:
            person = self._erp.person(notice.mo, notice.employee_number)
            address = None if person is None else person.work_email
            language = Language.fr if person is None else person.language
        elif notice.to is Recipient.manager:
            address = notice.manager_email
        else:
            address = notice.hr_email
        if address is None:
            log.info("no address for the %s of notice %s", notice.to, notice.idempotency_key)
            return False
        subject, body = notice.subject, notice.body
        if notice.wording is not None:
            words = self._wordings.render(notice.wording, language)
            subject, body = words.subject, words.body
        return self._mailer.send(
            Mail(idempotency_key=notice.idempotency_key, to=address, subject=subject, body=body),
            now,
        )

    @activity.defn
    def escalate(self, escalation: Escalation) -> list[str]:
        """Record the escalation for the supervisors' list and mail it to them, once. A warning
        that a deadline nears goes to every agent on duty as well."""
        kind = escalation.kind or kind_of_key(escalation.idempotency_key)
        agents = self._directory.agents()
        told = on_duty(agents) if kind is EscalationKind.warning else supervisors_on_duty(agents)
        notified = self._escalations.record_escalation(escalation, [agent.code for agent in told])
        mail_supervisors(
            self._mailer,
            self._wordings,
            told,
            escalation.idempotency_key,
            _wording(escalation, kind),
            activity.info().current_attempt_scheduled_time,
        )
        log.warning(
            "%s escalated (%s) to %s: %s",
            escalation.workflow_id,
            kind.value,
            ", ".join(notified) or "no supervisor on file",
            escalation.reason,
        )
        return notified


def _wording(escalation: Escalation, kind: EscalationKind) -> Wording:
    values = {
        "request": escalation.workflow_id,
        "mo": escalation.mo,
        "at": escalation.at.isoformat(),
    }
    if kind is EscalationKind.warning and escalation.due is not None:
        return Wording(
            template=Template.escalation_warning,
            values=values | {"due": escalation.due.isoformat()},
        )
    values |= {"kind": kind.value, "reason": escalation.reason}
    return Wording(template=Template.escalation, values=values)
