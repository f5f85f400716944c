"""An invoice's life (issue 15) on the time-skipping server, a real SMTP server and SQLite:
issued once under its key with the next number of its year, recorded in SAGIR's accounts
receivable, mailed with its PDF, reminded at its due date and every 15 days until paid, paid in
full or in parts but never beyond what is owed; the year-end adjustment an invoice or a credit
note settled against the next invoice. The figures are the issue's: 1,000 employees at 195.00 $
a year are 16,250.00 $ a month."""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.mail_sink import read_message
from adapters.sql_directory import SqlDirectory
from adapters.sql_mail_domains import SqlMailDomains
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.billing import (
    InvoiceKind,
    InvoiceStatus,
    IssueInvoice,
    RecordPayment,
    due_date,
    invoice_key,
    money_fr,
)
from models.service_calendar import MONTREAL
from starter.desks import billing as billing_desk_module
from starter.desks.errors import InvalidInput, Refused
from tests.mail_server import TestSmtp
from tests.workflows.billing_harness import (
    CLERK,
    CONTACT,
    MO,
    MONTH_OF_1000,
    NO_AGREEMENT_MO,
    OTHER_MO,
    BillingHarness,
    billing_desk,
    montreal,
)
from workflows.billing import InvoiceWorkflow

NOVEMBER = date(2026, 11, 1)
KEY = invoice_key(MO, NOVEMBER)  # facture-MTQ-2026-11
# The desk issues a month from its first day on: the tests billing later months set its clock.
DECEMBER_2026 = datetime(2026, 12, 1, 9, 0, tzinfo=MONTREAL)
MARCH_2027 = datetime(2027, 3, 1, 9, 0, tzinfo=MONTREAL)
APRIL_2027 = datetime(2027, 4, 1, 9, 0, tzinfo=MONTREAL)


@pytest.fixture(params=["sqlite", "postgres"])
def numbered_uow(request: pytest.FixtureRequest) -> UnitOfWork:
    """The demo data on SQLite, and on PostgreSQL, where invoices issued at once really race
    for their year's number."""
    if request.param == "sqlite":
        return request.getfixturevalue("demo_uow")
    uow: UnitOfWork = request.getfixturevalue("postgres_uow")
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow), SqlMailDomains(uow))
    return uow


def payment(amount: str, paid_on: date, reference: str = "") -> RecordPayment:
    return RecordPayment(amount=Decimal(amount), paid_on=paid_on, reference=reference, by=CLERK)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def issued(harness: BillingHarness, month: date = NOVEMBER, mo: str = MO) -> str:
    """The MO's invoice of `month` issued by hand, recorded and mailed: its key."""
    state = await harness.desk.issue(mo, month, CLERK)
    await harness.settled(state.key, lambda s: s.mailed and s.recorded_in_erp)
    return state.key


