"""Billing (RULES.md "Training, communiqués, billing"; seed: *Tarification*, *Délai de
facturation*), the pure rules: money, the agreement's period, the rate in force, the monthly
invoices of an estimate, the year-end adjustment to the actual average headcount, the due date
and the reminders. No I/O: the schedules, workflows and doors (issue 15) build on these.

Money is `Decimal` dollars, always rounded to the cent **half up** (0.005 $ -> 0.01 $), the way
an invoice shows it. A year's monthly amounts add up exactly to the year's amount: each month
is the exact twelfth (prorated, at that month's rate) rounded down to the cent, and the last
month of the period takes the cents left over, so the total is the exact amount rounded once.

The actual headcount of a period is the mean of its **month-end counts** of active employees
(one snapshot per billed month, taken from the dossier personne): the figure an MO's finance
officer can check line by line against their own monthly payroll report, and the same months
the invoices were issued for.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import Field

from models.requests import Record
from models.tickets import ActorCode, Contract, EmailAddress, MoCode, ServiceDate

CENT = Decimal("0.01")
PAYMENT_DAYS = 30  # an invoice is payable within 30 days of its issue
REMINDER_DAYS = 15  # unpaid at the due date: a reminder then, and every 15 days until paid
FISCAL_YEAR_START_MONTH = 4  # the government's fiscal year: April 1 to March 31
CURRENT_RATE = Decimal("195.00")  # dollars per employee per year, in force


def cents(amount: Decimal) -> Decimal:
    """An amount as an invoice shows it: to the cent, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _cents_down(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_DOWN)


def money_fr(amount: Decimal) -> str:
    """An amount the Québec French way: `16 250,00 $`, `-8 190,00 $` (to the cent, half up)."""
    return f"{number_fr(cents(amount), 2)} $"


def number_fr(value: Decimal, places: int) -> str:
    grouped = f"{value:,.{places}f}"  # 16,250.00
    return grouped.replace(",", " ").replace(".", ",")


@dataclass(frozen=True)
class Rate:
    """The unit rate per employee per year, in force from `valid_from` until the next one."""

    per_employee_per_year: Decimal
    valid_from: date


def rate_on(day: date, grid: Sequence[Rate]) -> Decimal:
    """The rate in force on `day`: the latest one whose date has come. A new rate applies from
    its date onwards, never to a month that began before it."""
    in_force = [rate for rate in grid if rate.valid_from <= day]
    if not in_force:
        raise ValueError(f"no rate is in force on {day.isoformat()}; add one to the rate grid")
    return max(in_force, key=lambda rate: rate.valid_from).per_employee_per_year


def fiscal_year_of(day: date) -> tuple[date, date]:
    """The fiscal year holding `day`: April 1 to March 31."""
    first_year = day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1
    return date(first_year, FISCAL_YEAR_START_MONTH, 1), date(first_year + 1, 3, 31)


