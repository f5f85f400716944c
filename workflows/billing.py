"""Billing's workflows: one per invoice (id its key, `facture-MTQ-2026-11`, or
`ajustement-MTQ-2026-04-2027-03` for the year-end adjustment), the runs the Schedules start
(each MO's invoice of the month; each MO's adjustment once its period ended), and the daily
headcount."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from temporalio import workflow
from temporalio.common import SearchAttributeKey, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.billing import (
        Billable,
        BillingActivities,
        IssueAt,
        MailInvoice,
        RecordReceipt,
        Remind,
        TakeHeadcounts,
    )
    from models.billing import (
        OWED,
        REMINDER_DAYS,
        InvoiceKind,
        InvoiceNote,
        InvoiceState,
        InvoiceStatus,
        IssueInvoice,
        Payment,
        RecordPayment,
    )
    from models.requests import Process
    from models.service_calendar import MONTREAL
    from models.ticket_lifecycle import SYSTEM
    from workflows.activity_options import execute
    from workflows.audit_feed import AuditFeed
    from workflows.search_attributes import invoice_attributes

# The Schedules that start the runs (starter/client.py creates them), in Montréal time.
MONTHLY_SCHEDULE = "sagir-billing-monthly"
ADJUSTMENT_SCHEDULE = "sagir-billing-adjustment"
HEADCOUNT_SCHEDULE = "sagir-billing-headcount"
TIME_ZONE = "America/Montreal"

# An unpaid invoice is reminded at the close of its due date's business day (a payment
# recorded that day stops it), then every 15 days at the same hour.
REMINDER_HOUR = time(17, 0)
# The Schedules' fire time, which a backfill or a late run carries: the month it bills.
SCHEDULED_AT = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


def reminder_instant(day: date) -> datetime:
    return datetime.combine(day, REMINDER_HOUR, tzinfo=MONTREAL)


@workflow.defn
class InvoiceWorkflow:
    """An invoice (RULES.md "Training, communiqués, billing"): issued once (its number, amount
    and PDF; the MO's open credit notes applied), recorded in SAGIR's accounts receivable,
    mailed to the MO's billing contact with its PDF; then it waits for payments. Unpaid at its
    due date (issue + 30 days), the MO is reminded and the CA supervisors are escalated to,
    then every 15 days until it is paid. A credit note (an adjustment in the MO's favour) is
    issued, recorded and mailed, and is settled against the MO's next invoices.
    Updates: `pay`. Queries: `state`.
    """

    @workflow.init
    def __init__(self, asked: IssueInvoice) -> None:
        self._state = InvoiceState(key=asked.key, mo=asked.mo, kind=asked.kind)
        self._version = 0

    @workflow.run
    async def run(self, asked: IssueInvoice) -> InvoiceState:
        feed = AuditFeed(asked.key, asked.mo, Process.invoice, lambda: self._state.steps)
        await self._run(asked)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await feed.close()
        return self._state

    async def _run(self, asked: IssueInvoice) -> None:
        now = workflow.now()
        issued = await execute(
            BillingActivities.issue_invoice,
            IssueAt(asked=asked, on=now.astimezone(MONTREAL).date(), at=now),
        )
        invoice = issued.as_invoice()
        self._state.invoice = invoice
        self._state.kind = invoice.kind
        self._state.payments = list(issued.payments)
        self._state.reminders = list(issued.reminders)
        self._state.status = issued.status
        self._version = issued.note_version
        self._state.log("issued", asked.by, now, f"{invoice.number} {invoice.amount} $")
        await execute(BillingActivities.record_receivable, invoice)
        self._state.recorded_in_erp = True
        self._state.log("receivable", SYSTEM, workflow.now())
        await execute(BillingActivities.mail_invoice, MailInvoice(key=asked.key, at=now))
        self._state.mailed = True
        self._state.log("mailed", SYSTEM, workflow.now())
        await self._note()
        if invoice.kind is InvoiceKind.credit_note:
            return  # settled against the next invoices when they are issued
        day = invoice.due_on + timedelta(days=REMINDER_DAYS * len(self._state.reminders))
        while self._state.status in OWED:
            try:
                await workflow.wait_condition(
                    lambda: self._state.status not in OWED,
                    timeout=max(reminder_instant(day) - workflow.now(), timedelta(0)),
                )
            except TimeoutError:
                await self._remind(day)
                day += timedelta(days=REMINDER_DAYS)

    async def _remind(self, day: date) -> None:
        assert self._state.invoice is not None
        self._state.reminders.append(day)
        self._state.status = InvoiceStatus.overdue
        seq = len(self._state.reminders)
        await execute(
            BillingActivities.remind,
            Remind(invoice=self._state.invoice, seq=seq, on=day, at=workflow.now()),
        )
        self._state.log("reminder", SYSTEM, workflow.now(), f"rappel {seq}")
        await self._note()

    @workflow.query
    def state(self) -> InvoiceState:
        return self._state

    @workflow.update
    async def pay(self, payment: RecordPayment) -> InvoiceState:
        invoice = self._state.invoice
        assert invoice is not None
        if payment.amount > self._state.outstanding:  # another payment came in meanwhile
            raise ApplicationError(_too_much(payment, self._state), type="Overpaid")
        paid = Payment(**payment.model_dump(), at=workflow.now())
        self._state.payments.append(paid)
        seq = len(self._state.payments)
        if self._state.outstanding <= 0:
            self._state.status = InvoiceStatus.paid
        self._state.log("payment", payment.by, workflow.now(), f"{payment.amount} $")
        await execute(
            BillingActivities.record_receipt,
            RecordReceipt(invoice=invoice, seq=seq, payment=paid),
        )
        await self._note()
        return self._state

    @pay.validator
    def _validate_pay(self, payment: RecordPayment) -> None:
        if self._state.invoice is None:
            raise ValueError(f"{self._state.key} is being issued; try again in a moment")
        number = self._state.invoice.number
        if self._state.invoice.kind is InvoiceKind.credit_note:
            raise ValueError(f"{number} is a credit note: it is settled, not paid")
        if self._state.status not in OWED:
            raise ValueError(f"{number} is paid already")
        if payment.amount > self._state.outstanding:
            raise ValueError(_too_much(payment, self._state))

    async def _note(self) -> None:
        """The desk's records (a newer note always wins) and the search attributes."""
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in invoice_attributes(self._state)]
        )
        self._version += 1
        await execute(BillingActivities.note_invoice, InvoiceNote.of(self._state, self._version))


