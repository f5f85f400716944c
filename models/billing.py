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
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from pydantic import Field

from models.tickets import Contract, EmailAddress, MoCode, ServiceDate

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