async def test_an_invoice_for_1000_employees_is_16_250_dollars_due_30_days_after_issue(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        harness.agree(estimated=1000)
        today = await harness.today()
        key = await issued(harness)
        view = harness.desk.invoice(key)
        first = await harness.deliver()
        again = await harness.deliver()

    invoice = view.invoice
    assert invoice.number == f"F-{today.year}-000001"
    assert (invoice.issued_on, invoice.due_on) == (today, today + timedelta(days=30))
    assert invoice.amount == MONTH_OF_1000 == view.outstanding
    assert (invoice.headcount, invoice.rate) == (Decimal(1000), Decimal("195.00"))
    assert (invoice.first_day, invoice.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert view.status is InvoiceStatus.issued
    # Recorded in SAGIR's accounts receivable once, for what the MO owes.
    assert harness.sagir.documents(MO) == [(invoice.number, "invoice", MONTH_OF_1000, today)]
    assert harness.sagir.balance(MO) == MONTH_OF_1000
    # Mailed once, to the billing contact, with the PDF as issued.
    assert (first.sent, again.sent) == (1, 0)
    (kept,) = smtp.kept()
    message = read_message(Path(kept.file))
    assert message["To"] == CONTACT
    assert invoice.number in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    text = pdf_text(attachment.get_content())
    assert f"Numéro : {invoice.number}" in text
    assert "Client : MTQ - " in text
    assert "Montant dû : 16 250,00 $" in text
    assert f"Date d'échéance : {(today + timedelta(days=30)).isoformat()}" in text


async def test_an_unpaid_invoice_is_reminded_at_its_due_date_and_every_15_days_until_paid(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        harness.agree()
        key = await issued(harness)
        due = harness.desk.invoice(key).invoice.due_on
        # The due date's business day runs to 17:00 in Montréal: not reminded before it ends.
        await harness.move_to(montreal(due, 16, 59))
        before = await harness.settled(key, lambda s: True)
        await harness.move_to(montreal(due + timedelta(days=30), 17, 1))
        reminded = await harness.settled(key, lambda s: len(s.reminders) == 3)
        paid = await harness.desk.pay(key, payment("16250.00", await harness.today(), "CH-1"))
        await harness.skip(timedelta(days=60))
        after = await harness.settled(key, lambda s: s.status is InvoiceStatus.paid)
        await harness.deliver()
        reminders_sent = [
            read_message(Path(kept.file)) for kept in smtp.kept() if "Rappel" in kept.subject
        ]

    assert before.reminders == [] and before.status is InvoiceStatus.issued
    assert reminded.reminders == [due, due + timedelta(days=15), due + timedelta(days=30)]
    assert reminded.status is InvoiceStatus.overdue
    assert paid.status is InvoiceStatus.paid and paid.outstanding == 0
    assert after.reminders == reminded.reminders  # none after the payment, 60 days on
    # Each reminder queued once in the outbox, and escalated once to the CA supervisors.
    assert harness.outbox_keys(f"{key}/rappel/") == [f"{key}/rappel/{n}" for n in (1, 2, 3)]
    assert harness.escalations(key) == [(f"{key}/rappel/{n}", "invoice_overdue") for n in (1, 2, 3)]
    assert len(reminders_sent) == 3
    assert all(message["To"] == CONTACT for message in reminders_sent)
    assert harness.sagir.balance(MO) == 0


async def test_a_payment_recorded_on_the_due_date_prevents_the_reminder(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        harness.agree()
        key = await issued(harness)
        due = harness.desk.invoice(key).invoice.due_on
        await harness.move_to(montreal(due, 10, 0))
        await harness.desk.pay(key, payment("16250.00", due, "VIR-2026-118"))
        await harness.skip(timedelta(days=60))
        state = await harness.settled(key, lambda s: s.status is InvoiceStatus.paid)

    assert state.reminders == [] and state.paid == MONTH_OF_1000
    assert harness.outbox_keys(f"{key}/rappel/") == []
    assert harness.escalations(key) == []
    number = state.invoice.number if state.invoice else ""
    assert [(doc, op, amount) for doc, op, amount, _ in harness.sagir.documents(MO)] == [
        (number, "invoice", MONTH_OF_1000),
        (number, "receipt", -MONTH_OF_1000),
    ]


async def test_a_partial_payment_leaves_the_invoice_owed_and_the_rest_closes_it(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        harness.agree()
        key = await issued(harness)
        today = await harness.today()
        part = await harness.desk.pay(key, payment("10000.00", today, "CH-101"))
        part_view = harness.desk.invoice(key)
        rest = await harness.desk.pay(key, payment("6250.00", today, "CH-102"))
        await harness.settled(key, lambda s: s.status is InvoiceStatus.paid)
        rest_view = harness.desk.invoice(key)
        with pytest.raises(Refused):
            await harness.desk.pay(key, payment("0.01", today, "CH-103"))

    assert part.status is InvoiceStatus.issued
    assert (part.paid, part.outstanding) == (Decimal("10000.00"), Decimal("6250.00"))
    assert part_view.status is InvoiceStatus.issued and part_view.outstanding == Decimal("6250.00")
    assert rest.status is InvoiceStatus.paid
    assert (rest.paid, rest.outstanding) == (MONTH_OF_1000, Decimal("0.00"))
    assert rest_view.status is InvoiceStatus.paid and rest_view.outstanding == 0
    assert [one.reference for one in rest_view.payments] == ["CH-101", "CH-102"]
    assert [amount for _, _, amount, _ in harness.sagir.documents(MO)] == [
        MONTH_OF_1000,
        Decimal("-10000.00"),
        Decimal("-6250.00"),
    ]
    assert harness.sagir.balance(MO) == 0


async def test_a_payment_above_what_is_outstanding_is_refused_and_changes_nothing(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        harness.agree()
        key = await issued(harness)
        today = await harness.today()
        with pytest.raises(Refused, match="16,250.01 .* more than the 16,250.00 \\$ outstanding"):
            await harness.desk.pay(key, payment("16250.01", today, "CH-201"))
        untouched = await harness.state(key)
        await harness.desk.pay(key, payment("6250.00", today, "CH-202"))
        with pytest.raises(Refused, match="more than the 10,000.00 \\$ outstanding"):
            await harness.desk.pay(key, payment("10000.01", today, "CH-203"))
        after_part = await harness.settled(key, lambda s: len(s.payments) == 1)
        view = harness.desk.invoice(key)

    assert untouched.payments == [] and untouched.outstanding == MONTH_OF_1000
    assert [one.reference for one in after_part.payments] == ["CH-202"]
    assert after_part.outstanding == Decimal("10000.00") == view.outstanding
    assert view.status is InvoiceStatus.issued
    assert harness.sagir.balance(MO) == Decimal("10000.00")


async def test_numbers_have_no_gaps_within_a_year(
    time_skipping_env: WorkflowEnvironment,
    numbered_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    months = [date(2026, month, 1) for month in range(4, 10)]  # April to September
    async with billing_desk(time_skipping_env, numbered_uow, task_queue, smtp, tmp_path) as harness:
        harness.agree(mo=MO)
        harness.agree(mo=OTHER_MO, estimated=2400, contact="finances@msss.example")
        year = (await harness.today()).year
        first = await harness.desk.issue(MO, date(2026, 10, 1), CLERK)
        # Both MOs' six months at once.
        await asyncio.gather(
            *(harness.desk.issue(mo, month, CLERK) for mo in (MO, OTHER_MO) for month in months)
        )
        # An MO without an agreement: refused by the desk, and by the workflow itself.
        with pytest.raises(InvalidInput, match="no shared-services agreement"):
            await harness.desk.issue(NO_AGREEMENT_MO, date(2026, 10, 1), CLERK)
        refused = IssueInvoice.monthly(NO_AGREEMENT_MO, date(2026, 10, 1), CLERK)
        handle = await time_skipping_env.client.start_workflow(
            InvoiceWorkflow.run, refused, id=refused.key, task_queue=task_queue
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await harness.ended(handle)
        last = await harness.desk.issue(MO, date(2026, 11, 1), CLERK)

    assert isinstance(failed.value.cause, ActivityError)
    assert isinstance(failed.value.cause.cause, ApplicationError)
    assert failed.value.cause.cause.type == "NotBillable"
    assert harness.invoices.view(refused.key) is None
    assert first.invoice is not None and first.invoice.number == f"F-{year}-000001"
    assert last.invoice is not None and last.invoice.number == f"F-{year}-000014"
    assert harness.numbers() == [f"F-{year}-{n:06d}" for n in range(1, 15)]


async def test_the_same_month_issued_twice_is_one_invoice(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(
        time_skipping_env, demo_uow, task_queue, smtp, tmp_path, not_before=DECEMBER_2026
    ) as harness:
        harness.agree()
        year = (await harness.today()).year
        first = await harness.desk.issue(MO, NOVEMBER, CLERK)
        with pytest.raises(Refused, match=f"issued already \\(F-{year}-000001\\)"):
            await harness.desk.issue(MO, NOVEMBER, "agent-gagnon")
        next_month = await harness.desk.issue(MO, date(2026, 12, 1), CLERK)

    assert first.invoice is not None and first.invoice.number == f"F-{year}-000001"
    assert harness.numbers(KEY) == [f"F-{year}-000001"]
    # The refusal took no number.
    assert next_month.invoice is not None and next_month.invoice.number == f"F-{year}-000002"


async def test_a_year_with_1000_estimated_and_1042_actual_gives_an_adjustment_invoice_of_8_190_dollars(  # noqa: E501
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    after_the_year = datetime(2027, 4, 2, 6, 0, tzinfo=MONTREAL)
    async with billing_desk(
        time_skipping_env, demo_uow, task_queue, smtp, tmp_path, not_before=after_the_year
    ) as harness:
        harness.agree(estimated=1000)
        harness.invoiced_months()  # twelve months of 16,250.00 $: 195,000.00 $
        harness.month_end_snapshots(1042)
        today = await harness.today()
        state = await harness.desk.issue_adjustment(MO, date(2026, 4, 1), CLERK)
        await harness.settled(state.key, lambda s: s.mailed)
        view = harness.desk.invoice(state.key)
        await harness.deliver()

    invoice = view.invoice
    assert invoice.key == "ajustement-MTQ-2026-04-2027-03"
    assert invoice.kind is InvoiceKind.adjustment and view.status is InvoiceStatus.issued
    # 42 employees more than estimated, for the year: 42 x 195.00 $ = 8,190.00 $.
    assert (invoice.headcount, invoice.estimated_headcount) == (Decimal(1042), Decimal(1000))
    assert invoice.amount == Decimal("8190.00") == view.outstanding
    assert (invoice.first_day, invoice.last_day) == (date(2026, 4, 1), date(2027, 3, 31))
    assert invoice.due_on == due_date(today)
    assert harness.sagir.documents(MO) == [(invoice.number, "invoice", Decimal("8190.00"), today)]
    (kept,) = smtp.kept()
    (attachment,) = list(read_message(Path(kept.file)).iter_attachments())
    text = pdf_text(attachment.get_content())
    assert "FACTURE D'AJUSTEMENT" in text and "Montant dû : 8 190,00 $" in text
    assert "Effectif moyen réel : 1 042,00 ; effectif estimé : 1 000" in text


async def test_an_actual_average_below_the_estimate_gives_a_credit_note_settled_against_the_next_invoice(  # noqa: E501
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An invoice not numbered in 5 s will not be: fail then rather than after the desk's 15 s.
    monkeypatch.setattr(billing_desk_module, "ISSUE_WAIT", timedelta(seconds=5))
    after_the_year = datetime(2027, 4, 2, 6, 0, tzinfo=MONTREAL)
    async with billing_desk(
        time_skipping_env, demo_uow, task_queue, smtp, tmp_path, not_before=after_the_year
    ) as harness:
        harness.agree(estimated=1000)
        harness.invoiced_months()
        harness.month_end_snapshots(958)
        credit = await harness.desk.issue_adjustment(MO, date(2026, 4, 1), CLERK)
        await harness.settled(credit.key, lambda s: s.mailed)
        open_credit = harness.desk.invoice(credit.key)
        april = await harness.desk.issue(MO, date(2027, 4, 1), CLERK)
        assert april.invoice is not None, "April's invoice was not issued"
        await harness.settled(april.key, lambda s: s.mailed)
        next_invoice = harness.desk.invoice(april.key)
        settled = harness.desk.invoice(credit.key)
        (report,) = harness.desk.report(date(2027, 4, 1), MO)
        with pytest.raises(Refused):  # a credit note is settled, never paid
            await harness.desk.pay(credit.key, payment("1.00", await harness.today()))
        await harness.deliver()

    note = settled.invoice
    # 42 employees fewer than estimated, for the year: 8,190.00 $ credited.
    assert note.kind is InvoiceKind.credit_note and note.amount == Decimal("8190.00")
    assert note.headcount == Decimal(958)
    assert open_credit.status is InvoiceStatus.credit_open
    assert open_credit.credit_left == Decimal("8190.00")
    # April 2027: 16,250.00 $, less the 8,190.00 $ credited, 8,060.00 $ due.
    invoice = next_invoice.invoice
    assert invoice.amount == MONTH_OF_1000
    assert (invoice.credited, invoice.credits) == (Decimal("8190.00"), [note.number])
    assert invoice.due == Decimal("8060.00") == next_invoice.outstanding
    # The year's report: invoiced less credited less paid is what is owed.
    assert (report.invoiced, report.credited, report.paid, report.outstanding) == (
        MONTH_OF_1000,
        Decimal("8190.00"),
        Decimal("0.00"),
        Decimal("8060.00"),
    )
    assert settled.status is InvoiceStatus.credit_settled
    assert (settled.applied_to, settled.credit_left) == ([invoice.number], Decimal("0.00"))
    assert [(doc, op, amount) for doc, op, amount, _ in harness.sagir.documents(MO)] == [
        (note.number, "credit", Decimal("-8190.00")),
        (invoice.number, "invoice", MONTH_OF_1000),
    ]
    texts = {
        kept.subject: pdf_text(next(read_message(Path(kept.file)).iter_attachments()).get_content())
        for kept in smtp.kept()
    }
    (credit_text,) = [text for subject, text in texts.items() if note.number in subject]
    (invoice_text,) = [text for subject, text in texts.items() if invoice.number in subject]
    assert "NOTE DE CRÉDIT" in credit_text and "Montant crédité : 8 190,00 $" in credit_text
    assert f"Crédit appliqué ({note.number}) : {money_fr(Decimal('-8190'))}" in invoice_text
    assert "Montant dû : 8 060,00 $" in invoice_text


async def test_an_agreement_starting_october_1_bills_six_months(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    october = date(2026, 10, 1)
    months = [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)] + [
        date(2027, month, 1) for month in (1, 2, 3)
    ]
    async with billing_desk(
        time_skipping_env, demo_uow, task_queue, smtp, tmp_path, not_before=MARCH_2027
    ) as harness:
        harness.agree(estimated=1000, first_day=october)
        with pytest.raises(InvalidInput, match="begins on 2026-10-01"):
            await harness.desk.issue(MO, date(2026, 9, 1), CLERK)
        for month in months:
            await harness.desk.issue(MO, month, CLERK)
        views = harness.desk.invoices(MO, year_of=october)
        (line,) = harness.desk.report(october, MO)

    assert [view.invoice.first_day for view in views] == months
    assert [view.invoice.amount for view in views] == [MONTH_OF_1000] * 6
    assert sum((view.invoice.amount for view in views), Decimal(0)) == Decimal("97500.00")
    assert (line.year, line.invoiced, line.outstanding) == (
        "2026-2027",
        Decimal("97500.00"),
        Decimal("97500.00"),
    )


async def test_a_rate_change_on_april_1_applies_to_aprils_invoice_not_marchs(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(
        time_skipping_env, demo_uow, task_queue, smtp, tmp_path, not_before=APRIL_2027
    ) as harness:
        harness.agree(estimated=1000)
        harness.add_rate(Decimal("204.00"), date(2027, 4, 1))
        march = await harness.desk.issue(MO, date(2027, 3, 1), CLERK)
        april = await harness.desk.issue(MO, date(2027, 4, 1), CLERK)
        assert april.invoice is not None, "April's invoice was not issued"
        await harness.settled(april.key, lambda s: s.mailed)
        april_pdf = pdf_text(harness.desk.pdf(april.key)[1])

    assert march.invoice is not None and april.invoice is not None
    assert (march.invoice.rate, march.invoice.amount) == (Decimal("195.00"), MONTH_OF_1000)
    # 1,000 x 204.00 $ / 12.
    assert (april.invoice.rate, april.invoice.amount) == (Decimal("204.00"), Decimal("17000.00"))
    assert "Montant dû : 17 000,00 $" in april_pdf
    assert "Taux en vigueur : 204,00 $ par employé par année." in april_pdf
