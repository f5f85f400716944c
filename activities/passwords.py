"""The password reset activity: makes a temporary secret, sets it in SAGIR and mails it to the
user's work email, all inside the activity, so the secret never reaches the engine's history, a
response or a log."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import Mailer, SagirErp, Wordings
from models.mail import Mail
from models.notices import Template, Wording
from models.passwords import ResetPassword
from models.sagir import ErpRefused


def temporary_secret() -> str:
    return secrets.token_urlsafe(12)


class PasswordActivities:
    def __init__(
        self,
        erp: SagirErp,
        mailer: Mailer,
        wordings: Wordings,
        make_secret: Callable[[], str] = temporary_secret,
    ) -> None:
        self._erp = erp
        self._mailer = mailer
        self._wordings = wordings
        self._make_secret = make_secret

    @activity.defn
    def reset_password(self, reset: ResetPassword) -> bool:
        """Reset and mail once. The mail's key is the step's: once it is queued, a retry does
        nothing. Before that, each attempt sets a fresh secret under its own key and then mails
        it, so the secret mailed is always the one SAGIR holds."""
        info = activity.info()
        mail_key = f"{reset.idempotency_key}/mail"
        if self._mailer.sent(mail_key):
            return False
        person = self._erp.person(reset.mo, reset.employee_number)
        if person is None or not person.email_works:
            raise ApplicationError(
                "work email: the user has no working work email to receive the temporary "
                "password; the MO must fix the dossier personne first",
                type="NoWorkEmail",
                non_retryable=True,
            )
        secret = self._make_secret()
        try:
            self._erp.reset_password(
                f"{reset.idempotency_key}/attempt-{info.attempt}",
                reset.mo,
                reset.employee_number,
                secret,
                info.current_attempt_scheduled_time,
            )
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None
        words = self._wordings.render(
            Wording(template=Template.password_temporary, values={"secret": secret}),
            person.language,
        )
        return self._mailer.send(
            Mail(
                idempotency_key=mail_key,
                to=person.work_email,
                subject=words.subject,
                body=words.body,
                secret=True,  # the mail port seals it at rest and removes it once delivered
            ),
            info.current_attempt_scheduled_time,
        )