@dataclass(frozen=True)
class Period:
    """An agreement's billing period (a fiscal year by default; a first one may start later,
    a last one end sooner), both days included."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("last_day: the period ends before it begins")

    @classmethod
    def fiscal_year(cls, starting: date) -> Period:
        first, last = fiscal_year_of(starting)
        return cls(max(first, starting), last)

    def months(self) -> list[date]:
        """The first day of each month the period touches, in order."""
        month = self.first_day.replace(day=1)
        found = []
        while month <= self.last_day:
            found.append(month)
            month = _next_month(month)
        return found

    def share_of(self, month: date) -> Decimal:
        """The part of `month` inside the period (1 for a whole month; days covered over the
        month's days for a partial first or last month)."""
        days = calendar.monthrange(month.year, month.month)[1]
        month_last = month.replace(day=days)
        first, last = max(self.first_day, month), min(self.last_day, month_last)
        if last < first:
            return Decimal(0)
        covered = (last - first).days + 1
        return Decimal(1) if covered == days else Decimal(covered) / Decimal(days)


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


@dataclass(frozen=True)
class MonthlyAmount:
    month: date  # its first day
    rate: Decimal
    amount: Decimal


def monthly_amounts(
    headcount: Decimal, period: Period, grid: Sequence[Rate]
) -> list[MonthlyAmount]:
    """The invoices of a period for `headcount` employees: for each month, headcount x the
    month's rate / 12 x the month's share of the period; each rounded down to the cent but the
    last, which takes what is left so the months add up to the exact total rounded once."""
    exact = []
    for month in period.months():
        rate = rate_on(month, grid)
        exact.append((month, rate, headcount * rate / 12 * period.share_of(month)))
    total = cents(sum((amount for _, _, amount in exact), Decimal(0)))
    amounts = [
        MonthlyAmount(month=month, rate=rate, amount=_cents_down(amount))
        for month, rate, amount in exact[:-1]
    ]
    month, rate, _ = exact[-1]
    billed = sum((one.amount for one in amounts), Decimal(0))
    amounts.append(MonthlyAmount(month=month, rate=rate, amount=total - billed))
    return amounts


def period_amount(headcount: Decimal, period: Period, grid: Sequence[Rate]) -> Decimal:
    """What a period costs for `headcount` employees (the sum of its monthly amounts)."""
    return sum((one.amount for one in monthly_amounts(headcount, period, grid)), Decimal(0))


def actual_headcount(month_end_counts: Iterable[int]) -> Decimal:
    """The period's actual average headcount: the mean of its month-end counts (exact; the
    money computed from it is what is rounded)."""
    counts = list(month_end_counts)
    if not counts:
        raise ValueError("month_end_counts: the period has no headcount snapshot yet")
    return Decimal(sum(counts)) / Decimal(len(counts))


def adjustment(
    estimated: Decimal, month_end_counts: Iterable[int], period: Period, grid: Sequence[Rate]
) -> Decimal:
    """The year-end adjustment: what the actual average would have cost, less what the
    estimate cost, month by month at each month's rate and share. Positive: an invoice;
    negative: a credit note."""
    actual = actual_headcount(month_end_counts)
    return period_amount(actual, period, grid) - period_amount(estimated, period, grid)


def due_date(issued_on: date) -> date:
    """An invoice is payable within 30 days of its issue."""
    return issued_on + timedelta(days=PAYMENT_DAYS)


def reminder_days(due: date, until: date) -> list[date]:
    """The days an unpaid invoice is reminded of, up to `until`: its due date, then every 15
    days."""
    days = []
    day = due
    while day <= until:
        days.append(day)
        day += timedelta(days=REMINDER_DAYS)
    return days


def invoice_number(year: int, sequence: int) -> str:
    """The invoice's number: sequential within its year of issue, with no gaps."""
    return f"F-{year:04d}-{sequence:06d}"


def invoice_key(mo: str, month: date) -> str:
    """One invoice per MO per month, whoever asks for it (a schedule firing twice, a backfill,
    a person): the key its workflow and its number are kept under."""
    return f"facture-{mo}-{month:%Y-%m}"


def adjustment_key(mo: str, period: Period) -> str:
    """One adjustment per MO per period."""
    return f"ajustement-{mo}-{period.first_day:%Y-%m}-{period.last_day:%Y-%m}"


class Agreement(Contract):
    """An MO's shared-services agreement (*entente de services partagés*): from its first day,
    billed per fiscal year on its estimated headcount, invoices mailed to its billing contact."""

    mo: MoCode
    first_day: ServiceDate
    estimated_headcount: int = Field(ge=1, le=1_000_000)
    billing_contact: EmailAddress = Field(repr=False)

    def period_of(self, day: date) -> Period:
        """The billing period holding `day`: its fiscal year, from the agreement's first day."""
        first, last = fiscal_year_of(day)
        return Period(max(first, self.first_day), last)


class Snapshot(Contract):
    """An MO's count of active employees (dossier personne) on a day, taken once."""

    mo: str
    day: date
    count: int


def month_end_counts(snapshots: Sequence[Snapshot], period: Period) -> list[int]:
    """The count of each month's last snapshot within the period (months without one left
    out), the figures of `models.billing.actual_headcount`."""
    last_of_month: dict[tuple[int, int], Snapshot] = {}
    for snapshot in sorted(snapshots, key=lambda one: one.day):
        if period.first_day <= snapshot.day <= period.last_day:
            last_of_month[(snapshot.day.year, snapshot.day.month)] = snapshot
    return [snapshot.count for _, snapshot in sorted(last_of_month.items())]


# --- invoices ---------------------------------------------------------------------------------


class InvoiceKind(StrEnum):
    monthly = "monthly"  # facture mensuelle: the estimate's month
    adjustment = "adjustment"  # facture d'ajustement: the actual average cost more
    credit_note = "credit_note"  # note de crédit: the actual average cost less


class InvoiceStatus(StrEnum):
    issued = "issued"  # numbered, recorded in SAGIR's accounts receivable, mailed: owed
    overdue = "overdue"  # unpaid after its due date: reminded every 15 days
    paid = "paid"  # its payments (and the credit applied to it) cover it
    credit_open = "credit_open"  # a credit note whose amount is not yet all applied
    credit_settled = "credit_settled"  # a credit note applied in full to later invoices


OWED = frozenset({InvoiceStatus.issued, InvoiceStatus.overdue})


class IssueInvoice(Contract):
    """What the invoice's workflow starts from: which MO, which month (a monthly invoice) or
    which period (the year-end adjustment), and who asked (`schedule` or a person's code)."""

    key: str
    mo: MoCode
    kind: InvoiceKind
    first_day: date  # of the month, or of the period
    last_day: date
    by: str

    @classmethod
    def monthly(cls, mo: str, month: date, by: str) -> IssueInvoice:
        first = month.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return cls(
            key=invoice_key(mo, first),
            mo=mo,
            kind=InvoiceKind.monthly,
            first_day=first,
            last_day=last,
            by=by,
        )

    @classmethod
    def year_end(cls, mo: str, period: Period, by: str) -> IssueInvoice:
        return cls(
            key=adjustment_key(mo, period),
            mo=mo,
            kind=InvoiceKind.adjustment,
            first_day=period.first_day,
            last_day=period.last_day,
            by=by,
        )


class Payment(Contract):
    """A payment the CA recorded against an invoice (full or partial)."""

    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    paid_on: date
    reference: str = Field(default="", max_length=60)
    by: ActorCode
    at: datetime


class RecordPayment(Contract):
    """The `pay` update's input."""

    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    paid_on: date
    reference: str = Field(default="", max_length=60)
    by: ActorCode


class Invoice(Contract):
    """An invoice or a credit note as issued: its number, MO, what it bills and for how much.
    No person and no address: it may travel in the engine's history."""

    key: str
    number: str
    mo: str
    kind: InvoiceKind
    first_day: date
    last_day: date
    issued_on: date
    due_on: date
    headcount: Decimal  # the estimate (monthly), or the actual average (adjustment)
    estimated_headcount: Decimal
    rate: Decimal  # the rate of the first month billed
    amount: Decimal  # always positive: what is owed, or credited for a credit note
    # Credit notes applied to this invoice when it was issued (their numbers, and how much).
    credited: Decimal = Decimal("0.00")
    credits: list[str] = Field(default_factory=list)

    @property
    def due(self) -> Decimal:
        """What the MO owes on it once the credit applied is taken off."""
        return Decimal(0) if self.kind is InvoiceKind.credit_note else self.amount - self.credited


class IssuedInvoice(Invoice):
    """An invoice as the records hold it once issued, with what was already recorded against
    it (a workflow started again for an invoice issued before resumes from there)."""

    status: InvoiceStatus
    payments: list[Payment] = Field(default_factory=list)
    reminders: list[date] = Field(default_factory=list)
    note_version: int = 0  # the records' last note: a workflow started again goes on from it

    def as_invoice(self) -> Invoice:
        return Invoice(**self.model_dump(include=set(Invoice.model_fields)))


class NotBillable(ValueError):
    """The invoice asked for cannot be issued (no agreement, a month outside it, no rate, no
    headcount snapshot): one sentence naming what is missing."""


class InvoiceState(Record):
    """The invoice's workflow state, as its `state` query reports it."""

    key: str
    mo: str
    kind: InvoiceKind
    status: InvoiceStatus | None = None  # None until issued
    invoice: Invoice | None = None
    payments: list[Payment] = Field(default_factory=list)
    reminders: list[date] = Field(default_factory=list)
    recorded_in_erp: bool = False
    mailed: bool = False

    @property
    def paid(self) -> Decimal:
        return sum((payment.amount for payment in self.payments), Decimal("0.00"))

    @property
    def outstanding(self) -> Decimal:
        return Decimal("0.00") if self.invoice is None else self.invoice.due - self.paid


class InvoiceNote(Contract):
    """What the workflow tells the desk's records at each change (newer versions win)."""

    key: str
    version: int
    status: InvoiceStatus
    payments: list[Payment]
    reminders: list[date]
    recorded_in_erp: bool
    mailed: bool

    @classmethod
    def of(cls, state: InvoiceState, version: int) -> InvoiceNote:
        assert state.status is not None, "an invoice is noted once issued"
        return cls(
            key=state.key,
            version=version,
            status=state.status,
            payments=list(state.payments),
            reminders=list(state.reminders),
            recorded_in_erp=state.recorded_in_erp,
            mailed=state.mailed,
        )


class InvoiceView(Contract):
    """An invoice as the doors show it: the issued invoice, where it stands, its payments."""

    invoice: Invoice
    mo_name: str
    status: InvoiceStatus
    paid: Decimal
    outstanding: Decimal
    payments: list[Payment]
    reminders: list[date]
    # A credit note: the invoices it was applied to, and what is left of it.
    applied_to: list[str] = Field(default_factory=list)
    credit_left: Decimal = Decimal("0.00")


class YearLine(Contract):
    """One MO's fiscal year in the report: invoiced, paid, outstanding, the adjustment."""

    mo: str
    year: str  # `2026-2027`
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal  # invoiced - credited - paid
    adjustment: Decimal  # + an adjustment invoice, - a credit note, 0 none yet
    credited: Decimal = Decimal("0.00")  # credit notes settled against the year's invoices
