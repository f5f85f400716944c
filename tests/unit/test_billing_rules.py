"""Billing's pure rules (issue 15), with figures an accountant can check by hand: 195 $ per
employee per year, monthly invoices that add up to the year, the year-end adjustment to the
actual average, payment within 30 days and reminders every 15 days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models.billing import (
    CURRENT_RATE,
    Period,
    Rate,
    actual_headcount,
    adjustment,
    adjustment_key,
    cents,
    due_date,
    invoice_key,
    invoice_number,
    monthly_amounts,
    period_amount,
    rate_on,
    reminder_days,
)

GRID = [Rate(per_employee_per_year=CURRENT_RATE, valid_from=date(2020, 4, 1))]
YEAR_2026 = Period.fiscal_year(date(2026, 4, 1))


def test_an_estimate_of_1000_employees_is_invoiced_16250_a_month_and_195000_a_year() -> None:
    months = monthly_amounts(Decimal(1000), YEAR_2026, GRID)

    assert [one.amount for one in months] == [Decimal("16250.00")] * 12
    assert period_amount(Decimal(1000), YEAR_2026, GRID) == Decimal("195000.00")
    assert (months[0].month, months[-1].month) == (date(2026, 4, 1), date(2027, 3, 1))


def test_the_monthly_amounts_add_up_to_the_year_and_the_last_month_takes_the_cents() -> None:
    # 7 x 195 = 1,365.00 a year: 113.75 a month exactly; 1 x 195 = 16.25; 11 x 195 / 12 =
    # 178.75; 13 x 195 / 12 = 211.25: all exact. 1,001 x 200 / 12 = 16,683.333...: not.
    grid = [Rate(per_employee_per_year=Decimal("200.00"), valid_from=date(2020, 4, 1))]
    months = monthly_amounts(Decimal(1001), YEAR_2026, grid)

    assert [one.amount for one in months[:-1]] == [Decimal("16683.33")] * 11
    assert months[-1].amount == Decimal("16683.37")
    assert sum(one.amount for one in months) == Decimal("200200.00")


def test_an_agreement_starting_on_october_1_bills_six_months() -> None:
    first_year = Period.fiscal_year(date(2026, 10, 1))
    months = monthly_amounts(Decimal(1000), first_year, GRID)

    assert [one.month for one in months] == [
        date(2026, 10, 1),
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]
    assert sum(one.amount for one in months) == Decimal("97500.00")


def test_a_partial_first_month_is_prorated_by_its_days() -> None:
    # From November 16: 15 of November's 30 days, half a month.
    first_year = Period(date(2026, 11, 16), date(2027, 3, 31))
    months = monthly_amounts(Decimal(1000), first_year, GRID)

    assert months[0].amount == Decimal("8125.00")
    assert [one.amount for one in months[1:]] == [Decimal("16250.00")] * 4


def test_a_rate_change_on_april_1_applies_to_aprils_invoice_and_not_marchs() -> None:
    grid = [*GRID, Rate(per_employee_per_year=Decimal("204.00"), valid_from=date(2027, 4, 1))]
    march = monthly_amounts(Decimal(1000), YEAR_2026, grid)[-1]
    april = monthly_amounts(Decimal(1000), Period.fiscal_year(date(2027, 4, 1)), grid)[0]

    assert (march.month, march.rate, march.amount) == (
        date(2027, 3, 1),
        Decimal("195.00"),
        Decimal("16250.00"),
    )
    assert (april.month, april.rate, april.amount) == (
        date(2027, 4, 1),
        Decimal("204.00"),
        Decimal("17000.00"),
    )
    assert rate_on(date(2027, 3, 31), grid) == Decimal("195.00")


def test_no_rate_in_force_is_said_in_one_sentence() -> None:
    with pytest.raises(ValueError, match="no rate is in force on 2019-05-01"):
        rate_on(date(2019, 5, 1), GRID)


def test_1000_estimated_and_an_actual_average_of_1042_gives_an_adjustment_of_8190() -> None:
    # Month-end counts from April to March, averaging 1,042.
    counts = [1030, 1035, 1040, 1038, 1042, 1045, 1044, 1046, 1048, 1047, 1043, 1046]

    assert actual_headcount(counts) == Decimal(1042)
    assert adjustment(Decimal(1000), counts, YEAR_2026, GRID) == Decimal("8190.00")


def test_fewer_employees_than_estimated_gives_a_credit_note() -> None:
    assert adjustment(Decimal(1000), [990] * 12, YEAR_2026, GRID) == Decimal("-1950.00")


def test_the_adjustment_is_prorated_as_the_invoices_were() -> None:
    first_year = Period.fiscal_year(date(2026, 10, 1))

    assert adjustment(Decimal(1000), [1042] * 6, first_year, GRID) == Decimal("4095.00")


def test_money_is_rounded_to_the_cent_half_up() -> None:
    assert cents(Decimal("0.005")) == Decimal("0.01")
    assert cents(Decimal("16683.3349")) == Decimal("16683.33")


def test_an_invoice_is_due_30_days_after_its_issue() -> None:
    assert due_date(date(2026, 11, 1)) == date(2026, 12, 1)
    assert due_date(date(2027, 2, 1)) == date(2027, 3, 3)


def test_an_unpaid_invoice_is_reminded_at_its_due_date_and_every_15_days_after() -> None:
    assert reminder_days(date(2026, 12, 1), until=date(2027, 1, 20)) == [
        date(2026, 12, 1),
        date(2026, 12, 16),
        date(2026, 12, 31),
        date(2027, 1, 15),
    ]


def test_one_invoice_per_mo_per_month_and_numbers_per_year() -> None:
    assert invoice_key("MTQ", date(2026, 11, 1)) == invoice_key("MTQ", date(2026, 11, 30))
    assert invoice_key("MTQ", date(2026, 11, 1)) != invoice_key("MSSS", date(2026, 11, 1))
    assert adjustment_key("MTQ", YEAR_2026) == "ajustement-MTQ-2026-04-2027-03"
    assert invoice_number(2026, 123) == "F-2026-000123"


def test_a_period_that_ends_before_it_begins_is_refused() -> None:
    with pytest.raises(ValueError, match="last_day: the period ends before it begins"):
        Period(date(2027, 4, 1), date(2027, 3, 31))
