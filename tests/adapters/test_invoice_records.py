"""The invoices' records and the billing desk's rules on SQLite and PostgreSQL (the engine in
memory): the year-end adjustment trues up what the months actually billed, a rate never reaches
back to an issued month, a month is billed once it has begun, a pause holds the invoices and
never the headcount, and a payment's reference names one payment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.invoice_pdf import invoice_pdf
from adapters.ports import BillingRecords
from adapters.sql_billing import SqlBilling
from adapters.sql_directory import SqlDirectory
from adapters.sql_invoices import SqlInvoices
from adapters.sql_sagir_erp import SqlSagirErp
from models.billing import (
    CURRENT_RATE,
    Agreement,
    InvoiceKind,
    InvoiceNote,
    InvoiceStatus,
    IssueInvoice,
    Payment,
    Period,
    Rate,
    RecordPayment,
)
from models.service_calendar import MONTREAL
from starter.desks.billing import BillingDesk, ScheduleStatus
from starter.desks.errors import InvalidInput, Refused
from tests.adapters.test_billing_records import KEYS
from tests.unit.fake_engine import FakeEngine
from workflows import billing

AT = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
YEAR = Period(date(2026, 4, 1), date(2027, 3, 31))
CLERK = "facturation-roy"


class Schedules:
    """The Temporal Schedules, in memory: which are paused."""

    def __init__(self) -> None:
        self.paused: set[str] = set()

    async def pause(self, schedule_id: str, note: str) -> None:
        self.paused.add(schedule_id)

    async def resume(self, schedule_id: str, note: str) -> None:
        self.paused.discard(schedule_id)

    async def backfill(self, schedule_id: str, at: datetime) -> None:
        raise AssertionError("not backfilled in these tests")

    async def status(self, schedule_id: str) -> ScheduleStatus:
        return ScheduleStatus(
            id=schedule_id, paused=schedule_id in self.paused, note="", next_runs=[]
        )


def records(uow: UnitOfWork, estimated: int = 1000) -> tuple[SqlBilling, SqlInvoices]:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow))
    agreements = SqlBilling(uow, KEYS)
    agreements.add_rate(
        Rate(per_employee_per_year=CURRENT_RATE, valid_from=date(2020, 4, 1)), CLERK, AT
    )
    agreements.keep_agreement(
        Agreement(
            mo="MTQ",
            first_day=date(2026, 4, 1),
            estimated_headcount=estimated,
            billing_contact="finances@mtq.example",
        ),
        CLERK,
        AT,
    )
    return agreements, SqlInvoices(uow, KEYS, invoice_pdf)


def desk(uow: UnitOfWork, now: datetime = AT) -> tuple[BillingDesk, Schedules]:
    agreements, invoices = records(uow)
    schedules = Schedules()
    return (
        BillingDesk(
            FakeEngine(),
            agreements,
            invoices,
            SqlDirectory(uow),
            schedules,
            lambda: now,
        ),
        schedules,
    )


def bill(invoices: BillingRecords, months: list[date]) -> None:
    for month in months:
        invoices.issue(IssueInvoice.monthly("MTQ", month, "schedule"), month, AT)


def month_ends(agreements: SqlBilling, count: int) -> None:
    for month in YEAR.months():
        last = date(month.year + month.month // 12, month.month % 12 + 1, 1).toordinal() - 1
        agreements.take_snapshot("MTQ", date.fromordinal(last), count, AT)


def test_the_adjustment_bills_a_month_a_pause_left_unbilled(uow: UnitOfWork) -> None:
    agreements, invoices = records(uow)
    months = YEAR.months()
    bill(invoices, [month for month in months if month != date(2026, 7, 1)])  # July paused
    month_ends(agreements, 1000)  # the actual average is the estimate

    adjustment = invoices.issue(IssueInvoice.year_end("MTQ", YEAR, CLERK), date(2027, 4, 2), AT)

    # Eleven months billed 178,750.00 $; the year costs 195,000.00 $: July's 16,250.00 $.
    assert adjustment.kind is InvoiceKind.adjustment
    assert adjustment.amount == Decimal("16250.00")


def test_an_estimate_changed_mid_year_is_trued_up_against_what_the_months_billed(
    uow: UnitOfWork,
) -> None:
    agreements, invoices = records(uow)
    months = YEAR.months()
    bill(invoices, months[:6])  # April to September at 1,000: 97,500.00 $
    agreements.keep_agreement(
        Agreement(
            mo="MTQ",
            first_day=date(2026, 4, 1),
            estimated_headcount=1200,
            billing_contact="finances@mtq.example",
        ),
        CLERK,
        AT,
    )
    bill(invoices, months[6:])  # October to March at 1,200: 117,000.00 $
    month_ends(agreements, 1100)  # 1,100 for the year: 214,500.00 $, what was billed

    adjustment = invoices.issue(IssueInvoice.year_end("MTQ", YEAR, CLERK), date(2027, 4, 2), AT)

    assert adjustment.amount == Decimal("0.00")


def test_a_paused_mo_still_gets_its_year_end_adjustment(uow: UnitOfWork) -> None:
    _, invoices = records(uow)
    invoices.pause("MTQ", CLERK, AT)

    monthly = invoices.billable(InvoiceKind.monthly, date(2027, 4, 1), "schedule")
    year_end = invoices.billable(InvoiceKind.adjustment, date(2027, 4, 2), "schedule")

    assert monthly == []
    assert [asked.key for asked in year_end] == ["ajustement-MTQ-2026-04-2027-03"]


def test_a_new_rate_never_reaches_back_to_an_issued_month(uow: UnitOfWork) -> None:
    billing_desk, _ = desk(uow)
    bill(billing_desk.records, [date(2026, 11, 1)])

    with pytest.raises(Refused, match="invoices of 2026-11 were issued"):
        billing_desk.add_rate(Decimal("204.00"), date(2026, 11, 1), CLERK)
    with pytest.raises(InvalidInput, match="not a month's first day"):
        billing_desk.add_rate(Decimal("204.00"), date(2027, 4, 15), CLERK)
    added = billing_desk.add_rate(Decimal("204.00"), date(2027, 4, 1), CLERK)

    assert [rate.valid_from for rate in billing_desk.grid()] == [date(2020, 4, 1), added.valid_from]


async def test_a_month_is_billed_from_its_first_day_not_before(uow: UnitOfWork) -> None:
    billing_desk, _ = desk(uow, now=datetime(2026, 11, 30, 12, 0, tzinfo=MONTREAL))

    with pytest.raises(InvalidInput, match="2026-12 has not begun"):
        await billing_desk.issue("MTQ", date(2026, 12, 1), CLERK)
    with pytest.raises(InvalidInput, match="year: MTQ's agreement begins on 2026-04-01"):
        billing_desk.headcount("MTQ", date(2025, 6, 1))


async def test_pausing_billing_holds_the_invoices_and_never_the_headcount(uow: UnitOfWork) -> None:
    billing_desk, schedules = desk(uow)

    await billing_desk.pause(None, CLERK)

    assert schedules.paused == {billing.MONTHLY_SCHEDULE, billing.ADJUSTMENT_SCHEDULE}


async def test_a_payment_reference_names_one_payment(uow: UnitOfWork) -> None:
    billing_desk, _ = desk(uow, now=datetime(2026, 12, 20, 12, 0, tzinfo=MONTREAL))
    bill(billing_desk.records, [date(2026, 11, 1)])
    number = billing_desk.invoices("MTQ")[0].invoice.number
    billing_desk.records.note(
        _paid_note("facture-MTQ-2026-11", Decimal("1000.00"), date(2026, 12, 1), "CHQ-1")
    )

    with pytest.raises(Refused, match="reference: CHQ-1 was recorded already for 1,000.00 \\$"):
        await billing_desk.pay(
            number,
            RecordPayment(
                amount=Decimal("2000.00"), paid_on=date(2026, 12, 2), reference="CHQ-1", by=CLERK
            ),
        )


def _paid_note(key: str, amount: Decimal, paid_on: date, reference: str) -> InvoiceNote:
    return InvoiceNote(
        key=key,
        version=1,
        status=InvoiceStatus.issued,
        payments=[Payment(amount=amount, paid_on=paid_on, reference=reference, by=CLERK, at=AT)],
        reminders=[],
        recorded_in_erp=True,
        mailed=True,
    )
