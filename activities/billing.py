"""Billing's activities: an invoice issued (numbered, priced, its PDF kept), recorded in SAGIR's
accounts receivable, mailed to the MO's billing contact, reminded when unpaid (with an
escalation to the CA supervisors), a payment recorded in SAGIR, the desk's records kept
current; what a run owes, and the MOs' headcounts taken from the dossier personne. Every write
carries a key from the invoice's key and its step, so a retried activity does nothing twice."""

from __future__ import annotations

from datetime import date, datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import BillingRecords, Directory, Escalations, Receivables
from models.billing import (
    Invoice,
    InvoiceKind,
    InvoiceNote,
    IssuedInvoice,
    IssueInvoice,
    NotBillable,
    Payment,
)
from models.directory import active_supervisors
from models.escalations import EscalationKind
from models.requests import Escalation
from models.tickets import Contract


class IssueAt(Contract):
    asked: IssueInvoice
    on: date  # the issue date (Montréal)
    at: datetime


class MailInvoice(Contract):
    key: str
    at: datetime


class Remind(Contract):
    """The `seq`th reminder of an unpaid invoice."""

    invoice: Invoice
    seq: int
    on: date
    at: datetime


class RecordReceipt(Contract):
    """A payment to record in SAGIR's accounts receivable (the `seq`th of the invoice)."""

    invoice: Invoice
    seq: int
    payment: Payment


class Billable(Contract):
    kind: InvoiceKind
    on: date
    by: str


class TakeHeadcounts(Contract):
    day: date
    at: datetime


class BillingActivities:
    def __init__(
        self,
        records: BillingRecords,
        sagir: Receivables,
        escalations: Escalations,
        directory: Directory,
    ) -> None:
        self._records = records
        self._sagir = sagir
        self._escalations = escalations
        self._directory = directory

    @activity.defn
    def issue_invoice(self, issue: IssueAt) -> IssuedInvoice:
        try:
            return self._records.issue(issue.asked, issue.on, issue.at)
        except NotBillable as refused:
            raise ApplicationError(str(refused), type="NotBillable", non_retryable=True) from None

    @activity.defn
    def record_receivable(self, invoice: Invoice) -> bool:
        return self._sagir.record_invoice(f"{invoice.key}/comptes-clients", invoice, _now())

    @activity.defn
    def mail_invoice(self, mail: MailInvoice) -> bool:
        return self._records.mail_invoice(mail.key, mail.at)

    @activity.defn
    def remind(self, reminder: Remind) -> bool:
        """The reminder to the MO's billing contact and the escalation to the CA supervisors;
        the escalation first, so one lost to a crash is made again by the retry (per key)."""
        invoice = reminder.invoice
        key = f"{invoice.key}/rappel/{reminder.seq}"
        self._escalations.record_escalation(
            Escalation(
                idempotency_key=key,
                workflow_id=invoice.key,
                mo=invoice.mo,
                reason=(
                    f"invoice {invoice.number} of {invoice.mo}, due {invoice.due_on.isoformat()}, "
                    f"is unpaid on {reminder.on.isoformat()} (reminder {reminder.seq})"
                ),
                at=reminder.at,
                kind=EscalationKind.invoice_overdue,
            ),
            active_supervisors(self._directory.agents()),
        )
        return self._records.remind(invoice.key, reminder.seq, reminder.at)

    @activity.defn
    def record_receipt(self, receipt: RecordReceipt) -> bool:
        invoice = receipt.invoice
        return self._sagir.record_receipt(
            f"{invoice.key}/paiement/{receipt.seq}", invoice.number, invoice.mo, receipt.payment
        )

    @activity.defn
    def note_invoice(self, note: InvoiceNote) -> None:
        self._records.note(note)

    @activity.defn
    def billable(self, run: Billable) -> list[IssueInvoice]:
        return self._records.billable(run.kind, run.on, run.by)

    @activity.defn
    def take_headcounts(self, take: TakeHeadcounts) -> int:
        """Each MO with an agreement: its active employees counted in SAGIR, kept once for the
        day. Returns how many MOs were counted."""
        mos = self._records.agreement_mos()
        for mo in mos:
            self._records.take_snapshot(mo, take.day, self._sagir.active_employees(mo), take.at)
        return len(mos)


def _now() -> datetime:
    return activity.info().current_attempt_scheduled_time
