"""Training registration in SGA: the CA registers participants as the MO instructs or per an
employee's development plan; a full session keeps a waiting list served in order. No workflow:
each enrolment or cancellation is one SGA transaction; the employee is told by mail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from adapters.ports import Directory, Mailer, SagirErp, Sga
from models.mail import Mail
from models.sagir import ErpRefused
from models.training import Cancellation, Enrol, Enrolment, EnrolmentStatus, SessionView
from starter.desk_checks import require_agent, require_mo
from starter.errors import InvalidInput, NotFound


class TrainingDesk:
    def __init__(
        self,
        directory: Directory,
        erp: SagirErp,
        sga: Sga,
        mailer: Mailer,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._directory = directory
        self._erp = erp
        self._sga = sga
        self._mailer = mailer
        self._clock = clock

    def sessions(self) -> list[SessionView]:
        return self._sga.sessions()

    def participants(self, session: str) -> list[Enrolment]:
        if self._sga.session(session) is None:
            raise NotFound(f"session {session} does not exist in SGA")
        return self._sga.enrolments(session)

    def enrol(self, enrol: Enrol) -> Enrolment:
        require_mo(self._directory, enrol.mo)
        require_agent(self._directory, enrol.by)
        self._require_person(enrol.mo, enrol.employee_number)
        try:
            enrolment = self._sga.enrol(enrol, self._clock())
        except ErpRefused as refused:
            raise InvalidInput(str(refused)) from None
        self._tell(enrolment)
        return enrolment

    def cancel(self, session: str, mo: str, employee_number: str, agent: str) -> Cancellation:
        require_mo(self._directory, mo)
        require_agent(self._directory, agent)
        try:
            cancellation = self._sga.cancel(session, mo, employee_number, self._clock())
        except ErpRefused as refused:
            raise InvalidInput(str(refused)) from None
        self._tell(cancellation.cancelled)
        if cancellation.promoted is not None:
            self._tell(cancellation.promoted)
        return cancellation

    def _require_person(self, mo: str, employee_number: str) -> None:
        if self._erp.person(mo, employee_number) is None:
            raise InvalidInput(
                f"employee_number: {employee_number} has no dossier personne in {mo}"
            )

    def _tell(self, enrolment: Enrolment) -> None:
        person = self._erp.person(enrolment.mo, enrolment.employee_number)
        if person is None:
            return
        what = {
            EnrolmentStatus.registered: "vous êtes inscrit(e) / you are registered",
            EnrolmentStatus.waiting: (
                "la session est complète : liste d'attente, rang "
                f"{enrolment.waiting_position} / the session is full: waiting list, position "
                f"{enrolment.waiting_position}"
            ),
            EnrolmentStatus.cancelled: "inscription annulée / registration cancelled",
        }[enrolment.status]
        key = (
            f"formation/{enrolment.session}/{enrolment.mo}/{enrolment.employee_number}/"
            f"{enrolment.requested_at.isoformat()}/{enrolment.status.value}"
        )
        self._mailer.send(
            Mail(
                idempotency_key=key,
                to=person.work_email,
                subject=f"Formation SAGIR {enrolment.session}",
                body=f"Session {enrolment.session} : {what}.",
            ),
            self._clock(),
        )