def _too_much(payment: RecordPayment, state: InvoiceState) -> str:
    number = state.invoice.number if state.invoice else state.key
    return (
        f"amount: {payment.amount:,.2f} $ is more than the {state.outstanding:,.2f} $ "
        f"outstanding on {number}"
    )


@workflow.defn
class BillingRunWorkflow:
    """A billing run, started by a Schedule (or backfilled, or triggered by hand): what is owed
    for the month of its scheduled time (monthly) or for the period that ended before it
    (adjustment) is issued, each MO's invoice its own workflow under its key. An invoice whose
    workflow exists already is not started again, so a run fired twice issues nothing twice.
    Queries: none; returns the keys it started.
    """

    @workflow.run
    async def run(self, kind: InvoiceKind) -> list[str]:
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_AT) or workflow.now()
        on = scheduled.astimezone(MONTREAL).date()
        owed = await execute(BillingActivities.billable, Billable(kind=kind, on=on, by=SYSTEM))
        started = []
        for asked in owed:
            try:
                await workflow.start_child_workflow(
                    InvoiceWorkflow.run,
                    asked,
                    id=asked.key,
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    # An invoice whose issue failed (no rate yet, say) is tried again.
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                )
            except WorkflowAlreadyStartedError:
                continue
            started.append(asked.key)
        return started


@workflow.defn
class HeadcountWorkflow:
    """The day's headcount of every MO with an agreement, from SAGIR's dossier personne, kept
    once per MO and day (started by a Schedule each evening). Returns how many MOs."""

    @workflow.run
    async def run(self) -> int:
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_AT) or workflow.now()
        day = scheduled.astimezone(MONTREAL).date()
        return await execute(
            BillingActivities.take_headcounts, TakeHeadcounts(day=day, at=workflow.now())
        )
