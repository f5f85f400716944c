"""Billing's records (issue 15): the MOs' agreements (the billing contact's address sealed at
rest with the payload keys, bound to its MO), the rate grid, and the headcount snapshots taken
from the dossier personne, once per MO and day. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adapters.database import (
    BillingAgreementRow,
    BillingRateRow,
    HeadcountSnapshotRow,
    UnitOfWork,
)
from adapters.sealed_mail import MailKeys, Sealer
from models.billing import Agreement, Period, Rate, Snapshot

WHERE = "billing_agreements"


class SqlBilling:
    def __init__(self, uow: UnitOfWork, keys: MailKeys) -> None:
        self._uow = uow
        self._sealer = Sealer(keys)

    # --- agreements --------------------------------------------------------------------------

    def keep_agreement(self, agreement: Agreement, by: str, at: datetime) -> Agreement:
        """Record the MO's agreement, or replace its terms (one agreement per MO)."""
        contact = self._sealer.seal(agreement.billing_contact, WHERE, agreement.mo)
        with self._uow.begin() as session:
            row = session.get(BillingAgreementRow, agreement.mo)
            if row is None:
                row = BillingAgreementRow(mo_code=agreement.mo)
                session.add(row)
            row.first_day = agreement.first_day
            row.estimated_headcount = agreement.estimated_headcount
            row.billing_contact = contact
            row.recorded_by = by
            row.recorded_at = at
        return agreement

    def agreement(self, mo: str) -> Agreement | None:
        with self._uow.begin() as session:
            row = session.get(BillingAgreementRow, mo)
            return None if row is None else self._agreement(row)

    def agreements(self) -> list[Agreement]:
        with self._uow.begin() as session:
            return [
                self._agreement(row)
                for row in session.scalars(
                    select(BillingAgreementRow).order_by(BillingAgreementRow.mo_code)
                )
            ]

    def _agreement(self, row: BillingAgreementRow) -> Agreement:
        return Agreement(
            mo=row.mo_code,
            first_day=row.first_day,
            estimated_headcount=row.estimated_headcount,
            billing_contact=self._sealer.open(
                row.billing_contact, "a billing contact", WHERE, WHERE, row.mo_code
            ),
        )

    # --- the rate grid -----------------------------------------------------------------------

    def add_rate(self, rate: Rate, by: str, at: datetime) -> bool:
        """Add a rate from its date; False when the grid has one from that date already (a
        rate, once in the grid, is never changed: invoices were priced with it)."""
        with self._uow.begin() as session:
            if session.get(BillingRateRow, rate.valid_from) is not None:
                return False
            session.add(
                BillingRateRow(
                    valid_from=rate.valid_from,
                    per_employee_per_year=rate.per_employee_per_year,
                    recorded_by=by,
                    recorded_at=at,
                )
            )
            return True

    def grid(self) -> list[Rate]:
        with self._uow.begin() as session:
            return [
                Rate(
                    per_employee_per_year=Decimal(row.per_employee_per_year),
                    valid_from=row.valid_from,
                )
                for row in session.scalars(
                    select(BillingRateRow).order_by(BillingRateRow.valid_from)
                )
            ]

    # --- headcounts --------------------------------------------------------------------------

    def take_snapshot(self, mo: str, day: date, count: int, at: datetime) -> Snapshot:
        """Keep the MO's count of active employees (read from SAGIR's dossier personne through
        the ERP port) once per day: a snapshot taken again (a schedule firing twice) keeps the
        first count."""
        try:
            with self._uow.begin() as session:
                row = session.get(HeadcountSnapshotRow, (mo, day))
                if row is None:
                    row = HeadcountSnapshotRow(mo_code=mo, day=day, count=count, taken_at=at)
                    session.add(row)
                return Snapshot(mo=row.mo_code, day=row.day, count=row.count)
        except IntegrityError:  # taken meanwhile by another run: that one stands
            with self._uow.begin() as session:
                row = session.get_one(HeadcountSnapshotRow, (mo, day))
                return Snapshot(mo=row.mo_code, day=row.day, count=row.count)

    def snapshots(self, mo: str, period: Period) -> list[Snapshot]:
        with self._uow.begin() as session:
            return [
                Snapshot(mo=row.mo_code, day=row.day, count=row.count)
                for row in session.scalars(
                    select(HeadcountSnapshotRow)
                    .where(
                        HeadcountSnapshotRow.mo_code == mo,
                        HeadcountSnapshotRow.day >= period.first_day,
                        HeadcountSnapshotRow.day <= period.last_day,
                    )
                    .order_by(HeadcountSnapshotRow.day)
                )
            ]
