"""Activities of training registration: enrol and cancel in SGA (each idempotent by the
participant), withdraw a place an unanswered enrolment made, read where someone stands, and tell
them by mail."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import Mailer, SagirErp, Sga, Wordings
from models.mail import Mail
from models.notices import Template, Wording
from models.sagir import ErpRefused
from models.training import (
    Cancellation,
    Enrol,
    Enrolment,
    EnrolmentRef,
    ParticipantNotice,
)
from models.training_requests import UnansweredEnrolment


class TrainingActivities:
    def __init__(self, sga: Sga, erp: SagirErp, mailer: Mailer, wordings: Wordings) -> None:
        self._sga = sga
        self._erp = erp
        self._mailer = mailer
        self._wordings = wordings

    @activity.defn
    def enrol(self, enrol: Enrol) -> Enrolment:
        """Register, or join the waiting list; a retry finds the enrolment and returns it."""
        try:
            return self._sga.enrol(enrol, activity.info().current_attempt_scheduled_time)
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None

    @activity.defn
    def enrolment_of(self, ref: EnrolmentRef) -> Enrolment | None:
        return self._sga.enrolment(ref.session, ref.mo, ref.employee_number)

    @activity.defn
    def cancel_enrolment(self, ref: EnrolmentRef) -> Cancellation:
        """Cancel; a retry gets the same answer, including who was served in this place."""
        now = activity.info().current_attempt_scheduled_time
        try:
            return self._sga.cancel(ref.session, ref.mo, ref.employee_number, now)
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None

    @activity.defn
    def withdraw_unanswered(self, attempt: UnansweredEnrolment) -> Cancellation | None:
        """Cancel the place an enrolment SGA did not answer made, if it made one; a place SGA
        holds otherwise stays (None). A retry gets the same answer (cancelling is idempotent)."""
        enrol = attempt.enrol
        found = self._sga.enrolment(enrol.session, enrol.mo, enrol.employee_number)
        if found is None or not attempt.made(found):
            return None
        now = activity.info().current_attempt_scheduled_time
        try:
            return self._sga.cancel(enrol.session, enrol.mo, enrol.employee_number, now)
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None

    @activity.defn
    def notify_participant(self, notice: ParticipantNotice) -> bool:
        person = self._erp.person(notice.mo, notice.employee_number)
        if person is None:
            return False
        words = self._wordings.render(
            Wording(
                template=Template.training_status,
                values={
                    "session": notice.session,
                    "status": notice.status.value,
                    "position": str(notice.waiting_position or ""),
                },
            ),
            person.language,
        )
        return self._mailer.send(
            Mail(
                idempotency_key=notice.idempotency_key,
                to=person.work_email,
                subject=words.subject,
                body=words.body,
            ),
            activity.info().current_attempt_scheduled_time,
        )
