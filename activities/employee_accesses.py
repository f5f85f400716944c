"""Activities of arrivals and departures: reads and idempotent writes in SAGIR, mail, SGA and
escalations. Permanent refusals become non-retryable ApplicationErrors naming the rule."""

from __future__ import annotations

import logging

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import Directory, Escalations, Mailer, SagirErp, Sga
from models.arrivals import ArrivalCheck, ArrivalPlan, DossierCheck, GrantStep
from models.departures import BirthMatch, DepartureWrite
from models.directory import active_supervisors
from models.employee_requests import (
    EmployeeRef,
    Escalation,
    KeyedEmployeeStep,
    Notice,
    Recipient,
)
from models.mail import Mail
from models.sagir import (
    AccessSnapshot,
    ErpRefused,
    RuleRefused,
    check_authoriser,
    responsibilities_to_grant,
)

log = logging.getLogger(__name__)


class EmployeeAccessActivities:
    def __init__(
        self,
        erp: SagirErp,
        mailer: Mailer,
        sga: Sga,
        escalations: Escalations,
        directory: Directory,
    ) -> None:
        self._erp = erp
        self._mailer = mailer
        self._sga = sga
        self._escalations = escalations
        self._directory = directory

    # --- reads and checks ----------------------------------------------------------------

    @activity.defn
    def look_up_dossier(self, who: EmployeeRef) -> DossierCheck:
        person = self._erp.person(who.mo, who.employee_number)
        if person is None:
            return DossierCheck(found=False)
        return DossierCheck(found=True, email_works=person.email_works)

    @activity.defn
    def check_arrival(self, check: ArrivalCheck) -> ArrivalPlan:
        """The registre d'autorité's rules, read as of the day the request was received."""
        request = check.request
        try:
            check_authoriser(
                request.mo,
                request.authorised_by,
                request.employee_number,
                check.day,
                self._erp.registre(request.mo),
            )
            granted = responsibilities_to_grant(
                request.responsibilities,
                self._erp.default_responsibilities(request.mo),
                self._erp.registre_responsibilities(request.mo),
                self._erp.catalogue(),
                request.partition_group,
            )
            group = request.partition_group
            if group is not None and not self._erp.partition_group_exists(request.mo, group):
                raise RuleRefused(
                    "UnknownPartitionGroup",
                    f"partition_group: {group} is not a partition group of {request.mo}",
                )
        except RuleRefused as refused:
            raise ApplicationError(str(refused), type=refused.rule, non_retryable=True) from None
        return ArrivalPlan(responsibilities=granted)

    @activity.defn
    def match_birth(self, match: BirthMatch) -> bool:
        """Whether the birth day and month match the dossier personne (never says which part)."""
        person = self._erp.person(match.mo, match.employee_number)
        return (
            person is not None
            and person.birth_day == match.birth.birth_day
            and person.birth_month == match.birth.birth_month
        )

    @activity.defn
    def read_access(self, who: EmployeeRef) -> AccessSnapshot:
        return self._erp.access_of(who.mo, who.employee_number)

    # --- writes ----------------------------------------------------------------------------

    @activity.defn
    def apply_grant(self, step: GrantStep) -> bool:
        """One step of the arrival saga, once per key."""
        now = activity.info().current_attempt_scheduled_time
        erp, key, mo, number = self._erp, step.idempotency_key, step.mo, step.employee_number
        try:
            match step.kind:
                case "account":
                    return erp.create_account(key, mo, number, now)
                case "responsibility":
                    return erp.grant(key, mo, number, step.target, now)
                case "partition":
                    return erp.set_partition(key, mo, number, step.target, now)
                case "parameter":
                    return erp.set_parameter(key, mo, number, step.target, step.value, now)
                case "training":
                    return self._sga.register(mo, number, step.target, now)
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None
        raise ApplicationError(f"unknown grant step {step.kind}", non_retryable=True)

    @activity.defn
    def undo_grant(self, step: GrantStep) -> bool:
        """Compensate one saga step (its own key: `<step key>/undo`)."""
        now = activity.info().current_attempt_scheduled_time
        erp, mo, number = self._erp, step.mo, step.employee_number
        key = f"{step.idempotency_key}/undo"
        match step.kind:
            case "account":
                return erp.delete_account(key, mo, number, now)
            case "responsibility":
                return erp.revoke(key, mo, number, step.target, now)
            case "partition":
                return erp.clear_partition(key, mo, number, now)
            case "parameter":
                return erp.remove_parameter(key, mo, number, step.target, now)
            case "training":
                self._sga.unregister(mo, number, step.target)
                return True
        raise ApplicationError(f"unknown grant step {step.kind}", non_retryable=True)

    @activity.defn
    def activate_account(self, step: KeyedEmployeeStep) -> bool:
        now = activity.info().current_attempt_scheduled_time
        try:
            return self._erp.activate_account(
                step.idempotency_key, step.mo, step.employee_number, now
            )
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None

    @activity.defn
    def remove_all_access(self, step: KeyedEmployeeStep) -> bool:
        now = activity.info().current_attempt_scheduled_time
        return self._erp.remove_all_access(step.idempotency_key, step.mo, step.employee_number, now)

    @activity.defn
    def record_departure(self, write: DepartureWrite) -> bool:
        now = activity.info().current_attempt_scheduled_time
        try:
            return self._erp.record_departure(
                write.idempotency_key, write.mo, write.employee_number, write.departure_date, now
            )
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None

    # --- telling people ------------------------------------------------------------------

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
