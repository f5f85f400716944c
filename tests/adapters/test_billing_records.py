"""Billing's records (issue 15) on SQLite and PostgreSQL: an agreement per MO with its billing
contact sealed at rest, a rate grid whose rates are never changed once added, and headcount
snapshots taken once per MO and day from the dossier personne."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from adapters.database import BillingAgreementRow, UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sealed_mail import MailKeys
from adapters.sql_billing import SqlBilling
from adapters.sql_directory import SqlDirectory
from adapters.sql_receivables import SqlReceivables
from adapters.sql_sagir_erp import SqlSagirErp
from models.billing import (
    CURRENT_RATE,
    Agreement,
    Period,
    Rate,
    Snapshot,
    actual_headcount,
    month_end_counts,
    monthly_amounts,
)
from tests.payload_keys import TEST_KEYS

AT = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
KEYS = MailKeys.of([(key.key_id, key.secret) for key in TEST_KEYS])
CONTACT = "finances@mtq.gouv.qc.ca"


def billing(uow: UnitOfWork) -> SqlBilling:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow))
    return SqlBilling(uow, KEYS)


def test_an_agreement_is_kept_per_mo_with_its_billing_contact_sealed(uow: UnitOfWork) -> None:
    records = billing(uow)
    first = Agreement(
        mo="MTQ", first_day=date(2026, 10, 1), estimated_headcount=1000, billing_contact=CONTACT
    )
    records.keep_agreement(first, "facturation-1", AT)
    records.keep_agreement(first.model_copy(update={"estimated_headcount": 1042}), "f-1", AT)

    kept = records.agreement("MTQ")
    assert kept is not None and kept.estimated_headcount == 1042
    assert kept.billing_contact == CONTACT and [one.mo for one in records.agreements()] == ["MTQ"]
    with uow.begin() as session:
        stored = session.scalars(select(BillingAgreementRow.billing_contact)).one()
    assert CONTACT not in stored
    assert kept.period_of(date(2026, 11, 26)) == Period(date(2026, 10, 1), date(2027, 3, 31))
    assert CONTACT not in repr(kept)


def test_a_rate_once_in_the_grid_is_never_changed(uow: UnitOfWork) -> None:
    records = billing(uow)
    current = Rate(per_employee_per_year=CURRENT_RATE, valid_from=date(2020, 4, 1))
    assert records.add_rate(current, "facturation-1", AT)
    assert not records.add_rate(
        Rate(per_employee_per_year=Decimal("1.00"), valid_from=date(2020, 4, 1)), "x", AT
    )
    assert records.add_rate(
        Rate(per_employee_per_year=Decimal("204.00"), valid_from=date(2027, 4, 1)), "f-1", AT
    )

    grid = records.grid()
    assert [(one.valid_from, one.per_employee_per_year) for one in grid] == [
        (date(2020, 4, 1), Decimal("195.00")),
        (date(2027, 4, 1), Decimal("204.00")),
    ]
    year = Period.fiscal_year(date(2026, 4, 1))
    assert monthly_amounts(Decimal(1000), year, grid)[-1].amount == Decimal("16250.00")


def test_a_headcount_snapshot_is_taken_once_per_mo_and_day(uow: UnitOfWork) -> None:
    records = billing(uow)
    sagir = SqlReceivables(uow)
    first = records.take_snapshot("MTQ", date(2026, 11, 30), sagir.active_employees("MTQ"), AT)
    erp = SqlSagirErp(uow)
    hired = erp.person("MTQ", "52310")
    assert hired is not None
    erp.add_person(hired.model_copy(update={"employee_number": "52399"}))  # hired since
    again = records.take_snapshot("MTQ", date(2026, 11, 30), sagir.active_employees("MTQ"), AT)
    later = records.take_snapshot("MTQ", date(2026, 12, 31), sagir.active_employees("MTQ"), AT)

    assert first == again == Snapshot(mo="MTQ", day=date(2026, 11, 30), count=first.count)
    assert later.count == first.count + 1
    period = Period.fiscal_year(date(2026, 4, 1))
    assert [one.day for one in records.snapshots("MTQ", period)] == [
        date(2026, 11, 30),
        date(2026, 12, 31),
    ]


def test_the_actual_average_is_the_mean_of_the_month_end_counts() -> None:
    period = Period.fiscal_year(date(2026, 4, 1))
    snapshots = [
        Snapshot(mo="MTQ", day=date(2026, 4, 15), count=900),  # mid-month: the month's end counts
        Snapshot(mo="MTQ", day=date(2026, 4, 30), count=1040),
        Snapshot(mo="MTQ", day=date(2026, 5, 31), count=1044),
        Snapshot(mo="MTQ", day=date(2027, 4, 30), count=5000),  # the next period's
    ]

    counts = month_end_counts(snapshots, period)

    assert counts == [1040, 1044]
    assert actual_headcount(counts) == Decimal(1042)
