"""The registre d'autorité's activity: the warning that a line's validity ends soon, mailed to
the MO's people who hold the registre. Every mail carries a key from the line, its end date and
the recipient, so the daily run (retried, run twice, or backfilled) warns once."""

from __future__ import annotations

from datetime import date, datetime

from temporalio import activity

from adapters.ports import Directory, Mailer, SagirErp, Wordings
from models.mail import Mail
from models.notices import Template, Wording
from models.registre import RegistreLine, lines_ending_soon
from models.tickets import Contract


class WarnOfEndingLines(Contract):
    day: date  # in Montréal
    at: datetime


def warning_key(line: RegistreLine, who: str) -> str:
    """`registre-MTQ-ligne-2/fin-2027-12-31/30001`: one mail per line, end date and recipient
    (a line extended then ending again is warned again, for its new end)."""
    return f"registre-{line.mo}-ligne-{line.id}/fin-{line.valid_until}/{who}"


class RegistreActivities:
    def __init__(
        self, directory: Directory, erp: SagirErp, mailer: Mailer, wordings: Wordings
    ) -> None:
        self._directory = directory
        self._erp = erp
        self._mailer = mailer
        self._wordings = wordings

    @activity.defn
    def warn_of_ending_lines(self, warn: WarnOfEndingLines) -> int:
        """Each MO's lines whose validity ends within 30 days: a mail to each person who holds
        the MO's registre that day (its personnes autorisées and relèves) and whose dossier
        personne has a working email. Returns how many mails were queued this time."""
        queued = 0
        for mo in self._directory.mos():
            lines = self._erp.registre_lines(mo.code)
            ending = lines_ending_soon(lines, warn.day)
            holders = sorted({line.employee_number for line in lines if line.valid_on(warn.day)})
            people = [self._erp.person(mo.code, who) for who in holders]
            recipients = [person for person in people if person is not None and person.email_works]
            for line in ending:
                wording = Wording(
                    template=Template.registre_line_ending,
                    values={
                        "mo": mo.code,
                        "line": str(line.id),
                        "employee_number": line.employee_number,
                        "role": line.kind.value,
                        "releve_of": line.releve_of or "",
                        "valid_until": str(line.valid_until),
                    },
                )
                for person in recipients:
                    words = self._wordings.render(wording, person.language)
                    mail = Mail(
                        idempotency_key=warning_key(line, person.employee_number),
                        to=person.work_email,
                        subject=words.subject,
                        body=words.body,
                    )
                    queued += self._mailer.send(mail, warn.at)
        return queued
