"""SAGIR's side of billing, through the ERP port: the count of an MO's active employees (the
dossier personne), and its accounts receivable, where each invoice, credit note and payment is
recorded once per idempotency key (a retried activity records nothing twice). SQLite and
PostgreSQL; in production this is SAGIR's own module."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from adapters.database import PersonRow, ReceivableRow, UnitOfWork
from models.billing import Invoice, InvoiceKind, Payment


class SqlReceivables:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def active_employees(self, mo: str) -> int:
        """The MO's employees in service today, from the dossier personne."""
        with self._uow.begin() as session:
            count = session.scalar(
                select(func.count()).where(PersonRow.mo_code == mo, PersonRow.status == "active")
            )
            return int(count or 0)

    def record_invoice(self, key: str, invoice: Invoice, at: datetime) -> bool:
        """Record an invoice (a credit note, negative) in the accounts receivable; False when
        recorded before under `key`."""
        credit = invoice.kind is InvoiceKind.credit_note
        return self._record(
            ReceivableRow(
                idempotency_key=key,
                document=invoice.number,
                mo_code=invoice.mo,
                operation="credit" if credit else "invoice",
                amount=-invoice.amount if credit else invoice.amount,
                on_day=invoice.issued_on,
                due_on=None if credit else invoice.due_on,
                recorded_at=at,
            )
        )

    def record_receipt(self, key: str, number: str, mo: str, payment: Payment) -> bool:
        """Record a payment received against invoice `number`; False when recorded before."""
        return self._record(
            ReceivableRow(
                idempotency_key=key,
                document=number,
                mo_code=mo,
                operation="receipt",
                amount=-payment.amount,
                on_day=payment.paid_on,
                due_on=None,
                recorded_at=payment.at,
            )
        )

    def balance(self, mo: str) -> Decimal:
        """What the MO owes in the accounts receivable (invoices less credits and receipts)."""
        with self._uow.begin() as session:
            total = session.scalar(
                select(func.sum(ReceivableRow.amount)).where(ReceivableRow.mo_code == mo)
            )
            return Decimal(total or 0)

    def documents(self, mo: str) -> list[tuple[str, str, Decimal, date]]:
        """The MO's entries: document, operation, signed amount, day; in the order recorded."""
        with self._uow.begin() as session:
            return [
                (row.document, row.operation, Decimal(row.amount), row.on_day)
                for row in session.scalars(
                    select(ReceivableRow)
                    .where(ReceivableRow.mo_code == mo)
                    .order_by(ReceivableRow.recorded_at, ReceivableRow.idempotency_key)
                )
            ]

    def _record(self, row: ReceivableRow) -> bool:
        try:
            with self._uow.begin() as session:
                if session.get(ReceivableRow, row.idempotency_key) is not None:
                    return False
                session.add(row)
                return True
        except IntegrityError:
            return False  # a concurrent attempt under the same key recorded it first
