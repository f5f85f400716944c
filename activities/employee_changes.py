"""Activities of employee-data changes: the review of the employee's accesses against the new
situation, and the mail to the MO's HR. The writes in SAGIR go through the arrival's own saga
activities (`ArrivalActivities.apply_grant` and `undo_grant`), so they are keyed the same way."""

from __future__ import annotations

from temporalio import activity

from adapters.ports import Mailer, SagirErp, Wordings
from models.employee_changes import AccessReview, HrNotice, ReviewInput, review_access
from models.mail import Mail
from models.notices import Template, Wording
from models.tickets import Language


class EmployeeChangeActivities:
    def __init__(self, erp: SagirErp, mailer: Mailer, wordings: Wordings) -> None:
        self._erp = erp
        self._mailer = mailer
        self._wordings = wordings

    @activity.defn
    def review_accesses(self, asked: ReviewInput) -> AccessReview:
        """Read what SAGIR holds and what the MO's positioning and registre allow, now."""
        mo = asked.mo
        return review_access(
            self._erp.access_of(mo, asked.employee_number),
            self._erp.default_responsibilities(mo),
            self._erp.registre_responsibilities(mo),
            self._erp.catalogue(),
            asked.new_partition_group,
        )

    @activity.defn
    def tell_hr_of_change(self, notice: HrNotice) -> bool:
        """Mail the MO's HR at the address of the report, in French (the MO's people read it)."""
        words = self._wordings.render(
            Wording(
                template=Template.employee_change_answered,
                values={
                    "request": notice.request_id,
                    "employee_number": notice.employee_number,
                    "status": notice.status.value,
                    "summary": notice.summary,
                    "reason": notice.reason,
                },
            ),
            Language.fr,
        )
        return self._mailer.send(
            Mail(
                idempotency_key=notice.idempotency_key,
                to=notice.hr_email,
                subject=words.subject,
                body=words.body,
            ),
            activity.info().current_attempt_scheduled_time,
        )
