"""Activities of training requests: tell the personne autorisée who authorised the request how it
ended (the registration itself goes through the training registration's own activities)."""

from __future__ import annotations

from temporalio import activity

from adapters.ports import Mailer, SagirErp, Wordings
from models.mail import Mail
from models.notices import Template, Wording
from models.training_requests import RequesterNotice


class TrainingRequestActivities:
    def __init__(self, erp: SagirErp, mailer: Mailer, wordings: Wordings) -> None:
        self._erp = erp
        self._mailer = mailer
        self._wordings = wordings

    @activity.defn
    def tell_requester(self, notice: RequesterNotice) -> bool:
        """Mail the authoriser at the address of their dossier personne, in their language;
        False when SAGIR no longer holds one (nothing to send)."""
        person = self._erp.person(notice.mo, notice.authorised_by)
        if person is None:
            return False
        words = self._wordings.render(
            Wording(
                template=Template.training_request_answered,
                values={
                    "request": notice.request_id,
                    "employee_number": notice.employee_number,
                    "course": notice.course,
                    "status": notice.status.value,
                    "session": notice.session or "",
                    "position": str(notice.waiting_position or ""),
                    "reason": notice.reason or "",
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
